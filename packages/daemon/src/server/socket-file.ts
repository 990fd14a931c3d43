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

/** What to do when the path is not ours to write: the flag and the variables that move it. */
export const SOCKET_PERMISSION_HINT =
  'choose a path you can write with --socket PATH or CHRONOTICK_SOCKET=PATH (or set XDG_RUNTIME_DIR), ' +
  'or run the installed service (systemctl start chronotick-mcp)';

function pathError(socketPath: string, err: NodeJS.ErrnoException): SocketPathError {
  const denied = err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS';
  return new SocketPathError(socketPath, denied ? `${err.message}; ${SOCKET_PERMISSION_HINT}` : err.message);
}

/**
 * For the per-user fallback in a shared temp directory: the directory must be ours,
 * a real directory (not a link someone planted) and closed to others, as tmux checks
 * /tmp/tmux-<uid>. Created 0700 when absent.
 */
export async function ensurePrivateDirectory(dir: string, socketPath: string): Promise<void> {
  try {
    await fs.promises.mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw pathError(socketPath, err as NodeJS.ErrnoException);
  }
  const st = await fs.promises.lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new SocketPathError(
      socketPath,
      `${dir} must be a directory of yours that no one else can open (mode 0700); ` +
        `remove it if it is not yours, or ${SOCKET_PERMISSION_HINT}`,
    );
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
  try {
    await fs.promises.mkdir(path.dirname(socketPath), { recursive: true, mode: DIRECTORY_MODE });
  } catch (err) {
    throw pathError(socketPath, err as NodeJS.ErrnoException);
  }
  await removeIfStale(socketPath);
  // The socket file is created with the process umask; clear the bits for others
  // while it is created, so there is no moment in which anyone could connect.
  const previousUmask = process.umask(0o117);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(new SocketInUseError(socketPath));
        else reject(pathError(socketPath, err));
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
  await fs.promises.unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    throw pathError(socketPath, err);
  });
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
