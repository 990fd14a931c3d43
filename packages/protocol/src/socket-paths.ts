import * as path from 'node:path';

/** The environment a socket path is discovered from; pass process.env. */
export type SocketEnv = Readonly<Record<string, string | undefined>>;

export const SOCKET_FILE_NAME = 'chronotickd.sock';
export const SYSTEM_SOCKET_PATH = '/run/chronotick/chronotickd.sock';

/**
 * Where the daemon binds, first that is set: --socket, CHRONOTICK_SOCKET, the config's
 * socket_path, systemd's $RUNTIME_DIRECTORY, then the system path when root, else the
 * per-user runtime directory.
 */
export function daemonSocketPath(opts: {
  flag?: string | undefined;
  configPath?: string | undefined;
  env: SocketEnv;
  isRoot: boolean;
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
  if (isRoot || !env.XDG_RUNTIME_DIR) return SYSTEM_SOCKET_PATH;
  return path.join(env.XDG_RUNTIME_DIR, 'chronotick', SOCKET_FILE_NAME);
}

/**
 * Where a client looks, in order. An explicit --socket or CHRONOTICK_SOCKET is the only
 * candidate; otherwise the per-user path, then the system path.
 */
export function clientSocketCandidates(opts: { flag?: string | undefined; env: SocketEnv }): string[] {
  const { flag, env } = opts;
  if (flag) return [flag];
  if (env.CHRONOTICK_SOCKET) return [env.CHRONOTICK_SOCKET];
  const candidates: string[] = [];
  if (env.XDG_RUNTIME_DIR) candidates.push(path.join(env.XDG_RUNTIME_DIR, 'chronotick', SOCKET_FILE_NAME));
  candidates.push(SYSTEM_SOCKET_PATH);
  return candidates;
}
