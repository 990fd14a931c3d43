import type { Config } from '@chronotick/config';
import type { LeapIndicator } from '@chronotick/ntp';
import type { ConfidenceIntervalAnswer, DaemonStatus, FutureUncertaintyAnswer, TimeAnswer } from '@chronotick/protocol';
import { createModelRegistry, type Forecast, type Measurement, type SyncForecaster } from '@chronotick/tsfm';
import type { Logger } from '../log';
import { buildConfidenceAnswer, buildFutureAnswer, buildTimeAnswer, type AnswerContext } from './answer';
import { ClockDiscipline, type RoundSample } from './clock-discipline';
import { clockStatusOf, daemonStatusOf, next, type ClockEvent, type ClockPhase } from './clock-state';
import { extrapolate, hostOnlyCorrection, servedSource, type Correction } from './correction';
import { hardBoundOf, hardIntervalAt } from './hard-bound';
import { LeapWatch, type LeapStatus } from './leap-watch';
import { KALMAN, Predictors, type ModelRole } from './predictors';
import { RoundCadence } from './round-cadence';
import { ServedCalibration, snapshotsOf } from './served-calibration';
import { ServedClock } from './served-clock';
import { ServerSelection } from './server-selection';

/** Measurements kept, and how many of the newest the linear fit reads. */
const HISTORY_LIMIT = 4096;
const FIT_WINDOW = 64;
/**
 * Predictions are scored only once the history has this many measurements (as the
 * replay evaluation skips its first 8): a fit on three points is not the fit we serve,
 * and its errors would haunt the calibration window for an hour.
 */
const MIN_HISTORY_FOR_SCORING = 8;
/** What is served is noted for calibration this often, seconds. */
const NOTE_INTERVAL_S = 60;

/** One round of NTP exchanges: the samples accepted (rejections never reach the pipeline). */
export interface RoundEvent {
  samples: readonly RoundSample[];
  /** The sampler is still in its dense warm-up. */
  warmingUp: boolean;
  /** System covariates read with the round (CPU load, temperature, ...). */
  covariates?: Readonly<Record<string, number>>;
}

/** What a round changed, for the runtime to act on (audit log, sampler). */
export interface RoundOutcome {
  /** The measurements the round added to the history (a falseticker's never). */
  measurements: Measurement[];
  /** The correction installed, when the round changed it. */
  installed: Correction | null;
  /** The history was discarded: the sampler should warm up again. */
  restartWarmUp: boolean;
}

/** The models' input: measurements only, and the generation a forecast must carry back. */
export interface ModelInput {
  history: readonly Measurement[];
  generation: number;
}

type PipelineLog = Pick<Logger, 'warn' | 'info' | 'debug'>;

/**
 * The one served correction and everything that makes it, driven by events: a round of
 * measurements, a model forecast, a tick, a host clock step, a restore. No timers, no
 * I/O, no clock of its own: the daemon's runtime, the replay and the simulator feed it
 * the same events, so what they score is what the daemon serves. Queries read the
 * current correction and extrapolate it in O(1).
 */
export class TimePipeline {
  readonly discipline: ClockDiscipline;
  readonly predictors: Predictors;
  private readonly selection: ServerSelection;
  private readonly leaps = new LeapWatch();
  /** The record of what was served, scored against references fitted later. */
  readonly calibration: ServedCalibration;
  private lastNotedS = -Infinity;
  /** The next correction installed is the first in a new leap-second count. */
  private leapJustApplied = false;
  private readonly served = new ServedClock();
  private phase: ClockPhase = 'unknown';
  /** The sampler is in its dense warm-up: told by every round and tick. */
  private warmingUp = false;
  private correction: Correction;
  private corrections = 0;
  /** Bumped whenever the history is discarded: forecasts from before are void. */
  private generation = 0;
  private shares: Record<string, number> = {};
  private leap: LeapIndicator | null = null;
  private readonly cadence: RoundCadence;
  /** The shortest normal interval: a burst's quick polls say nothing of how soon the next comes. */
  private readonly minIntervalS: number;
  private readonly timeoutS: number;
  private readonly maxDriftPpm: number;
  private readonly coverage: number;

  constructor(
    config: Config,
    nowS: number,
    private readonly log: PipelineLog,
    kalman: SyncForecaster = createModelRegistry().create(KALMAN) as SyncForecaster,
  ) {
    const { clock_measurement: measurement, fusion } = config;
    const { measurement_interval: intervalS, min_interval: minIntervalS } = measurement.timing.normal_operation;
    this.cadence = new RoundCadence(intervalS, intervalS);
    this.minIntervalS = minIntervalS ?? intervalS;
    this.timeoutS = measurement.ntp.timeout_seconds;
    this.maxDriftPpm = measurement.max_drift_ppm;
    this.coverage = fusion.coverage;
    this.discipline = new ClockDiscipline({ historyLimit: HISTORY_LIMIT, fitWindow: FIT_WINDOW });
    this.selection = new ServerSelection(() => this.freeRunningAfterS(), this.maxDriftPpm, measurement.ntp.max_acceptable_uncertainty);
    this.predictors = new Predictors(
      {
        maxDriftPpm: this.maxDriftPpm,
        fusionEnabled: fusion.enabled,
        fusionMethod: fusion.method,
        maxSigmaS: fusion.uncertainty_threshold,
        scheduleS: { short_term: config.short_term.inference_interval, long_term: config.long_term.inference_interval },
      },
      kalman,
    );
    this.correction = hostOnlyCorrection(nowS);
    // An answer more than two polls after its newest measurement is coasting: judged apart.
    this.calibration = new ServedCalibration(() => 2 * this.cadence.typicalGapS());
  }

  /** A round of measurements: select, score the standing predictions, fit, fuse, serve. */
  onRound(round: RoundEvent, nowS: number): RoundOutcome {
    this.warmingUp = round.warmingUp;
    const none: RoundOutcome = { measurements: [], installed: null, restartWarmUp: false };
    this.leaps.observe(round.samples, this.utcAt(nowS));
    const samples = round.samples.filter((s) => !this.leaps.setsAside(s.server));
    this.checkLeap(nowS);
    const selected = this.selection.select(round.samples, this.correction, nowS, (server) => this.leaps.setsAside(server));
    if (!selected.ok) return none;
    this.shares = selected.weights;
    this.leap = selected.leap;
    if (selected.leapConflict) this.log.warn('NTP servers disagree about an upcoming leap second; acting on none of them');
    if (selected.falsetickers.length > 0) this.log.debug(`NTP falsetickers: ${selected.falsetickers.join(', ')}`);
    // Only this round's samples from truechimers become evidence; a falseticker's never do.
    const covariates = round.covariates ? { covariates: round.covariates } : {};
    const fresh = samples.filter((s) => selected.survivors.includes(s.server)).map((s) => ({ ...s, ...covariates }));
    if (fresh.length === 0) return none;
    const restartWarmUp = this.phase === 'restored' && !this.confirmRestored(fresh, nowS);
    // A refuted restore warms up again, whatever phase the sampler was in.
    this.warmingUp = round.warmingUp || restartWarmUp;
    // Score every predictor's standing prediction before the new measurements join the
    // history: a predictor is judged on what it said before it saw them.
    if (this.discipline.measurements.length >= MIN_HISTORY_FOR_SCORING) {
      const served = this.correction;
      const base = this.discipline.correctionAt(nowS, served.clockStatus);
      const knownUntilS = this.discipline.lastMeasurementS;
      this.predictors.observe(fresh, base, (tS) => extrapolate(served, tS).offsetS, knownUntilS);
    }
    for (const m of fresh) this.cadence.note(m.tS);
    this.discipline.add(fresh);
    this.calibration.score(this.discipline.measurements);
    this.predictors.updateStatistical(this.discipline.measurements, nowS);
    this.transition({ type: 'measured', warmingUp: this.warmingUp });
    return { measurements: fresh, installed: this.install(nowS), restartWarmUp };
  }

  /**
   * A model's forecast, made from the history of `generation` at `madeAtS`. One made
   * before the history was discarded is dropped (false).
   */
  onForecast(role: ModelRole, forecast: Forecast, madeAtS: number, generation: number, nowS: number): boolean {
    if (generation !== this.generation) return false;
    this.predictors.setForecast(role, forecast, madeAtS);
    if (this.discipline.measurements.length > 0 && this.phase !== 'restored') this.install(nowS);
    return true;
  }

  /** Time passed: measurements may have grown stale, warm-up may be over. */
  onTick(nowS: number, warmingUp: boolean): void {
    this.warmingUp = warmingUp;
    this.applyDueLeap(nowS);
    this.noteServed(nowS);
    const lastS = this.discipline.lastMeasurementS;
    const stale = lastS !== null && nowS - lastS > this.freeRunningAfterS();
    const before = this.phase;
    this.transition({ type: 'tick', warmingUp, stale, hasEvidence: lastS !== null });
    if (this.phase === before) return;
    if (this.phase === 'free_running') {
      this.log.warn(`no NTP measurement for ${Math.round(nowS - (lastS ?? nowS))} s: free-running on the last drift estimate`);
    }
    const clockStatus = clockStatusOf(this.phase);
    // A relabel, not a new correction: the estimate is the same, what it may claim is not.
    this.correction = { ...this.correction, clockStatus, source: servedSource(this.correction.source, clockStatus) };
  }

  /** The host clock was stepped by `stepS`: every measurement is void; warm up again. */
  onHostClockStep(stepS: number, nowS: number): { restartWarmUp: true } {
    this.log.warn(
      `host clock stepped by ${stepS.toFixed(6)} s: discarding ${this.discipline.measurements.length} measurements and warming up again`,
    );
    this.discard();
    this.transition({ type: 'host_step' });
    this.replace({ ...hostOnlyCorrection(nowS), clockStatus: 'disrupted' }, nowS);
    return { restartWarmUp: true };
  }

  /**
   * Measurements and calibration saved by an earlier run. Served (as free-running)
   * until the first fresh measurement confirms them or shows the clock moved.
   */
  restore(measurements: readonly Measurement[], calibration: unknown, nowS: number): void {
    if (measurements.length === 0) return;
    this.discipline.restore(measurements);
    this.predictors.calibrator.restore(calibration);
    this.transition({ type: 'restored' });
    this.replace(this.withHardBound(this.discipline.correctionAt(nowS, clockStatusOf(this.phase))), nowS);
  }

  /**
   * Three missed rounds at the cadence measurements arrive at (not the configured
   * longest interval: adaptive polling moves between bounds) mean coasting.
   */
  private freeRunningAfterS(): number {
    return 3 * Math.max(this.cadence.longestGapS(), this.minIntervalS) + this.timeoutS;
  }

  /** What a model run should read, and the generation its forecast must carry back. */
  modelInput(): ModelInput {
    return { history: this.discipline.measurements, generation: this.generation };
  }

  get current(): Readonly<Correction> {
    return this.correction;
  }

  get clockPhase(): ClockPhase {
    return this.phase;
  }

  get daemonStatus(): DaemonStatus {
    return daemonStatusOf(this.phase, this.warmingUp);
  }

  /** How many corrections have been installed since start. */
  get totalCorrections(): number {
    return this.corrections;
  }

  /** Each server's share of the last combined round (0 for a falseticker). */
  get serverShares(): Readonly<Record<string, number>> {
    return this.shares;
  }

  get leapIndicator(): LeapIndicator | null {
    return this.leap;
  }

  /** Which servers the daemon follows around a leap second, and which it set aside. */
  get leapStatus(): LeapStatus {
    return this.leaps.status();
  }

  timeAnswer(systemTimeS: number): TimeAnswer {
    this.applyDueLeap(systemTimeS);
    return this.record(buildTimeAnswer(this.correction, this.context(systemTimeS)));
  }

  futureAnswer(systemTimeS: number, futureS: number): FutureUncertaintyAnswer {
    this.applyDueLeap(systemTimeS);
    return this.record(buildFutureAnswer(this.correction, this.context(systemTimeS), futureS));
  }

  confidenceAnswer(systemTimeS: number, level: number): ConfidenceIntervalAnswer {
    this.applyDueLeap(systemTimeS);
    return this.record(buildConfidenceAnswer(this.correction, this.context(systemTimeS), level));
  }

  /** The answer at `systemTimeS` without serving it (status reports read it). */
  peekAnswer(systemTimeS: number): TimeAnswer {
    return buildTimeAnswer(this.correction, this.context(systemTimeS));
  }

  private record<A extends TimeAnswer>(answer: A): A {
    this.served.served(answer.corrected_time);
    return answer;
  }

  private context(systemTimeS: number): AnswerContext {
    return {
      systemTimeS,
      pendingSlewS: this.served.pendingSlewS(systemTimeS),
      daemonStatus: this.daemonStatus,
      maxDriftPpm: this.maxDriftPpm,
      coverage: this.coverage,
      notBeforeS: this.served.notBeforeS,
    };
  }

  private transition(event: ClockEvent): void {
    this.phase = next(this.phase, event);
  }

  /** Serves the fit, fused with the forecasts, labelled for the clock's state. */
  private install(nowS: number): Correction {
    const clockStatus = clockStatusOf(this.phase);
    const fitted = this.discipline.correctionAt(nowS, clockStatus);
    this.replace(this.withHardBound(this.predictors.fuse(fitted, nowS, this.calibration.winning())), nowS);
    return this.correction;
  }

  /**
   * The hard bound beside the estimate, carried at the served drift. Its drift error is
   * the configured maximum plus three of the drift's own σ: early on, when the drift is
   * barely known, the bound widens with it instead of trusting a guess.
   */
  private withHardBound(c: Correction): Correction {
    const driftErrorSPerS = this.maxDriftPpm * 1e-6 + 3 * c.driftSigmaSPerS;
    return {
      ...c,
      hardBound: hardBoundOf(this.discipline.measurements, c.driftSPerS, driftErrorSPerS),
      pendingLeap: this.leaps.pending(),
      scales: this.calibration.current(),
    };
  }

  private replace(correction: Correction, nowS: number): void {
    const mode = correction.clockStatus === 'disrupted' ? 'step' : this.leapJustApplied ? 'hold' : 'slew';
    this.leapJustApplied = false;
    this.served.install(this.correction, correction, nowS, mode);
    this.correction = correction;
    this.corrections++;
  }

  /** The daemon's estimate of UTC at host time `nowS`. */
  private utcAt(nowS: number): number {
    return nowS + extrapolate(this.correction, nowS).offsetS;
  }

  /**
   * A leap second is applied the moment UTC reaches it — by the tick, or by an answer
   * that comes first — not at the next round: a check of one instant, cheap enough for
   * every answer.
   */
  private applyDueLeap(nowS: number): void {
    if (this.checkLeap(nowS) && this.discipline.measurements.length > 0) this.install(nowS);
  }

  /** Applies a leap second UTC has just passed; true when it did. */
  private checkLeap(nowS: number): boolean {
    const leap = this.leaps.due(this.utcAt(nowS));
    if (leap) this.applyLeap(leap.atUtcS, leap.sign, nowS);
    return leap !== null;
  }

  /**
   * UTC repeated (sign +1) or skipped (−1) a second at `atUtcS`: the measurements taken
   * before it move into the new count, and what was predicted from the old one is void.
   * The served offset then moves by the second at once; for an inserted second the
   * served time stands still until the new count catches up, as UTC repeats a second.
   */
  private applyLeap(atUtcS: number, sign: 1 | -1, nowS: number): void {
    const atHostS = atUtcS - extrapolate(this.correction, nowS).offsetS;
    this.log.info(`leap second at ${new Date(atUtcS * 1000).toISOString()}: ${sign > 0 ? 'inserted' : 'deleted'}; following it`);
    this.discipline.shiftBefore(atHostS, -sign);
    this.generation++;
    this.predictors.reset();
    this.selection.clear();
    this.calibration.dropPending();
    this.leapJustApplied = true;
  }

  /** Notes what is served now for the calibration, every NOTE_INTERVAL_S. */
  private noteServed(nowS: number): void {
    const c = this.correction;
    if (c.lastMeasurementS === null || nowS - this.lastNotedS < NOTE_INTERVAL_S) return;
    this.lastNotedS = nowS;
    const base = this.discipline.correctionAt(nowS, c.clockStatus);
    for (const snapshot of snapshotsOf(c, nowS, this.predictors.claimsAt(base, nowS))) this.calibration.note(snapshot);
  }

  /** Forgets every measurement, forecast and record. */
  private discard(): void {
    this.generation++;
    this.discipline.reset();
    this.predictors.reset();
    this.selection.clear();
    this.calibration.dropPending();
    this.cadence.reset();
  }

  /**
   * The first fresh measurements after a restore either agree with the restored
   * estimate (ready at once, no warm-up) or show the clock moved while the daemon was
   * down: then the restored history is discarded and the served time may jump.
   */
  private confirmRestored(fresh: readonly Measurement[], nowS: number): boolean {
    // Agreement is judged against the hard bound carried from the saved measurements at
    // the drift error allowed (a measurement's own bound must meet it); without bounds,
    // against 5σ of the estimate and the oscillator's worst case since it was made.
    const expected = extrapolate(this.correction, nowS);
    const bound = this.correction.hardBound;
    const agree = fresh.every((m) => {
      const boundS = m.boundS ?? 0;
      if (bound) {
        const { lowS, highS } = hardIntervalAt(bound, m.tS);
        return m.offsetS + boundS >= lowS && m.offsetS - boundS <= highS;
      }
      const sinceS = Math.max(0, m.tS - (this.correction.lastMeasurementS ?? m.tS));
      return Math.abs(m.offsetS - expected.offsetS) <= 5 * expected.sigmaS + this.maxDriftPpm * 1e-6 * sinceS + boundS;
    });
    if (agree) {
      this.log.info('saved state confirmed by a fresh measurement: ready without warm-up');
      this.transition({ type: 'restore_confirmed' });
      return true;
    }
    this.log.warn(
      `saved state disagrees with a fresh measurement by ${(((fresh[0]?.offsetS ?? 0) - expected.offsetS) * 1e3).toFixed(3)} ms: ` +
        'the host clock moved while the daemon was down; discarding it and warming up',
    );
    this.discard();
    this.transition({ type: 'restore_refuted' });
    return false;
  }
}
