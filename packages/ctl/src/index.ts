export { run, USAGE, Exit, VERSION, type Outcome } from './main';
export { renderStatus } from './commands/status';
export { renderTime } from './commands/time';
