# shellcheck shell=bash disable=SC2154  # root and BENCH_NAME come from the sourcing script
# Helpers shared by the benchmark scripts in bench/ (sourced, not run).
#
# The sourcing script sets, before calling anything here:
#   BENCH_NAME   its name for messages (e.g. "failover.sh")
#   root         the repository root (where ./auriga lives)
# and uses these globals for the one demo that runs at a time:
#   demo_dir demo_log demo_pid
# Every wait in here is bounded.

# What `auriga demo` provides: every endpoint on the loopback, user/password/database auriga.
# shellcheck disable=SC2034  # used by the sourcing scripts
readonly HOST=127.0.0.1 DB_USER=auriga DB_PASSWORD=auriga DB_NAME=auriga

demo_dir=""
demo_log=""
demo_pid=""

die() { echo "$BENCH_NAME: $*" >&2; exit 2; }
warn() { echo "$BENCH_NAME: $*" >&2; }
say() { printf '%s\n' "$*"; }
banner() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' "$*" >&2; }

# The options every benchmark takes: --quick sets quick=true; --durability MODE sets durability
# (async or quorum, passed to `auriga demo`); --help prints the script's header.
# shellcheck disable=SC2034  # quick and durability are read by the sourcing script
parse_common_args() {
  quick=false
  durability=async
  while (($# > 0)); do
    local arg=$1
    shift
    case "$arg" in
      --quick) quick=true ;;
      --durability)
        (($# > 0)) || { echo "$BENCH_NAME: --durability needs a value (async or quorum)" >&2; exit 2; }
        durability=$1
        shift
        [[ $durability == async || $durability == quorum ]] || { echo "$BENCH_NAME: --durability must be async or quorum, not '$durability'" >&2; exit 2; }
        ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "$BENCH_NAME: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
    esac
  done
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
  done
}

# Checks that each named variable holds a positive integer.
require_positive_ints() {
  local v
  for v in "$@"; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
  done
}

# ---------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------
port_free() { [[ -z "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]]; }

# pick_port_offset FROM TO STEP: prints the first offset whose writer, reader and admin ports
# (6432/6433/6480 + offset) are all free; fails when none is.
pick_port_offset() {
  local o
  for ((o = $1; o < $2; o += $3)); do
    if port_free $((6432 + o)) && port_free $((6433 + o)) && port_free $((6480 + o)); then
      echo "$o"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Demo lifecycle: `auriga demo` in the background, logging to $demo_log
# ---------------------------------------------------------------------------------------------
show_demo_log() {
  [[ -n $demo_log && -f $demo_log ]] || return 0
  echo "---- last lines of the demo log ($demo_log) ----" >&2
  tail -n 40 "$demo_log" >&2 || true
}

# demo_start DIR LOG OFFSET REPLICAS TIMEOUT_SECONDS [DURABILITY] [ENGINE]: starts the demo and waits
# (bounded) until it says it is ready. Fails (status 1, with the log's tail and the reason on stderr) when
# the demo exits or is not ready in time; the caller decides whether that is fatal.
demo_start() {
  demo_dir=$1 demo_log=$2
  local offset=$3 replicas=$4 startup_timeout=$5 durability=${6:-async} engine=${7:-postgres}
  "$root/auriga" demo --engine "$engine" --dir "$demo_dir" --port-offset "$offset" --replicas "$replicas" \
    --durability "$durability" >"$demo_log" 2>&1 &
  demo_pid=$!
  local deadline=$((SECONDS + startup_timeout))
  until grep -q 'Press Ctrl-C to stop' "$demo_log" 2>/dev/null; do
    if ! kill -0 "$demo_pid" 2>/dev/null; then show_demo_log; warn "the demo exited before it was ready"; return 1; fi
    if ((SECONDS >= deadline)); then show_demo_log; warn "the demo was not ready within ${startup_timeout}s"; return 1; fi
    sleep 1
  done
}

# Kills every process whose working directory is inside DIR: postmasters that outlived a killed
# demo, and the children of a postmaster that was itself killed with SIGKILL (they normally exit
# on their own once they notice). PostgreSQL processes run with their data directory as cwd,
# mariadbd with its instance directory.
kill_processes_in_dir() {
  local dir=$1 sig=$2 p cwd pids=()
  [[ -n $dir && -d $dir ]] || return 0
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    [[ $cwd == "$dir"/* ]] && pids+=("${p#/proc/}")
  done
  ((${#pids[@]} > 0)) || return 1
  kill "-$sig" "${pids[@]}" 2>/dev/null || true
  return 0
}

# Stops the demo: SIGTERM, a bounded wait, SIGKILL as a fallback; then makes sure no server
# process it started is left in its directory.
# shellcheck disable=SC2317  # also invoked from EXIT traps
demo_stop() {
  if [[ -n $demo_pid ]]; then
    if kill -0 "$demo_pid" 2>/dev/null; then
      echo "Stopping the demo (pid $demo_pid) ..." >&2
      kill -TERM "$demo_pid" 2>/dev/null || true
      local i
      for ((i = 0; i < 60; i++)); do
        kill -0 "$demo_pid" 2>/dev/null || break
        sleep 0.5
      done
      if kill -0 "$demo_pid" 2>/dev/null; then
        warn "the demo did not stop within 30 s; killing it"
        kill -KILL "$demo_pid" 2>/dev/null || true
      fi
    fi
    wait "$demo_pid" 2>/dev/null || true
    demo_pid=""
  fi
  # A killed demo cannot stop its servers: stop whatever still runs in its directory, politely
  # first (SIGQUIT is PostgreSQL's immediate shutdown), then for sure.
  if [[ -n $demo_dir ]] && kill_processes_in_dir "$demo_dir" QUIT; then
    warn "stopping leftover server processes in $demo_dir"
    local j
    for ((j = 0; j < 10; j++)); do
      sleep 0.5
      kill_processes_in_dir "$demo_dir" 0 || break
    done
    kill_processes_in_dir "$demo_dir" KILL || true
  fi
}

# ---------------------------------------------------------------------------------------------
# Admin API
# ---------------------------------------------------------------------------------------------
# topology_json ADMIN_PORT: the /topology document, or nothing when the admin API does not answer.
topology_json() { curl -fsS --max-time 3 "http://$HOST:$1/topology" 2>/dev/null || true; }

# topology_primary_port ADMIN_PORT: the port of the instance reported as primary (works without jq).
topology_primary_port() {
  local json
  json=$(topology_json "$1")
  [[ -n $json ]] || return 0
  if command -v jq >/dev/null; then
    jq -r '[.clusters[].instances[] | select((.role | ascii_downcase) == "primary") | .port] | first // empty' <<<"$json" 2>/dev/null || true
  else
    # Without jq: instances are flat objects, so split on braces and pick the primary's port.
    tr '{}' '\n' <<<"$json" | grep '"role":"primary"' | sed -n 's/.*"port":\([0-9][0-9]*\).*/\1/p' | head -n 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Statistics and formatting
# ---------------------------------------------------------------------------------------------
median() { printf '%s\n' "$@" | awk 'NF' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
max_of() { printf '%s\n' "$@" | awk 'NF' | sort -g | tail -n 1; }
fmt() { [[ -z ${2:-} ]] && { echo "n/a"; return; }; awk -v v="$2" -v f="$1" 'BEGIN { printf f, v }'; }

# ---------------------------------------------------------------------------------------------
# Machine description (rows of a two-column Markdown table)
# ---------------------------------------------------------------------------------------------
machine_rows() {
  local cpu_model mem_total
  cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  [[ -n $cpu_model ]] || cpu_model=$(uname -m)
  mem_total=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "| CPUs (nproc) | $(nproc) |"
  echo "| CPU model | $cpu_model |"
  echo "| memory | $mem_total |"
  echo "| kernel | $(uname -r) |"
}
java_version() { java -version 2>&1 | head -n 1; }
git_commit() { git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown; }
