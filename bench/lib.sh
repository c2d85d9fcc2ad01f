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

# The settings both A/B benchmarks (pgbench.sh, sysbench.sh) read from the environment, with their
# defaults; --quick shortens the measurement. The script checks them, with its own, afterwards.
# shellcheck disable=SC2034  # read by the sourcing script
ab_settings() {
  if $quick; then
    ROUNDS=1 DURATION=5 WARMUP=5
  fi
  ROUNDS=${ROUNDS:-3}
  DURATION=${DURATION:-10}
  WARMUP=${WARMUP:-10}
  STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-300}
  RESULTS_DIR=${RESULTS_DIR:-$root/bench/results}
  export AURIGA_JAVA_OPTS="${AURIGA_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}"
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

# pick_port_offset FROM TO STEP [WRITER_BASE]: prints the first offset whose writer, reader and admin
# ports (WRITER_BASE/WRITER_BASE+1/6480 + offset; WRITER_BASE is 6432 for PostgreSQL, the default, and
# 6033 for MySQL) are all free; fails when none is.
pick_port_offset() {
  local o writer=${4:-6432}
  for ((o = $1; o < $2; o += $3)); do
    if port_free $((writer + o)) && port_free $((writer + 1 + o)) && port_free $((6480 + o)); then
      echo "$o"
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Scratch directory
# ---------------------------------------------------------------------------------------------
# make_scratch_dir PREFIX: creates the scratch directory $tmp and traps that, on any exit, stop the
# demo and remove it. A script with more to stop first defines before_cleanup. The directory is
# mode 755: the demo hands its own directory to the postgres or mysql account when run as root,
# and that account must be able to traverse this one to reach it.
# shellcheck disable=SC2034  # tmp is used by the sourcing script
make_scratch_dir() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  chmod 755 "$tmp"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if declare -F before_cleanup >/dev/null; then
    before_cleanup
  fi
  demo_stop
  rm -rf -- "$tmp"
  exit "$rc"
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
  # In a session of its own, as a proxy runs in production (a service) and as PgBouncer (a daemon) and
  # every PostgreSQL backend (setsid) do: with the kernel's autogroup scheduling a process shares its
  # session's CPU share, and a proxy sharing the benchmark client's measured twice its CPU per query.
  # AURIGA_TRANSPORT (auto, io-uring, epoll, nio) picks the event loops' kernel interface. The peers reach
  # their servers in plain text, and so does the proxy here (AURIGA_BACKEND_TLS=verify-full to measure TLS).
  setsid "$root/auriga" demo --engine "$engine" --dir "$demo_dir" --port-offset "$offset" --replicas "$replicas" \
    --durability "$durability" --transport "${AURIGA_TRANSPORT:-auto}" \
    --backend-tls "${AURIGA_BACKEND_TLS:-disable}" >"$demo_log" 2>&1 &
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

# await_admin_primary ADMIN_PORT PRIMARY_PORT: waits (60 s at most) until the admin API reports
# 127.0.0.1:PRIMARY_PORT as primary, a cross-check of what the demo printed; dies otherwise.
await_admin_primary() {
  local deadline=$((SECONDS + 60))
  until [[ "$(topology_primary_port "$1")" == "$2" ]]; do
    ((SECONDS < deadline)) || { show_demo_log; die "admin API on :$1 does not report 127.0.0.1:$2 as primary"; }
    sleep 1
  done
}

# proxy_pid_on PORT: the pid of the proxy JVM, whichever process listens on PORT (the demo's own pid
# when ss cannot tell); dies unless it is a java process.
proxy_pid_on() {
  local pid
  pid=$(ss -Hltnp "( sport = :$1 )" 2>/dev/null | sed -n 's/.*pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
  [[ -n $pid ]] || pid=$demo_pid
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == java ]] || die "pid $pid on :$1 is not a java process"
  echo "$pid"
}

# ---------------------------------------------------------------------------------------------
# CPU accounting (clock ticks)
# ---------------------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)

# proc_ticks PID [children]: utime+stime of one process (all its threads); with "children" also the
# reaped children's. 0 when there is no such process.
proc_ticks() {
  local pid=$1 with_children=${2:-}
  [[ -n $pid && -r /proc/$pid/stat ]] || { echo 0; return; }
  # Fields after "comm)": $1 is field 3 (state), so utime=14 -> $12, stime -> $13, cutime -> $14, cstime -> $15.
  awk -v c="$with_children" '{ sub(/^.*\) /, ""); t = $12 + $13; if (c != "") t += $14 + $15; print t }' \
    "/proc/$pid/stat" 2>/dev/null || echo 0
}

# Busy ticks of the whole machine (every CPU): user+nice+system+irq+softirq+steal.
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# cpu_us_per TICKS COUNT: CPU microseconds per unit (transaction, query); empty when COUNT is 0.
cpu_us_per() { awk -v d="$1" -v n="${2:-0}" -v hz="$clk_tck" 'BEGIN { if (n > 0) printf "%.1f", d / hz * 1e6 / n }'; }

# foreign_pct BUSY_TICKS OWN_TICKS NANOS: CPU used on the machine by anything but the benchmark's own
# processes, in % of one core (includes some kernel network time not charged to a process, so a few %
# is the floor).
foreign_pct() {
  awk -v b="$1" -v o="$2" -v ns="$3" -v hz="$clk_tck" \
    'BEGIN { f = (b - o) / hz / (ns / 1e9) * 100; if (f < 0) f = 0; printf "%.0f", f }'
}

# ---------------------------------------------------------------------------------------------
# A/B rounds and the report
# ---------------------------------------------------------------------------------------------
# case_field SPEC N: field N of a case spec "id|label|...".
case_field() { local IFS='|'; read -r -a parts <<<"$1"; echo "${parts[$2]}"; }

# ab_rounds RUN_PAIR: for every round and every spec in ${cases[@]}, calls RUN_PAIR SPEC ROUND, which
# runs the case directly (A) and then through the proxy (B); A and B alternate so that drift on the
# machine hits both alike. Sets started_at, bench_secs and load_end.
# shellcheck disable=SC2034  # started_at, bench_secs and load_end are read by the sourcing script
ab_rounds() {
  local run_pair=$1 round spec t0=$SECONDS
  started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
  for ((round = 1; round <= ROUNDS; round++)); do
    say ""
    say "Round $round/$ROUNDS (A = direct :$primary_port, B = proxy :$writer_port)"
    for spec in "${cases[@]}"; do
      "$run_pair" "$spec" "$round"
    done
  done
  bench_secs=$((SECONDS - t0))
  load_end=$(cut -d' ' -f1-3 /proc/loadavg)
}

# run_flagged NOTE: marks the benchmark failed and keeps NOTE for the report (failure_notes).
# shellcheck disable=SC2034  # any_failure and failure_notes belong to the sourcing script
run_flagged() {
  any_failure=true
  failure_notes+=("$1")
}

# run_failed NOTE HEADER OUT: as run_flagged, and shows the last lines of the run's output OUT
# under HEADER on stderr.
run_failed() {
  run_flagged "$1"
  {
    echo "---- $2 ----"
    tail -n 20 "$3"
  } >&2
}

# results_path NAME [TAG...]: bench/results/NAME-<date>[-TAG…][-quick].md, its directory created.
results_path() {
  local name=$1 date_tag
  shift
  date_tag=$(date '+%Y-%m-%d')
  local tag
  for tag in "$@"; do
    date_tag="$date_tag-$tag"
  done
  $quick && date_tag="$date_tag-quick"
  mkdir -p "$RESULTS_DIR"
  echo "$RESULTS_DIR/$name-$date_tag.md"
}

# publish_summary RESULTS_FILE: prints $tmp/summary.md and copies it to RESULTS_FILE.
publish_summary() {
  say ""
  say "==================================== summary (Markdown) ===================================="
  cat "$tmp/summary.md"
  cp "$tmp/summary.md" "$1"
  say ""
  say "Written to ${1#"$root"/}"
}

# show_proxy_log_lines LEVEL COUNT HOW_MANY: the first HOW_MANY LEVEL (ERROR, WARN) lines of the
# demo log, when COUNT says there are any.
show_proxy_log_lines() {
  local level=$1 count=$2 first=$3
  ((count > 0)) || return 0
  say ""
  if [[ $level == ERROR ]]; then
    say "ERROR lines in the proxy log (first $first):"
  else
    say "$level lines in the proxy log (first $first of $count):"
  fi
  grep " $level " "$demo_log" | head -n "$first"
}

# ---------------------------------------------------------------------------------------------
# Admin API
# ---------------------------------------------------------------------------------------------
# admin_curl ARGS...: curl with the demo's admin token (DIR/admin.token), which every admin request
# but /health needs.
admin_curl() {
  local auth=()
  [[ -n ${demo_dir:-} && -r $demo_dir/admin.token ]] && auth=(-H "Authorization: Bearer $(<"$demo_dir/admin.token")")
  curl ${auth[@]+"${auth[@]}"} "$@"
}

# topology_json ADMIN_PORT: the /topology document, or nothing when the admin API does not answer.
topology_json() { admin_curl -fsS --max-time 3 "http://$HOST:$1/topology" 2>/dev/null || true; }

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

# The demo's event loops as it logged them at start, e.g. "1 event-loop thread(s) (io-uring)".
demo_event_loops() {
  sed -n 's/.*auriga started: .* on \([0-9]* event-loop thread(s) ([a-z-]*)\).*/\1/p' "$demo_log" 2>/dev/null | head -n 1
}

# ---------------------------------------------------------------------------------------------
# Other proxies on the same machine (--compare): each runs in front of the same primary, in turn
# with the direct and Auriga runs of every round, so that they meet the same machine and drift.
# A script keeps side_port[SIDE] and side_pid[SIDE] for every side it measures (direct has no pid).
# ---------------------------------------------------------------------------------------------

# split_compare_args "ALLOWED NAMES" ARGS...: takes --compare LIST (comma-separated) out of ARGS;
# sets compare=(names) and common_args=(the rest, for parse_common_args).
split_compare_args() {
  local allowed=$1 other
  shift
  compare=() common_args=()
  while (($# > 0)); do
    case "$1" in
      --compare)
        (($# > 1)) || die "--compare needs a value (one or more of: $allowed, comma-separated)"
        IFS=, read -r -a compare <<<"$2"
        shift 2
        ;;
      --compare=*) IFS=, read -r -a compare <<<"${1#--compare=}"; shift ;;
      *) common_args+=("$1"); shift ;;
    esac
  done
  for other in "${compare[@]}"; do
    [[ " $allowed " == *" $other "* ]] || die "--compare takes $allowed, not '$other'"
  done
}

# free_port_after PORT: the first free port above PORT.
free_port_after() {
  local port=$(($1 + 1))
  until port_free "$port"; do
    port=$((port + 1))
    ((port < 65000)) || die "no free port above $1"
  done
  echo "$port"
}

# await_listening NAME PORT LOG: waits (15 s at most) until something listens on PORT; dies with LOG.
await_listening() {
  local deadline=$((SECONDS + 15))
  while port_free "$2"; do
    ((SECONDS < deadline)) || { cat "$3" >&2 2>/dev/null || true; die "$1 does not listen on :$2 after 15 s"; }
    sleep 0.2
  done
}

# start_haproxy PORT SERVER_PORT: HAProxy in TCP mode in front of 127.0.0.1:SERVER_PORT, with its
# default thread count (one per CPU) and no health checks; sets side_pid[haproxy].
start_haproxy() {
  local port=$1 server_port=$2 dir=$tmp/haproxy
  mkdir -p "$dir"
  cat >"$dir/haproxy.cfg" <<CFG
global
  maxconn 1000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen database
  bind $HOST:$port
  server primary $HOST:$server_port
CFG
  haproxy -D -p "$dir/haproxy.pid" -f "$dir/haproxy.cfg" >"$dir/start.out" 2>&1 || { cat "$dir/start.out" >&2; die "haproxy did not start"; }
  await_listening haproxy "$port" "$dir/start.out"
  side_pid[haproxy]=$(head -n 1 "$dir/haproxy.pid")
}
haproxy_version() { haproxy -v 2>/dev/null | sed -n 1p | cut -d' ' -f1-3; }

# start_compared FIRST_PORT SERVER_PORT CHECK: starts every proxy in the compare array (start_NAME
# PORT SERVER_PORT), each on the first free port 20 or more above the one before, in front of the
# server on SERVER_PORT; `CHECK PORT` must then answer a query through it. Records side_port[NAME].
start_compared() {
  local next_port=$1 server_port=$2 check=$3 other
  for other in "${compare[@]}"; do
    require_tools "$other"
    next_port=$(free_port_after "$((next_port + 20))")
    "start_$other" "$next_port" "$server_port"
    side_port[$other]=$next_port
    "$check" "$next_port" >/dev/null || die "no query answered through $other on :$next_port"
    say "${side_label[$other]} ready on 127.0.0.1:$next_port (pid ${side_pid[$other]}), in front of the same primary"
  done
}

# stop_compared: stops the other proxies (call it from before_cleanup).
stop_compared() {
  local side
  for side in "${!side_pid[@]}"; do
    [[ $side == proxy ]] || kill -TERM "${side_pid[$side]}" 2>/dev/null || true
  done
}

# compared_cells CASE ROUNDS FAILURE_FIELD: for every compared proxy, the median over ROUNDS of its
# paired ratio to direct (R[CASE|direct|r|tps]), its median CPU per unit and its summed failures;
# prints a line per proxy and sets compared_row to the Markdown cells " ratio | cpu | failures |...".
compared_cells() {
  local id=$1 n=$2 field=$3 other r td to o_ratio o_cpu
  compared_row=""
  for other in "${compare[@]}"; do
    local o_ratios=() o_cpus=() o_fails=0
    for ((r = 1; r <= n; r++)); do
      td=${R[$id|direct|$r|tps]:-} to=${R[$id|$other|$r|tps]:-}
      [[ -n $td && -n $to ]] && o_ratios+=("$(awk -v p="$to" -v d="$td" 'BEGIN { if (d > 0) printf "%.3f", p / d }')")
      o_cpus+=("${R[$id|$other|$r|cpu_us]:-}")
      o_fails=$((o_fails + ${R[$id|$other|$r|$field]:-0}))
    done
    o_ratio=$(median "${o_ratios[@]}"); o_cpu=$(median "${o_cpus[@]}")
    say "       ${side_label[$other]}: proxy/direct $(fmt '%.3f' "$o_ratio") (rounds: ${o_ratios[*]}), CPU $(fmt '%.1f' "$o_cpu") us per unit, $field $o_fails"
    compared_row+=" $(fmt '%.3f' "$o_ratio") | $(fmt '%.1f' "$o_cpu") | $o_fails |"
  done
}

# compared_header UNIT FAILURES: the extra header cells and rule for the compared proxies.
compared_header() {
  local other
  compared_head="" compared_rule=""
  for other in "${compare[@]}"; do
    compared_head+=" ${side_label[$other]}/direct | ${side_label[$other]} CPU µs per $1 | $2 via ${side_label[$other]} |"
    compared_rule+="---|---|---|"
  done
}

# select_cases: keeps only the cases whose ids CASES (space-separated) names, when it is set.
select_cases() {
  [[ -n ${CASES:-} ]] || return 0
  local spec selected=() ids=""
  for spec in "${cases[@]}"; do
    ids+="$(case_field "$spec" 0) "
    [[ " $CASES " == *" $(case_field "$spec" 0) "* ]] && selected+=("$spec")
  done
  ((${#selected[@]} > 0)) || die "CASES='$CASES' names no case (ids: $ids)"
  cases=("${selected[@]}")
}

# ab_setup "COMPARABLE PROXIES" ARGS...: the arguments and settings of an A/B benchmark script
# (--compare among the named proxies, then the common arguments and the A/B defaults).
ab_setup() {
  split_compare_args "$1" "${@:2}"
  parse_common_args "${common_args[@]}"
  ab_settings
}

# ab_port_offset FROM TO [BASE]: PORT_OFFSET when set, else the first free offset in FROM..TO
# (pick_port_offset); dies when there is none.
ab_port_offset() {
  if [[ -n ${PORT_OFFSET:-} ]]; then
    echo "$PORT_OFFSET"
  else
    pick_port_offset "$1" "$2" 10 "${3:-}" || die "no free port offset found between $1 and $2"
  fi
}
