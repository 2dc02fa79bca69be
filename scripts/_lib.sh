# shellcheck shell=bash
# Shared by scripts/*: find (or build) a Python >= 3.14.2 and run commands with the project venv.
#
# Modes, chosen by scripts/setup and remembered in .venv/.skycentrics-mode:
#   native  a Python >= 3.14.2 was found on PATH or through uv; .venv is an ordinary venv.
#   chroot  no such Python here: a private Debian sid root (with python3.14) is built with
#           debootstrap and entered with `unshare --mount` + `chroot`, the project bind-mounted
#           at the same path, so .venv (made inside it) works unchanged.

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_DIR="$PROJECT_DIR/.venv"
MODE_FILE="$VENV_DIR/.skycentrics-mode"
PY_MIN="3.14.2"
ROOTFS_VERSION="1"
ROOTFS_DIR="${SKYCENTRICS_ROOTFS:-/var/cache/skycentrics-dev/rootfs-sid}"
# Packages of the private root; scripts/setup adds any that an older root lacks.
ROOTFS_PACKAGES="python3.14,python3.14-venv,python3.14-dev,gcc,g++,libc6-dev,ca-certificates,git,procps,chromium,fonts-dejavu-core,fonts-liberation"

log() { printf '[setup] %s\n' "$*" >&2; }

# Print the path of a Python >= PY_MIN found on PATH or through uv; fail quietly otherwise.
find_python() {
  local cand path
  for cand in python3.14 python3 python; do
    path=$(command -v "$cand" 2>/dev/null) || continue
    if "$path" -c "import sys; sys.exit(0 if sys.version_info >= (${PY_MIN//./, }) else 1)" 2>/dev/null; then
      echo "$path"
      return 0
    fi
  done
  if command -v uv >/dev/null 2>&1; then
    path=$(uv python find ">=$PY_MIN" 2>/dev/null) && [ -n "$path" ] && { echo "$path"; return 0; }
  fi
  return 1
}

current_mode() { cat "$MODE_FILE" 2>/dev/null || true; }

rootfs_ready() { [ "$(cat "$ROOTFS_DIR/.skycentrics-rootfs" 2>/dev/null)" = "$ROOTFS_VERSION" ]; }

# Run a command inside the private root with a clean environment, in the current directory.
in_rootfs() {
  local cwd pass=() var
  cwd=$(pwd)
  for var in CI TERM COLUMNS PYTEST_ADDOPTS SKYCENTRICS_DEVELOP_PORT SKYCENTRICS_SIM_PORT \
    SKYCENTRICS_DEVELOP_TIMEOUT SKYCENTRICS_E2E_START_TIMEOUT SKYCENTRICS_UPDATE_SCREENSHOTS; do
    [ -n "${!var-}" ] && pass+=("$var=${!var}")
  done
  unshare --mount --fork --propagation private /bin/bash -c '
    set -e
    r=$1 p=$2; shift 2
    mkdir -p "$r$p" "$r/dev" "$r/proc" "$r/sys"
    mount --bind "$p" "$r$p"
    mount --rbind /dev "$r/dev"
    mount -t proc proc "$r/proc"
    mount --rbind /sys "$r/sys" 2>/dev/null || true
    exec chroot "$r" "$@"
  ' _ "$ROOTFS_DIR" "$PROJECT_DIR" /usr/bin/env -i \
    HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    PATH="$VENV_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt VIRTUAL_ENV="$VENV_DIR" \
    "${pass[@]}" /bin/bash -c 'cd "$1" && shift && exec "$@"' _ "$cwd" "$@"
}

# Run a command with the project venv first on PATH (entering the private root when needed).
in_venv() {
  case "$(current_mode)" in
    native) PATH="$VENV_DIR/bin:$PATH" VIRTUAL_ENV="$VENV_DIR" "$@" ;;
    chroot) in_rootfs "$@" ;;
    *) log "no environment: run scripts/setup"; return 1 ;;
  esac
}
