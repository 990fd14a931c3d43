import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SocketUser } from '@chronotick/protocol';

/** This process as a socket user: its uid and temp directory, for socket discovery. */
export function currentSocketUser(): SocketUser {
  return { uid: process.getuid?.(), tmpDir: os.tmpdir() };
}

/** The installed service's group, which its socket belongs to (deploy/install.sh). */
export const SERVICE_GROUP = 'chronotick';

function groupName(gid: number): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === gid) return name;
    }
  } catch {
    // No /etc/group (macOS keeps groups in Directory Services).
  }
  return undefined;
}

/**
 * What to say about a socket this user may not open. Access is granted by group (the
 * socket is 0660, the service's directory 0750), so name the group to join: the
 * socket's own when this user can see it, else its directory's (a 0750 directory
 * hides the socket from non-members), else the service's. A directory closed to its
 * group (a user's private 0700 fallback) is no group's to grant.
 */
export function permissionDenied(socketPath: string): { message: string; hint: string } {
  let st: fs.Stats | undefined;
  let dir: fs.Stats | undefined;
  try {
    dir = fs.statSync(path.dirname(socketPath));
    st = fs.statSync(socketPath);
  } catch {
    // Not visible to us; what we could see decides.
  }
  if (dir && (dir.mode & 0o010) === 0) {
    return {
      message: `permission denied on ${socketPath} — that daemon is private to the user who started it (uid ${dir.uid})`,
      hint: 'start your own with `npx chronotickd` (it listens on your own path), or use the installed service',
    };
  }
  const gid = st?.gid ?? dir?.gid;
  const group = (gid === undefined ? undefined : groupName(gid)) ?? SERVICE_GROUP;
  return {
    message: `permission denied on ${socketPath} — join the \`${group}\` group to use chronotickd`,
    hint: `\`sudo usermod -aG ${group} "$USER"\`, then log in again (or run \`newgrp ${group}\` in this shell)`,
  };
}
