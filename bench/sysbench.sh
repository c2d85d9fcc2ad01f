#!/usr/bin/env bash
# Measures what Auriga costs compared with connecting to MariaDB directly.
#
# It starts a throw-away MariaDB sandbox with the project's own `auriga demo --engine mysql`
# (1 primary + 1 replica, Auriga in front), loads sysbench tables through the writer endpoint, warms
# the proxy JVM up, and then runs every sysbench case against the primary directly (A) and through
# the writer endpoint (B), alternating A/B round after round so that drift on the machine hits both
# sides alike. Cases: oltp_point_select and oltp_read_only, each with server-side prepared
# statements (--db-ps-mode=auto: COM_STMT_PREPARE/EXECUTE) and without (--db-ps-mode=disable:
# COM_QUERY text), plus a connection-setup case: a sysbench Lua script whose every event opens a
# new connection, runs SELECT 1 and closes it, so its events per second are connections per second
# (login on both sides of the proxy, no TLS). For each proxied run it reads the proxy JVM's CPU time
# from /proc to report the proxy's CPU cost per query. The summary is printed as Markdown and written
# to bench/results/sysbench-<date>.md.
#
# Usage: bench/sysbench.sh [--quick] [--durability async|quorum] [--compare haproxy] [--help]
#   --durability     the demo's durability (default async); quorum shows the commit cost (read-only
#                    cases do not commit, so it barely matters here)
#   --compare haproxy  also run every case through HAProxy (TCP mode) in front of the same primary,
#                    in turn with the direct and Auriga runs of every round (Debian: apt-get install
#                    -y haproxy); the results file gets a -compare suffix
#   --quick          smoke run: ROUNDS=1 DURATION=5 WARMUP=5 (results file gets a -quick suffix)
# Environment (defaults in brackets):
#   ROUNDS [3]        A/B rounds per case          DURATION [10]   seconds per sysbench run
#   TABLES [4]        sysbench --tables            TABLE_SIZE [10000]  rows per table
#   WARMUP [10]       seconds of proxied warm-up   PORT_OFFSET     demo --port-offset [first free from 3100]
#   STARTUP_TIMEOUT [300]  seconds to wait for the demo (includes building the jar on first run)
#   RESULTS_DIR [bench/results]
#   CASES             space-separated case ids to run (default all; e.g. "ps-16 connect-8")
#   AURIGA_JAVA_OPTS [-Xms256m -Xmx256m -XX:+UseParallelGC]  JVM options of the proxy (set it,
#                     even to an empty string, to override)
#   AURIGA_TRANSPORT [auto]  the demo's --transport (auto, io-uring, epoll, nio)
# Needs sysbench (Debian: apt-get install sysbench), the mariadb client, curl, ss and java.
#
# Exit status: 0 when every run completed without errors, 1 when some run failed or reported errors
# (the results are still written), 2 on setup errors. All traffic goes to 127.0.0.1. Every wait is
# bounded.
set -euo pipefail

readonly BENCH_NAME=sysbench.sh
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

ab_setup "haproxy" "$@"
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-10000}
require_positive_ints ROUNDS DURATION WARMUP TABLES TABLE_SIZE STARTUP_TIMEOUT

# How long one sysbench run may take beyond its --time before it is killed.
readonly RUN_SLACK=120

command -v sysbench >/dev/null || die "sysbench is not installed (Debian/Ubuntu: apt-get install -y sysbench)"
require_tools mariadb curl java ss awk getconf sort timeout

# ---------------------------------------------------------------------------------------------
# Sandbox lifecycle
# ---------------------------------------------------------------------------------------------
make_scratch_dir auriga-sysbench

offset=$(ab_port_offset 3100 5000 6033)
writer_port=$((6033 + offset))
admin_port=$((6480 + offset))

say "Auriga sysbench benchmark: rounds=$ROUNDS duration=${DURATION}s warm-up=${WARMUP}s tables=$TABLES x $TABLE_SIZE rows"
say "AURIGA_JAVA_OPTS=${AURIGA_JAVA_OPTS}"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "Load before starting: $load_start"
say "Starting: ./auriga demo --engine mysql --dir $tmp/demo --port-offset $offset --replicas 1"
demo_start "$tmp/demo" "$tmp/demo.log" "$offset" 1 "$STARTUP_TIMEOUT" "$durability" mysql \
  || die "could not start the sandbox"

# The primary's direct port and the writer port, as the demo printed them.
primary_line=$(awk '$1 ~ /^my[0-9]+$/ && $3 == "(primary)" { print $2; exit }' "$demo_log")
primary_port=${primary_line##*:}
printed_writer=$(grep -A1 '^MySQL writer endpoint' "$demo_log" | sed -n 's|.* -P \([0-9][0-9]*\) .*|\1|p' | head -n 1)
[[ $primary_port =~ ^[0-9]+$ ]] || { show_demo_log; die "could not find the primary in the demo's output"; }
[[ $printed_writer == "$writer_port" ]] || { show_demo_log; die "writer port printed ($printed_writer) is not 6033+$offset"; }

await_admin_primary "$admin_port" "$primary_port"

client() { timeout 30 mariadb --no-defaults --protocol=TCP -h "$HOST" -u "$DB_USER" -p"$DB_PASSWORD" --batch --skip-column-names "$@"; }
deadline=$((SECONDS + 60))
until client -P "$writer_port" "$DB_NAME" -e 'SELECT 1' >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { show_demo_log; die "the writer endpoint :$writer_port does not answer queries"; }
  sleep 1
done

proxy_pid=$(proxy_pid_on "$writer_port")
primary_name=$(awk '$1 ~ /^my[0-9]+$/ && $3 == "(primary)" { print $1; exit }' "$demo_log")
server_pid=$(head -n 1 "$demo_dir/$primary_name/mariadbd.pid" 2>/dev/null || true)

say "Sandbox ready: primary 127.0.0.1:$primary_port (direct, A), writer endpoint 127.0.0.1:$writer_port (proxy, B), proxy pid $proxy_pid"

# Other proxies (--compare), each in front of the same primary, on free ports after the demo's.
declare -A side_port=([direct]=$primary_port [proxy]=$writer_port)
declare -A side_pid=([proxy]=$proxy_pid)
declare -A side_label=([direct]=direct [proxy]=Auriga [haproxy]=HAProxy)
sides=(direct proxy "${compare[@]}")
# shellcheck disable=SC2317  # invoked from cleanup
before_cleanup() { stop_compared; }
select_one() { client -P "$1" "$DB_NAME" -e 'SELECT 1'; }
start_compared "$writer_port" "$primary_port" select_one

# A sysbench Lua script for the connection case: every event is connect, SELECT 1, disconnect.
cat >"$tmp/connect.lua" <<'LUA'
function thread_init()
  drv = sysbench.sql.driver()
end

function event()
  local con = drv:connect()
  con:query("SELECT 1")
  con:disconnect()
end
LUA

# ---------------------------------------------------------------------------------------------
# One sysbench run
# ---------------------------------------------------------------------------------------------
declare -A R=()         # R[case|side|round|field]
any_failure=false
failure_notes=()
run_seq=0

# run_sysbench CASE SIDE ROUND TEST ARGS... — runs sysbench, stores tps/qps/lat/p95/nq/errors/cpu_us.
run_sysbench() {
  local case=$1 side=$2 round=$3 test=$4
  shift 4
  local port=${side_port[$side]} pid=${side_pid[$side]:-}
  run_seq=$((run_seq + 1))
  local out="$tmp/run-$run_seq.out" rc=0
  local p0 self0 srv0 busy0 t0 p1 self1 srv1 busy1 t1
  p0=$(proc_ticks "$pid"); self0=$(proc_ticks $$ children); srv0=$(proc_ticks "$server_pid"); busy0=$(machine_busy_ticks)
  t0=$(date +%s%N)
  timeout $((DURATION + RUN_SLACK)) sysbench "$test" --db-driver=mysql --mysql-host="$HOST" --mysql-port="$port" \
    --mysql-user="$DB_USER" --mysql-password="$DB_PASSWORD" --mysql-db="$DB_NAME" --mysql-ssl=off \
    --tables="$TABLES" --table-size="$TABLE_SIZE" --time="$DURATION" --report-interval=0 "$@" run >"$out" 2>&1 || rc=$?
  t1=$(date +%s%N)
  p1=$(proc_ticks "$pid"); self1=$(proc_ticks $$ children); srv1=$(proc_ticks "$server_pid"); busy1=$(machine_busy_ticks)

  local tps qps lat p95 nq errors
  tps=$(sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' "$out" | head -n 1)
  # The connection script is not a transaction test: its events are the unit.
  [[ -n $tps ]] || tps=$(sed -n 's/^ *events\/s (eps): *\([0-9.]*\).*/\1/p' "$out" | head -n 1)
  qps=$(sed -n 's/^ *queries: *[0-9]* *(\([0-9.]*\) per sec.*/\1/p' "$out" | head -n 1)
  nq=$(sed -n 's/^ *queries: *\([0-9]*\) .*/\1/p' "$out" | head -n 1)
  [[ -n $nq ]] || nq=$(sed -n 's/^ *total number of events: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
  lat=$(sed -n 's/^ *avg: *\([0-9.]*\).*/\1/p' "$out" | head -n 1)
  p95=$(sed -n 's/^ *95th percentile: *\([0-9.]*\).*/\1/p' "$out" | head -n 1)
  errors=$(sed -n 's/^ *ignored errors: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
  local k="$case|$side|$round"
  R[$k|tps]=${tps:-} R[$k|qps]=${qps:-} R[$k|lat]=${lat:-} R[$k|p95]=${p95:-} R[$k|nq]=${nq:-0}
  R[$k|errors]=${errors:-0} R[$k|rc]=$rc
  R[$k|cpu_us]=$(cpu_us_per $((p1 - p0)) "${nq:-0}")
  R[$k|foreign]=$(foreign_pct $((busy1 - busy0)) $(((p1 - p0) + (self1 - self0) + (srv1 - srv0))) $((t1 - t0)))

  local status=ok
  if ((rc != 0)) || [[ -z $tps ]]; then
    status="FAILED (exit $rc)"
    run_failed "$case $side round $round: sysbench exit $rc: $(grep -m 3 -iE 'error|fatal' "$out" | tr '\n' ' ')" \
      "sysbench output ($case $side round $round, port $port, $test $*)" "$out"
  elif [[ ${errors:-0} != 0 ]]; then
    status="ERRORS: $errors"
    run_flagged "$case $side round $round: $errors ignored errors ($test $*)"
  fi
  printf '  %-16s %-6s round %d: tps %10s  qps %10s  lat avg %7s ms p95 %7s ms  proxy cpu %s us/query  other load %s%%  [%s]\n' \
    "$case" "$side" "$round" "${tps:-?}" "${qps:-?}" "${lat:-?}" "${p95:-?}" \
    "$([[ $side != direct ]] && echo "${R[$k|cpu_us]}" || echo -)" "${R[$k|foreign]}" "$status"
}

# ---------------------------------------------------------------------------------------------
# Cases: id | label | sysbench test | arguments
# ---------------------------------------------------------------------------------------------
cases=(
  "ps-16|oltp_point_select, prepared (--db-ps-mode=auto), 16 threads (headline)|oltp_point_select|--threads=16 --db-ps-mode=auto"
  "ps-text-16|oltp_point_select, text (--db-ps-mode=disable), 16 threads|oltp_point_select|--threads=16 --db-ps-mode=disable"
  "ps-8|oltp_point_select, prepared, 8 threads|oltp_point_select|--threads=8 --db-ps-mode=auto"
  "ps-text-8|oltp_point_select, text, 8 threads|oltp_point_select|--threads=8 --db-ps-mode=disable"
  "ro-8|oltp_read_only, prepared, 8 threads|oltp_read_only|--threads=8 --db-ps-mode=auto"
  "ro-text-8|oltp_read_only, text, 8 threads|oltp_read_only|--threads=8 --db-ps-mode=disable"
  "connect-8|connect + SELECT 1 + close, 8 threads (connections/s)|$tmp/connect.lua|--threads=8"
)
select_cases

# ---------------------------------------------------------------------------------------------
# Data, warm-up, measurement
# ---------------------------------------------------------------------------------------------
say ""
say "sysbench oltp_read_only prepare ($TABLES tables x $TABLE_SIZE rows) through the writer endpoint ..."
if ! timeout 600 sysbench oltp_read_only --db-driver=mysql --mysql-host="$HOST" --mysql-port="$writer_port" \
    --mysql-user="$DB_USER" --mysql-password="$DB_PASSWORD" --mysql-db="$DB_NAME" --mysql-ssl=off \
    --tables="$TABLES" --table-size="$TABLE_SIZE" prepare >"$tmp/prepare.out" 2>&1; then
  cat "$tmp/prepare.out" >&2
  die "sysbench prepare through the writer endpoint failed"
fi

say "Warm-up: ${WARMUP}s of oltp_point_select and ${WARMUP}s of oltp_read_only through the proxy ..."
for warm in oltp_point_select oltp_read_only; do
  if ! timeout $((WARMUP + RUN_SLACK)) sysbench "$warm" --db-driver=mysql --mysql-host="$HOST" --mysql-port="$writer_port" \
      --mysql-user="$DB_USER" --mysql-password="$DB_PASSWORD" --mysql-db="$DB_NAME" --mysql-ssl=off \
      --tables="$TABLES" --table-size="$TABLE_SIZE" --threads=8 --time="$WARMUP" run >"$tmp/warmup.out" 2>&1; then
    cat "$tmp/warmup.out" >&2
    die "warm-up run through the proxy failed (sysbench $warm)"
  fi
done

# run_pair SPEC ROUND: one case directly, then through the proxy (and through the compared ones).
run_pair() {
  local spec=$1 round=$2 id test sbargs side
  id=$(case_field "$spec" 0)
  test=$(case_field "$spec" 2)
  read -r -a sbargs <<<"$(case_field "$spec" 3)"
  for side in "${sides[@]}"; do
    run_sysbench "$id" "$side" "$round" "$test" "${sbargs[@]}"
  done
}
ab_rounds run_pair

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
server_version=$(client -P "$primary_port" -e 'SELECT VERSION()' 2>/dev/null || echo unknown)
sysbench_version=$(sysbench --version)
proxy_warns=$(grep -c ' WARN ' "$demo_log" || true)
proxy_errors=$(grep -c ' ERROR ' "$demo_log" || true)

summary_rows=()
say ""
say "==================================== per-case results ===================================="
for spec in "${cases[@]}"; do
  id=$(case_field "$spec" 0); label=$(case_field "$spec" 1)
  say ""
  say "== $label"
  printf '%-6s %12s %12s %8s %12s %12s %10s %10s %14s\n' round "TPS direct" "TPS proxy" ratio "QPS direct" "QPS proxy" "lat A ms" "lat B ms" "proxy us/query"
  tds=() tps_p=() ratios=() qds=() qps_p=() lds=() lps=() p95s=() cpus=() errs=0
  for ((r = 1; r <= ROUNDS; r++)); do
    a="$id|direct|$r" b="$id|proxy|$r"
    td=${R[$a|tps]:-} tp=${R[$b|tps]:-}
    ratio=""
    [[ -n $td && -n $tp ]] && ratio=$(awk -v p="$tp" -v d="$td" 'BEGIN { if (d > 0) printf "%.3f", p / d }')
    tds+=("$td"); tps_p+=("$tp"); ratios+=("$ratio"); qds+=("${R[$a|qps]:-}"); qps_p+=("${R[$b|qps]:-}")
    lds+=("${R[$a|lat]:-}"); lps+=("${R[$b|lat]:-}"); p95s+=("${R[$b|p95]:-}"); cpus+=("${R[$b|cpu_us]:-}")
    errs=$((errs + ${R[$a|errors]:-0} + ${R[$b|errors]:-0}))
    printf '%-6s %12s %12s %8s %12s %12s %10s %10s %14s\n' "$r" "$(fmt '%.0f' "$td")" "$(fmt '%.0f' "$tp")" \
      "$(fmt '%.3f' "$ratio")" "$(fmt '%.0f' "${R[$a|qps]:-}")" "$(fmt '%.0f' "${R[$b|qps]:-}")" \
      "$(fmt '%.2f' "${R[$a|lat]:-}")" "$(fmt '%.2f' "${R[$b|lat]:-}")" "$(fmt '%.1f' "${R[$b|cpu_us]:-}")"
  done
  m_td=$(median "${tds[@]}"); m_tp=$(median "${tps_p[@]}"); m_ratio=$(median "${ratios[@]}")
  m_qd=$(median "${qds[@]}"); m_qp=$(median "${qps_p[@]}")
  m_ld=$(median "${lds[@]}"); m_lp=$(median "${lps[@]}"); m_p95=$(median "${p95s[@]}"); m_cpu=$(median "${cpus[@]}")
  printf '%-6s %12s %12s %8s %12s %12s %10s %10s %14s\n' median "$(fmt '%.0f' "$m_td")" "$(fmt '%.0f' "$m_tp")" \
    "$(fmt '%.3f' "$m_ratio")" "$(fmt '%.0f' "$m_qd")" "$(fmt '%.0f' "$m_qp")" "$(fmt '%.2f' "$m_ld")" \
    "$(fmt '%.2f' "$m_lp")" "$(fmt '%.1f' "$m_cpu")"
  compared_cells "$id" "$ROUNDS" errors
  summary_rows+=("| $label | $(fmt '%.0f' "$m_td") | $(fmt '%.0f' "$m_tp") | **$(fmt '%.3f' "$m_ratio")** | $(fmt '%.0f' "$m_qd") / $(fmt '%.0f' "$m_qp") | $(fmt '%.2f' "$m_ld") / $(fmt '%.2f' "$m_lp") (p95 proxy $(fmt '%.2f' "$m_p95")) | $(fmt '%.1f' "$m_cpu") | $errs |$compared_row")
done

if $any_failure; then
  banner "SOME RUNS FAILED OR REPORTED ERRORS -- see the notes below"
fi

if ((${#compare[@]} > 0)); then
  results_file=$(results_path sysbench compare)
else
  results_file=$(results_path sysbench)
fi
compared_header query errors

{
  echo "## sysbench: direct MariaDB vs. through Auriga ($started_at)"
  echo
  echo "| machine | |"
  echo "|---|---|"
  machine_rows
  echo "| MariaDB | $server_version (sandbox from \`auriga demo --engine mysql --replicas 1 --durability $durability\`, innodb_buffer_pool_size 32M) |"
  echo "| sysbench | $sysbench_version |"
  echo "| Java | $(java_version) |"
  echo "| AURIGA_JAVA_OPTS | \`${AURIGA_JAVA_OPTS:-(none)}\` |"
  echo "| Auriga event loops | $(demo_event_loops) |"
  echo "| Auriga commit | $(git_commit) |"
  echo "| method | $TABLES tables x $TABLE_SIZE rows, \`--time=$DURATION\`, no TLS on either side, ${WARMUP}s+${WARMUP}s proxied warm-up, A (direct) / B (proxy) alternated, $ROUNDS round(s), measuring took ${bench_secs}s |"
  echo "| load average (1/5/15 min) | before: $load_start; after: $load_end |"
  if ((${#compare[@]} > 0)); then
    echo "| other proxies (--compare) | $(haproxy_version), mode tcp, in front of the same primary, run in turn with direct and Auriga in every round |"
  fi
  echo
  echo "| case | TPS direct | TPS via Auriga | proxy/direct TPS (median of paired ratios) | QPS direct / proxy | mean latency ms direct / proxy | proxy CPU µs per query | errors |$compared_head"
  echo "|---|---|---|---|---|---|---|---|$compared_rule"
  printf '%s\n' "${summary_rows[@]}"
  echo
  echo "Figures are medians over the rounds. Proxy CPU is the proxy JVM's utime+stime (/proc/<pid>/stat)"
  echo "during the proxied run divided by the queries sysbench counted (oltp_point_select: 1 per"
  echo "transaction; oltp_read_only: 16, BEGIN and COMMIT included; the connection case: per connection)."
  echo "\`--db-ps-mode=auto\` uses server-side prepared statements (COM_STMT_EXECUTE), \`disable\` sends"
  echo "text queries. The connection case runs a Lua script whose every event connects, runs SELECT 1 and"
  echo "disconnects, so its TPS is connections per second (mysql_native_password to the proxy, and the"
  echo "proxy's own login to the primary). sysbench, MariaDB and Auriga share the same $(nproc) CPUs."
  echo
  if ((${#failure_notes[@]} > 0)); then
    echo "**Failures:**"
    printf -- '- %s\n' "${failure_notes[@]}"
    echo
  fi
  echo "Proxy log during the benchmark: $proxy_warns WARN and $proxy_errors ERROR lines."
  echo
  echo "<details><summary>All runs</summary>"
  echo
  echo "| case | round | side | TPS | QPS | latency avg ms | p95 ms | proxy CPU µs/query | other CPU % of a core | errors | exit |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for spec in "${cases[@]}"; do
    id=$(case_field "$spec" 0)
    for ((r = 1; r <= ROUNDS; r++)); do
      for side in "${sides[@]}"; do
        k="$id|$side|$r"
        [[ -n ${R[$k|rc]+x} ]] || continue
        cpu="-"
        [[ $side != direct ]] && cpu=${R[$k|cpu_us]}
        echo "| $id | $r | $side | $(fmt '%.0f' "${R[$k|tps]}") | $(fmt '%.0f' "${R[$k|qps]}") | ${R[$k|lat]:-n/a} | ${R[$k|p95]:-n/a} | $cpu | ${R[$k|foreign]} | ${R[$k|errors]} | ${R[$k|rc]} |"
      done
    done
  done
  echo
  echo "</details>"
} >"$tmp/summary.md"

publish_summary "$results_file"
show_proxy_log_lines ERROR "$proxy_errors" 10

if $any_failure; then exit 1; fi
exit 0
