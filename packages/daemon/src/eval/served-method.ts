import type { Config } from '@chronotick/config';
import { VirtualScheduler } from '@chronotick/sim';
import type { ForecasterRegistry, Measurement } from '@chronotick/tsfm';
import { TimePipeline } from '../engine/time-pipeline';
import type { Logger } from '../log';
import { ModelScheduler } from '../runtime/model-scheduler';
import type { EvalMethod, Prediction, PredictionRequest } from './methods';

/** The key the served answers are reported under (the method of the replay output). */
export const SERVED = 'fusion';

/** A replayed series states no leap second. */
const NO_LEAP = 0;

/** An eval method that must be released (it holds model sessions). */
export interface ReleasableMethod extends EvalMethod {
  release(): Promise<void>;
}

/**
 * `fusion` for the replay: the series fed through the daemon's own {@link TimePipeline}
 * and model scheduler in virtual time, each measurement a round at its instant, the
 * models on their configured schedules. What is scored at each measurement's instant is
 * the answer `get_time` would have given there, before the measurement arrived —
 * exactly what the daemon serves, slew and all.
 */
export function servedMethod(config: Config, registry: ForecasterRegistry, logger: Logger): ReleasableMethod {
  let run: ServedReplay | null = null;
  return {
    name: SERVED,
    historySamples: Number.POSITIVE_INFINITY,
    historySpanS: Infinity,
    async predict(requests: readonly PredictionRequest[]): Promise<Prediction[]> {
      const out: Prediction[] = [];
      for (const request of requests) {
        const { series, index } = request;
        if (series === undefined || index === undefined) throw new Error('the served replay needs each request with its series');
        if (run === null || run.series !== series || index < run.fed) {
          await run?.stop();
          run = await ServedReplay.start(series, config, registry, logger);
        }
        out.push(await run.answerAt(index, request.tS));
      }
      return out;
    },
    release: async () => {
      await run?.stop();
      run = null;
    },
  };
}

/** One series being replayed: the pipeline, its models and the virtual clock they share. */
class ServedReplay {
  fed = 0;

  private constructor(
    readonly series: readonly Measurement[],
    private readonly scheduler: VirtualScheduler,
    private readonly pipeline: TimePipeline,
    private readonly models: ModelScheduler,
  ) {}

  static async start(series: readonly Measurement[], config: Config, registry: ForecasterRegistry, logger: Logger): Promise<ServedReplay> {
    const scheduler = new VirtualScheduler({ startS: (series[0] as Measurement).tS });
    const pipeline = new TimePipeline(config, scheduler.nowS, logger);
    const models = new ModelScheduler({
      config,
      logger,
      timers: { ...scheduler.timers, track: (work) => scheduler.track(work) },
      nowS: () => scheduler.nowS,
      input: () => pipeline.modelInput(),
      onForecast: (role, forecast, madeAtS, generation) => pipeline.onForecast(role, forecast, madeAtS, generation, scheduler.nowS),
      registry,
    });
    await models.start();
    return new ServedReplay(series, scheduler, pipeline, models);
  }

  /** Feeds the measurements before `index`, then answers at `tS` as get_time would. */
  async answerAt(index: number, tS: number): Promise<Prediction> {
    for (; this.fed < index; this.fed++) {
      const m = this.series[this.fed] as Measurement;
      await this.scheduler.runUntil(Math.max(this.scheduler.nowS, m.tS));
      this.pipeline.onRound({ samples: [{ ...m, server: m.server ?? 'replay', leap: NO_LEAP }], warmingUp: false }, m.tS);
    }
    await this.scheduler.runUntil(Math.max(this.scheduler.nowS, tS));
    this.pipeline.onTick(tS, false);
    const answer = this.pipeline.peekAnswer(tS);
    // The served σ is about the true offset; a measurement adds its own scatter about
    // the line (the fit's, tails included), which a recorded series is scored against.
    const scatterS = this.pipeline.discipline.measurementScatterS() ?? 0;
    const sigmaS = answer.offset_uncertainty;
    if (sigmaS === null) return { meanS: answer.offset_correction, sigmaS: null };
    return { meanS: answer.offset_correction, sigmaS: Math.hypot(sigmaS, scatterS), truthSigmaS: sigmaS };
  }

  /** Stops the model schedules; the sessions belong to the registry, which the evaluation releases. */
  async stop(): Promise<void> {
    await this.models.stop(false);
  }
}
