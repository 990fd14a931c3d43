/**
 * The NTP sampler: schedules measurement rounds over several servers (dense
 * during warm-up, then the normal interval), honours each server's minimum
 * poll, Kiss-o'-Death and back-off, and hands every round's combined offset
 * and per-sample details to a callback. Clock, timers, query and resolver are
 * injected, so tests drive it in virtual time.
 */
import { AdaptivePoll } from './adaptive-poll';
import { addressClass } from './address-class';
import { systemResolver, type Resolver } from './address';
import { defaultTimers, queryNtp, type NtpQueryRequest, type TimerApi } from './query';
import { selectAndCombine } from './selection';
import { DEFAULT_SERVER_POLICY, NtpServerState } from './server-state';
import type { NtpQueryResult, NtpSample } from './validate';
import type { NtpRound, NtpSamplerConfig, NtpSamplerDeps, NtpSamplerStatus, SamplerPhase, SamplerState } from './sampler-types';

export type { NtpRound, NtpSamplerConfig, NtpSamplerDeps, NtpSamplerStatus, SamplerPhase, SamplerState } from './sampler-types';

/** Smallest gap between two rounds. */
const MIN_ROUND_GAP_S = 0.01;
/** A round gathers servers due within this fraction of the interval... */
const ROUND_WINDOW_FRACTION = 0.5;
/** ...but never over a longer span, so drift within a round stays negligible. */
const MAX_ROUND_WINDOW_S = 0.2;

export class NtpSampler {
  private readonly servers: NtpServerState[];
  private readonly mono: () => number;
  private readonly timers: TimerApi;
  private readonly query: (req: NtpQueryRequest) => Promise<NtpQueryResult>;
  private readonly resolver: Resolver;
  private readonly pendingTimers = new Set<unknown>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly cancellers = new Set<() => void>();
  private abort = new AbortController();
  private startedAtS: number | null = null;
  private running = false;
  private stopped = false;
  private seq = 0;
  private consecutiveFailedRounds = 0;
  private lastSuccessAtS: number | null = null;
  /** The timer of the next round, while idle between rounds. */
  private roundTimer: unknown = null;
  /** Each server's adaptive interval, made once its address (and so its class) is known. */
  private readonly polls = new Map<NtpServerState, AdaptivePoll>();

  constructor(
    private readonly config: NtpSamplerConfig,
    private readonly deps: NtpSamplerDeps,
  ) {
    const policy = {
      ...DEFAULT_SERVER_POLICY,
      minPollS: config.minPollS,
      maxPollS: config.maxPollS ?? DEFAULT_SERVER_POLICY.maxPollS,
    };
    this.servers = config.servers.map((s) => new NtpServerState(s, policy));
    this.mono = deps.monotonicS ?? deps.clock;
    this.timers = deps.timers ?? defaultTimers;
    this.query = deps.query ?? queryNtp;
    this.resolver = deps.resolver ?? systemResolver;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.abort = new AbortController();
    this.startedAtS = this.mono();
    this.scheduleRound(0);
  }

  /** Cancels timers and in-flight queries; resolves once every socket is closed. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    for (const t of this.pendingTimers) this.timers.clearTimeout(t);
    this.pendingTimers.clear();
    this.roundTimer = null;
    for (const cancel of this.cancellers) cancel();
    this.cancellers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  phase(nowS = this.mono()): SamplerPhase {
    if (this.startedAtS === null) return 'warm_up';
    return nowS - this.startedAtS < this.config.warmUp.durationS ? 'warm_up' : 'normal';
  }

  /** The interval a server is due at in this phase, before KoD, back-off and the minimum poll. */
  private baseIntervalS(server: NtpServerState, phase: SamplerPhase): number {
    if (phase === 'warm_up') return this.config.warmUp.intervalS;
    const adaptive = this.config.adaptive;
    if (adaptive === undefined) return this.config.intervalS;
    return this.pollOf(server)?.intervalS ?? adaptive.minIntervalS;
  }

  /**
   * The server's adaptive interval; null until its address is resolved, since whether
   * it may be polled densely depends on where the address lies, not on its name.
   */
  private pollOf(server: NtpServerState): AdaptivePoll | null {
    const adaptive = this.config.adaptive;
    if (adaptive === undefined) return null;
    const known = this.polls.get(server);
    if (known !== undefined) return known;
    const address = server.resolvedAddress;
    if (address === null) return null;
    const local = adaptive.local !== undefined && addressClass(address) === 'local';
    const poll = new AdaptivePoll(
      local && adaptive.local ? adaptive.local : { minIntervalS: adaptive.minIntervalS, maxIntervalS: this.config.intervalS },
    );
    this.polls.set(server, poll);
    return poll;
  }

  /**
   * Start warm-up again (dense sampling), e.g. after the host clock was
   * stepped and the history no longer holds. Minimum poll still applies.
   */
  restartWarmUp(): void {
    if (!this.running) return;
    this.startedAtS = this.mono();
    // An idle wait may be a whole normal interval long: bring the next round forward.
    if (this.roundTimer !== null) {
      this.timers.clearTimeout(this.roundTimer);
      this.pendingTimers.delete(this.roundTimer);
      this.roundTimer = null;
      this.scheduleNext(this.mono());
    }
  }

  private scheduleRound(delayMs: number): void {
    this.roundTimer = this.later(delayMs, () => {
      this.roundTimer = null;
      this.round();
    });
  }

  private later(delayMs: number, fn: () => void): unknown {
    const handle = this.timers.setTimeout(
      () => {
        this.pendingTimers.delete(handle);
        if (this.running) fn();
      },
      Math.max(0, delayMs),
    );
    this.pendingTimers.add(handle);
    return handle;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private round(): void {
    const nowS = this.mono();
    const phase = this.phase(nowS);
    // Servers due within a short window join this round, so one round holds one
    // sample per server even when timer lateness has shifted their phases apart.
    const due = this.servers.filter((s) => {
      if (!s.usable || s.inFlight) return false;
      const baseS = this.baseIntervalS(s, phase);
      return s.dueAtS(baseS) <= nowS + Math.min(ROUND_WINDOW_FRACTION * baseS, MAX_ROUND_WINDOW_S);
    });
    if (due.length === 0) {
      this.scheduleNext(nowS);
      return;
    }
    const startedAtS = this.deps.clock();
    const spreadS = (this.config.spreadMs ?? 20) / 1000;
    const exchanges = due.map((server, i) => {
      server.inFlight = true;
      const baseS = this.baseIntervalS(server, phase);
      return this.track(
        this.pollAt(server, baseS, Math.max(nowS + i * spreadS, server.dueAtS(baseS))).then((r) => {
          server.record(r);
          // A burst's samples say nothing of how the clock fares over a longer gap.
          if (r.ok && phase === 'normal') this.adapt(server, r);
          return r;
        }),
      );
    });
    void this.track(Promise.all(exchanges)).then((results) => this.finishRound(phase, startedAtS, results));
  }

  /**
   * Poll one server no earlier than atS. The wait loops because timers may
   * fire a little early; the poll is stamped when the query really goes out,
   * so nothing can bring two polls of a server closer than its interval.
   */
  private async pollAt(server: NtpServerState, baseS: number, atS: number): Promise<NtpQueryResult> {
    for (let waitS = atS - this.mono(); waitS > 0; waitS = atS - this.mono()) {
      if (!(await this.wait(Math.ceil(waitS * 1000)))) {
        return { ok: false, server: server.name, address: null, reason: 'network', detail: 'sampler stopped' };
      }
    }
    server.notePoll(this.mono(), baseS);
    return this.exchange(server);
  }

  /** Moves the server's adaptive interval by what the estimator learned from its sample. */
  private adapt(server: NtpServerState, sample: NtpSample): void {
    const poll = this.pollOf(server);
    if (poll === null || this.deps.pollFeedback === undefined) return;
    try {
      const feedback = this.deps.pollFeedback(sample);
      if (feedback !== null) poll.update(feedback);
    } catch (err) {
      this.deps.onError?.(err);
    }
  }

  /** Resolves true after ms, or false at once if the sampler stops first. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = (): void => resolve(false);
      this.cancellers.add(cancel);
      this.later(ms, () => {
        this.cancellers.delete(cancel);
        resolve(true);
      });
    });
  }

  private async exchange(server: NtpServerState): Promise<NtpQueryResult> {
    const resolved = await server.resolve(this.resolver);
    if ('error' in resolved) {
      return { ok: false, server: server.name, address: null, reason: 'dns', detail: resolved.error };
    }
    try {
      return await this.query({
        server: server.name,
        address: resolved.address,
        port: server.port,
        clock: this.deps.clock,
        timeoutMs: this.config.timeoutMs,
        maxUncertaintyS: this.config.maxUncertaintyS,
        previousServerTransmit: server.previousServerTransmit,
        signal: this.abort.signal,
        timers: this.timers,
      });
    } catch (err) {
      // queryNtp never rejects; an injected query might.
      const detail = err instanceof Error ? err.message : String(err);
      return { ok: false, server: server.name, address: resolved.address, reason: 'network', detail };
    }
  }

  private finishRound(phase: SamplerPhase, startedAtS: number, results: NtpQueryResult[]): void {
    if (this.stopped) return;
    const accepted = results.filter((r): r is NtpSample => r.ok);
    if (accepted.length > 0) {
      this.consecutiveFailedRounds = 0;
      this.lastSuccessAtS = this.mono();
    } else {
      this.consecutiveFailedRounds += 1;
    }
    this.seq += 1;
    const round: NtpRound = {
      seq: this.seq,
      phase,
      startedAtS,
      endedAtS: this.deps.clock(),
      results,
      combined: selectAndCombine(accepted),
      state: this.state(),
    };
    try {
      this.deps.onRound(round);
    } catch (err) {
      this.deps.onError?.(err);
    }
    this.scheduleNext(this.mono());
  }

  /** Wake at the next round boundary, or later if no server is due by then. */
  private scheduleNext(nowS: number): void {
    if (!this.running) return;
    const phase = this.phase(nowS);
    const usable = this.servers.filter((s) => s.usable);
    if (usable.length === 0) return; // Nothing will ever be due: status says no_usable_servers.
    const earliestDueS = Math.min(...usable.map((s) => s.dueAtS(this.baseIntervalS(s, phase))));
    // Each server's due time already holds its interval, minimum poll, KoD and
    // back-off; the floor only stops a tight loop if a query outlasted its interval.
    const wakeS = Math.max(nowS + MIN_ROUND_GAP_S, earliestDueS);
    // Round up so a timer never fires a hair before a server's minimum poll has passed.
    this.scheduleRound(Math.ceil((wakeS - nowS) * 1000));
  }

  private state(): SamplerState {
    if (this.stopped) return 'stopped';
    if (!this.running) return 'idle';
    if (!this.servers.some((s) => s.usable)) return 'no_usable_servers';
    if (this.consecutiveFailedRounds > 0 && this.lastSuccessAtS === null) return 'no_response';
    if (this.consecutiveFailedRounds >= 3) return 'no_response';
    return this.phase() === 'warm_up' ? 'warming_up' : 'running';
  }

  status(): NtpSamplerStatus {
    const nowS = this.mono();
    const phase = this.phase(nowS);
    const elapsedS = this.startedAtS === null ? 0 : nowS - this.startedAtS;
    const durationS = this.config.warmUp.durationS;
    const progress = durationS <= 0 ? 1 : Math.min(1, elapsedS / durationS);
    const state = this.state();
    return {
      state,
      message: this.describe(state, nowS),
      warmup_progress: progress,
      warmup_remaining_s: Math.max(0, durationS - elapsedS),
      rounds: this.seq,
      consecutive_failed_rounds: this.consecutiveFailedRounds,
      last_success_age_s: this.lastSuccessAtS === null ? null : nowS - this.lastSuccessAtS,
      servers: this.servers.map((s) => s.snapshot(nowS, this.baseIntervalS(s, phase))),
    };
  }

  private describe(state: SamplerState, nowS: number): string {
    switch (state) {
      case 'no_response': {
        const last = this.lastSuccessAtS === null ? 'never' : `${Math.round(nowS - this.lastSuccessAtS)} s ago`;
        return `no NTP server answered in the last ${this.consecutiveFailedRounds} round(s) (last answer: ${last}); retrying with back-off — check network access to ${this.config.servers.join(', ')}`;
      }
      case 'no_usable_servers':
        return this.servers.length === 0
          ? 'no NTP servers configured; add some under ntp.servers'
          : "every NTP server refused service (Kiss-o'-Death DENY/RSTR); configure other servers";
      case 'warming_up':
        return 'warming up: sampling densely';
      case 'running':
        return 'sampling';
      case 'idle':
        return 'not started';
      case 'stopped':
        return 'stopped';
    }
  }
}
