# Shared by install.sh and uninstall.sh: flags, platform paths and the `run` helper
# that prints every action (and only prints it under --dry-run). Sourced, not run.

PREFIX=/opt/chronotick
ROOT=''          # --root: stage everything under this directory instead of /
DRY_RUN=0
NO_SERVICE=0
PURGE=0
NODE_BIN=''
PLATFORM=''
SERVICE_USER=chronotick
MARKER=.chronotick-install   # written into the prefix; we only replace/remove what has it
TARBALLS=''      # --tarballs: the packed packages to install
# The packages' version, in their tarballs' names (npm pack: NAME-VERSION.tgz).
VERSION=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../package.json")

die() { echo "${0##*/}: $*" >&2; exit 1; }
note() { echo "${0##*/}: $*"; }

# Prints the command, shell-quoted, then runs it unless --dry-run.
run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  [ "$DRY_RUN" = 1 ] || "$@"
}

# Absolute path of a directory argument, without requiring it to exist.
absolute() {
  case "$1" in
    /*) printf '%s' "${1%/}" ;;
    *) die "$2 must be an absolute path (got '$1')" ;;
  esac
}

parse_common_flag() {  # $1 flag, $2 value; returns 1 for an unknown flag
  case "$1" in
    --prefix) PREFIX=$(absolute "$2" --prefix) ;;
    --root) ROOT=$(absolute "$2" --root) ;;  # --root / strips to '': the real system
    --node) NODE_BIN=$2 ;;
    --platform) PLATFORM=$2 ;;
    *) return 1 ;;
  esac
}

# Platform paths. On macOS, /etc and /var/run are poor homes (/var/run is emptied at
# boot and the unprivileged daemon could not recreate its directory there), so the
# Homebrew-style /usr/local tree is used; the plist refers to the same paths.
set_platform_paths() {
  if [ -z "$PLATFORM" ]; then
    case "$(uname -s)" in
      Linux) PLATFORM=linux ;;
      Darwin) PLATFORM=macos ;;
      *) die "unsupported system $(uname -s); pass --platform linux|macos" ;;
    esac
  fi
  case "$PLATFORM" in
    linux)
      CONFIG_DIR=/etc/chronotick
      SERVICE_DIR=/etc/systemd/system
      SERVICE_FILE=chronotick-mcp.service
      DATA_DIRS='/var/lib/chronotick /var/log/chronotick'  # made by systemd at start
      ;;
    macos)
      CONFIG_DIR=/usr/local/etc/chronotick
      SERVICE_DIR=/Library/LaunchDaemons
      SERVICE_FILE=com.chronotick.mcp.plist
      DATA_DIRS='/usr/local/var/run/chronotick /usr/local/var/lib/chronotick /usr/local/var/log/chronotick'
      ;;
    *) die "--platform must be linux or macos (got '$PLATFORM')" ;;
  esac
  [ "$PREFIX" != / ] || die "--prefix / would mix ChronoTick with the system; pick a directory of its own"
}

# Root is needed to create the user and write /etc, /opt or /Library; staging into
# --root DIR and --dry-run need no privileges.
require_root_unless_staging() {
  if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    die "must run as root to $1. Use sudo, or --root DIR to stage into a directory, or --dry-run to see what it would do."
  fi
}

# True when this host's service manager should be told about the change.
systemd_running() { [ -z "$ROOT" ] && [ -d /run/systemd/system ]; }
