import type { Section } from '../section';
import { chronyLive } from './chrony-live';
import { mcpCall } from './mcp-call';
import { rssAfterLoad, rssIdle } from './memory';
import { evalAccuracy } from './eval-accuracy';
import { faithfulness } from './faithfulness';
import { liveAccuracy } from './live-accuracy';
import { models } from './models';
import { simulation } from './simulation';
import { socketLatency } from './socket-latency';
import { startup } from './startup';
import { throughput } from './throughput';

/**
 * The bench, in the order it runs. Order matters: rss-idle comes before any load and
 * rss-after-load after all of it. To add a section (model inference per shipped
 * model, RSS with models loaded, `chronotick-eval` accuracy, a live run against the
 * programmable NTP reference on loopback), write a Section in this folder and put it
 * in this list; the runner, the table and --json pick it up.
 */
export const SECTIONS: readonly Section[] = [
  startup,
  rssIdle,
  socketLatency,
  throughput,
  rssAfterLoad,
  mcpCall,
  models,
  evalAccuracy,
  simulation,
  faithfulness,
  liveAccuracy,
  // Last: it runs chronyd, a reference and two daemons on two cores for up to 40 min.
  chronyLive,
];
