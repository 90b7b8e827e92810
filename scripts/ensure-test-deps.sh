#!/usr/bin/env bash
# System packages only the tests need, from Debian's archive, installed with
# apt when we are root; elsewhere a warning naming the test that will fail.
#   chromium        the Web UI test drives it through playwright-core, which
#                   cannot download a browser here (CHROMIUM_PATH overrides)
#   docker-compose  validates docker-compose.yml (`config` needs no engine)
# and promtool, built with Go (scripts/ensure-promtool.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# apt_install <package> <what needs it>
apt_install() {
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "syncline: installing $1 with apt-get for $2 (first time only)..." >&2
    mkdir -p .data
    # Another apt run may hold the lock (a fresh machine's own setup): wait for it rather than fail.
    local lock=(-o DPkg::Lock::Timeout=600)
    if ! { apt-get update -qq "${lock[@]}" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${lock[@]}" "$1"; } >".data/apt-$1.log" 2>&1; then
      echo "syncline: warning: apt-get could not install $1 (see .data/apt-$1.log); $2 will fail" >&2
    fi
  else
    echo "syncline: warning: $1 is missing and there is no root or apt-get to install it; $2 will fail" >&2
  fi
}

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -n "${CHROMIUM_PATH:-}" && ! -x "$chromium" ]]; then
  echo "syncline: warning: CHROMIUM_PATH=$chromium is not an executable; the Web UI test will fail" >&2
elif [[ ! -x "$chromium" ]]; then
  apt_install chromium "the Web UI test"
fi

command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose "the compose validation test"

# promtool checks and unit-tests the Prometheus alert rules in deploy/prometheus.
bash scripts/ensure-promtool.sh
