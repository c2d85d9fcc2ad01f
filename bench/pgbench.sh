#!/usr/bin/env bash
# Measures what Auriga costs compared with connecting to PostgreSQL directly.
#
# It starts a throw-away sandbox with the project's own `auriga demo` (1 primary + 1 replica,
# Auriga in front), loads pgbench data through the writer endpoint, warms the proxy JVM up, and
# then runs every pgbench case against the primary directly (A) and through the writer
# endpoint (B), alternating A/B round after round so that drift on the machine hits both sides
# alike. For each proxied run it also reads the proxy JVM's CPU time from /proc to report the
# proxy's CPU cost per transaction. The summary is printed as Markdown and written to
# bench/results/pgbench-<date>.md.
#
# Usage: bench/pgbench.sh [--quick] [--durability async|quorum] [--compare LIST] [--help]
#   --durability     the demo's durability (default async); quorum shows the commit latency cost
#   --compare LIST   also run every case through other proxies in front of the same primary, on
#                    the same machine, alternating with the direct and Auriga runs: a comma list
#                    of pgbouncer (session pooling, SCRAM, one process) and haproxy (TCP mode).
#                    Needs their binaries (Debian: apt-get install -y pgbouncer haproxy); the
#                    results file gets a -compare suffix.
#   --quick          smoke run: ROUNDS=1 DURATION=5 WARMUP=5 (results file gets a -quick suffix)
# Environment (defaults in brackets):
#   ROUNDS [3]        A/B rounds per case          DURATION [10]   seconds per pgbench run
#   SCALE [10]        pgbench -i scale factor      WARMUP [10]     seconds of proxied warm-up
#   THREADS [2]       pgbench -j                    PORT_OFFSET     demo --port-offset [first free from 1500]
#   STARTUP_TIMEOUT [300]  seconds to wait for the demo (includes building the jar on first run)
#   RESULTS_DIR [bench/results]
#   CASES             space-separated case ids to run (default all; e.g. "S-ext-16 S-connect-8")
#   AURIGA_JAVA_OPTS [-Xms256m -Xmx256m -XX:+UseParallelGC]  JVM options of the proxy (set it,
#                     even to an empty string, to override)
#   AURIGA_TRANSPORT [auto]  the demo's --transport (auto, io-uring, epoll, nio)
#
# Exit status: 0 when every run completed without failed transactions, 1 when some run failed,
# aborted or reported failed transactions (the results are still written), 2 on setup errors.
# All traffic goes to 127.0.0.1. Every wait is bounded.
set -euo pipefail

readonly BENCH_NAME=pgbench.sh
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

ab_setup "pgbouncer haproxy" "$@"
SCALE=${SCALE:-10}
THREADS=${THREADS:-2}
require_positive_ints ROUNDS DURATION WARMUP SCALE THREADS STARTUP_TIMEOUT

# How long one pgbench run may take beyond its -T before it is killed.
readonly RUN_SLACK=120

require_tools pgbench psql curl java ss awk getconf sort timeout

# ---------------------------------------------------------------------------------------------
# Sandbox lifecycle
# ---------------------------------------------------------------------------------------------
make_scratch_dir auriga-bench

offset=$(ab_port_offset 1500 3000)
writer_port=$((6432 + offset))
admin_port=$((6480 + offset))

say "Auriga pgbench benchmark: rounds=$ROUNDS duration=${DURATION}s warm-up=${WARMUP}s scale=$SCALE -j $THREADS"
say "AURIGA_JAVA_OPTS=${AURIGA_JAVA_OPTS}"
say "Load before starting: $(cut -d' ' -f1-3 /proc/loadavg)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "Starting: ./auriga demo --dir $tmp/demo --port-offset $offset --replicas 1"
demo_start "$tmp/demo" "$tmp/demo.log" "$offset" 1 "$STARTUP_TIMEOUT" "$durability" || die "could not start the sandbox"

# The primary's direct port and the writer port, as the demo printed them.
primary_line=$(awk '$3 == "(primary)" { print $2; exit }' "$demo_log")
primary_port=${primary_line##*:}
printed_writer=$(grep -A1 '^Writer endpoint' "$demo_log" | sed -n 's|.*@127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' | head -n 1)
[[ $primary_port =~ ^[0-9]+$ ]] || { show_demo_log; die "could not find the primary in the demo's output"; }
[[ $printed_writer == "$writer_port" ]] || { show_demo_log; die "writer port printed ($printed_writer) is not 6432+$offset"; }

await_admin_primary "$admin_port" "$primary_port"

export PGHOST=$HOST PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD PGDATABASE=$DB_NAME PGSSLMODE=disable PGCONNECT_TIMEOUT=10
unset PGSERVICE PGSSLROOTCERT PGOPTIONS PGAPPNAME 2>/dev/null || true

deadline=$((SECONDS + 60))
until timeout 15 psql -X -q -At -p "$writer_port" -c 'select 1' >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { show_demo_log; die "the writer endpoint :$writer_port does not answer queries"; }
  sleep 1
done

proxy_pid=$(proxy_pid_on "$writer_port")

say "Sandbox ready: primary 127.0.0.1:$primary_port (direct, A), writer endpoint 127.0.0.1:$writer_port (proxy, B), proxy pid $proxy_pid"

# ---------------------------------------------------------------------------------------------
# Other proxies (--compare), each in front of the same primary, on free ports after the demo's
# ---------------------------------------------------------------------------------------------
declare -A side_port=([direct]=$primary_port [proxy]=$writer_port)
declare -A side_pid=([proxy]=$proxy_pid)
declare -A side_label=([direct]=direct [proxy]=Auriga [pgbouncer]=PgBouncer [haproxy]=HAProxy)
sides=(direct proxy "${compare[@]}")

# shellcheck disable=SC2317  # invoked from cleanup
before_cleanup() { stop_compared; }

# PgBouncer as it is usually deployed in front of one server: session pooling (every client keeps
# its server connection, so -M prepared works), SCRAM to the client and to the server, one
# process. Connection logging is off so that the -C case measures the proxy, not its log file.
start_pgbouncer() {
  local port=$1 server_port=$2 dir=$tmp/pgbouncer
  mkdir -p "$dir"
  printf '"%s" "%s"\n' "$DB_USER" "$DB_PASSWORD" >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
$DB_NAME = host=$HOST port=$server_port dbname=$DB_NAME
[pgbouncer]
listen_addr = $HOST
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = 64
log_connections = 0
log_disconnections = 0
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  local run=(pgbouncer -d "$dir/pgbouncer.ini")
  # PgBouncer refuses to run as root.
  if ((EUID == 0)); then
    chown -R postgres "$dir"
    run=(runuser -u postgres -- "${run[@]}")
  fi
  "${run[@]}" >"$tmp/pgbouncer-start.out" 2>&1 || { cat "$tmp/pgbouncer-start.out" "$dir/pgbouncer.log" >&2 2>/dev/null; die "pgbouncer did not start"; }
  await_listening pgbouncer "$port" "$dir/pgbouncer.log"
  side_pid[pgbouncer]=$(cat "$dir/pgbouncer.pid")
}

select_one() { timeout 15 psql -X -q -At -p "$1" -c 'select 1'; }
start_compared "$writer_port" "$primary_port" select_one

# ---------------------------------------------------------------------------------------------
# CPU of the database servers (clock ticks)
# ---------------------------------------------------------------------------------------------
postmasters=()
for pidfile in "$demo_dir"/*/postmaster.pid; do
  [[ -f $pidfile ]] && postmasters+=("$(head -n 1 "$pidfile")")
done

# CPU of the database servers: postmasters with their reaped children, plus live children.
pg_ticks() {
  local total=0 pm child
  for pm in "${postmasters[@]}"; do
    total=$((total + $(proc_ticks "$pm" children)))
    for child in $(pgrep -P "$pm" 2>/dev/null || true); do
      total=$((total + $(proc_ticks "$child")))
    done
  done
  echo "$total"
}

# ---------------------------------------------------------------------------------------------
# One pgbench run
# ---------------------------------------------------------------------------------------------
declare -A R=()         # R[case|side|round|field]
any_failure=false
failure_notes=()
run_seq=0

# run_pgbench CASE SIDE ROUND PORT ARGS... — runs pgbench, stores tps/lat/ntx/failed/cpu_us/foreign.
run_pgbench() {
  local case=$1 side=$2 round=$3
  shift 3
  local port=${side_port[$side]} pid=${side_pid[$side]:-}
  run_seq=$((run_seq + 1))
  local out="$tmp/run-$run_seq.out" rc=0
  local p0 pg0 self0 busy0 t0 p1 pg1 self1 busy1 t1
  p0=$(proc_ticks "$pid"); pg0=$(pg_ticks); self0=$(proc_ticks $$ children); busy0=$(machine_busy_ticks)
  t0=$(date +%s%N)
  timeout $((DURATION + RUN_SLACK)) pgbench -h "$HOST" -p "$port" -j "$THREADS" -T "$DURATION" "$@" >"$out" 2>&1 || rc=$?
  t1=$(date +%s%N)
  p1=$(proc_ticks "$pid"); pg1=$(pg_ticks); self1=$(proc_ticks $$ children); busy1=$(machine_busy_ticks)

  local tps lat ntx failed
  tps=$(sed -n 's/^tps = \([0-9.][0-9.]*\) .*/\1/p' "$out" | head -n 1)
  lat=$(sed -n 's/^latency average = \([0-9.][0-9.]*\) ms.*/\1/p' "$out" | head -n 1)
  ntx=$(sed -n 's/^number of transactions actually processed: \([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
  local k="$case|$side|$round"
  R[$k|tps]=${tps:-} R[$k|lat]=${lat:-} R[$k|ntx]=${ntx:-0} R[$k|failed]=${failed:-0} R[$k|rc]=$rc
  # Proxy CPU per transaction (µs); only meaningful for proxied runs (every side but direct).
  R[$k|cpu_us]=$(cpu_us_per $((p1 - p0)) "${ntx:-0}")
  R[$k|proxy_cores]=$(awk -v d=$((p1 - p0)) -v ns=$((t1 - t0)) -v hz="$clk_tck" 'BEGIN { printf "%.2f", d / hz / (ns / 1e9) }')
  # CPU used on the machine by anything but pgbench, the servers and the proxy.
  R[$k|foreign]=$(foreign_pct $((busy1 - busy0)) $(((p1 - p0) + (pg1 - pg0) + (self1 - self0))) $((t1 - t0)))

  local status=ok
  if ((rc != 0)) || [[ -z $tps ]]; then
    status="ABORTED (exit $rc)"
    run_failed "$case $side round $round: pgbench exit $rc: $(grep -m 3 -iE 'error|abort|fatal' "$out" | tr '\n' ' ')" \
      "pgbench output ($case $side round $round, port $port, args: $*)" "$out"
  elif [[ ${failed:-0} != 0 ]]; then
    status="FAILED TXNS: $failed"
    run_flagged "$case $side round $round: $failed failed transactions (pgbench $*)"
  fi
  printf '  %-14s %-6s round %d: tps %10s  lat %7s ms  failed %s  proxy cpu %s us/txn  other load %s%%  [%s]\n' \
    "$case" "$side" "$round" "${tps:-?}" "${lat:-?}" "${failed:-?}" \
    "$([[ $side != direct ]] && echo "${R[$k|cpu_us]}" || echo -)" "${R[$k|foreign]}" "$status"
}

# ---------------------------------------------------------------------------------------------
# Cases: id | label | rounds (all or 1) | pgbench arguments
# ---------------------------------------------------------------------------------------------
cases=(
  "S-ext-16|select-only -M extended -c 16 (headline)|all|-S -M extended -c 16"
  "S-simple-8|select-only -M simple -c 8|all|-S -M simple -c 8"
  "S-simple-32|select-only -M simple -c 32|all|-S -M simple -c 32"
  "S-ext-8|select-only -M extended -c 8|all|-S -M extended -c 8"
  "S-ext-32|select-only -M extended -c 32|all|-S -M extended -c 32"
  "tpcb-simple-8|tpcb-like -M simple -c 8|all|-M simple -c 8"
  "tpcb-simple-32|tpcb-like -M simple -c 32|all|-M simple -c 32"
  "tpcb-ext-8|tpcb-like -M extended -c 8|all|-M extended -c 8"
  "tpcb-ext-32|tpcb-like -M extended -c 32|all|-M extended -c 32"
  "S-prep-16|select-only -M prepared -c 16|all|-S -M prepared -c 16"
  "tpcb-prep-16|tpcb-like -M prepared -c 16|1|-M prepared -c 16"
  "S-connect-8|select-only -C (new connection per txn) -c 8|all|-C -S -M simple -c 8"
)
select_cases

# ---------------------------------------------------------------------------------------------
# Data, warm-up, measurement
# ---------------------------------------------------------------------------------------------
say ""
say "pgbench -i -s $SCALE through the writer endpoint ..."
if ! timeout 600 pgbench -i -s "$SCALE" -q -h "$HOST" -p "$writer_port" >"$tmp/init.out" 2>&1; then
  cat "$tmp/init.out" >&2
  die "pgbench -i through the writer endpoint failed"
fi
tail -n 1 "$tmp/init.out"

say "Warm-up: ${WARMUP}s of -S -M extended -c 16 and ${WARMUP}s of tpcb-like -M extended -c 8 through the proxy ..."
for warm in "-S -M extended -c 16" "-M extended -c 8"; do
  # shellcheck disable=SC2086  # word splitting of the argument list is intended
  if ! timeout $((WARMUP + RUN_SLACK)) pgbench -h "$HOST" -p "$writer_port" -j "$THREADS" -T "$WARMUP" $warm \
      >"$tmp/warmup.out" 2>&1; then
    cat "$tmp/warmup.out" >&2
    die "warm-up run through the proxy failed (pgbench $warm)"
  fi
done

# run_pair SPEC ROUND: one case directly, then through the proxy (a case run once only in round 1).
run_pair() {
  local spec=$1 round=$2 id pgargs
  id=$(case_field "$spec" 0)
  [[ $(case_field "$spec" 2) == 1 && $round -gt 1 ]] && return 0
  read -r -a pgargs <<<"$(case_field "$spec" 3)"
  local side
  for side in "${sides[@]}"; do
    run_pgbench "$id" "$side" "$round" "${pgargs[@]}"
  done
}
ab_rounds run_pair
foreign_all=()
for key in "${!R[@]}"; do
  [[ $key == *"|foreign" ]] && foreign_all+=("${R[$key]}")
done
foreign_median=$(median "${foreign_all[@]}")
foreign_max_all=$(printf '%s\n' "${foreign_all[@]}" | sort -g | tail -n 1)

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

pg_version=$(timeout 15 psql -X -At -p "$primary_port" -c 'show server_version' 2>/dev/null || echo unknown)
java_version=$(java_version)
commit=$(git_commit)
pgbench_version=$(pgbench --version | sed 's/^pgbench (PostgreSQL) //')
proxy_warns=$(grep -c ' WARN ' "$demo_log" || true)
proxy_errors=$(grep -c ' ERROR ' "$demo_log" || true)

summary_rows=()
noisy_cases=()
flagged_32=()
say ""
say "==================================== per-case results ===================================="
for spec in "${cases[@]}"; do
  id=$(case_field "$spec" 0); label=$(case_field "$spec" 1); args=$(case_field "$spec" 3)
  n=$ROUNDS; [[ $(case_field "$spec" 2) == 1 ]] && n=1
  say ""
  say "== $label   [pgbench $args -j $THREADS -T $DURATION]"
  printf '%-6s %12s %12s %8s %10s %10s %14s %8s %8s\n' round "TPS direct" "TPS proxy" ratio "lat A ms" "lat B ms" "proxy us/txn" "failed" "other%"
  tds=() tps_p=() ratios=() lds=() lps=() cpus=() fails_d=0 fails_p=0 foreign_max=0
  for ((r = 1; r <= n; r++)); do
    a="$id|direct|$r" b="$id|proxy|$r"
    td=${R[$a|tps]:-} tp=${R[$b|tps]:-}
    ratio=""
    [[ -n $td && -n $tp ]] && ratio=$(awk -v p="$tp" -v d="$td" 'BEGIN { if (d > 0) printf "%.3f", p / d }')
    tds+=("$td"); tps_p+=("$tp"); ratios+=("$ratio"); lds+=("${R[$a|lat]:-}"); lps+=("${R[$b|lat]:-}"); cpus+=("${R[$b|cpu_us]:-}")
    fails_d=$((fails_d + ${R[$a|failed]:-0})); fails_p=$((fails_p + ${R[$b|failed]:-0}))
    for f in "${R[$a|foreign]:-0}" "${R[$b|foreign]:-0}"; do ((f > foreign_max)) && foreign_max=$f; done
    printf '%-6s %12s %12s %8s %10s %10s %14s %8s %8s\n' "$r" "$(fmt '%.0f' "$td")" "$(fmt '%.0f' "$tp")" \
      "$(fmt '%.3f' "$ratio")" "$(fmt '%.3f' "${R[$a|lat]:-}")" "$(fmt '%.3f' "${R[$b|lat]:-}")" \
      "$(fmt '%.1f' "${R[$b|cpu_us]:-}")" "${R[$a|failed]:-?}/${R[$b|failed]:-?}" "${R[$a|foreign]:-?}/${R[$b|foreign]:-?}"
  done
  m_td=$(median "${tds[@]}"); m_tp=$(median "${tps_p[@]}"); m_ratio=$(median "${ratios[@]}")
  m_ld=$(median "${lds[@]}"); m_lp=$(median "${lps[@]}"); m_cpu=$(median "${cpus[@]}")
  printf '%-6s %12s %12s %8s %10s %10s %14s %8s\n' median "$(fmt '%.0f' "$m_td")" "$(fmt '%.0f' "$m_tp")" \
    "$(fmt '%.3f' "$m_ratio")" "$(fmt '%.3f' "$m_ld")" "$(fmt '%.3f' "$m_lp")" "$(fmt '%.1f' "$m_cpu")" "$fails_d/$fails_p"
  # Spread of the ratios across rounds: more than 10 points means the machine was not steady.
  spread=$(printf '%s\n' "${ratios[@]}" | awk 'NF { if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 } END { if (min != "") printf "%.3f", max - min }')
  noise=()
  if [[ -n $spread ]] && awk -v s="$spread" 'BEGIN { exit !(s > 0.10) }'; then
    noise+=("proxy/direct ratio spread $spread across rounds")
  fi
  if ((foreign_max > 50)); then noise+=("other processes used up to ${foreign_max}% of a core during a run"); fi
  if ((${#noise[@]} > 0)); then
    joined=$(IFS=';'; echo "${noise[*]}")
    noisy_cases+=("$id: ${joined//;/; }")
  fi
  if [[ $args == *"-c 32"* ]] && ((fails_d + fails_p > 0)); then flagged_32+=("$id: $fails_d failed direct, $fails_p failed through the proxy"); fi
  cpu_cell=$(fmt '%.1f' "$m_cpu")
  [[ $id == tpcb-* && -n $m_cpu ]] && cpu_cell="$cpu_cell ($(awk -v c="$m_cpu" 'BEGIN { printf "%.1f", c / 7 }')/stmt)"
  compared_cells "$id" "$n" failed
  summary_rows+=("| $label | $n | $(fmt '%.0f' "$m_td") | $(fmt '%.0f' "$m_tp") | **$(fmt '%.3f' "$m_ratio")** | $(fmt '%.3f' "$m_ld") / $(fmt '%.3f' "$m_lp") | $cpu_cell | $fails_d / $fails_p |$compared_row")
done

if ((${#flagged_32[@]} > 0)); then
  banner "FAILED TRANSACTIONS AT 32 CLIENTS: ${flagged_32[*]}"
fi
if $any_failure; then
  banner "SOME RUNS FAILED, ABORTED OR REPORTED FAILED TRANSACTIONS -- see the notes below"
fi

if ((${#compare[@]} > 0)); then
  results_file=$(results_path pgbench compare)
else
  results_file=$(results_path pgbench)
fi
compared_header txn "failed txns"
other_versions=()
for other in "${compare[@]}"; do
  case $other in
    pgbouncer) other_versions+=("$(pgbouncer --version 2>/dev/null | sed -n 1p), pool_mode=session") ;;
    haproxy) other_versions+=("$(haproxy_version), mode tcp") ;;
  esac
done

{
  echo "## pgbench: direct PostgreSQL vs. through Auriga ($started_at)"
  echo
  echo "| machine | |"
  echo "|---|---|"
  machine_rows
  echo "| PostgreSQL | $pg_version (sandbox from \`auriga demo --replicas 1 --durability $durability\`, shared_buffers 32MB) |"
  echo "| pgbench | $pgbench_version |"
  echo "| Java | $java_version |"
  echo "| AURIGA_JAVA_OPTS | \`${AURIGA_JAVA_OPTS:-(none)}\` |"
  echo "| Auriga event loops | $(demo_event_loops) |"
  echo "| Auriga commit | $commit |"
  echo "| method | scale $SCALE, \`-j $THREADS -T $DURATION\`, sslmode=disable on both sides, ${WARMUP}s+${WARMUP}s proxied warm-up, A (direct) / B (proxy) alternated, $ROUNDS round(s), measuring took ${bench_secs}s |"
  echo "| load average (1/5/15 min) | before: $load_start; after: $load_end |"
  echo "| CPU used by other processes during the runs (approx.) | median ${foreign_median:-?}%, max ${foreign_max_all:-?}% of one core |"
  if ((${#compare[@]} > 0)); then
    echo "| other proxies (--compare) | $(printf '%s; ' "${other_versions[@]}")each in front of the same primary, run in turn with direct and Auriga in every round |"
  fi
  echo
  echo "| case | rounds | TPS direct | TPS via Auriga | proxy/direct TPS (median of paired ratios) | mean latency ms direct / proxy | proxy CPU µs per txn | failed txns direct / proxy |$compared_head"
  echo "|---|---|---|---|---|---|---|---|$compared_rule"
  printf '%s\n' "${summary_rows[@]}"
  echo
  echo "TPS and latency are medians over the rounds. Proxy CPU is the proxy JVM's utime+stime"
  echo "(/proc/<pid>/stat) during the proxied run divided by the transactions pgbench processed; a"
  echo "select-only transaction is one query, a tpcb-like one is 7 statements (BEGIN … END). With \`-C\`"
  echo "every transaction opens a new connection (SCRAM on both sides, no TLS), so its TPS measures"
  echo "connection setup. pgbench, PostgreSQL and Auriga share the same $(nproc) CPUs, so the proxy's CPU"
  echo "is taken from the same budget as the database's."
  echo
  if ((${#flagged_32[@]} > 0)); then
    echo "**FAILED TRANSACTIONS AT 32 CLIENTS:**"
    printf -- '- %s\n' "${flagged_32[@]}"
    echo
  fi
  if ((${#failure_notes[@]} > 0)); then
    echo "**Failures:**"
    printf -- '- %s\n' "${failure_notes[@]}"
    echo
  fi
  if ((${#noisy_cases[@]} > 0)); then
    echo "Noisy cases (other work on the machine, or unsteady results):"
    printf -- '- %s\n' "${noisy_cases[@]}"
    echo
  fi
  echo "Proxy log during the benchmark: $proxy_warns WARN and $proxy_errors ERROR lines."
  echo
  echo "<details><summary>All runs</summary>"
  echo
  echo "| case | round | side | TPS | latency ms | failed | proxy CPU µs/txn | proxy cores | other CPU % of a core | pgbench exit |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for spec in "${cases[@]}"; do
    id=$(case_field "$spec" 0)
    for ((r = 1; r <= ROUNDS; r++)); do
      for side in "${sides[@]}"; do
        k="$id|$side|$r"
        [[ -n ${R[$k|rc]+x} ]] || continue
        cpu="-" cores="-"
        [[ $side != direct ]] && cpu=${R[$k|cpu_us]} cores=${R[$k|proxy_cores]}
        echo "| $id | $r | $side | $(fmt '%.0f' "${R[$k|tps]}") | ${R[$k|lat]:-n/a} | ${R[$k|failed]} | $cpu | $cores | ${R[$k|foreign]} | ${R[$k|rc]} |"
      done
    done
  done
  echo
  echo "</details>"
} >"$tmp/summary.md"

publish_summary "$results_file"
show_proxy_log_lines ERROR "$proxy_errors" 10
show_proxy_log_lines WARN "$proxy_warns" 5

if $any_failure; then exit 1; fi
exit 0
