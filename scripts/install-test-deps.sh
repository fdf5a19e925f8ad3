#!/usr/bin/env bash
# Install what scormbuild's browser and xAPI tests need, skipping whatever is already there:
#   1. Debian's chromium (/usr/bin/chromium) for Playwright; Playwright never downloads a browser;
#   2. tests/js/node_modules from tests/js/package-lock.json (scorm-again, axe-core,
#      @learninglocker/xapi-validation);
#   3. .venv-ralph/, a venv of its own for the Ralph LRS, so that Ralph's pins never meet ours.
# Idempotent, quiet on success (a failing step prints its full log), no stdin needed (CI=true).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
RALPH_REQUIREMENTS=("ralph-malph[cli,lrs]==5.1.0" "requests>=2.31")
export DEBIAN_FRONTEND=noninteractive
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

say() { echo "install-test-deps: $*" >&2; }

# Run a command with its output in a log; print the log only when the command fails.
quietly() {
    local log status=0
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        say "failed ($status): $*"
        cat "$log" >&2
    fi
    rm -f "$log"
    return "$status"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_updated=0
apt_install() {
    # DPkg::Lock::Timeout waits for another apt/dpkg run (e.g. one already installing chromium).
    local apt=(apt-get -q -y -o DPkg::Lock::Timeout=900)
    if [ "$apt_updated" -eq 0 ]; then
        quietly as_root "${apt[@]}" update
        apt_updated=1
    fi
    quietly as_root "${apt[@]}" install "$@"
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# 1. Chromium ------------------------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian chromium"
    apt_install chromium
fi

# 2. Node test dependencies ----------------------------------------------------------------------
JS_DIR="$ROOT/tests/js"
STAMP="$JS_DIR/node_modules/.scormbuild-lock-sha256"
if ! command -v npm >/dev/null 2>&1; then
    say "npm not found: install Node.js 20 first"
    exit 1
fi
if [ ! -d "$JS_DIR/node_modules" ] || [ ! -f "$STAMP" ] \
    || [ "$(cat "$STAMP")" != "$(sha256 "$JS_DIR/package-lock.json")" ]; then
    say "npm ci in tests/js"
    (cd "$JS_DIR" && quietly npm ci --no-audit --no-fund --loglevel=error)
    sha256 "$JS_DIR/package-lock.json" >"$STAMP"
fi

# 3. Ralph LRS venv ------------------------------------------------------------------------------
RALPH_VENV="$ROOT/.venv-ralph"
RALPH_STAMP="$RALPH_VENV/.scormbuild-requirements"
wanted="${RALPH_REQUIREMENTS[*]}"
if [ ! -x "$RALPH_VENV/bin/python" ] || [ ! -f "$RALPH_STAMP" ] \
    || [ "$(cat "$RALPH_STAMP")" != "$wanted" ] \
    || ! RALPH_RUNSERVER_BACKEND=fs "$RALPH_VENV/bin/python" -c "import ralph.api, requests" \
        >/dev/null 2>&1; then
    say "creating .venv-ralph (${wanted})"
    rm -rf "$RALPH_VENV"
    if ! "$PYTHON" -m venv "$RALPH_VENV" >/dev/null 2>&1; then
        rm -rf "$RALPH_VENV"
        apt_install python3-venv
        quietly "$PYTHON" -m venv "$RALPH_VENV"
    fi
    quietly "$RALPH_VENV/bin/python" -m pip install --disable-pip-version-check -q \
        "${RALPH_REQUIREMENTS[@]}"
    # Importing ralph.api needs a backend setting; check the import the launcher will make.
    RALPH_RUNSERVER_BACKEND=fs quietly "$RALPH_VENV/bin/python" -c "import ralph.api"
    echo "$wanted" >"$RALPH_STAMP"
fi
