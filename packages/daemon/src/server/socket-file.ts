import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** Another daemon answers on this socket; we must not steal it (exit 73). */
export class SocketInUseError extends Error {
  readonly code = 'CT_SOCKET_IN_USE';
  constructor(readonly socketPath: string) {
    super(
      `another chronotickd is already listening on ${socketPath}; ` +
        'stop it first (systemctl stop chronotick-mcp) or choose another path with --socket',
    );
    this.name = 'SocketInUseError';
  }
}

/** The path cannot be used: not a socket, no permission, too long. */
export class SocketPathError extends Error {
  readonly code = 'CT_SOCKET_PATH';
  constructor(
    readonly socketPath: string,
    detail: string,
  ) {
    super(`cannot listen on ${socketPath}: ${detail}`);
    this.name = 'SocketPathError';
  }
}

/** Owner and group may connect; others may not (the group is how access is granted). */
const SOCKET_MODE = 0o660;
const DIRECTORY_MODE = 0o750;

/**
 * Makes `server` listen on a Unix socket at `socketPath`. A socket file left by a
 * crashed daemon (nobody accepts on it) is replaced; a live one is refused with
 * SocketInUseError; any other kind of file there is never deleted. The server's
 * connection handler must be attached before this is called: a client may connect the
 * moment the socket exists.
 */
export async function listenOnSocketFile(server: net.Server, socketPath: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(socketPath), { recursive: true, mode: DIRECTORY_MODE });
  await removeIfStale(socketPath);
  // The socket file is created with the process umask; clear the bits for others
  // while it is created, so there is no moment in which anyone could connect.
  const previousUmask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new SocketInUseError(socketPath));
        else reject(new SocketPathError(socketPath, err.message));
      });
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  await fs.promises.chmod(socketPath, SOCKET_MODE);
}

async function removeIfStale(socketPath: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.lstat(socketPath);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) {
    throw new SocketPathError(socketPath, 'a file that is not a socket is in the way; remove it by hand');
  }
  if (await somebodyAnswers(socketPath)) throw new SocketInUseError(socketPath);
  await fs.promises.unlink(socketPath);
}

function somebodyAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Removes our socket file on exit, if it is still ours to remove. */
export function removeSocketFile(socketPath: string): void {
  try {
    if (fs.lstatSync(socketPath).isSocket()) fs.unlinkSync(socketPath);
  } catch {
    // already gone
  }
}
