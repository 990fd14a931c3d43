import * as path from 'node:path';

/** The environment a socket path is discovered from; pass process.env. */
export type SocketEnv = Readonly<Record<string, string | undefined>>;

export const SOCKET_FILE_NAME = 'chronotickd.sock';
export const SYSTEM_SOCKET_PATH = '/run/chronotick/chronotickd.sock';

/**
 * Who is asking, for the per-user fallback: the uid (undefined where there are none)
 * and the temp directory (os.tmpdir(), which honours $TMPDIR). Passed in, so this
 * module stays free of process state.
 */
export interface SocketUser {
  uid: number | undefined;
  tmpDir: string;
}

/**
 * The per-user socket when there is no $XDG_RUNTIME_DIR (ssh without a login session,
 * containers, CI): `<tmp>/chronotick-<uid>/chronotickd.sock`, as tmux keeps
 * `/tmp/tmux-<uid>`. The daemon makes the directory 0700 and refuses one another user
 * owns; undefined where there are no uids.
 */
export function userFallbackSocketPath(user: SocketUser): string | undefined {
  if (user.uid === undefined) return undefined;
  return path.join(user.tmpDir, `chronotick-${user.uid}`, SOCKET_FILE_NAME);
}

/**
 * Where the daemon binds, first that is set: --socket, CHRONOTICK_SOCKET, the config's
 * socket_path, systemd's $RUNTIME_DIRECTORY, then the system path when root, else the
 * per-user runtime directory, else the per-user fallback in the temp directory.
 */
export function daemonSocketPath(opts: {
  flag?: string | undefined;
  configPath?: string | undefined;
  env: SocketEnv;
  isRoot: boolean;
  /** Without it, a user with no $XDG_RUNTIME_DIR gets the system path. */
  user?: SocketUser;
}): string {
  const { flag, configPath, env, isRoot } = opts;
  if (flag) return flag;
  if (env.CHRONOTICK_SOCKET) return env.CHRONOTICK_SOCKET;
  if (configPath) return configPath;
  if (env.RUNTIME_DIRECTORY) {
    // systemd may list several directories separated by ':'; ours is the first.
    const first = env.RUNTIME_DIRECTORY.split(':')[0] ?? env.RUNTIME_DIRECTORY;
    return path.join(first, SOCKET_FILE_NAME);
  }
  if (isRoot) return SYSTEM_SOCKET_PATH;
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'chronotick', SOCKET_FILE_NAME);
  return (opts.user && userFallbackSocketPath(opts.user)) ?? SYSTEM_SOCKET_PATH;
}

/**
 * Where a client looks, in order. An explicit --socket or CHRONOTICK_SOCKET is the only
 * candidate; otherwise the per-user runtime path, the per-user fallback (not for root,
 * whose daemon binds the system path), then the system path.
 */
export function clientSocketCandidates(opts: { flag?: string | undefined; env: SocketEnv; user?: SocketUser }): string[] {
  const { flag, env, user } = opts;
  if (flag) return [flag];
  if (env.CHRONOTICK_SOCKET) return [env.CHRONOTICK_SOCKET];
  const candidates: string[] = [];
  if (env.XDG_RUNTIME_DIR) candidates.push(path.join(env.XDG_RUNTIME_DIR, 'chronotick', SOCKET_FILE_NAME));
  const fallback = user && user.uid !== 0 ? userFallbackSocketPath(user) : undefined;
  if (fallback) candidates.push(fallback);
  candidates.push(SYSTEM_SOCKET_PATH);
  return candidates;
}
