/** Exit statuses of the daemon's binaries, as the README's "The programs" lists them. */
export const Exit = {
  Ok: 0,
  Runtime: 1,
  /** Bad flags, an unreadable replay CSV. */
  Usage: 2,
  /** The socket belongs to a live daemon. */
  SocketInUse: 73,
  /** A configuration error, with file and field path. */
  Config: 78,
} as const;
