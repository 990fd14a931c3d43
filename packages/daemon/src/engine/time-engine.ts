import type {
  ConfidenceIntervalAnswer,
  DaemonStatus,
  FutureUncertaintyAnswer,
  TimeAnswer,
} from '@chronotick/protocol';
import type { HostClock } from '../clock/host-clock';
import { buildConfidenceAnswer, buildFutureAnswer, buildTimeAnswer, type AnswerContext } from './answer';
import { hostOnlyCorrection, type Correction } from './correction';

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
    this.correction = correction;
    this.daemonStatus = status;
    this.corrections++;
    // A disrupted clock restarts the non-decreasing guarantee from the new estimate.
    if (correction.clockStatus === 'disrupted') this.lastServedS = -Infinity;
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

  private context(): AnswerContext {
    return {
      systemTimeS: this.clock.now().realtimeS,
      daemonStatus: this.daemonStatus,
      maxDriftPpm: this.settings.maxDriftPpm,
      coverage: this.settings.coverage,
      notBeforeS: this.lastServedS,
    };
  }
}
