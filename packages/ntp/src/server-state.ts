/**
 * Per-server polling state and statistics: reach register, rejects by reason,
 * jitter, Kiss-o'-Death, back-off, minimum poll and DNS re-resolution. Times
 * are seconds on the caller's (monotonic) scheduling clock.
 */
import { isIP } from 'node:net';
import { formatEndpoint, parseServerSpec, type Resolver } from './address';
import { NTP_REJECT_REASONS, type NtpQueryResult, type NtpRejectReason } from './validate';
import type { NtpTimestamp } from './packet';

export type ServerHealth = 'ok' | 'unreachable' | 'kod_denied' | 'backoff';

export interface ServerPolicy {
  /** Never poll this server more often than this, whatever else asks. */
  minPollS: number;
  /** Back-off and KoD RATE never stretch the interval beyond this. */
  maxPollS: number;
  /** Re-resolve the name after this many consecutive failed exchanges. */
  reresolveAfterFailures: number;
}

export const DEFAULT_SERVER_POLICY: ServerPolicy = { minPollS: 16, maxPollS: 1024, reresolveAfterFailures: 2 };

/** Plain-JSON status of one server, as `get_daemon_status` and `chronotickctl sources` show it. */
export interface ServerSnapshot {
  name: string;
  address: string | null;
  reach: number;
  samples: number;
  rejects: Partial<Record<NtpRejectReason, number>>;
  last_offset_s: number | null;
  last_delay_s: number | null;
  jitter_s: number | null;
  kod: string | null;
  /** null once the server is no longer polled (KoD DENY/RSTR). */
  next_poll_in_s: number | null;
  /** The interval it is polled at now, seconds: adaptive, KoD and back-off included; null once no longer polled. */
  poll_interval_s: number | null;
  state: ServerHealth;
}

/** Offsets kept for the jitter estimate. */
const JITTER_WINDOW = 8;
/**
 * Replies accepted at a RATE-stretched interval before it is halved again: the server
 * asked us to slow down, not to stay slow for ever, and this many quiet polls at the
 * slower pace show the pressure has passed.
 */
const RATE_RECOVERY_REPLIES = 8;
/** Failures that count as "no answer" for back-off; the others are answers we refused. */
const NO_ANSWER: ReadonlySet<NtpRejectReason> = new Set(['timeout', 'network', 'dns']);

export class NtpServerState {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  private address: string | null = null;
  private needsResolve = true;
  private reach = 0;
  private polls = 0;
  private samples = 0;
  private readonly rejects = new Map<NtpRejectReason, number>();
  private lastOffsetS: number | null = null;
  private lastDelayS: number | null = null;
  private readonly recentOffsetsS: number[] = [];
  private kod: string | null = null;
  private denied = false;
  private rateFactor = 1;
  private repliesSinceRate = 0;
  private backoffFactor = 1;
  private consecutiveFailures = 0;
  private lastPollAtS: number | null = null;
  private lastIntervalS = 0;
  private lastServerTransmit: NtpTimestamp | null = null;
  inFlight = false;

  constructor(
    spec: string,
    private readonly policy: ServerPolicy = DEFAULT_SERVER_POLICY,
  ) {
    const parsed = parseServerSpec(spec);
    this.name = spec.trim();
    this.host = parsed.host;
    this.port = parsed.port;
    if (isIP(parsed.host) !== 0) {
      this.address = parsed.host;
      this.needsResolve = false;
    }
  }

  /** An address to query, resolving the name when needed; null (and a 'dns' reject) on failure. */
  async resolve(resolver: Resolver): Promise<{ address: string } | { error: string }> {
    if (!this.needsResolve && this.address !== null) return { address: this.address };
    try {
      const found = await resolver(this.host);
      const first = found[0];
      if (!first) return { error: `no addresses for ${this.host}` };
      this.address = first.address;
      this.needsResolve = false;
      return { address: first.address };
    } catch (err) {
      return { error: `cannot resolve ${this.host}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** The address queried last; null before the name was resolved. */
  get resolvedAddress(): string | null {
    return this.address;
  }

  /** T3 of the last accepted reply, for replay detection. */
  get previousServerTransmit(): NtpTimestamp | null {
    return this.lastServerTransmit;
  }

  get usable(): boolean {
    return !this.denied;
  }

  /**
   * The interval this server is polled at, given the sampler's current round
   * interval: stretched by KoD RATE and by back-off, never below the minimum
   * poll (etiquette wins over warm-up density).
   */
  intervalS(baseIntervalS: number): number {
    const stretched = baseIntervalS * this.rateFactor * this.backoffFactor;
    const capped = Math.min(stretched, Math.max(this.policy.maxPollS, baseIntervalS));
    return Math.max(this.policy.minPollS, capped);
  }

  /** When this server may next be polled; Infinity once a KoD DENY/RSTR stopped it. */
  dueAtS(baseIntervalS: number): number {
    if (this.denied) return Infinity;
    if (this.lastPollAtS === null) return -Infinity;
    return this.lastPollAtS + this.intervalS(baseIntervalS);
  }

  /** Mark the start of a poll; the interval used is kept for the status output. */
  notePoll(nowS: number, baseIntervalS: number): void {
    this.lastPollAtS = nowS;
    this.lastIntervalS = this.intervalS(baseIntervalS);
    this.polls += 1;
    this.inFlight = true;
  }

  /** Fold one exchange's outcome into the statistics and the schedule. */
  record(result: NtpQueryResult): void {
    this.inFlight = false;
    const answered = result.ok || !NO_ANSWER.has(result.reason);
    this.reach = ((this.reach << 1) | (result.ok ? 1 : 0)) & 0xff;
    if (result.ok) {
      this.samples += 1;
      this.lastOffsetS = result.offsetS;
      this.lastDelayS = result.delayS;
      this.lastServerTransmit = result.serverTransmit;
      this.recentOffsetsS.push(result.offsetS);
      if (this.recentOffsetsS.length > JITTER_WINDOW) this.recentOffsetsS.shift();
      this.consecutiveFailures = 0;
      this.backoffFactor = 1;
      if (this.rateFactor > 1 && ++this.repliesSinceRate >= RATE_RECOVERY_REPLIES) {
        this.rateFactor /= 2;
        this.repliesSinceRate = 0;
      }
      return;
    }
    this.rejects.set(result.reason, (this.rejects.get(result.reason) ?? 0) + 1);
    if (result.reason === 'kod') this.applyKod(result.kodCode ?? '');
    if (!answered) {
      this.consecutiveFailures += 1;
      // Exponential back-off: each unanswered poll doubles the interval (capped by maxPollS).
      this.backoffFactor = Math.min(this.backoffFactor * 2, 2 ** 16);
      if (result.reason === 'dns' || this.consecutiveFailures >= this.policy.reresolveAfterFailures) {
        // The name may now point elsewhere (pool rotation, renumbering).
        if (isIP(this.host) === 0) this.needsResolve = true;
      }
    }
  }

  private applyKod(code: string): void {
    this.kod = code;
    if (code === 'DENY' || code === 'RSTR') {
      // RFC 5905 §7.4: the server asks us to stop; we never poll it again.
      this.denied = true;
    } else if (code === 'RATE') {
      this.rateFactor = Math.min(this.rateFactor * 2, 2 ** 16);
      this.repliesSinceRate = 0;
    }
  }

  /** RMS of successive offset differences over the recent samples (null below two). */
  get jitterS(): number | null {
    const o = this.recentOffsetsS;
    if (o.length < 2) return null;
    let sum = 0;
    for (let i = 1; i < o.length; i++) sum += ((o[i] ?? 0) - (o[i - 1] ?? 0)) ** 2;
    return Math.sqrt(sum / (o.length - 1));
  }

  get health(): ServerHealth {
    if (this.denied) return 'kod_denied';
    // No good sample in the last eight polls and still failing.
    if (this.reach === 0 && this.consecutiveFailures > 0) return 'unreachable';
    if (this.consecutiveFailures > 0) return 'backoff';
    return 'ok';
  }

  snapshot(nowS: number, baseIntervalS: number): ServerSnapshot {
    const due = this.dueAtS(baseIntervalS);
    const rejects: Partial<Record<NtpRejectReason, number>> = {};
    for (const reason of NTP_REJECT_REASONS) {
      const n = this.rejects.get(reason);
      if (n) rejects[reason] = n;
    }
    return {
      name: this.name,
      address: this.address === null ? null : formatEndpoint(this.address, this.port),
      reach: this.reach,
      samples: this.samples,
      rejects,
      last_offset_s: this.lastOffsetS,
      last_delay_s: this.lastDelayS,
      jitter_s: this.jitterS,
      kod: this.kod,
      next_poll_in_s: due === Infinity ? null : Math.max(0, due - nowS),
      poll_interval_s: this.denied ? null : this.intervalS(baseIntervalS),
      state: this.health,
    };
  }

  /** Interval used at the last poll, for logs. */
  get lastPollIntervalS(): number {
    return this.lastIntervalS;
  }
}
