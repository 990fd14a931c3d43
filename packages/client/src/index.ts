export { ChronoTickClient, type ClientOptions } from './client';
export { ClientError, ClientErrorCode, START_DAEMON_HINT, type RequestFailure } from './errors';
export { clientSocketCandidates } from '@chronotick/protocol';
export { currentSocketUser, SERVICE_GROUP } from './socket-access';
export { commitWaitS, halfWidthS, intervalOf, isAfter, isBefore, isSynced, order, type Order, type TrueTimeInterval } from './ordering';
export { type CommitWaitOptions, type SyncResult, type TimeRequester, type WaitForSyncOptions } from './true-time';
