export { run, USAGE, Exit, VERSION, type Io } from './main';
export { renderStatus } from './commands/status';
export { renderSources } from './commands/sources';
export { renderTime } from './commands/time';
export { checkConfig } from './commands/config-check';
