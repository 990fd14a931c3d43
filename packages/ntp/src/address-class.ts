/**
 * Which servers may be polled densely: NTP etiquette (RFC 8633 §3.4, the pool's terms)
 * protects public servers; a server on this host or the local network is the
 * operator's own, and polling it every second costs nobody anything.
 */
import { isIP } from 'node:net';

/** Where an address lies, for the polling policy. */
export type AddressClass = 'local' | 'public';

/**
 * `local` for loopback (127.0.0.0/8, ::1), private IPv4 (10/8, 172.16/12, 192.168/16),
 * link-local (169.254/16, fe80::/10) and unique-local IPv6 (fc00::/7), and for IPv4
 * mapped into IPv6 (::ffff:a.b.c.d) by the same rules; `public` for everything else,
 * carrier-grade NAT (100.64/10) included, since a provider's server is not ours to load.
 */
export function addressClass(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) return ipv4IsLocal(address) ? 'local' : 'public';
  if (family !== 6) return 'public';
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped?.[1] !== undefined) return ipv4IsLocal(mapped[1]) ? 'local' : 'public';
  if (a === '::1') return 'local';
  const first = parseInt(a.split(':')[0] || '0', 16);
  // fc00::/7 (unique local) and fe80::/10 (link-local).
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80) return 'local';
  return 'public';
}

function ipv4IsLocal(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}
