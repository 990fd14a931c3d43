#!/usr/bin/env bash
# Removes what install.sh installed: stops and disables the service, removes the
# unit or plist and the prefix. Keeps the config, the state (learned drift) and the
# chronotick user unless --purge, so a reinstall picks up where it left off.
#
#   sudo deploy/uninstall.sh [--prefix DIR] [--dry-run] [--purge]
#   deploy/uninstall.sh --root DIR ...    # undo a staged install; no root
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<USAGE
usage: uninstall.sh [options]
  --prefix DIR      where install.sh put the project (default /opt/chronotick)
  --root DIR        undo an install staged with install.sh --root DIR
  --dry-run         print every action, change nothing
  --purge           also delete the config, state and logs, and the chronotick user
                    and group
  --platform P      linux or macos (default: this system)
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --purge) PURGE=1 ;;
    -h | --help) usage; exit 0 ;;
    --prefix | --root | --platform)
      [ $# -ge 2 ] || die "$1 needs a value"
      parse_common_flag "$1" "$2"; shift ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
  shift
done
set_platform_paths
require_root_unless_staging "stop the service and remove $PREFIX and $SERVICE_DIR/$SERVICE_FILE"
[ "$DRY_RUN" = 0 ] || note "dry run: printing every action, changing nothing"

# --- 1. the service: stop it, then remove its file ------------------------------------
SERVICE_PATH=$ROOT$SERVICE_DIR/$SERVICE_FILE
if [ "$PLATFORM" = linux ]; then
  # disable also removes the chronotickd.service alias link made by enable.
  if systemd_running; then run systemctl disable --now chronotick-mcp.service || true; fi
  if [ -L "$ROOT$SERVICE_DIR/chronotickd.service" ]; then run rm -f "$ROOT$SERVICE_DIR/chronotickd.service"; fi
elif [ -z "$ROOT" ] && command -v launchctl >/dev/null; then
  run launchctl bootout system/com.chronotick.mcp || true
fi
if [ -e "$SERVICE_PATH" ]; then run rm -f "$SERVICE_PATH"; fi
if systemd_running; then run systemctl daemon-reload; fi

# --- 2. the prefix, only if install.sh made it ------------------------------------------
DEST=$ROOT$PREFIX
if [ -f "$DEST/$MARKER" ]; then
  run rm -rf "$DEST"
elif [ -e "$DEST" ]; then
  die "$DEST has no $MARKER file, so install.sh did not make it; not removing it"
else
  note "$DEST is not there; nothing to remove"
fi

# --- 3. config, state, logs and the user: only with --purge --------------------------------
if [ "$PURGE" = 0 ]; then
  note "kept $ROOT$CONFIG_DIR, the state and logs, and the $SERVICE_USER user (--purge removes them)"
  exit 0
fi
for dir in "$CONFIG_DIR" $DATA_DIRS; do
  if [ -e "$ROOT$dir" ]; then run rm -rf "$ROOT$dir"; fi
done
if [ -n "$ROOT" ]; then
  note "not touching the $SERVICE_USER user (--root)"
elif [ "$PLATFORM" = linux ]; then
  if getent passwd "$SERVICE_USER" >/dev/null; then run userdel "$SERVICE_USER"; fi
  if getent group "$SERVICE_USER" >/dev/null; then run groupdel "$SERVICE_USER"; fi
else
  if dscl . -read "/Users/$SERVICE_USER" >/dev/null 2>&1; then run dscl . -delete "/Users/$SERVICE_USER"; fi
  if dscl . -read "/Groups/$SERVICE_USER" >/dev/null 2>&1; then run dscl . -delete "/Groups/$SERVICE_USER"; fi
fi
