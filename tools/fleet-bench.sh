#!/usr/bin/env bash
# Fleet benchmark: edge-fleetsim against a real edge-cloud on this machine, for each broker × storage pair:
# ingest throughput (windows/s) and publish-to-API latency (p99), median of RUNS runs, each on a fresh cloud; then
# 10,000 simulated devices connected at once to the embedded broker. First (unless BACKFILL_DEVICES=0), per store: a
# backfill of BACKFILL_DEVICES x BACKFILL_HOURS of BACKFILL_WINDOW_MINUTES-minute windows (edge-fleetsim backfill: rate,
# in-process cohort query and fleet-watch times), then a cloud on that data: p50/p99 of QUERIES requests of
# GET /api/fleet/drift?groupBy=micModel&hours=24 and the cloud's RSS. ONLY_BACKFILL=1 stops after that.
#   DEVICES (1000) SECONDS (15) RUNS (3) CONNECT (10000)
#   SKIP_BUILD (0: build the solution first)  BROKERS (embedded mosquitto)  STORAGES (litedb postgres)
#   CLOUD_ARGS: extra edge-cloud arguments, e.g. CLOUD_ARGS=--EdgeCloud:Rollups:EverySeconds=3600 (A/B of a setting)
#   CLOUD_DLL, SIM_DLL: other builds of edge-cloud.dll and edge-fleetsim.dll (A/B of a change, e.g. from a git worktree)
#   KEEP_LOGS: a directory to copy each cloud's log into when it stops
#   BACKFILL_DEVICES (10000) BACKFILL_HOURS (24) BACKFILL_WINDOW_MINUTES (10) QUERIES (200) ONLY_BACKFILL (0)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
devices=${DEVICES:-1000}
seconds=${SECONDS_PER_RUN:-15}
runs=${RUNS:-3}
connect=${CONNECT:-10000}

tools/install-deps.sh --servers
[[ ${SKIP_BUILD:-0} == 1 ]] || dotnet build EdgeAgent.sln -c Release --nologo -v quiet >/dev/null
cloud_dll=${CLOUD_DLL:-cloud/EdgeCloud/bin/Release/net10.0/linux-x64/edge-cloud.dll}
sim_dll=${SIM_DLL:-tools/EdgeCloud.FleetSim/bin/Release/net10.0/linux-x64/edge-fleetsim.dll}
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cloud_pid=""
cleanup() {
    for p in "${pids[@]}" $cloud_pid; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}" $cloud_pid; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

# PostgreSQL (durable settings: fsync and synchronous_commit on), as the postgres user when root.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_port=$(free_port)
mkdir -p "$work/pg"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg/data" -A trust -U postgres >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w start -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
trap 'cleanup; as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true' EXIT

# Mosquitto with password authentication and the cloud's user.
mq_port=$(free_port)
mkdir -p "$work/mq"
: >"$work/mq/passwd"
mosquitto_passwd -b "$work/mq/passwd" edge-cloud cloudpw
printf 'user edge-cloud\ntopic readwrite edge/v1/#\n\npattern write edge/v1/%%u/#\npattern read edge/v1/%%u/cmd/+\n' >"$work/mq/acl"
printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\nacl_file %s\npersistence false\nmax_queued_messages 1000000\nmax_inflight_messages 1000\nuser root\n' \
    "$mq_port" "$work/mq/passwd" "$work/mq/acl" >"$work/mq/mosquitto.conf"
mosquitto -c "$work/mq/mosquitto.conf" >"$work/mq/log" 2>&1 &
mq_pid=$!
pids+=("$mq_pid")

start_cloud() { # broker storage → sets http mqtt cloud_pid
    local broker=$1 storage=$2 db=""
    http=$(free_port); mqtt=$(free_port)
    local args=(--urls "http://127.0.0.1:$http" --EdgeCloud:DataDir="${cloud_dir:-$work/cloud-$RANDOM}" --EdgeCloud:AdminApiKey=bench
        --EdgeCloud:Ingest:Burst=1000000 --EdgeCloud:Ingest:PerMinute=1000000 --Serilog:MinimumLevel:Default=Warning)
    # shellcheck disable=SC2206 # CLOUD_ARGS is a list of words
    args+=(${CLOUD_ARGS:-})
    if [[ $broker == embedded ]]; then
        args+=(--EdgeCloud:Mqtt:Port="$mqtt" --EdgeCloud:Mqtt:BindAddress=127.0.0.1)
    else
        mqtt=$mq_port
        args+=(--EdgeCloud:Mqtt:Embedded=false --EdgeCloud:Mqtt:External:Host=127.0.0.1 --EdgeCloud:Mqtt:External:Port="$mq_port"
            --EdgeCloud:Mqtt:External:Username=edge-cloud --EdgeCloud:Mqtt:External:Password=cloudpw --EdgeCloud:Mqtt:External:ClientId="bench-$RANDOM"
            --EdgeCloud:Mqtt:External:SharedGroup="bench-$RANDOM$RANDOM")
    fi
    if [[ $storage == postgres ]]; then
        db=${cloud_db:-bench_$RANDOM$RANDOM}
        [[ -n ${cloud_db:-} ]] || as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "create database $db" >/dev/null
        args+=(--EdgeCloud:Storage:Provider=postgres --EdgeCloud:Storage:ConnectionString="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$db;Maximum Pool Size=100")
    fi
    ulimit -n 20000
    dotnet "$cloud_dll" "${args[@]}" >"$work/cloud.log" 2>&1 &
    cloud_pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$http/health" >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "fleet-bench: edge-cloud did not start" >&2; tail "$work/cloud.log" >&2; exit 1
}
stop_cloud() {
    kill "$cloud_pid" 2>/dev/null || true; wait "$cloud_pid" 2>/dev/null || true
    [[ -z ${KEEP_LOGS:-} ]] || { mkdir -p "$KEEP_LOGS"; cp "$work/cloud.log" "$KEEP_LOGS/cloud-$(date +%H%M%S).log"; }
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

backfill_devices=${BACKFILL_DEVICES:-10000}
if [[ $backfill_devices -gt 0 ]]; then
    hours=${BACKFILL_HOURS:-24}; minutes=${BACKFILL_WINDOW_MINUTES:-10}; queries=${QUERIES:-200}
    echo "fleet-bench: backfill of $backfill_devices devices x $hours h of $minutes-minute windows; $(nproc) cores"
    for storage in ${STORAGES:-litedb postgres}; do
        cloud_dir="$work/backfill-$storage"; cloud_db=""
        if [[ $storage == postgres ]]; then
            cloud_db="backfill_$RANDOM$RANDOM"
            as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "create database $cloud_db" >/dev/null
            target=(--postgres "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$cloud_db;Maximum Pool Size=20")
        else
            target=(--data-dir "$cloud_dir")
        fi
        dotnet "$sim_dll" backfill --devices "$backfill_devices" --hours "$hours" --window-minutes "$minutes" "${target[@]}" | grep -E "RESULT|micModel=" | sed "s/^RESULT /RESULT $storage /"
        start_cloud embedded "$storage"
        url="http://127.0.0.1:$http/api/fleet/drift?groupBy=micModel&hours=24"
        curl -sf -H "X-Api-Key: bench" "$url" >/dev/null # warm-up (JIT, caches)
        for _ in $(seq 1 "$queries"); do curl -s -o /dev/null -w '%{time_total}\n' -H "X-Api-Key: bench" "$url"; done | sort -g >"$work/q"
        p50=$(awk '{ v[NR] = $1 } END { printf "%.0f", 1000 * v[int((NR + 1) / 2)] }' "$work/q")
        p99=$(awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.999); printf "%.0f", 1000 * v[i] }' "$work/q")
        rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$cloud_pid/status")
        echo "RESULT $storage GET /api/fleet/drift?groupBy=micModel&hours=24: p50 $p50 ms, p99 $p99 ms (n=$queries); cloud RSS $rss MiB"
        stop_cloud
        cloud_dir=""; cloud_db=""
    done
    [[ ${ONLY_BACKFILL:-0} == 1 ]] && exit 0
fi

echo "fleet-bench: $devices devices publishing as fast as their PUBACKs allow for $seconds s, $runs runs each; $(nproc) cores"
for broker in ${BROKERS:-embedded mosquitto}; do
    for storage in ${STORAGES:-litedb postgres}; do
        : >"$work/results"
        for run in $(seq 1 "$runs"); do
            start_cloud "$broker" "$storage"
            sim=(--api "http://127.0.0.1:$http" --key bench --mqtt "127.0.0.1:$mqtt" --devices "$devices")
            if [[ $broker == mosquitto ]]; then
                creds="$work/creds-$run-$storage"
                dotnet "$sim_dll" register "${sim[@]}" --creds "$creds" --prefix "b$run$storage" >/dev/null
                cp "$creds" "$work/mq/new"
                mosquitto_passwd -U "$work/mq/new"
                cat "$work/mq/new" >>"$work/mq/passwd"
                kill -HUP "$mq_pid"
                sleep 1
                sim+=(--creds "$creds")
            fi
            line=$(dotnet "$sim_dll" throughput "${sim[@]}" --seconds "$seconds" --prefix "b$run$storage")
            echo "  $broker/$storage run $run: $line"
            echo "$line" >>"$work/results"
            stop_cloud
        done
        rate=$(grep -o '= [0-9]* windows/s' "$work/results" | awk '{ print $2 }' | median)
        p99=$(grep -o 'p99 [0-9.]* ms (n' "$work/results" | awk '{ print $2 }' | median)
        echo "RESULT $broker/$storage: median ingest $rate windows/s, median publish-to-API p99 $p99 ms"
    done
done

[[ "$connect" -eq 0 ]] && exit 0
start_cloud embedded litedb
dotnet "$sim_dll" connect --api "http://127.0.0.1:$http" --key bench --mqtt "127.0.0.1:$mqtt" --devices "$connect" --cloud-pid "$cloud_pid" --prefix conn | sed 's/^/RESULT /'
stop_cloud
