import { AdaptivePoll, MAX_GROWTH_POLLS, POLL_TARGET_SAMPLES, WANDER_NOISE_RATIO } from '../src/adaptive-poll';
import { addressClass } from '../src/address-class';

const feedback = (over: Partial<Parameters<AdaptivePoll['update']>[0]> = {}): Parameters<AdaptivePoll['update']>[0] => ({
  windowSamples: 64,
  predictionErrorS: 1e-5,
  distanceS: 0.01,
  scatterS: 1e-4,
  noiseS: 5e-4,
  ...over,
});

describe('AdaptivePoll', () => {
  test('a full window of a steady clock doubles the interval every few samples, up to the maximum', () => {
    const poll = new AdaptivePoll({ minIntervalS: 64, maxIntervalS: 1024 });
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) {
      poll.update(feedback());
      seen.push(poll.intervalS);
    }
    expect(seen.slice(0, MAX_GROWTH_POLLS - 1)).toEqual([64, 64, 64]);
    expect(seen[MAX_GROWTH_POLLS - 1]).toBe(128);
    expect(seen.at(-1)).toBe(1024);
    expect(Math.max(...seen)).toBe(1024);
  });

  test('a window shrunk below the target by the runs test shortens the interval at once', () => {
    const poll = new AdaptivePoll({ minIntervalS: 64, maxIntervalS: 1024 });
    for (let i = 0; i < 40; i++) poll.update(feedback());
    poll.update(feedback({ windowSamples: POLL_TARGET_SAMPLES / 2 }));
    expect(poll.intervalS).toBe(512);
  });

  test('a sample outside its own error bound drops the interval by the log of how far', () => {
    const poll = new AdaptivePoll({ minIntervalS: 64, maxIntervalS: 1024 });
    for (let i = 0; i < 40; i++) poll.update(feedback());
    poll.update(feedback({ predictionErrorS: -0.04, distanceS: 0.01 }));
    expect(poll.intervalS).toBe(256);
  });

  test('scatter about the line beyond the path noise (a sparsely sampled cycle) shortens it too', () => {
    const poll = new AdaptivePoll({ minIntervalS: 64, maxIntervalS: 1024 });
    for (let i = 0; i < 40; i++) poll.update(feedback());
    // Four times the scatter the noise allows: two halvings at once.
    const wandering = { scatterS: 4 * WANDER_NOISE_RATIO * 5e-4, noiseS: 5e-4 };
    poll.update(feedback(wandering));
    expect(poll.intervalS).toBe(256);
    for (let i = 0; i < 10; i++) poll.update(feedback(wandering));
    expect(poll.intervalS).toBe(64);
  });

  test('equal bounds make a fixed interval; a maximum off the doubling ladder caps it', () => {
    const fixed = new AdaptivePoll({ minIntervalS: 10, maxIntervalS: 10 });
    for (let i = 0; i < 40; i++) fixed.update(feedback());
    expect(fixed.intervalS).toBe(10);
    const capped = new AdaptivePoll({ minIntervalS: 64, maxIntervalS: 900 });
    for (let i = 0; i < 40; i++) capped.update(feedback());
    expect(capped.intervalS).toBe(900);
  });
});

describe('addressClass', () => {
  test.each([
    ['127.0.0.1', 'local'],
    ['127.5.6.7', 'local'],
    ['10.1.2.3', 'local'],
    ['172.16.0.1', 'local'],
    ['172.31.255.254', 'local'],
    ['192.168.0.10', 'local'],
    ['169.254.1.1', 'local'],
    ['::1', 'local'],
    ['fd00::1', 'local'],
    ['fe80::1', 'local'],
    ['::ffff:192.168.1.1', 'local'],
    ['172.32.0.1', 'public'],
    ['100.64.0.1', 'public'],
    ['162.159.200.1', 'public'],
    ['2606:4700:f1::1', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['not-an-address', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(addressClass(address)).toBe(expected);
  });
});
