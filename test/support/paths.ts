import * as path from 'node:path';

/** Repository root, and the built entry points the end-to-end tests run. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BIN = {
  daemon: path.join(REPO_ROOT, 'packages/daemon/bin/chronotickd.js'),
  ctl: path.join(REPO_ROOT, 'packages/ctl/bin/chronotickctl.js'),
  mcp: path.join(REPO_ROOT, 'packages/mcp/bin/chronotick-mcp.js'),
} as const;
