#!/usr/bin/env bash
# The agent's memory through a rollout: one real edge-agent (Silero VAD v5, mel, embedding, all six keyword heads, drift,
# clips, the fleet link and the updater) against a real edge-cloud (embedded broker + LiteDB) on this machine, listening
# in real time to synthetic speech on a loop. Its resident memory (/proc/<pid>/status: VmRSS = RssAnon + RssFile +
# RssShmem, the last being the JIT's double-mapped code) is
# sampled every second through each phase: steady state, then a canary rollout of Silero VAD v6 over v5 held in
# SHADOW (both VADs run) and ACTIVE (probation: v6 live, the previous pipeline kept for rollback) for PHASE_SECONDS
# each, then steady again after the commit. Prints per phase the median and maximum.
#   PHASE_SECONDS (60)  WARMUP_SECONDS (30)  RUNS (1)  SKIP_BUILD (0)
#   ROLLOUT (1): 0 for a control run without a rollout, sampled as steady, later-1, later-2, later-3
#   AGENT_ENV: extra environment for the agent, e.g. AGENT_ENV="MALLOC_ARENA_MAX=4" (A/B of a setting)
#   AGENT_DLL: the agent to run (default: the build output), e.g. a `dotnet publish` of agent/EdgeAgent.Service
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
phase_seconds=${PHASE_SECONDS:-60}
warmup=${WARMUP_SECONDS:-30}
runs=${RUNS:-1}

tools/install-deps.sh
tools/fetch-models.sh >/dev/null
[[ ${SKIP_BUILD:-0} == 1 ]] || dotnet build EdgeAgent.sln -c Release --nologo -v quiet >/dev/null
bin() { echo "$repo/$1/bin/Release/net10.0/linux-x64/$2.dll"; }
models_src=${EDGEAGENT_MODELS:-$HOME/.edgeagent/models}

cache=$HOME/.edgeagent/agent-rss
audio=$cache/speech.wav
mkdir -p "$cache"
if [[ ! -f $audio ]]; then
    # ~40 s: the six keywords among ordinary sentences, two voices, with a quiet room under them.
    parts=()
    i=0
    for line in "en-gb+m3|hey jarvis" "en-us|the parcel arrived damaged this afternoon" "en-gb+m3|alexa" \
        "en-us|our team meets every thursday at noon" "en-gb+m3|hey mycroft" "en-us|set a timer for five minutes" \
        "en-gb+m3|hey rhasspy" "en-us|what's the weather like" "en-gb+m3|the library closes early on sundays"; do
        espeak-ng -v "${line%%|*}" -s 150 -w "$cache/$i.raw.wav" "${line#*|}"
        sox -R "$cache/$i.raw.wav" -r 16000 -c 1 -b 16 "$cache/$i.wav" pad 0.6 2.5
        parts+=("$cache/$i.wav")
        i=$((i + 1))
    done
    sox -R "${parts[@]}" "$cache/speech-only.wav"
    sox -R -n -r 16000 -c 1 -b 16 "$cache/room.wav" synth "$(soxi -D "$cache/speech-only.wav")" pinknoise vol 0.003
    sox -R -m -v 1 "$cache/speech-only.wav" -v 1 "$cache/room.wav" "$audio"
    rm -f "$cache"/[0-9]*.wav "$cache/speech-only.wav" "$cache/room.wav"
fi

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
field() { node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(o[process.argv[1]] ?? "")' "$1"; }

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

samples=$work/samples # run phase rss anon file shmem (KiB) time (s) cpu (clock ticks, user + system)
: >"$samples"
tick=$(getconf CLK_TCK)
sample() { # run phase pid
    local cpu
    cpu=$(sed 's/^.*) //' "/proc/$3/stat" | awk '{ print $12 + $13 }') # fields 14 and 15, after the command name
    awk -v run="$1" -v phase="$2" -v now="$(date +%s.%N)" -v cpu="$cpu" '/^VmRSS/ { r = $2 } /^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } /^RssShmem/ { m = $2 }
        END { print run, phase, r, a, f, m, now, cpu }' "/proc/$3/status" >>"$samples"
}

for run in $(seq 1 "$runs"); do
    http=$(free_port); mqtt=$(free_port)
    api="http://127.0.0.1:$http"; key="rss-$RANDOM$RANDOM"
    call() { curl -sS -f -X "$1" "$api$2" -H "X-Api-Key: $key" -H "Content-Type: application/json" ${3:+--data "$3"}; }
    dotnet "$(bin cloud/EdgeCloud edge-cloud)" --urls "$api" --EdgeCloud:DataDir="$work/cloud-$run" --EdgeCloud:AdminApiKey="$key" \
        --EdgeCloud:Mqtt:Port="$mqtt" --EdgeCloud:Mqtt:BindAddress=127.0.0.1 >"$work/cloud-$run.log" 2>&1 &
    cloud_pid=$!
    pids+=("$cloud_pid")
    for _ in $(seq 1 100); do curl -sf "$api/health" >/dev/null 2>&1 && break; sleep 0.2; done
    curl -sS -f "$api/api/models/signing-key" -H "X-Api-Key: $key" >"$work/registry.pem"
    call PUT /api/clips/policy '{"target":"all","enabled":true,"triggers":{"detections":true},"maxClipsPerHour":30,"retentionDays":7}' >/dev/null

    # The device's store: every installed model but VAD v6, which comes from the registry (hard links, no copies).
    store=$work/agent-$run/models
    for dir in "$models_src"/*/*/; do
        case "$dir" in */silero_vad/v6/) continue ;; esac
        rel=${dir#"$models_src"/}
        mkdir -p "$store/$rel"
        ln -f "$dir"model.onnx "$dir"manifest.json "$store/$rel" 2>/dev/null || cp "$dir"model.onnx "$dir"manifest.json "$store/$rel"
    done
    id=rss-$run
    password=$(call POST /api/devices "{\"deviceId\":\"$id\",\"labels\":{\"deviceModel\":\"kiosk-k1\",\"micModel\":\"mic-a\",\"site\":\"lab\"}}" | field mqttPassword)
    # shellcheck disable=SC2086 # AGENT_ENV is a list of NAME=value words
    env ${AGENT_ENV:-} dotnet "${AGENT_DLL:-$(bin agent/EdgeAgent.Service edge-agent)}" --EdgeAgent:DeviceId="$id" --EdgeAgent:Source="wav:$audio?loop=true&realtime=true" \
        --EdgeAgent:DataDir="$work/agent-$run" --EdgeAgent:Telemetry:WindowSeconds=5 --EdgeAgent:HealthIntervalSeconds=30 \
        --EdgeAgent:Mqtt:Host=127.0.0.1 --EdgeAgent:Mqtt:Port="$mqtt" --EdgeAgent:Mqtt:Username="$id" --EdgeAgent:Mqtt:Password="$password" \
        --EdgeAgent:ModelsDir="$store" --EdgeAgent:Speech:VadVersion=v5 \
        --EdgeAgent:Updates:RegistryUrl="$api" --EdgeAgent:Updates:RegistryKeyFile="$work/registry.pem" --EdgeAgent:Updates:ReportSeconds=2 \
        >"$work/agent-$run.log" 2>&1 &
    agent_pid=$!
    pids+=("$agent_pid")
    for _ in $(seq 1 "$warmup"); do sleep 1; kill -0 "$agent_pid" 2>/dev/null || { echo "agent-rss: the agent exited:" >&2; tail -20 "$work/agent-$run.log" >&2; exit 1; }; done
    grep -m1 -o 'embedding [a-z -]*' "$work/agent-$run.log" | sed "s/^/agent-rss: run $run: /" || true

    for _ in $(seq 1 "$phase_seconds"); do sample "$run" steady "$agent_pid"; sleep 1; done

    if [[ ${ROLLOUT:-1} == 0 ]]; then
        for later in 1 2 3; do
            for _ in $(seq 1 "$phase_seconds"); do sample "$run" "later-$later" "$agent_pid"; sleep 1; done
        done
    else
        manifest=$(node -e '
            const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
            console.log(JSON.stringify({ name: "silero_vad", kind: m.kind, version: "v6", inputs: m.inputs, outputs: m.outputs }));' "$models_src/silero_vad/v6/manifest.json")
        curl -sS -f -X POST "$api/api/models" -H "X-Api-Key: $key" -F "manifest=$manifest" -F "file=@$models_src/silero_vad/v6/model.onnx" >/dev/null
        rollout=$(call POST /api/rollouts "{\"model\":\"silero_vad\",\"version\":\"v6\",\"target\":\"all\",\"strategy\":\"canary\",\"shadowSeconds\":$phase_seconds,
            \"stages\":[{\"percent\":100,\"bakeSeconds\":$phase_seconds}],\"gates\":{\"minDevices\":1,\"minSamples\":10,\"minAgreement\":0.5,\"maxErrorRate\":0},
            \"deviceDeadlineSeconds\":$((4 * phase_seconds))}" | field id)
        state=running
        for _ in $(seq 1 $((5 * phase_seconds))); do
            view=$(call GET "/api/rollouts/$rollout")
            state=$(echo "$view" | field state)
            phase=$(echo "$view" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log((r.devices[0] || {}).phase || "none")')
            [[ $state == running ]] || break
            case "$phase" in SHADOW|ACTIVE) sample "$run" "$phase" "$agent_pid" ;; esac
            sleep 1
        done
        echo "agent-rss: run $run: rollout $state"
    fi
    [[ ${ROLLOUT:-1} == 0 ]] || for _ in $(seq 1 "$phase_seconds"); do sample "$run" committed "$agent_pid"; sleep 1; done
    grep -o 'detections [0-9]*\|memory [0-9]* MiB' "$work/agent-$run.log" | tail -2 | paste -sd' ' | sed "s/^/agent-rss: run $run: last health line: /" || true
    kill "$agent_pid" "$cloud_pid" 2>/dev/null || true
    wait "$agent_pid" "$cloud_pid" 2>/dev/null || true
done

echo "agent-rss: ${AGENT_ENV:+($AGENT_ENV) }resident memory of the agent, MiB, over $runs run(s) of ${phase_seconds} s per phase (median / max)"
printf '%-10s %8s %16s %16s %16s %16s %8s\n' phase samples VmRSS RssAnon RssFile RssShmem "CPU %"
for phase in steady SHADOW ACTIVE committed later-1 later-2 later-3; do
    awk -v p="$phase" '$2 == p { print $3, $4, $5, $6, $1, $7, $8 }' "$samples" >"$work/p"
    n=$(wc -l <"$work/p")
    [[ $n -gt 0 ]] || continue
    stat() { cut -d' ' -f"$1" "$work/p" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f / %.0f", v[int((NR + 1) / 2)] / 1024, v[NR] / 1024 }'; }
    # CPU: of one core, over the phase's time in each run, summed over the runs
    cpu=$(awk -v tick="$tick" '{ if (!($5 in t0)) { t0[$5] = $6; c0[$5] = $7 } t1[$5] = $6; c1[$5] = $7 }
        END { for (r in t0) { dt += t1[r] - t0[r]; dc += c1[r] - c0[r] } if (dt > 0) printf "%.1f", 100 * dc / tick / dt; else print "-" }' "$work/p")
    printf '%-10s %8s %16s %16s %16s %16s %8s\n' "$phase" "$n" "$(stat 1)" "$(stat 2)" "$(stat 3)" "$(stat 4)" "$cpu"
done
