#!/usr/bin/env bash
# Measures unplanned failover through Auriga, as applications see it.
#
# Each trial provisions a fresh sandbox with `auriga demo --replicas 2` (pg1 primary, pg2 and pg3
# async replicas, Auriga in front; with --engine mysql `auriga demo --engine mysql --replicas 2`:
# my1 primary, my2 and my3 MariaDB GTID replicas), creates a table through the writer endpoint and
# starts bench/FailoverLoad.java (pgjdbc, or MariaDB Connector/J for mysql): one writer doing
# autocommit INSERTs every ~5 ms on one long-lived connection, SESSIONS idle writer sessions
# (session state + server-prepared statement, used once a second) and one reader doing SELECT 1
# every ~5 ms through the reader endpoint. FAULT_AFTER seconds into the load the current primary
# (as /topology reports it) has its server process (postmaster, or mariadbd; the pid from its
# instance directory in the sandbox) killed with SIGKILL. When the load ends, the acknowledged ids
# are looked up through the writer endpoint on the new primary, and the demo is stopped and its
# directory deleted.
#
# Reported per trial and as p50/max: how long writes and reads were unavailable (the gap between
# the last success before the kill and the first one after it), acknowledged commits that are
# missing afterwards (with asynchronous replication a few may be lost; they are counted, not
# hidden; with --durability quorum none may be, and a loss fails the run), and idle sessions
# preserved (no error, state intact) vs. broken. The summary is printed as Markdown and written to
# bench/results/failover-<date>.md.
#
# Then SWITCHOVERS planned-switchover trials, each on a fresh sandbox with the same load: FAULT_AFTER
# seconds in, instead of the kill, `POST /switchover?cluster=postgres` (or mysql) asks the admin API to hand the
# primary to a replica (the one a failover would choose). Reported per trial and as p50/max: the
# write pause clients saw (largest gap between successful INSERTs from the request on), how long the
# proxy held new transactions, client errors (writer, reader, idle sessions), acknowledged commits
# lost, and idle sessions preserved; the target for a switchover is no error and no lost commit.
# An engine that does not support switchover answers with a refusal: the trial is reported as
# refused (with the clients' errors and lost commits during the refused request), not as a failed
# measurement, and the remaining switchover trials are skipped.
#
# Usage: bench/failover.sh [--engine postgres|mysql] [--quick] [--switchovers N] [--durability async|quorum] [--help]
#   --engine         postgres (default) or mysql: the demo's engine (mysql: results file gets a -mysql suffix)
#   --quick          smoke run: TRIALS=2, SWITCHOVERS=2 (results file gets a -quick suffix)
#   --switchovers N  planned-switchover trials after the kill trials [10]; 0 skips them
#   --durability     the demo's durability (default async; quorum: results file gets a -quorum suffix)
# Environment (defaults in brackets):
#   TRIALS [10]            trials, each on a fresh sandbox
#   DURATION [12]          seconds of load per trial     FAULT_AFTER [3]  seconds of load before the kill
#   SESSIONS [4]           idle writer sessions          PORT_OFFSET      demo --port-offset [first free from 2500]
#   STARTUP_TIMEOUT [300]  seconds to wait for a demo (the first includes building the jar)
#   RESULTS_DIR [bench/results]
#   KEEP_LOGS              a directory to copy every trial's demo log and load output to
#   AURIGA_JAVA_OPTS [-Xms256m -Xmx256m -XX:+UseParallelGC]  JVM options of the proxy
#   AURIGA_TRANSPORT [auto]  the demo's --transport (auto, io-uring, epoll, nio)
#   LOAD_JAVA_OPTS [-Xms64m -Xmx128m -XX:+UseSerialGC]         JVM options of the load generator
#
# Exit status: 0 when every trial was measured, 1 when a trial could not be set up or measured,
# writes never came back, or server processes were left behind (results are still written),
# 2 on setup errors. All traffic goes to 127.0.0.1. Every wait is bounded.
set -euo pipefail

readonly BENCH_NAME=failover.sh
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

common_args=()
ENGINE=postgres
while (($# > 0)); do
  case $1 in
    --engine) (($# >= 2)) || { echo "$BENCH_NAME: --engine needs a value (postgres or mysql)" >&2; exit 2; }; ENGINE=$2; shift 2 ;;
    --engine=*) ENGINE=${1#*=}; shift ;;
    --switchovers) (($# >= 2)) || { echo "$BENCH_NAME: --switchovers needs a number" >&2; exit 2; }; SWITCHOVERS=$2; shift 2 ;;
    --switchovers=*) SWITCHOVERS=${1#*=}; shift ;;
    *) common_args+=("$1"); shift ;;
  esac
done
parse_common_args "${common_args[@]+"${common_args[@]}"}"
$quick && TRIALS=2
$quick && SWITCHOVERS=${SWITCHOVERS:-2}
SWITCHOVERS=${SWITCHOVERS:-10}
[[ $SWITCHOVERS =~ ^[0-9]+$ ]] || die "--switchovers must be a number, got '$SWITCHOVERS'"
TRIALS=${TRIALS:-10}
DURATION=${DURATION:-12}
FAULT_AFTER=${FAULT_AFTER:-3}
SESSIONS=${SESSIONS:-4}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-300}
RESULTS_DIR=${RESULTS_DIR:-$root/bench/results}
KEEP_LOGS=${KEEP_LOGS:-}
export AURIGA_JAVA_OPTS="${AURIGA_JAVA_OPTS--Xms256m -Xmx256m -XX:+UseParallelGC}"
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS--Xms64m -Xmx128m -XX:+UseSerialGC}
require_positive_ints TRIALS DURATION FAULT_AFTER SESSIONS STARTUP_TIMEOUT
((FAULT_AFTER + 3 <= DURATION)) || die "DURATION ($DURATION) must be at least FAULT_AFTER + 3 ($((FAULT_AFTER + 3)))"
require_tools curl java jq ss awk sort comm timeout date

# What differs between the engines: the demo's cluster name and ports, the server process killed
# and where its pid is, the command-line client, the statements run through the writer endpoint
# (sql_server: the port of the server that answered and whether it takes writes), and the words
# of the report.
case $ENGINE in
  postgres)
    readonly sql_version='SHOW server_version;'
    readonly sql_create='CREATE TABLE failover_load (id bigint PRIMARY KEY, at timestamptz NOT NULL);'
    readonly sql_server="SELECT inet_server_port(), CASE WHEN pg_is_in_recovery() THEN 'read-only' ELSE 'writable' END;"
    readonly cluster=postgres writer_base=6432 pid_file=postmaster.pid server_process=postmaster
    readonly server_label=PostgreSQL driver_label="pgjdbc, sslmode=disable"
    readonly idle_state_label="SET + server-prepared SELECT" idle_check_label="\`application_name\` from a server not in recovery"
    readonly late_ack_reason="by the old primary's backend, which outlives its postmaster for a moment"
    require_tools psql
    ;;
  mysql)
    readonly sql_version='SELECT VERSION();'
    readonly sql_create='CREATE TABLE failover_load (id BIGINT PRIMARY KEY, at DATETIME(3) NOT NULL) ENGINE=InnoDB;'
    readonly sql_server="SELECT @@port, IF(@@read_only, 'read-only', 'writable');"
    readonly cluster=mysql writer_base=6033 pid_file=mariadbd.pid server_process=mariadbd
    readonly server_label=MariaDB driver_label="MariaDB Connector/J, sslMode=disable"
    readonly idle_state_label="user variable + SET SESSION wait_timeout + server-prepared SELECT (useServerPrepStmts)"
    readonly idle_check_label="user variable and \`wait_timeout\` from a server that is not read-only"
    readonly late_ack_reason="answered just before mariadbd died: the kill's timestamp is taken just before the signal"
    require_tools mariadb
    ;;
  *) die "--engine must be postgres or mysql, got '$ENGINE'" ;;
esac

# Targets this benchmark is compared against (DESIGN/README).
readonly TARGET_WRITE_P50=3 TARGET_WRITE_MAX=6 TARGET_READ_MAX=0.5

readonly jar="$root/cli/target/auriga.jar"
readonly load_src="$root/bench/FailoverLoad.java"
[[ -f $load_src ]] || die "missing $load_src"

load_pid=""

# Stops the load generator before the demo when the script exits.
# shellcheck disable=SC2317  # invoked from the EXIT trap
before_cleanup() {
  if [[ -n $load_pid ]] && kill -0 "$load_pid" 2>/dev/null; then
    kill -TERM "$load_pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$load_pid" 2>/dev/null || true
  fi
}
make_scratch_dir auriga-failover

export PGHOST=$HOST PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD PGDATABASE=$DB_NAME PGSSLMODE=disable PGCONNECT_TIMEOUT=20
unset PGSERVICE PGSSLROOTCERT PGOPTIONS PGAPPNAME 2>/dev/null || true

# db PORT: the engine's command-line client through an endpoint, bounded, reading SQL from stdin
# and printing rows as tab-separated fields without headers.
db() {
  local port=$1
  if [[ $ENGINE == mysql ]]; then
    timeout 60 mariadb --no-defaults --protocol=TCP --connect-timeout=20 -h "$HOST" -P "$port" -u "$DB_USER" \
      -p"$DB_PASSWORD" --batch --skip-column-names "$DB_NAME"
  else
    timeout 60 psql -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -p "$port"
  fi
}

now_ms() { date +%s%3N; }

# The primary's name in a /topology document, the epoch, the role of one instance.
topo_primary() { jq -r '[.clusters[0].instances[] | select(.role == "primary") | .name] | if length == 1 then .[0] else empty end' <<<"$1" 2>/dev/null || true; }
topo_epoch() { jq -r '.clusters[0].epoch // empty' <<<"$1" 2>/dev/null || true; }
topo_role() { jq -r --arg n "$2" '.clusters[0].instances[] | select(.name == $n) | .role' <<<"$1" 2>/dev/null || true; }
topo_roles() { jq -r '[.clusters[0].instances[] | "\(.name)=\(.role)"] | join(" ")' <<<"$1" 2>/dev/null || true; }

say "Auriga failover benchmark ($server_label): trials=$TRIALS switchovers=$SWITCHOVERS duration=${DURATION}s kill (or switchover) after ${FAULT_AFTER}s, $SESSIONS idle sessions, durability $durability"
say "AURIGA_JAVA_OPTS=${AURIGA_JAVA_OPTS}  LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS}"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "Load before starting: $load_start"

# Build the jar now (the launcher does it when it is missing or stale) so that no trial pays for it.
timeout "$STARTUP_TIMEOUT" "$root/auriga" --help >/dev/null 2>"$tmp/build.log" || { cat "$tmp/build.log" >&2; die "could not build or run ./auriga"; }
[[ -f $jar ]] || die "missing $jar after the build"

declare -A T=()       # T[trial|field]
any_failure=false
failure_notes=()
server_version=""
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
bench_t0=$SECONDS

# trial_fail N REASON: the trial could not be measured.
trial_fail() {
  T[$1|status]="FAILED: $2"
  any_failure=true
  failure_notes+=("trial $1: $2")
  warn "trial $1: $2"
  return 1
}

# Waits (bounded) until /topology shows one primary and every other instance a replica.
await_healthy_topology() {
  local admin_port=$1 deadline=$((SECONDS + 90)) json
  while ((SECONDS < deadline)); do
    json=$(topology_json "$admin_port")
    if [[ -n $json ]] && [[ $(jq -r '[.clusters[0].instances[].role] | (map(select(. == "primary")) | length == 1) and (map(select(. == "replica")) | length == 2)' <<<"$json" 2>/dev/null) == true ]]; then
      printf '%s' "$json"
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# engine_refused_switchover OUTCOME MESSAGE: whether the admin API's answer says the engine cannot
# switch over at all (501 unsupported, or a roll-back whose reason is that the engine lacks the
# steps), as opposed to a switchover that was tried and failed.
engine_refused_switchover() {
  [[ $1 == unsupported ]] || [[ $1 == rolled-back && $2 == *"does not support switchover"* ]]
}

# run_trial N [kill|switchover]: one trial on a fresh demo; the fault is a SIGKILL of the primary's
# server process or a planned switchover requested through the admin API.
run_trial() {
  local n=$1 mode=${2:-kill}
  local dir="$tmp/trial-$n"
  mkdir -p "$dir"
  chmod 755 "$dir"
  local offset writer_port reader_port admin_port attempt t0
  say ""
  # A sandbox that cannot be provisioned (a port taken meanwhile by another process, a server tool
  # failing on a loaded machine) is not what is measured: the trial gets one more, on a fresh
  # directory, and the report says so.
  for attempt in 1 2; do
    if [[ -n ${PORT_OFFSET:-} ]]; then
      offset=$PORT_OFFSET
    else
      offset=$(pick_port_offset 2500 4000 10 "$writer_base") || { trial_fail "$n" "no free port offset between 2500 and 4000"; return 1; }
    fi
    writer_port=$((writer_base + offset)) reader_port=$((writer_base + 1 + offset)) admin_port=$((6480 + offset))
    T[$n|offset]=$offset
    say "== Trial $n ($mode): ./auriga demo --engine $ENGINE --replicas 2 --port-offset $offset (writer :$writer_port, reader :$reader_port, admin :$admin_port)"
    t0=$SECONDS
    demo_start "$dir/demo" "$dir/demo.log" "$offset" 2 "$STARTUP_TIMEOUT" "$durability" "$ENGINE" && break
    T[$n|restarted]=$(grep -m 1 -E 'Exception|auriga demo:' "$dir/demo.log" 2>/dev/null | cut -c1-300 || true)
    demo_stop
    mv -f "$dir/demo.log" "$dir/demo-attempt-$attempt.log" 2>/dev/null || true
    rm -rf -- "$dir/demo"
    ((attempt < 2)) || { trial_fail "$n" "the demo did not start, twice"; return 1; }
    warn "trial $n: the demo did not start; trying once more on a fresh directory"
  done

  local json
  json=$(await_healthy_topology "$admin_port") || { show_demo_log; trial_fail "$n" "no healthy topology (1 primary, 2 replicas) within 90 s"; return 1; }
  local deadline=$((SECONDS + 60))
  until db "$writer_port" <<<'SELECT 1;' >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { show_demo_log; trial_fail "$n" "the writer endpoint does not answer"; return 1; }
    sleep 1
  done
  [[ -n $server_version ]] || server_version=$(db "$writer_port" <<<"$sql_version" 2>/dev/null || echo unknown)
  db "$writer_port" <<<"$sql_create" >/dev/null \
    || { trial_fail "$n" "could not create the table through the writer endpoint"; return 1; }

  local old_primary epoch_before
  old_primary=$(topo_primary "$json")
  epoch_before=$(topo_epoch "$json")
  T[$n|old]=$old_primary
  T[$n|epoch_before]=$epoch_before
  say "   ready after $((SECONDS - t0))s: $(topo_roles "$json"), epoch $epoch_before"

  # The load generator; its clock starts once all its connections are open ("ready").
  local out="$dir/load.out" err="$dir/load.err" fault_file="$dir/fault.ms"
  # shellcheck disable=SC2086  # word splitting of the JVM options is intended
  timeout $((DURATION + 180)) java $LOAD_JAVA_OPTS -cp "$jar" "$load_src" --engine "$ENGINE" \
    --host "$HOST" --writer-port "$writer_port" --reader-port "$reader_port" --duration "$DURATION" \
    --sessions "$SESSIONS" --ids-file "$dir/acked.ids" --fault-file "$fault_file" --events-file "$dir/events.log" \
    >"$out" 2>"$err" &
  load_pid=$!
  deadline=$((SECONDS + 120))
  until grep -q '^ready ' "$out" 2>/dev/null; do
    if ! kill -0 "$load_pid" 2>/dev/null; then
      cat "$err" >&2
      load_pid=""
      trial_fail "$n" "the load generator exited before it was ready"
      return 1
    fi
    ((SECONDS < deadline)) || { trial_fail "$n" "the load generator was not ready within 120 s"; return 1; }
    sleep 0.2
  done
  sleep "$FAULT_AFTER"

  # The primary now, as the admin API reports it, and its server process (the sandbox keeps each
  # instance in a directory named after it, with the server's pid file there).
  json=$(topology_json "$admin_port")
  local victim pidfile pm
  victim=$(topo_primary "$json")
  [[ -n $victim ]] || { trial_fail "$n" "no primary in /topology before the fault: $(topo_roles "$json")"; return 1; }
  pidfile="$demo_dir/$victim/$pid_file"
  pm=$(head -n 1 "$pidfile" 2>/dev/null || true)
  if ! [[ $pm =~ ^[0-9]+$ ]] || ! kill -0 "$pm" 2>/dev/null; then
    trial_fail "$n" "no running $server_process in $pidfile"
    return 1
  fi
  T[$n|old]=$victim
  local switchover_pid=""
  now_ms >"$fault_file"
  if [[ $mode == switchover ]]; then
    admin_curl -s -m 300 -X POST "http://$HOST:$admin_port/switchover?cluster=$cluster" -o "$dir/switchover.json" \
      -w '%{http_code}' >"$dir/switchover.status" 2>"$dir/switchover.err" &
    switchover_pid=$!
    say "   switchover requested from $victim at $(cat "$fault_file")"
  else
    kill -KILL "$pm"
    say "   SIGKILL to $victim's $server_process (pid $pm) at $(cat "$fault_file")"
  fi

  local load_rc=0
  wait "$load_pid" || load_rc=$?
  load_pid=""
  if [[ -n $switchover_pid ]]; then
    wait "$switchover_pid" || true
    T[$n|sw_http]=$(cat "$dir/switchover.status" 2>/dev/null || echo none)
    T[$n|sw_outcome]=$(jq -r '.outcome // "none"' "$dir/switchover.json" 2>/dev/null || echo none)
    T[$n|sw_hold_ms]=$(jq -r '.pauseMillis // empty' "$dir/switchover.json" 2>/dev/null || true)
    T[$n|sw_total_ms]=$(jq -r '.durationMillis // empty' "$dir/switchover.json" 2>/dev/null || true)
    T[$n|sw_former]=$(jq -r '.formerPrimary // "none"' "$dir/switchover.json" 2>/dev/null || echo none)
    T[$n|sw_message]=$(jq -r '.message // empty' "$dir/switchover.json" 2>/dev/null || cat "$dir/switchover.json")
    if engine_refused_switchover "${T[$n|sw_outcome]}" "${T[$n|sw_message]}"; then
      T[$n|sw_refused]=yes
      say "   switchover refused by the engine (HTTP ${T[$n|sw_http]}, ${T[$n|sw_outcome]}): ${T[$n|sw_message]}"
    elif [[ ${T[$n|sw_outcome]} != completed ]]; then
      trial_fail "$n" "switchover answered HTTP ${T[$n|sw_http]}: ${T[$n|sw_message]}"
      return 1
    fi
  fi
  if ((load_rc != 0)) || ! grep -q '^acked=' "$out"; then
    cat "$err" >&2
    trial_fail "$n" "the load generator failed (exit $load_rc)"
    return 1
  fi
  local line key
  while IFS= read -r line; do
    [[ $line == *=* ]] || continue
    key=${line%%=*}
    T[$n|L_$key]=${line#*=}
  done <"$out"

  # After the load: who is primary now, in which epoch (after a refused switchover, still the same).
  deadline=$((SECONDS + 60))
  local new_primary=""
  while ((SECONDS < deadline)); do
    json=$(topology_json "$admin_port")
    new_primary=$(topo_primary "$json")
    [[ -n $new_primary && ( $new_primary != "$victim" || -n ${T[$n|sw_refused]:-} ) ]] && break
    sleep 0.5
  done
  if [[ $mode == switchover && -z ${T[$n|sw_refused]:-} ]]; then
    # The former primary rejoins as a replica before the switchover answers; the monitor shows it next.
    deadline=$((SECONDS + 30))
    until [[ $(topo_role "$json" "$victim") == replica ]] || ((SECONDS >= deadline)); do
      sleep 0.5
      json=$(topology_json "$admin_port")
    done
  fi
  T[$n|new]=${new_primary:-none}
  T[$n|epoch]=$(topo_epoch "$json")
  T[$n|roles]=$(topo_roles "$json")
  T[$n|victim_role]=$(topo_role "$json" "$victim")

  # Acknowledged ids missing on the new primary: the table's ids, read through the writer endpoint
  # in one session with the server that answered, compared with the acknowledged ones.
  if ! db "$writer_port" >"$dir/table.out" 2>"$dir/check.err" <<<"$sql_server
SELECT id FROM failover_load ORDER BY id;"; then
    cat "$dir/check.err" >&2
    trial_fail "$n" "could not read the table through the writer endpoint ($(head -c 200 "$dir/check.err" | tr '\n' ' ')); /topology after the $mode: ${T[$n|roles]:-none}, epoch ${T[$n|epoch]:-?}"
    return 1
  fi
  local srv_port srv_state n_acked n_lost n_rows n_extra lost_ids
  IFS=$'\t' read -r srv_port srv_state <"$dir/table.out"
  tail -n +2 "$dir/table.out" | LC_ALL=C sort >"$dir/table.ids"
  LC_ALL=C sort "$dir/acked.ids" >"$dir/acked.sorted"
  n_acked=$(grep -c . "$dir/acked.sorted" || true)
  n_rows=$(grep -c . "$dir/table.ids" || true)
  n_lost=$(LC_ALL=C comm -23 "$dir/acked.sorted" "$dir/table.ids" | grep -c . || true)
  n_extra=$(LC_ALL=C comm -13 "$dir/acked.sorted" "$dir/table.ids" | grep -c . || true)
  lost_ids=$(LC_ALL=C comm -23 "$dir/acked.sorted" "$dir/table.ids" | sort -n | head -n 20 | paste -sd, -)
  T[$n|lost]=$n_lost
  T[$n|lost_ids]=${lost_ids:--}
  T[$n|rows]=$n_rows
  T[$n|extra]=$n_extra
  T[$n|checked]=$n_acked
  local new_port
  new_port=$(jq -r --arg n "$new_primary" '.clusters[0].instances[] | select(.name == $n) | .port' <<<"$json" 2>/dev/null || true)
  T[$n|writer_ok]=yes
  if [[ $srv_state != writable || $srv_port != "$new_port" ]]; then
    T[$n|writer_ok]="NO: writer endpoint reached port $srv_port ($srv_state), new primary $new_primary is on $new_port"
    any_failure=true
    failure_notes+=("trial $n: ${T[$n|writer_ok]}")
  fi
  [[ $n_acked == "${T[$n|L_acked]}" ]] || failure_notes+=("trial $n: checked $n_acked ids but the load acknowledged ${T[$n|L_acked]}")

  # What the proxy logged, in ms after the kill: loss declared, promotion, new primary published.
  local fault_ms
  fault_ms=$(cat "$fault_file")
  T[$n|detect_ms]=$(log_ms_after "$fault_ms" 'is lost; promoting')
  T[$n|published_ms]=$(log_ms_after "$fault_ms" 'replica -> primary, epoch')
  T[$n|promote_ms]=$(sed -n 's/.* promoted in \([0-9][0-9]*\) ms.*/\1/p' "$demo_log" | head -n 1)
  T[$n|reattach_max_ms]=$(sed -n 's/.*re-attached to .* in \([0-9][0-9]*\) ms.*/\1/p' "$demo_log" | sort -n | tail -n 1)
  T[$n|ended_sessions]=$(grep -cE 'was lost( with a command in flight)?; ending the session' "$demo_log" || true)
  T[$n|refused_connects]=$(grep -c 'cannot connect to .*Connection refused' "$demo_log" || true)
  T[$n|no_primary_refusals]=$(grep -c 'has no primary available' "$demo_log" || true)
  T[$n|warns]=$(grep -c ' WARN ' "$demo_log" || true)
  T[$n|errors]=$(grep -c ' ERROR ' "$demo_log" || true)
  grep -iE 'failover|promot|fenc|epoch|repoint|lost|re-?attach|moved' "$demo_log" >"$dir/failover-lines.log" 2>/dev/null || true

  if [[ ${T[$n|L_write_recovered]} != true ]]; then
    any_failure=true
    failure_notes+=("trial $n: writes did not come back within the load's ${DURATION}s")
  fi
  T[$n|status]=ok
  say "   writes unavailable $(fmt '%.3f' "$(ms_to_s "${T[$n|L_write_unavailable_ms]}")") s, reads $(fmt '%.3f' "$(ms_to_s "${T[$n|L_read_unavailable_ms]}")") s," \
    "acked ${T[$n|L_acked]}, lost $n_lost, sessions preserved ${T[$n|L_sessions_preserved]}/${T[$n|L_sessions]}," \
    "new primary $new_primary (epoch ${T[$n|epoch]}), writer errors ${T[$n|L_write_errors]}"
  return 0
}

# log_ms_after FAULT_EPOCH_MS PATTERN: ms from the fault to the first demo log line (HH:MM:SS.mmm,
# local time) matching PATTERN; empty when there is none.
log_ms_after() {
  local fault_ms=$1 pattern=$2 fault_day_ms
  fault_day_ms=$(( $(date -d "@$((fault_ms / 1000))" '+10#%H * 3600000 + 10#%M * 60000 + 10#%S * 1000') + fault_ms % 1000 ))
  grep -m 1 -F -- "$pattern" "$demo_log" 2>/dev/null | awk -v f="$fault_day_ms" '
    match($1, /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9]$/) {
      split($1, a, /[:.]/); t = a[1] * 3600000 + a[2] * 60000 + a[3] * 1000 + a[4]
      d = t - f; if (d < -43200000) d += 86400000; print d }' || true
}

ms_to_s() { [[ -n ${1:-} ]] && awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; }

finish_trial() {
  local n=$1
  if [[ -n $load_pid ]] && kill -0 "$load_pid" 2>/dev/null; then
    kill -TERM "$load_pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$load_pid" 2>/dev/null || true
  fi
  load_pid=""
  [[ -n $demo_pid ]] || [[ -n $demo_dir ]] || return 0
  demo_stop
  if [[ -n $demo_dir ]] && kill_processes_in_dir "$demo_dir" 0; then
    any_failure=true
    failure_notes+=("trial $n: server processes were still running in $demo_dir after the demo stopped")
  fi
  if [[ -n $KEEP_LOGS ]]; then
    mkdir -p "$KEEP_LOGS/trial-$n"
    cp "$tmp/trial-$n"/{demo.log,demo-attempt-1.log,load.out,load.err,events.log,failover-lines.log,fault.ms} "$KEEP_LOGS/trial-$n/" 2>/dev/null || true
  fi
  # Keep the small files for the report, drop the data directories.
  rm -rf -- "$tmp/trial-$n/demo"
  demo_dir=""
}

for ((trial = 1; trial <= TRIALS; trial++)); do
  run_trial "$trial" || true
  finish_trial "$trial"
done
sw_skipped=0
for ((trial = 1; trial <= SWITCHOVERS; trial++)); do
  run_trial "s$trial" switchover || true
  finish_trial "s$trial"
  if [[ -n ${T[s$trial|sw_refused]:-} ]] && ((trial < SWITCHOVERS)); then
    sw_skipped=$((SWITCHOVERS - trial))
    say "   the engine refuses switchover: the other $sw_skipped switchover trial(s) are not run"
    break
  fi
done
bench_secs=$((SECONDS - bench_t0))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
w_s=() r_s=() lost=() det_s=() pub_s=() preserved=0 broken=0 broken_busy=0 sessions_total=0 measured=0 lost_total=0 acked_total=0
rows=()
observations=()
for ((n = 1; n <= TRIALS; n++)); do
  if [[ ${T[$n|status]:-} != ok ]]; then
    rows+=("| $n | ${T[$n|status]:-not run} | | | | | | | | |")
    continue
  fi
  measured=$((measured + 1))
  ws=$(ms_to_s "${T[$n|L_write_unavailable_ms]}"); rs=$(ms_to_s "${T[$n|L_read_unavailable_ms]}")
  w_s+=("$ws"); r_s+=("$rs"); lost+=("${T[$n|lost]}")
  ds=$(ms_to_s "${T[$n|detect_ms]}"); ps=$(ms_to_s "${T[$n|published_ms]}")
  det_s+=("$ds"); pub_s+=("$ps")
  lost_total=$((lost_total + ${T[$n|lost]})); acked_total=$((acked_total + ${T[$n|L_acked]}))
  preserved=$((preserved + ${T[$n|L_sessions_preserved]})); broken=$((broken + ${T[$n|L_sessions_broken]}))
  broken_busy=$((broken_busy + ${T[$n|L_sessions_broken_busy]}))
  sessions_total=$((sessions_total + ${T[$n|L_sessions]}))
  busy_note=""
  ((${T[$n|L_sessions_broken_busy]} > 0)) && busy_note=" (+${T[$n|L_sessions_broken_busy]} busy)"
  werr="${T[$n|L_write_errors]}"
  [[ -n ${T[$n|L_write_first_error]} ]] && werr="$werr (${T[$n|L_write_error_kinds]})"
  rerr="${T[$n|L_read_errors]}"
  [[ -n ${T[$n|L_read_first_error]} ]] && rerr="$rerr (${T[$n|L_read_error_kinds]})"
  rows+=("| $n | ${T[$n|old]} → ${T[$n|new]} | ${T[$n|epoch_before]} → ${T[$n|epoch]} | $(fmt '%.2f' "$ws") | $(fmt '%.2f' "$(ms_to_s "${T[$n|L_write_recovery_after_fault_ms]}")") | $(fmt '%.2f' "$rs") | $(fmt '%.2f' "$ds") / $(fmt '%.2f' "$ps") | ${T[$n|L_acked]} / ${T[$n|lost]} | ${T[$n|L_sessions_preserved]} / ${T[$n|L_sessions_broken]}$busy_note | $werr / $rerr |")
  [[ -n ${T[$n|L_write_first_error]} ]] && observations+=("trial $n writer: ${T[$n|L_write_errors]} error(s), first $(fmt '%+d' "${T[$n|L_write_first_error_after_fault_ms]}") ms after the kill: \`${T[$n|L_write_first_error]}\`; reconnects ${T[$n|L_write_reconnects]} (failed attempts ${T[$n|L_write_failed_reconnects]})")
  [[ -n ${T[$n|L_read_first_error]} ]] && observations+=("trial $n reader: ${T[$n|L_read_errors]} error(s): \`${T[$n|L_read_first_error]}\`; reconnects ${T[$n|L_read_reconnects]}")
  [[ -n ${T[$n|L_sessions_first_error]} ]] && observations+=("trial $n idle sessions: ${T[$n|L_sessions_broken]} broken while idle, ${T[$n|L_sessions_broken_busy]} broken with a statement in flight at the kill, first error \`${T[$n|L_sessions_first_error]}\` (${T[$n|L_sessions_detail]})")
  ((${T[$n|L_sessions_hung]} > 0)) && observations+=("trial $n: **${T[$n|L_sessions_hung]} idle session(s) got no answer** to a statement for more than 5 s (the load's socket timeout is 15 s); see sessions_detail above and the proxy log")
  ((${T[$n|L_sessions_broken]} + ${T[$n|L_sessions_broken_busy]} > 0)) && [[ -z ${T[$n|L_sessions_first_error]} ]] && observations+=("trial $n idle sessions: ${T[$n|L_sessions_broken]} broken without an error (${T[$n|L_sessions_detail]})")
  ((${T[$n|L_write_ok_after_fault_before_outage]:-0} > 0)) && observations+=("trial $n: ${T[$n|L_write_ok_after_fault_before_outage]} INSERT(s) were still acknowledged after the SIGKILL ($late_ack_reason) before writes stopped")
  ((${T[$n|ended_sessions]:-0} > 0)) && observations+=("trial $n: the proxy ended ${T[$n|ended_sessions]} writer session(s) instead of moving them (\"was lost; ending the session\" in its log)")
  ((${T[$n|refused_connects]:-0} > 0)) && observations+=("trial $n: ${T[$n|refused_connects]} new writer connection(s) were refused (\"cannot connect to ${T[$n|old]} ... Connection refused\" in the proxy log) before the loss was declared, instead of waiting")
  ((${T[$n|no_primary_refusals]:-0} > 0)) && observations+=("trial $n: ${T[$n|no_primary_refusals]} new writer connection(s) were refused with \"no primary available\" (between the loss of the primary and the start of the failover) instead of waiting for the new primary")
  [[ -n ${T[$n|restarted]:-} ]] && observations+=("trial $n: the first demo did not start (\`${T[$n|restarted]}\`); the trial ran on a second one")
  ((${T[$n|lost]} > 0)) && observations+=("trial $n: ${T[$n|lost]} acknowledged commit(s) missing on the new primary (ids ${T[$n|lost_ids]}; last id acknowledged before the kill: ${T[$n|L_last_acked_before_fault]})")
  [[ ${T[$n|victim_role]} == fenced ]] || observations+=("trial $n: the killed primary ${T[$n|old]} is '${T[$n|victim_role]}' in /topology after the failover (expected fenced)")
  [[ ${T[$n|writer_ok]} == yes ]] || observations+=("trial $n: ${T[$n|writer_ok]}")
  ((${T[$n|errors]} > 0)) && observations+=("trial $n: ${T[$n|errors]} ERROR line(s) in the proxy log")
done

p50_w=$(median "${w_s[@]}"); max_w=$(max_of "${w_s[@]}")
p50_r=$(median "${r_s[@]}"); max_r=$(max_of "${r_s[@]}")
p50_lost=$(median "${lost[@]}"); max_lost=$(max_of "${lost[@]}")
p50_det=$(median "${det_s[@]}"); max_det=$(max_of "${det_s[@]}")
p50_pub=$(median "${pub_s[@]}"); max_pub=$(max_of "${pub_s[@]}")
# Quorum durability promises no lost acknowledged commit; asynchronous replication does not.
lost_target="(async replication: not a target)" lost_verdict=""
if [[ $durability == quorum ]]; then
  lost_target=0
  if ((lost_total == 0)); then
    lost_verdict=": met"
  else
    lost_verdict=": **missed**"
    any_failure=true
    failure_notes+=("$lost_total acknowledged commit(s) lost with durability: quorum")
  fi
fi
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { if (v == "") print "n/a"; else if (v <= t) print "met"; else print "**missed**" }'; }
# Sessions whose statement was in flight at the kill were not idle; the target is about idle ones.
sessions_idle=$((sessions_total - broken_busy))
sess_pct=$(awk -v p="$preserved" -v t="$sessions_idle" 'BEGIN { if (t > 0) printf "%.0f", 100 * p / t }')
sess_verdict="n/a"
if ((sessions_idle > 0)); then
  if ((preserved == sessions_idle)); then sess_verdict=met; else sess_verdict="**missed**"; fi
fi

# The switchover trials' section of the summary (Markdown on stdout).
switchover_report() {
  ((SWITCHOVERS > 0)) || return 0
  local i n ws hs errs sw_measured=0 sw_refused=0 sw_lost_total=0 sw_acked_total=0 sw_errors_total=0 sw_preserved=0 sw_sessions=0
  local refusal=""
  local -a sw_w=() sw_h=() sw_e=() sw_l=() sw_rows=() sw_notes=()
  for ((i = 1; i <= SWITCHOVERS; i++)); do
    n="s$i"
    if [[ ${T[$n|status]:-} != ok ]]; then
      sw_rows+=("| $i | ${T[$n|status]:-not run} | | | | | | | |")
      continue
    fi
    errs=$(( ${T[$n|L_write_errors]} + ${T[$n|L_read_errors]} + ${T[$n|L_sessions_broken]} + ${T[$n|L_sessions_broken_busy]} ))
    [[ -n ${T[$n|restarted]:-} && -n ${T[$n|sw_refused]:-} ]] && sw_notes+=("switchover $i: the first demo did not start (\`${T[$n|restarted]}\`); the trial ran on a second one")
    if [[ -n ${T[$n|sw_refused]:-} ]]; then
      # Nothing was switched: what is reported is that clients did not suffer from the refusal.
      sw_refused=$((sw_refused + 1))
      refusal="HTTP ${T[$n|sw_http]} ${T[$n|sw_outcome]}: ${T[$n|sw_message]}"
      sw_errors_total=$((sw_errors_total + errs)); sw_lost_total=$((sw_lost_total + ${T[$n|lost]}))
      sw_rows+=("| $i | refused by the engine (HTTP ${T[$n|sw_http]}, ${T[$n|sw_outcome]}); ${T[$n|old]} stays primary | $(fmt '%.2f' "$(ms_to_s "${T[$n|L_write_unavailable_ms]}")") | $(fmt '%.2f' "$(ms_to_s "${T[$n|sw_hold_ms]}")") | | $errs (${T[$n|L_write_errors]} / ${T[$n|L_read_errors]} / $(( ${T[$n|L_sessions_broken]} + ${T[$n|L_sessions_broken_busy]} ))) | ${T[$n|L_acked]} / ${T[$n|lost]} | ${T[$n|L_sessions_preserved]} / ${T[$n|L_sessions]} | ${T[$n|sw_former]} |")
      [[ -n ${T[$n|L_write_first_error]} ]] && sw_notes+=("switchover $i (refused) writer: \`${T[$n|L_write_first_error]}\`")
      [[ -n ${T[$n|L_sessions_first_error]} ]] && sw_notes+=("switchover $i (refused) idle sessions: \`${T[$n|L_sessions_first_error]}\`")
      [[ ${T[$n|writer_ok]} == yes ]] || sw_notes+=("switchover $i (refused): ${T[$n|writer_ok]}")
      continue
    fi
    sw_measured=$((sw_measured + 1))
    ws=$(ms_to_s "${T[$n|L_write_unavailable_ms]}"); hs=$(ms_to_s "${T[$n|sw_hold_ms]}")
    sw_w+=("$ws"); sw_h+=("$hs"); sw_e+=("$errs"); sw_l+=("${T[$n|lost]}")
    sw_lost_total=$((sw_lost_total + ${T[$n|lost]})); sw_acked_total=$((sw_acked_total + ${T[$n|L_acked]}))
    sw_errors_total=$((sw_errors_total + errs))
    sw_preserved=$((sw_preserved + ${T[$n|L_sessions_preserved]})); sw_sessions=$((sw_sessions + ${T[$n|L_sessions]}))
    sw_rows+=("| $i | ${T[$n|old]} → ${T[$n|new]} | $(fmt '%.2f' "$ws") | $(fmt '%.2f' "$hs") | $(fmt '%.1f' "$(ms_to_s "${T[$n|sw_total_ms]}")") | $errs (${T[$n|L_write_errors]} / ${T[$n|L_read_errors]} / $(( ${T[$n|L_sessions_broken]} + ${T[$n|L_sessions_broken_busy]} ))) | ${T[$n|L_acked]} / ${T[$n|lost]} | ${T[$n|L_sessions_preserved]} / ${T[$n|L_sessions]} | ${T[$n|sw_former]} |")
    [[ -n ${T[$n|L_write_first_error]} ]] && sw_notes+=("switchover $i writer: \`${T[$n|L_write_first_error]}\`")
    [[ -n ${T[$n|restarted]:-} ]] && sw_notes+=("switchover $i: the first demo did not start (\`${T[$n|restarted]}\`); the trial ran on a second one")
    [[ -n ${T[$n|L_read_first_error]} ]] && sw_notes+=("switchover $i reader: \`${T[$n|L_read_first_error]}\`")
    [[ -n ${T[$n|L_sessions_first_error]} ]] && sw_notes+=("switchover $i idle sessions: \`${T[$n|L_sessions_first_error]}\`")
    ((${T[$n|lost]} > 0)) && sw_notes+=("switchover $i: ${T[$n|lost]} acknowledged commit(s) missing (ids ${T[$n|lost_ids]})")
    [[ ${T[$n|writer_ok]} == yes ]] || sw_notes+=("switchover $i: ${T[$n|writer_ok]}")
    [[ ${T[$n|victim_role]} == replica ]] || sw_notes+=("switchover $i: the former primary ${T[$n|old]} is '${T[$n|victim_role]}' afterwards (expected replica)")
  done
  ((sw_errors_total == 0 && sw_lost_total == 0)) || { any_failure=true; failure_notes+=("switchover: $sw_errors_total client error(s), $sw_lost_total acknowledged commit(s) lost"); }
  echo
  echo "## Planned switchover through Auriga ($started_at)"
  echo
  echo "$sw_measured of $SWITCHOVERS trial(s) measured, each on a fresh sandbox with the same load; ${FAULT_AFTER}s in,"
  echo "\`POST /switchover?cluster=$cluster\` (no target: the replica a failover would choose)."
  if ((sw_refused > 0)); then
    echo
    echo "**Refused by the engine** in $sw_refused trial(s)$( ((sw_skipped > 0)) && echo ", after which the other $sw_skipped were not run"): \`$refusal\`."
    echo "Nothing was switched over, so there is no switchover to time; the row shows what clients saw"
    echo "during the refused request (the target stays: no client error, no lost commit)."
  fi
  if ((sw_measured > 0)); then
    echo
    echo "| metric | p50 | max | target |"
    echo "|---|---|---|---|"
    echo "| write pause seen by clients (s) | $(fmt '%.2f' "$(median "${sw_w[@]}")") | $(fmt '%.2f' "$(max_of "${sw_w[@]}")") | |"
    echo "| new transactions held by the proxy (s) | $(fmt '%.2f' "$(median "${sw_h[@]}")") | $(fmt '%.2f' "$(max_of "${sw_h[@]}")") | |"
    echo "| client errors | $(median "${sw_e[@]}") | $(max_of "${sw_e[@]}") | 0 |"
    echo "| acknowledged commits lost | $(median "${sw_l[@]}") | $(max_of "${sw_l[@]}") | 0 ($sw_lost_total of $sw_acked_total in all) |"
    echo "| idle sessions preserved | | | 100% ($sw_preserved of $sw_sessions) |"
  fi
  echo
  echo "| trial | primary → new primary | write pause s | held s | switchover s (with rejoin) | client errors (writer / reader / sessions) | acked / lost | sessions preserved | former primary |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${sw_rows[@]}"
  echo
  echo "*Write pause* is the largest gap between consecutive successful INSERTs from the last one before the"
  echo "request on; *held* is how long the proxy held new transactions (from the admin answer); the switchover"
  echo "answers after the former primary has rejoined as a replica."
  if ((${#sw_notes[@]} > 0)); then
    echo
    echo "Observations:"
    printf -- '- %s\n' "${sw_notes[@]}"
  fi
}

result_tags=()
[[ $ENGINE == postgres ]] || result_tags+=("$ENGINE")
[[ $durability == quorum ]] && result_tags+=(quorum)
results_file=$(results_path failover ${result_tags[@]+"${result_tags[@]}"})

{
  echo "## Unplanned failover through Auriga ($started_at)"
  echo
  echo "| machine | |"
  echo "|---|---|"
  machine_rows
  echo "| $server_label | ${server_version:-unknown} (sandbox from \`auriga demo$([[ $ENGINE == postgres ]] || echo " --engine $ENGINE") --replicas 2 --durability $durability\`: 1 primary + 2 replicas) |"
  echo "| Java | $(java_version) |"
  echo "| AURIGA_JAVA_OPTS | \`${AURIGA_JAVA_OPTS:-(none)}\` |"
  echo "| Auriga event loops | $(demo_event_loops) |"
  echo "| Auriga commit | $(git_commit) |"
  echo "| failover settings | demo defaults (\`probe-interval: 500ms\`, \`failure-threshold: 3\`), \`durability: $durability\` |"
  echo "| method | $TRIALS trial(s), each on a fresh sandbox; ${DURATION}s of load (\`bench/FailoverLoad.java\`, $driver_label); SIGKILL of the primary's $server_process ${FAULT_AFTER}s in; all trials took ${bench_secs}s |"
  echo "| load | 1 writer (autocommit INSERT every ~5 ms, one long-lived connection), $SESSIONS idle writer sessions ($idle_state_label once a second), 1 reader (SELECT 1 every ~5 ms via the reader endpoint) |"
  echo "| load average (1/5/15 min) | before: $load_start; after: $load_end |"
  echo
  echo "| metric | p50 | max | target | |"
  echo "|---|---|---|---|---|"
  echo "| writes unavailable (s) | $(fmt '%.2f' "$p50_w") | $(fmt '%.2f' "$max_w") | p50 ≤ $TARGET_WRITE_P50, max ≤ $TARGET_WRITE_MAX | p50 $(verdict "$p50_w" "$TARGET_WRITE_P50"), max $(verdict "$max_w" "$TARGET_WRITE_MAX") |"
  echo "| reads unavailable (s) | $(fmt '%.2f' "$p50_r") | $(fmt '%.2f' "$max_r") | ≤ $TARGET_READ_MAX | $(verdict "$max_r" "$TARGET_READ_MAX") |"
  echo "| loss declared by the proxy, after the kill (s) | $(fmt '%.2f' "$p50_det") | $(fmt '%.2f' "$max_det") | | |"
  echo "| new primary published, after the kill (s) | $(fmt '%.2f' "$p50_pub") | $(fmt '%.2f' "$max_pub") | | |"
  echo "| acknowledged commits lost | ${p50_lost:-n/a} | ${max_lost:-n/a} | $lost_target | $lost_total of $acked_total in all$lost_verdict |"
  echo "| idle sessions preserved | | | 100% | $preserved of $sessions_idle idle at the kill (${sess_pct:-n/a}%) preserved, $broken broken; $broken_busy more had a statement in flight at the kill and got an error: $sess_verdict |"
  echo
  echo "$measured of $TRIALS trial(s) measured."
  echo
  echo "| trial | primary killed → promoted | epoch | writes unavailable s | writes back after kill s | reads unavailable s | loss declared / new primary published after kill s | acked / lost | idle sessions preserved / broken | errors writer / reader |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "*Writes (reads) unavailable* is the largest gap between consecutive successful INSERTs (SELECTs)"
  echo "from the last one before the SIGKILL on (a few INSERTs can still succeed on the dying primary just"
  echo "after the kill; the outage is the gap after them); *writes back after kill* is the end of that gap,"
  echo "measured from the kill. *Loss declared* and *published* come from the proxy's log. *Lost* counts acknowledged ids that are not"
  echo "in the table on the new primary afterwards (checked through the writer endpoint). An idle session"
  echo "is preserved when it never saw an error, was used after the kill and still answered with its own"
  echo "$idle_check_label. A session whose once-a-second statement happened"
  echo "to be in flight at the kill was not idle; it is counted as *busy*, not in the target."
  echo
  if ((${#observations[@]} > 0)); then
    echo "Observations:"
    printf -- '- %s\n' "${observations[@]}"
    echo
  fi
  if ((${#failure_notes[@]} > 0)); then
    echo "**Failures:**"
    printf -- '- %s\n' "${failure_notes[@]}"
    echo
  fi
  switchover_report
} >"$tmp/summary.md"

publish_summary "$results_file"
say "Targets: unplanned write-unavailable p50 ≤ ${TARGET_WRITE_P50} s and max ≤ ${TARGET_WRITE_MAX} s; reader unavailable ≤ ${TARGET_READ_MAX} s; 100% of idle sessions preserved."
say "Switchover target: no client error and no acknowledged commit lost in any trial."

if $any_failure; then
  banner "SOME TRIALS FAILED OR SHOWED PROBLEMS -- see the notes above"
  exit 1
fi
exit 0
