import type { ProtocolError } from '@chronotick/protocol';

/** Local client failures; these never cross the wire (daemon errors are ProtocolError). */
export const ClientErrorCode = {
  /** No daemon answers on any candidate socket path. */
  DaemonUnreachable: 'CT_DAEMON_UNREACHABLE',
  /** A socket is there but this user may not open it (not in the socket's group). */
  PermissionDenied: 'CT_PERMISSION_DENIED',
  /** The daemon did not answer a request in time. */
  Timeout: 'CT_TIMEOUT',
  /** The connection broke with the request unanswered. */
  ConnectionLost: 'CT_CONNECTION_LOST',
  /** The daemon's answer did not match the protocol. */
  BadResponse: 'CT_BAD_RESPONSE',
  /** waitForSync: the daemon was not synchronized (to the asked width) in time. */
  SyncTimeout: 'CT_SYNC_TIMEOUT',
  /** close() was called. */
  Closed: 'CT_CLIENT_CLOSED',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly hint?: string,
    /** Every socket path tried, for CT_DAEMON_UNREACHABLE and CT_PERMISSION_DENIED. */
    readonly pathsTried: string[] = [],
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/** Either kind of failure a request can end in. */
export type RequestFailure = ClientError | ProtocolError;

export const START_DAEMON_HINT =
  'start the daemon: `systemctl start chronotick-mcp` (installed service), or ' +
  '`npx chronotickd` from a checkout, or launch the adapter with `chronotick-mcp --start-daemon`';
