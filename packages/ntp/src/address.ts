/** Server specs (`host[:port]`, `[v6]:port`) and name resolution. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export const NTP_PORT = 123;

export interface ServerSpec {
  host: string;
  port: number;
}

export type ServerSpecErrorCode = 'NTP_BAD_SERVER_SPEC';

export class ServerSpecError extends Error {
  readonly code: ServerSpecErrorCode = 'NTP_BAD_SERVER_SPEC';
  constructor(message: string) {
    super(message);
    this.name = 'ServerSpecError';
  }
}

function parsePort(text: string, spec: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new ServerSpecError(`bad port in NTP server "${spec}": use host[:port] with a port from 1 to 65535`);
  }
  return port;
}

/**
 * Parse `host`, `host:port`, `1.2.3.4:port`, `[2001:db8::1]:port` or a bare IPv6
 * literal (more than one colon and no brackets means the colons are the
 * address's own, so no port). Throws ServerSpecError: this runs on config, where
 * a clear early error is what the operator needs.
 */
export function parseServerSpec(spec: string): ServerSpec {
  const s = spec.trim();
  if (s.length === 0) throw new ServerSpecError('empty NTP server name');
  if (s.includes('://')) {
    throw new ServerSpecError(`NTP server "${spec}" looks like a URL: write host[:port], e.g. time.example.com or time.example.com:123`);
  }
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new ServerSpecError(`unclosed "[" in NTP server "${spec}"`);
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (isIP(host) !== 6) throw new ServerSpecError(`"${host}" in NTP server "${spec}" is not an IPv6 address`);
    if (rest === '') return { host, port: NTP_PORT };
    if (!rest.startsWith(':')) throw new ServerSpecError(`unexpected "${rest}" after "]" in NTP server "${spec}"`);
    return { host, port: parsePort(rest.slice(1), spec) };
  }
  const colons = s.split(':').length - 1;
  if (colons === 0) return { host: checkHostName(s, spec), port: NTP_PORT };
  if (colons > 1) {
    if (isIP(s) !== 6) throw new ServerSpecError(`"${spec}" is not a valid IPv6 address; write [address]:port for a port`);
    return { host: s, port: NTP_PORT };
  }
  const [host = '', port = ''] = s.split(':');
  if (host === '') throw new ServerSpecError(`missing host in NTP server "${spec}"`);
  return { host: checkHostName(host, spec), port: parsePort(port, spec) };
}

/** Letters, digits, '-', '_' and dots: what DNS names and IPv4 literals are made of. */
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;

function checkHostName(host: string, spec: string): string {
  if (!HOST_NAME.test(host) || host.includes('..')) {
    throw new ServerSpecError(`"${host}" in NTP server "${spec}" is not a host name or address: use host[:port]`);
  }
  return host;
}

/** `address:port`, bracketing IPv6 so the result parses back. */
export function formatEndpoint(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to addresses, IPv4 and IPv6. Injected so tests need no DNS. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo via dns.promises.lookup), both families, in its order. */
export const systemResolver: Resolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.filter((a) => a.family === 4 || a.family === 6).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
};
