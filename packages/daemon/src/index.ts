export { Daemon, type DaemonOptions } from './daemon';
export { TimeEngine, type TimeEngineSettings } from './engine/time-engine';
export { hostOnlyCorrection, extrapolate, type Correction } from './engine/correction';
export { buildTimeAnswer, confidenceFromSigma } from './engine/answer';
export { twoSidedZ } from './engine/normal';
export { ManualHostClock, SystemHostClock, realtimeStepS, type ClockReading, type HostClock } from './clock/host-clock';
export { createLogger, type Logger, type LogLevel } from './log';
export { VERSION } from './version';
export {
  decodePacket,
  encodePacket,
  ntpToUnix,
  unixToNtp,
  type LeapIndicator,
  type NtpPacket,
  type NtpTimestamp,
} from './ntp/packet';
export { evaluateSeries, standardMethods, type EvalMethod } from './eval';
export { fusionEvalMethod } from './engine/fusion/eval-method';
