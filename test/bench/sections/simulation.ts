import { SIM_SCENARIOS, simScenario, type SimScenario } from '@chronotick/sim';
import { runScenario } from 'chronotickd';
import type { BenchContext, Figure, Section } from '../section';

/** The scenario with the daemon's default polling instead of the scenario's own. */
function atDefaultPolling(scenario: SimScenario): SimScenario {
  const { ntp } = scenario.config.clock_measurement;
  const { min_poll_seconds: _scenarioMinPoll, ...servers } = ntp;
  return { ...scenario, polling: 'default', config: { clock_measurement: { ntp: servers } } };
}

const NO_MODELS = { short_term: { enabled: false }, long_term: { enabled: false } };

/**
 * The simulator, as issue 12 asks: a simulated day of the daemon's whole time path at
 * the default configuration with both models on their schedules, timed beside the same
 * day with the models off; then every scenario once (seed 1), its served error and
 * coverage against the truth.
 */
export const simulation: Section = {
  id: 'simulation',
  title: 'simulated time: the daemon’s time path against a simulated world',
  async run(ctx: BenchContext): Promise<Figure[]> {
    const day = atDefaultPolling(simScenario('steady_quartz', { seed: 1, hours: 24 }));
    ctx.progress('simulation: one day at the default config, both models on');
    const withModels = await runScenario(day);
    ctx.progress('simulation: the same day, statistical predictors only');
    const statisticalOnly = await runScenario(day, { baseConfig: NO_MODELS });
    const figures: Figure[] = [
      {
        key: 'sim_day_default_config_s',
        label: 'one simulated day, default config, both models',
        value: withModels.wall_s * 1000,
        unit: 'ms',
        baseline: { label: 'same day, models off', value: statisticalOnly.wall_s * 1000 },
        target: { on: 'value', op: '<=', limit: 60_000 },
        note: `steady_quartz at the default polling: served |error| p95 ${((withModels.error_p95_s ?? NaN) * 1e6).toFixed(0)} µs with models, ${((statisticalOnly.error_p95_s ?? NaN) * 1e6).toFixed(0)} µs without`,
      },
    ];
    if (ctx.options.quick) return figures;
    for (const name of SIM_SCENARIOS) {
      ctx.progress(`simulation: ${name}`);
      const r = await runScenario(simScenario(name, { seed: 1 }));
      figures.push({
        key: `sim_${name}_p95_error_us`,
        label: `${name}: served |error| p95`,
        value: (r.error_p95_s ?? NaN) * 1e6,
        unit: 'us',
        note: `${name} (${r.hours} h, seed 1): p50 ${((r.error_p50_s ?? NaN) * 1e6).toFixed(0)} µs, cov95 ${r.coverage_95?.toFixed(3)}, [earliest, latest] ${r.coverage_interval?.toFixed(4)}, ${r.wall_s_per_sim_hour.toFixed(2)} s per simulated hour`,
      });
    }
    return figures;
  },
};
