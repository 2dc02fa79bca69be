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
# A second environment with the newest Home Assistant on PyPI, for the end-to-end checks.
LATEST_VENV_DIR="$PROJECT_DIR/.venv-ha-latest"
MODE_FILE="$VENV_DIR/.skycentrics-mode"
PY_MIN="3.14.2"

# The private root, declared here and nowhere else.
# debootstrap installs only the Python toolchain: its own resolver cannot pick a provider of a
# virtual package (chromium pulls in dbus-session-bus), so everything else is installed afterwards
# with apt-get inside the root, which can. Suites are tried in order until one has python3.14 of
# at least PY_MIN. Raise ROOTFS_VERSION to have every existing root rebuilt.
ROOTFS_VERSION="2"
ROOTFS_SUITES="${SKYCENTRICS_ROOTFS_SUITES:-sid testing}"
ROOTFS_MIRROR="http://deb.debian.org/debian"
ROOTFS_BOOTSTRAP="python3.14,python3.14-venv,python3.14-dev,ca-certificates"
ROOTFS_PACKAGES="gcc g++ libc6-dev git procps chromium fonts-dejavu-core fonts-liberation"
ROOTFS_DIR="${SKYCENTRICS_ROOTFS:-/var/cache/skycentrics-dev/rootfs}"
# Download caches (debootstrap's and apt's .debs, uv's and pip's wheels), kept apart from the root
# so that a root built from nothing does not download everything again; bind-mounted into it.
CACHE_DIR="${SKYCENTRICS_CACHE:-/var/cache/skycentrics-dev/cache}"

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
  local cwd pass=() var git_dir
  cwd=$(pwd)
  # A git worktree keeps its repository outside the project: mounted too, so git works inside.
  git_dir=$(git -C "$PROJECT_DIR" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) ||
    git_dir=$PROJECT_DIR
  [[ "$git_dir" == "$PROJECT_DIR"/* ]] && git_dir=$PROJECT_DIR
  for var in CI TERM COLUMNS PYTEST_ADDOPTS SKYCENTRICS_DEVELOP_PORT SKYCENTRICS_SIM_PORT \
    SKYCENTRICS_DEVELOP_TIMEOUT SKYCENTRICS_E2E_START_TIMEOUT SKYCENTRICS_UPDATE_SCREENSHOTS \
    SKYCENTRICS_E2E_HA_PYTHON; do
    [ -n "${!var-}" ] && pass+=("$var=${!var}")
  done
  unshare --mount --fork --propagation private /bin/bash -c '
    set -e
    r=$1 p=$2 c=$3 g=$4; shift 4
    mkdir -p "$r$p" "$r/dev" "$r/proc" "$r/sys"
    mount --bind "$p" "$r$p"
    if [ "$g" != "$p" ]; then mkdir -p "$r$g" && mount --bind "$g" "$r$g"; fi
    mkdir -p "$c" "$r$c"
    mount --bind "$c" "$r$c"
    mount --rbind /dev "$r/dev"
    mount -t proc proc "$r/proc"
    mount --rbind /sys "$r/sys" 2>/dev/null || true
    exec chroot "$r" "$@"
  ' _ "$ROOTFS_DIR" "$PROJECT_DIR" "$CACHE_DIR" "$git_dir" /usr/bin/env -i \
    HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    PATH="$VENV_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt VIRTUAL_ENV="$VENV_DIR" \
    UV_CACHE_DIR="$CACHE_DIR/uv" PIP_CACHE_DIR="$CACHE_DIR/pip" \
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
