import { SimError, VirtualScheduler } from '@chronotick/sim';
import { SeededRandom } from '@chronotick/tsfm';

describe('VirtualScheduler', () => {
  test('fires timers in time order, ties in the order they were set, at their virtual instants', async () => {
    const s = new VirtualScheduler({ startS: 1000 });
    const fired: [string, number][] = [];
    const note = (label: string) => () => fired.push([label, s.elapsedS]);
    s.setTimeout(note('c'), 300);
    s.setTimeout(note('a1'), 100);
    s.setTimeout(note('b'), 200);
    s.setTimeout(note('a2'), 100);
    s.setTimeout(note('late'), 5000);
    await s.runUntil(1002);
    expect(fired).toEqual([
      ['a1', 0.1],
      ['a2', 0.1],
      ['b', 0.2],
      ['c', 0.3],
    ]);
    expect(s.nowS).toBe(1002);
    expect(s.pendingTimers).toBe(1);
  });

  test('thousands of timers set in random order fire sorted by time, then by insertion', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const random = new SeededRandom(7);
    const set: { ms: number; i: number }[] = [];
    const fired: { ms: number; i: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      const ms = Math.floor(random.next() * 500); // many ties
      set.push({ ms, i });
      s.setTimeout(() => fired.push({ ms, i }), ms);
    }
    await s.runFor(1);
    expect(fired).toEqual([...set].sort((a, b) => a.ms - b.ms || a.i - b.i));
  });

  test('a timer set by a callback for an earlier instant than the next event still fires first', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const order: string[] = [];
    s.setTimeout(() => {
      order.push('first');
      s.setTimeout(() => order.push('nested'), 10);
    }, 100);
    s.setTimeout(() => order.push('later'), 500);
    await s.runFor(1);
    expect(order).toEqual(['first', 'nested', 'later']);
  });

  test('clearTimeout and clearInterval stop timers, also from inside a callback', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    let ticks = 0;
    const gone = s.setTimeout(() => ticks--, 50);
    s.clearTimeout(gone);
    const every = s.setInterval(() => {
      ticks += 1;
      if (ticks === 3) s.clearInterval(every);
    }, 1000);
    await s.runFor(10);
    expect(ticks).toBe(3);
    expect(s.pendingTimers).toBe(0);
    s.clearTimeout(gone); // clearing twice is harmless
    s.clearTimeout('not a timer');
    expect(s.pendingTimers).toBe(0);
  });

  test('an interval keeps its phase: the nth tick is at n × period, with no accumulated lateness', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const at: number[] = [];
    s.setInterval(() => at.push(s.elapsedS), 64_000);
    await s.runFor(64 * 1000 + 1);
    expect(at).toHaveLength(1000);
    expect(at[999]).toBeCloseTo(64_000, 6);
  });

  test('promise chains started by an event finish before the next event', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const log: string[] = [];
    s.setTimeout(() => {
      void (async () => {
        await Promise.resolve();
        await new Promise<void>((r) => queueMicrotask(r));
        log.push(`chain done at ${s.elapsedS}`);
      })();
    }, 1000);
    s.setTimeout(() => log.push(`next event at ${s.elapsedS}`), 1000);
    await s.runFor(2);
    expect(log).toEqual(['chain done at 1', 'next event at 1']);
  });

  test('tracked async work that takes real time completes before virtual time moves on', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const log: string[] = [];
    s.setTimeout(() => {
      // Stands for an ONNX run on the thread pool: settles on a later turn of the real event loop.
      const inference = new Promise<number>((resolve) => setTimeout(() => resolve(42), 5));
      void s.track(inference).then((v) => {
        log.push(`result ${v} at ${s.elapsedS}`);
        // Settling it starts more tracked work, which must be awaited too.
        void s.track(new Promise<void>((r) => setImmediate(r))).then(() => log.push(`follow-up at ${s.elapsedS}`));
      });
    }, 1000);
    s.setTimeout(() => log.push(`tick at ${s.elapsedS}`), 1001);
    await s.runFor(5);
    expect(log).toEqual(['result 42 at 1', 'follow-up at 1', 'tick at 1.001']);
  });

  test('time never goes backwards: runUntil an earlier instant is refused with SIM_TIME_BACKWARDS', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    await s.runUntil(10);
    await expect(s.runUntil(5)).rejects.toMatchObject({ code: 'SIM_TIME_BACKWARDS' });
    await s.runUntil(10); // the same instant is fine
    expect(s.nowS).toBe(10);
  });

  test('a second runUntil while one is running is refused with SIM_BUSY', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    s.setTimeout(() => undefined, 100);
    const first = s.runUntil(1);
    await expect(s.runUntil(2)).rejects.toBeInstanceOf(SimError);
    await first;
    expect(s.nowS).toBe(1);
  });

  test('a callback that throws rejects runUntil with its error, the clock at that event', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    s.setTimeout(() => {
      throw new Error('boom');
    }, 2000);
    await expect(s.runUntil(10)).rejects.toThrow('boom');
    expect(s.elapsedS).toBe(2);
  });

  test('a suspend stops the timers: what was due during it fires when the host wakes, in order', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const at: [string, number][] = [];
    s.setTimeout(() => at.push(['before', s.elapsedS]), 50_000);
    s.setTimeout(() => at.push(['during', s.elapsedS]), 150_000);
    s.setTimeout(() => at.push(['after', s.elapsedS]), 400_000);
    s.suspend(100, 1200);
    await s.runFor(2000);
    expect(at).toEqual([
      ['before', 50],
      ['during', 1350],
      ['after', 1600],
    ]);
    expect(s.suspends).toEqual([{ atS: 100, durationS: 1200 }]);
  });

  test('two suspends: each happens at its own true instant, and timers wait out both', async () => {
    const s = new VirtualScheduler({ startS: 0 });
    const at: number[] = [];
    const dueS = Array.from({ length: 40 }, (_, i) => i * 100 + 50);
    for (const d of dueS) s.setTimeout(() => at.push(s.elapsedS), d * 1000);
    s.suspend(1000, 500);
    s.suspend(2000, 300);
    await s.runFor(10_000);
    expect(s.suspends).toEqual([
      { atS: 1000, durationS: 500 },
      { atS: 2000, durationS: 300 },
    ]);
    // Due before the first sleep: on time. Due during it: 500 s late. Pushed past 2000 s by it: late by both.
    expect(at).toEqual(dueS.map((d) => (d < 1000 ? d : d + 500 < 2000 ? d + 500 : d + 800)));
  });

  test('handles offer ref/unref as Node timers do, so daemon code can call them', () => {
    const s = new VirtualScheduler();
    const t = s.setInterval(() => undefined, 1000);
    expect(t.unref().ref().hasRef()).toBe(true);
    s.clearInterval(t);
  });
});
