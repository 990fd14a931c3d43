/** NTP measurement layer: packet codec, one exchange, per-server state, selection, sampler. */
export * from './packet';
export * from './validate';
export * from './query';
export * from './address';
export * from './address-class';
export * from './adaptive-poll';
export * from './server-state';
export * from './selection';
export * from './sampler';
export * from './sampler-types';
export * from './host-clock';
