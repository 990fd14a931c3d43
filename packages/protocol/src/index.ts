export * from './answers';
export * from './envelope';
export * from './errors';
export * from './framing';
export * from './methods';
export * from './socket-paths';
export { formatZodIssue } from './validation';
export { isoFromUnixSeconds } from './iso-time';
export { MAX_NESTING, plainMsgpackProblem } from './plain-msgpack';
