export { ChronoTickClient, type ClientOptions } from './client';
export { ClientError, ClientErrorCode, START_DAEMON_HINT, type RequestFailure } from './errors';
export { clientSocketCandidates } from '@chronotick/protocol';
export { currentSocketUser, SERVICE_GROUP } from './socket-access';
