export { NtpReference, sharedRealtimeClock, type ReferenceFault, type ReferenceOptions } from './ntp-reference';
export { offsetModel, type OffsetModelParams } from './offset-model';
export { startReferenceProcess, type ReferenceProcess } from './reference-process';
