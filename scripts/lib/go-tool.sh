# Sourced by scripts/ensure-*.sh: builds one pinned Go program from the Go
# module proxy into .tools/bin (ignored by git), at most once at a time.
#   go_tool_build <name in .tools/bin> <package@version> [log file]
# Contract: two processes that ask for the same tool at once never both build
# it (an flock per tool in .tools/locks; the second waits, then finds it
# built); the binary appears under its final name only when complete (built
# in a scratch GOBIN, then renamed); builds run under `nice` so a test run
# beside them keeps its CPU. Returns non-zero when the build fails; callers
# decide whether that is fatal.
SYNCLINE_ROOT="${SYNCLINE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
SYNCLINE_TOOLS="$SYNCLINE_ROOT/.tools"

go_tool_build() {
  local name="$1" pkg="$2" log="${3:-}"
  local bin="$SYNCLINE_TOOLS/bin/$name"
  if ! command -v go >/dev/null 2>&1; then
    echo "syncline: no Go toolchain to build $name ($pkg)" >&2
    return 1
  fi
  mkdir -p "$SYNCLINE_TOOLS/bin" "$SYNCLINE_TOOLS/locks"
  local fd status=0
  exec {fd}>"$SYNCLINE_TOOLS/locks/$name.lock"
  flock "$fd"
  if [[ ! -x "$bin" ]]; then
    echo "syncline: building $name ($pkg) with Go (first time only)..." >&2
    local scratch
    scratch="$(mktemp -d "$SYNCLINE_TOOLS/build-$name.XXXXXX")"
    local built="$scratch/$(basename "${pkg%@*}")"
    if [[ -n "$log" ]]; then
      mkdir -p "$(dirname "$log")"
      GOBIN="$scratch" GOFLAGS=-mod=mod nice -n 10 go install "$pkg" >"$log" 2>&1 || status=$?
    else
      GOBIN="$scratch" GOFLAGS=-mod=mod nice -n 10 go install "$pkg" >&2 || status=$?
    fi
    if [[ $status -eq 0 ]]; then mv -f "$built" "$bin"; fi
    rm -rf "$scratch"
  fi
  exec {fd}>&-
  return "$status"
}
