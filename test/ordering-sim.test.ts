import { commitWaitS, intervalOf, isAfter, isBefore, order, type TrueTimeInterval } from '@chronotick/client';
import { ErrorCode, ProtocolError } from '@chronotick/protocol';
import { pastInterval, pastIntervalInput } from 'chronotickd';
import { orderingWorld, type OrderingWorld } from './support/ordering-world';

// The client's ordering functions (after, before, commitWait, the order of two stamped
// events) and get_time_at's interval of a past reading, checked against the simulator's
// truth: the daemon's own time path runs on a simulated host in virtual time, and at
// every instant the true time is known.

const HOURS = 2;
const QUERY_EVERY_S = 10;
/** How far back get_time_at is asked about, seconds of host clock. */
const LOOKBACKS_S = [1, 30, 300, 1800];
/** B's events come this long after A's, true seconds: around the two bounds' widths (± ~13 ms each here). */
const GAPS_S = [1e-3, 10e-3, 30e-3, 100e-3];

interface Stamped {
  trueS: number;
  interval: TrueTimeInterval;
}

interface Tally {
  checked: number;
  violations: string[];
}
const tally = (): Tally => ({ checked: 0, violations: [] });

function expectNone(t: Tally, what: string): void {
  expect(t.checked).toBeGreaterThan(100);
  expect({ what, violations: t.violations.slice(0, 5) }).toEqual({ what, violations: [] });
}

/** Every QUERY_EVERY_S of true time, `fn` with the true time; from the first query on. */
function everyQuery(w: OrderingWorld, fn: (trueS: number) => void): void {
  w.world.scheduler.setInterval(() => fn(w.world.scheduler.nowS), QUERY_EVERY_S * 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('event ordering against the simulator’s truth', () => {
  const a: Stamped[] = [];
  const b: Stamped[] = [];
  const now = tally();
  const commit = tally();
  const past = tally();
  const pastHalfWidthS = new Map<number, number[]>(LOOKBACKS_S.map((l) => [l, []]));
  const nowHalfWidthS: number[] = [];
  let outOfHistory = 0;
  let commitWaitsS: number[] = [];

  beforeAll(async () => {
    // Machine A: a quartz clock; every query it stamps an event, checks now/after/before,
    // starts a commit wait, and asks get_time_at about earlier readings.
    const wa = orderingWorld('steady_quartz', 1, HOURS);
    const { pipeline } = wa.runtime;
    everyQuery(wa, (trueS) => {
      const interval = intervalOf(pipeline.timeAnswer(wa.hostNowS()));
      a.push({ trueS, interval });
      if (interval.earliest === null || interval.latest === null) return;
      now.checked++;
      if (!(interval.earliest < trueS && trueS < interval.latest)) now.violations.push(`now ${trueS}: outside the hard bound`);
      if (isAfter(interval, trueS) || isBefore(interval, trueS)) now.violations.push(`after/before(${trueS}) true at ${trueS}`);
      if (interval.clockStatus === 'synchronized') nowHalfWidthS.push((interval.latest - interval.earliest) / 2);

      // A commit stamped with latest, waited out as commitWait does, is past everywhere.
      const stampS = interval.latest;
      const waitS = commitWaitS(interval, stampS) as number;
      commitWaitsS.push(waitS);
      const check = (): void => {
        const later = intervalOf(pipeline.timeAnswer(wa.hostNowS()));
        const left = commitWaitS(later, stampS);
        if (left !== 0) {
          wa.world.scheduler.setTimeout(check, (left ?? 0.001) * 1000 + 0.001);
          return;
        }
        commit.checked++;
        if (!(wa.world.scheduler.nowS > stampS)) commit.violations.push(`commit ${stampS} not past at ${wa.world.scheduler.nowS}`);
      };
      wa.world.scheduler.setTimeout(check, waitS * 1000 + 0.001);

      const hostNowS = wa.hostNowS();
      for (const lookbackS of LOOKBACKS_S) {
        const atS = hostNowS - lookbackS;
        let answer;
        try {
          answer = intervalOf(pastInterval(pastIntervalInput(pipeline, wa.maxDriftPpm, hostNowS), atS));
        } catch (err) {
          if (err instanceof ProtocolError && err.code === ErrorCode.OutOfHistory) outOfHistory++;
          else throw err;
          continue;
        }
        past.checked++;
        const truthS = wa.world.hostClock.trueTimeAtHost(atS);
        if (!((answer.earliest as number) <= truthS && truthS <= (answer.latest as number))) {
          past.violations.push(`intervalAt(${atS}) = [${answer.earliest}, ${answer.latest}] misses ${truthS}`);
        }
        if (interval.clockStatus === 'synchronized') {
          pastHalfWidthS.get(lookbackS)?.push(((answer.latest as number) - (answer.earliest as number)) / 2);
        }
      }
    });
    await wa.run();

    // Machine B: another clock (temperature wander), stamping its events a little after A's.
    const wb = orderingWorld('temperature_wander', 2, HOURS);
    let k = 0;
    everyQuery(wb, () => {
      const gapS = GAPS_S[k++ % GAPS_S.length] as number;
      wb.world.scheduler.setTimeout(() => {
        b.push({ trueS: wb.world.scheduler.nowS, interval: intervalOf(wb.runtime.pipeline.timeAnswer(wb.hostNowS())) });
      }, gapS * 1000);
    });
    await wb.run();
    commitWaitsS = commitWaitsS.filter((s) => s > 0);
  }, 240_000);

  test('now(): the true time is inside the hard interval, and neither after nor before it', () => {
    expectNone(now, 'now');
  });

  test('commitWait: once the wait it computes is over, the stamp is past in truth', () => {
    expectNone(commit, 'commitWait');
    console.log(`commit waits: ${commitWaitsS.length}, median ${(median(commitWaitsS) * 1e3).toFixed(3)} ms`);
  });

  test('intervalAt: a past reading’s interval holds its true time, and is no wider than get_time’s was', () => {
    expectNone(past, 'intervalAt');
    const nowMedianS = median(nowHalfWidthS);
    const lines = LOOKBACKS_S.map((l) => `${l} s ago ±${(median(pastHalfWidthS.get(l) ?? []) * 1e3).toFixed(3)} ms`);
    console.log(
      `hard half-width: get_time ±${(nowMedianS * 1e3).toFixed(3)} ms; intervalAt ${lines.join(', ')}; out of history ${outOfHistory}`,
    );
    // Measurements after the reading pin it from both sides.
    expect(median(pastHalfWidthS.get(300) ?? [])).toBeLessThanOrEqual(nowMedianS);
  });

  test('two machines: events ordered by their intervals are never ordered wrongly', () => {
    const decidedByGap = new Map<number, { decided: number; total: number }>();
    const wrong: string[] = [];
    let pairs = 0;
    for (const ea of a) {
      for (const eb of b) {
        const verdict = order(ea.interval, eb.interval);
        pairs++;
        const truth = ea.trueS < eb.trueS ? 'before' : 'after';
        if (verdict !== 'unknown' && verdict !== truth) wrong.push(`A@${ea.trueS} ${verdict} B@${eb.trueS}`);
        const gapS = eb.trueS - ea.trueS;
        const near = GAPS_S.find((g) => Math.abs(gapS - g) < 1e-6);
        if (near !== undefined && ea.interval.clockStatus === 'synchronized' && eb.interval.clockStatus === 'synchronized') {
          const d = decidedByGap.get(near) ?? { decided: 0, total: 0 };
          d.total++;
          if (verdict === 'before') d.decided++;
          decidedByGap.set(near, d);
        }
      }
    }
    expect(pairs).toBeGreaterThan(100_000);
    expect(wrong.slice(0, 5)).toEqual([]);
    const lines = GAPS_S.map((g) => {
      const d = decidedByGap.get(g) ?? { decided: 0, total: 0 };
      return `${(g * 1e3).toFixed(1)} ms apart: ${d.decided}/${d.total} ordered`;
    });
    console.log(`A before B, synchronized: ${lines.join('; ')}`);
    // 100 ms apart is far wider than both bounds: every such pair is ordered.
    const wide = decidedByGap.get(100e-3);
    expect(wide?.total).toBeGreaterThan(50);
    expect(wide?.decided).toBe(wide?.total);
  });
});
