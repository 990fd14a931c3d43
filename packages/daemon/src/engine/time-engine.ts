import type { ConfidenceIntervalAnswer, DaemonStatus, FutureUncertaintyAnswer, TimeAnswer } from '@chronotick/protocol';
import type { HostClock } from '@chronotick/ntp';
import { buildConfidenceAnswer, buildFutureAnswer, buildTimeAnswer, type AnswerContext, slewLeftS } from './answer';
import { extrapolate, hostOnlyCorrection, type Correction } from './correction';

interface Slew {
  startS: number;
  amountS: number;
}
const NO_SLEW: Slew = { startS: 0, amountS: 0 };

export interface TimeEngineSettings {
  maxDriftPpm: number;
  coverage: number;
}

/**
 * Holds the correction being served and answers time queries from it in O(1). The
 * measurement and forecasting side replaces the correction through `setCorrection`;
 * nothing here ever waits on NTP or a model.
 */
export class TimeEngine {
  private correction: Correction;
  private daemonStatus: DaemonStatus = 'unsynchronized';
  /** The last corrected time served, so served time never goes backwards. */
  private lastServedS = -Infinity;
  private corrections = 0;
  private slew: Slew = NO_SLEW;

  constructor(
    private readonly clock: HostClock,
    private readonly settings: TimeEngineSettings,
  ) {
    this.correction = hostOnlyCorrection(clock.now().realtimeS);
  }

  get current(): Readonly<Correction> {
    return this.correction;
  }

  get status(): DaemonStatus {
    return this.daemonStatus;
  }

  /** How many corrections have been installed since start. */
  get totalCorrections(): number {
    return this.corrections;
  }

  setCorrection(correction: Correction, status: DaemonStatus): void {
    const nowS = this.clock.now().realtimeS;
    if (correction.clockStatus === 'disrupted') {
      this.slew = NO_SLEW;
    } else {
      // What we serve now (old estimate plus any slew still running) against the new
      // estimate: a drop would move served time backwards, so it is slewed out instead.
      const servedOffsetS = extrapolate(this.correction, nowS, 0).offsetS + this.pendingSlewS(nowS);
      const dropS = servedOffsetS - extrapolate(correction, nowS, 0).offsetS;
      this.slew = dropS > 0 ? { startS: nowS, amountS: dropS } : NO_SLEW;
    }
    this.correction = correction;
    this.daemonStatus = status;
    this.corrections++;
    // A disrupted clock restarts the non-decreasing guarantee from the new estimate.
    if (correction.clockStatus === 'disrupted') this.lastServedS = -Infinity;
  }

  /** Changes how the current correction is labelled without counting a new correction. */
  relabel(labels: Pick<Correction, 'clockStatus' | 'source'>, status: DaemonStatus): void {
    this.correction = { ...this.correction, ...labels };
    this.daemonStatus = status;
  }

  getTime(): TimeAnswer {
    const answer = buildTimeAnswer(this.correction, this.context());
    this.lastServedS = answer.corrected_time;
    return answer;
  }

  getTimeWithFutureUncertainty(futureS: number): FutureUncertaintyAnswer {
    const answer = buildFutureAnswer(this.correction, this.context(), futureS);
    this.lastServedS = answer.corrected_time;
    return answer;
  }

  getTimeWithConfidenceInterval(level: number): ConfidenceIntervalAnswer {
    const answer = buildConfidenceAnswer(this.correction, this.context(), level);
    this.lastServedS = answer.corrected_time;
    return answer;
  }

  /** The part of a backward correction not yet slewed out at `atS`, seconds (≥ 0). */
  private pendingSlewS(atS: number): number {
    if (this.slew.amountS === 0) return 0;
    return slewLeftS(this.slew.amountS, atS - this.slew.startS);
  }

  private context(): AnswerContext {
    const systemTimeS = this.clock.now().realtimeS;
    return {
      systemTimeS,
      pendingSlewS: this.pendingSlewS(systemTimeS),
      daemonStatus: this.daemonStatus,
      maxDriftPpm: this.settings.maxDriftPpm,
      coverage: this.settings.coverage,
      notBeforeS: this.lastServedS,
    };
  }
}
