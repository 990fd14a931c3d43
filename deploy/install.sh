#!/usr/bin/env bash
# Installs ChronoTick as a system service: the chronotick user and group, the
# packages under a prefix, the config (never overwritten) and the systemd unit
# (Linux) or launchd plist (macOS). Safe to run again: it replaces the installed
# code and unit, and keeps the config. It never starts or enables the service.
#
#   sudo deploy/install.sh [--prefix DIR] [--tarballs DIR] [--dry-run] [--no-service] [--node PATH]
#   deploy/install.sh --root DIR ...     # stage into DIR (packaging, tests); no root
#
# It installs the packed packages — the tarballs `npm run pack` makes, the ones npm
# publish would upload — with the README's install line (npm install -g
# --ignore-scripts), into the prefix: what a user gets from npm, nothing of the
# checkout's layout. Without --tarballs it packs this (built) checkout first. Only
# the npm registry is reached, for the packages' own dependencies (from npm's cache
# when it has them); onnxruntime-node's install script, which would fetch CUDA
# libraries from NuGet, never runs.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
. "$SRC/deploy/lib.sh"

usage() {
  cat <<USAGE
usage: install.sh [options]
  --prefix DIR      install the project here (default /opt/chronotick)
  --root DIR        stage every file under DIR instead of /; no user is created and
                    no service manager is called (the files still name the final
                    paths); needs no root
  --dry-run         print every action, change nothing
  --no-service      do not install the systemd unit / launchd plist
  --node PATH       node binary the service runs (default: node on the PATH)
  --tarballs DIR    install the .tgz packages in DIR (default: npm run pack here)
  --platform P      linux or macos (default: this system)
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --no-service) NO_SERVICE=1 ;;
    -h | --help) usage; exit 0 ;;
    --tarballs)
      [ $# -ge 2 ] || die "$1 needs a value"
      TARBALLS=$(cd "$2" 2>/dev/null && pwd) || die "--tarballs $2: no such directory"; shift ;;
    --prefix | --root | --node | --platform)
      [ $# -ge 2 ] || die "$1 needs a value"
      parse_common_flag "$1" "$2"; shift ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
  shift
done
set_platform_paths
require_root_unless_staging "create the $SERVICE_USER user and write $PREFIX, $CONFIG_DIR and $SERVICE_DIR"

NODE_BIN=${NODE_BIN:-$(command -v node || true)}
[ -n "$NODE_BIN" ] || die "node not found on the PATH; pass --node /absolute/path/to/node"
NODE_BIN=$(absolute "$NODE_BIN" --node)
if [ -z "${TARBALLS:-}" ]; then
  [ -d "$SRC/node_modules/typescript" ] || die "$SRC has no dependencies to pack with; run 'npm ci' there, or pass --tarballs DIR"
fi

[ "$DRY_RUN" = 0 ] || note "dry run: printing every action, changing nothing"
[ -z "$ROOT" ] || note "staging under $ROOT (no user, no service manager)"

# --- 1. the chronotick user and group (system account: no home, no login) --------
create_user_linux() {
  getent group "$SERVICE_USER" >/dev/null || run groupadd --system "$SERVICE_USER"
  if ! getent passwd "$SERVICE_USER" >/dev/null; then
    local shell=/usr/sbin/nologin
    [ -x "$shell" ] || shell=/sbin/nologin
    [ -x "$shell" ] || shell=/bin/false
    run useradd --system --gid "$SERVICE_USER" --no-create-home --home-dir /nonexistent \
      --shell "$shell" --comment 'ChronoTick daemon' "$SERVICE_USER"
  fi
}

# macOS has no useradd: Directory Services records, with an unused id below 500
# (ids below 500 are hidden from the login window).
free_macos_id() {  # $1 /Users|/Groups, $2 UniqueID|PrimaryGroupID
  local used id
  used=$(dscl . -list "$1" "$2" | awk '{print $2}')
  for id in $(seq 300 499); do
    grep -qx "$id" <<<"$used" || { echo "$id"; return; }
  done
  die "no free id between 300 and 499 in $1"
}
create_user_macos() {
  local gid uid
  if ! dscl . -read "/Groups/$SERVICE_USER" >/dev/null 2>&1; then
    gid=$(free_macos_id /Groups PrimaryGroupID)
    run dscl . -create "/Groups/$SERVICE_USER" PrimaryGroupID "$gid"
    run dscl . -create "/Groups/$SERVICE_USER" RealName 'ChronoTick daemon'
  fi
  gid=$(dscl . -read "/Groups/$SERVICE_USER" PrimaryGroupID 2>/dev/null | awk '{print $2}' || true)
  if ! dscl . -read "/Users/$SERVICE_USER" >/dev/null 2>&1; then
    uid=$(free_macos_id /Users UniqueID)
    run dscl . -create "/Users/$SERVICE_USER" UniqueID "$uid"
    run dscl . -create "/Users/$SERVICE_USER" PrimaryGroupID "${gid:-$uid}"
    run dscl . -create "/Users/$SERVICE_USER" UserShell /usr/bin/false
    run dscl . -create "/Users/$SERVICE_USER" NFSHomeDirectory /var/empty
    run dscl . -create "/Users/$SERVICE_USER" RealName 'ChronoTick daemon'
    run dscl . -create "/Users/$SERVICE_USER" IsHidden 1
  fi
}

if [ -n "$ROOT" ]; then
  note "skipping the $SERVICE_USER user and group (--root)"
elif [ "$PLATFORM" = linux ]; then
  create_user_linux
elif [ "$DRY_RUN" = 1 ] && ! command -v dscl >/dev/null; then
  note "would create the $SERVICE_USER user and group with dscl"
else
  create_user_macos
fi

# --- 2. the packages under the prefix ------------------------------------------------
# Installed into a sibling directory and swapped in at the end, so a failed install
# never leaves a half-installed prefix. Only a prefix carrying our marker is replaced.
DEST=$ROOT$PREFIX
STAGE="$DEST.new.$$"
if [ -e "$DEST" ] && [ ! -f "$DEST/$MARKER" ] && [ -n "$(ls -A "$DEST" 2>/dev/null)" ]; then
  die "$DEST exists and was not installed by this script; refusing to replace it"
fi

[ "$DRY_RUN" = 1 ] || trap 'rm -rf "$STAGE" "$DEST.tarballs.$$" "$STAGE.npm-logs"' EXIT
if [ -z "${TARBALLS:-}" ]; then
  TARBALLS="$DEST.tarballs.$$"
  run "$NODE_BIN" "$SRC/scripts/pack.mjs" "$TARBALLS"
fi
# The programs and what they load; the test reference server stays out.
PACKAGES=()
for name in protocol ntp config tsfm sim client; do PACKAGES+=("$TARBALLS/chronotick-$name-$VERSION.tgz"); done
for name in chronotickd chronotickctl chronotick-mcp; do PACKAGES+=("$TARBALLS/$name-$VERSION.tgz"); done
if [ "$DRY_RUN" = 0 ]; then
  for tgz in "${PACKAGES[@]}"; do [ -f "$tgz" ] || die "no $tgz; pack them with 'npm run pack'"; done
fi
run mkdir -p "$STAGE"
# The README's line. --prefer-offline: npm's cache first, the registry for the rest.
run npm install --global --prefix "$STAGE" --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error \
  --logs-dir "$STAGE.npm-logs" "${PACKAGES[@]}"
run rm -rf "$STAGE.npm-logs"
# Root owns the code the service runs, so neither the chronotick user nor whoever
# built the checkout can change it.
[ "$(id -u)" != 0 ] || run chown -R -h 0:0 "$STAGE"
run chmod -R u+rwX,go+rX,go-w "$STAGE"
echo "+ write $STAGE/$MARKER"
if [ "$DRY_RUN" = 0 ]; then
  printf 'prefix=%s\nsource=%s\ninstalled=%s\n' "$PREFIX" "$TARBALLS" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$STAGE/$MARKER"
fi
if [ -e "$DEST" ]; then
  run mv "$DEST" "$DEST.old.$$"
  run mv "$STAGE" "$DEST"
  run rm -rf "$DEST.old.$$"
else
  run mkdir -p "$(dirname "$DEST")"
  run mv "$STAGE" "$DEST"
fi
[ "$TARBALLS" != "$DEST.tarballs.$$" ] || run rm -rf "$TARBALLS"

# --- 3. the configuration: installed once, never overwritten ---------------------------
if [ -e "$ROOT$CONFIG_DIR/config.yaml" ]; then
  note "keeping existing $ROOT$CONFIG_DIR/config.yaml"
else
  run mkdir -p "$ROOT$CONFIG_DIR"
  # The default preset, as the installed @chronotick/config ships it.
  run install -m 0644 "$DEST/lib/node_modules/@chronotick/config/presets/default.yaml" "$ROOT$CONFIG_DIR/config.yaml"
fi

# --- 4. the unit or plist ------------------------------------------------------------------
render() {  # template -> destination, filling @NODE@ and @PREFIX@
  echo "+ render $1 -> $2 (@NODE@=$NODE_BIN @PREFIX@=$PREFIX)"
  [ "$DRY_RUN" = 1 ] && return
  sed -e "s|@NODE@|$NODE_BIN|g" -e "s|@PREFIX@|$PREFIX|g" "$1" >"$2.tmp"
  chmod 0644 "$2.tmp"
  mv "$2.tmp" "$2"
}

if [ "$NO_SERVICE" = 1 ]; then
  note "skipping the service file (--no-service)"
elif [ "$PLATFORM" = linux ]; then
  run mkdir -p "$ROOT$SERVICE_DIR"
  render "$SRC/deploy/systemd/$SERVICE_FILE" "$ROOT$SERVICE_DIR/$SERVICE_FILE"
  if systemd_running; then
    run systemctl daemon-reload
  else
    note "systemd is not running here (or --root): no daemon-reload"
  fi
else
  # The daemon runs as chronotick and cannot create directories under /usr/local/var.
  for dir in $DATA_DIRS; do
    run mkdir -p "$ROOT$dir"
    [ -n "$ROOT" ] || run chown "$SERVICE_USER:$SERVICE_USER" "$dir"
    run chmod 0750 "$ROOT$dir"
  done
  run mkdir -p "$ROOT$SERVICE_DIR"
  render "$SRC/deploy/launchd/$SERVICE_FILE" "$ROOT$SERVICE_DIR/$SERVICE_FILE"
fi

# --- next steps ---------------------------------------------------------------------------------
[ "$DRY_RUN" = 0 ] || exit 0
note "installed to $DEST"
if [ "$NO_SERVICE" = 0 ] && [ -z "$ROOT" ]; then
  if [ "$PLATFORM" = linux ]; then
    note "start it:          systemctl enable --now chronotick-mcp"
    note "let a user query:  usermod -aG $SERVICE_USER USERNAME   (socket: /run/chronotick/chronotickd.sock)"
  else
    note "start it:          launchctl bootstrap system $SERVICE_DIR/$SERVICE_FILE"
    note "let a user query:  dseditgroup -o edit -a USERNAME -t user $SERVICE_USER"
    note "clients need:      CHRONOTICK_SOCKET=/usr/local/var/run/chronotick/chronotickd.sock"
  fi
fi
