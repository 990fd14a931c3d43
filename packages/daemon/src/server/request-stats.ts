import { truncateText } from '@chronotick/protocol';

/** Counters behind get_daemon_status's success_rate and average_latency_ms. */
export class RequestStats {
  private successes = 0;
  private errors = 0;
  private latencySumS = 0;
  private lastErrorMessage: string | null = null;

  recordSuccess(latencyS: number): void {
    this.successes++;
    this.latencySumS += latencyS;
  }

  recordError(message?: string): void {
    this.errors++;
    if (message !== undefined) this.lastErrorMessage = truncateText(message);
  }

  get total(): number {
    return this.successes + this.errors;
  }

  /** Share of requests answered without error; 1 before any request. */
  get successRate(): number {
    return this.total === 0 ? 1 : this.successes / this.total;
  }

  get averageLatencyMs(): number {
    return this.successes === 0 ? 0 : (this.latencySumS / this.successes) * 1000;
  }

  get lastError(): string | null {
    return this.lastErrorMessage;
  }
}
