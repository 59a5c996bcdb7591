#!/usr/bin/env bash
# The main job on embedded defaults (no external server): installs what is missing, fetches the models, builds,
# synthesises speech, starts the cloud (edge-cloud: embedded MQTT broker + LiteDB) and three agents with different
# labels — kiosk-3 hears through a changed, band-limited microphone — and shows the drifted cohort through the
# fleet API; then rolls Silero VAD v6 out over v5 (shadow, then a canary in two stages) and shows a bad candidate (the
# alexa head published as hey_jarvis) failing the shadow-agreement gate and being rolled back automatically. The cloud
# and agents keep running (agents replay their audio in real time) until Ctrl+C.
#   --once   exit after showing the drifted cohort (CI smoke run)
#   --mic    kiosk-1 listens to the default ALSA microphone instead of a synthetic sample
# Ports: EDGECLOUD_HTTP_PORT (8080), EDGECLOUD_MQTT_PORT (1883).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

once=false
mic=false
for arg in "$@"; do
    case "$arg" in
        --once) once=true ;;
        --mic) mic=true ;;
        *) echo "demo: unknown option $arg (use --once, --mic)" >&2; exit 2 ;;
    esac
done

tools/install-deps.sh
tools/fetch-models.sh
echo "demo: building"
dotnet build EdgeAgent.sln -c Release --nologo -v quiet >/dev/null
bin() { echo "$repo/$1/bin/Release/net10.0/linux-x64/$2.dll"; }

demo=${EDGEAGENT_DEMO_DIR:-$HOME/.edgeagent/demo}
audio="$demo/audio"
mkdir -p "$audio"
say() { # out voice speed text...
    local out=$1 voice=$2 speed=$3
    shift 3
    local parts=() i=0
    for text in "$@"; do
        espeak-ng -v "$voice" -s "$speed" -w "$out.$i.raw.wav" "$text"
        sox -R "$out.$i.raw.wav" -r 16000 -c 1 -b 16 "$out.$i.wav" pad 0.6 1.0
        parts+=("$out.$i.wav")
        i=$((i + 1))
    done
    sox -R "${parts[@]}" "$out.speech.wav"
    # A quiet room under the speech, as a real microphone hears it.
    sox -R -n -r 16000 -c 1 -b 16 "$out.room.wav" synth "$(soxi -D "$out.speech.wav")" pinknoise vol 0.003
    sox -R -m -v 1 "$out.speech.wav" -v 1 "$out.room.wav" "$out"
    rm -f "${parts[@]}" "$out".*.raw.wav "$out.speech.wav" "$out.room.wav"
}
if [[ ! -f "$audio/kiosk-3.wav" ]]; then
    echo "demo: synthesising speech with espeak-ng"
    say "$audio/reference.wav" en-us 150 "the quick brown fox jumps over the lazy dog" "please open the front door" \
        "the meeting starts at nine tomorrow" "turn left at the next corner" "hey jarvis" "set a timer for five minutes" \
        "we will need more coffee for the morning shift" "can you check the temperature in the server room"
    say "$audio/reference-2.wav" en-gb-x-rp 140 "my favourite colour is green" "the train to the city leaves at half past seven" \
        "alexa" "what's the weather like" "switch off the lights in the hallway" "remember to water the plants"
    say "$audio/kiosk-1.wav" en-gb+m3 145 "i would like a window seat on the next flight" "hey jarvis" \
        "the parcel arrived damaged this afternoon" "our team meets every thursday at noon" "what's the weather like" \
        "the library closes early on sundays" "send the report before the end of the week"
    say "$audio/kiosk-2.wav" en-gb+f2 150 "there is a small bakery around the corner" "alexa" "please open the door" \
        "set a timer for five minutes" "the delivery is at the front gate" "good morning, how can i help you" \
        "the lift is out of order today"
    # kiosk-3: the same kind of speech through a new, band-limited microphone (3.4 kHz low-pass).
    say "$audio/kiosk-3.raw.wav" en-gb+m3 150 "the printer on the second floor is jammed again" "hey jarvis" \
        "the car park closes at ten" "could you call a taxi for me" "what's the weather like" \
        "visitors must sign in at reception" "the coffee machine needs descaling"
    sox -R -D "$audio/kiosk-3.raw.wav" "$audio/kiosk-3.wav" sinc -3400
    rm -f "$audio/kiosk-3.raw.wav"
fi

http_port=${EDGECLOUD_HTTP_PORT:-8080}
mqtt_port=${EDGECLOUD_MQTT_PORT:-1883}
api="http://127.0.0.1:$http_port"
key="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
state="$demo/run"
rm -rf "$state"
mkdir -p "$state"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting edge-cloud (API $api, MQTT 127.0.0.1:$mqtt_port, data $state/cloud)"
dotnet "$(bin cloud/EdgeCloud edge-cloud)" --urls "$api" --EdgeCloud:DataDir="$state/cloud" --EdgeCloud:AdminApiKey="$key" \
    --EdgeCloud:Mqtt:Port="$mqtt_port" --EdgeCloud:Mqtt:BindAddress=127.0.0.1 >"$state/cloud.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    curl -sf "$api/health" >/dev/null 2>&1 && break
    kill -0 "${pids[0]}" 2>/dev/null || { echo "demo: edge-cloud failed to start:" >&2; tail -20 "$state/cloud.log" >&2; exit 1; }
    sleep 0.2
done

call() { # method path [body]
    curl -sS -f -X "$1" "$api$2" -H "X-Api-Key: $key" -H "Content-Type: application/json" ${3:+--data "$3"}
}
field() { # json field
    node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(o[process.argv[1]])' "$1"
}

echo "demo: fleet reference profile from the reference speech (edgectl profile build)"
dotnet "$(bin tools/EdgeCtl edgectl)" profile build "$audio/reference.wav" "$audio/reference-2.wav" -o "$state/reference.json" \
    --description "demo reference: en-us and en-gb-x-rp voices, quiet room" >/dev/null
curl -sS -f -X PUT "$api/api/fleet/reference" -H "X-Api-Key: $key" -H "Content-Type: application/json" --data-binary "@$state/reference.json" >/dev/null

curl -sS -f "$api/api/models/signing-key" -H "X-Api-Key: $key" >"$state/registry.pem"
# Ground truth: every site of the demo consented to clips of its detections (sealed on the kiosk for the cloud alone).
call PUT /api/clips/policy '{"target":"all","enabled":true,"triggers":{"detections":true},"maxClipsPerHour":30,"retentionDays":7}' >/dev/null
models_src=${EDGEAGENT_MODELS:-$HOME/.edgeagent/models}
start_agent() { # id micModel source
    local id=$1 mic_model=$2 source=$3
    local password
    # Each device has its own model store (hard links, no copies) holding VAD v5 only: v6 comes from the registry.
    mkdir -p "$state/$id/models"
    for dir in "$models_src"/*/*/; do
        case "$dir" in */silero_vad/v6/) continue ;; esac
        rel=${dir#"$models_src"/}
        mkdir -p "$state/$id/models/$rel"
        ln -f "$dir"model.onnx "$dir"manifest.json "$state/$id/models/$rel"
    done
    password=$(call POST /api/devices "{\"deviceId\":\"$id\",\"labels\":{\"deviceModel\":\"kiosk-k1\",\"micModel\":\"$mic_model\",\"firmware\":\"2.4.1\",\"site\":\"lobby\"}}" | field mqttPassword)
    dotnet "$(bin agent/EdgeAgent.Service edge-agent)" --EdgeAgent:DeviceId="$id" --EdgeAgent:Source="$source" \
        --EdgeAgent:DataDir="$state/$id" --EdgeAgent:Telemetry:WindowSeconds=5 --EdgeAgent:HealthIntervalSeconds=60 \
        --EdgeAgent:Mqtt:Host=127.0.0.1 --EdgeAgent:Mqtt:Port="$mqtt_port" --EdgeAgent:Mqtt:Username="$id" --EdgeAgent:Mqtt:Password="$password" \
        --EdgeAgent:Labels:MicModel="$mic_model" --EdgeAgent:ModelsDir="$state/$id/models" --EdgeAgent:Speech:VadVersion=v5 \
        --EdgeAgent:Updates:RegistryUrl="$api" --EdgeAgent:Updates:RegistryKeyFile="$state/registry.pem" --EdgeAgent:Updates:ReportSeconds=2 \
        >"$state/$id.log" 2>&1 &
    pids+=($!)
    echo "demo: agent $id (micModel $mic_model) on $source"
}
if $mic; then
    start_agent kiosk-1 mic-a "alsa:default"
else
    start_agent kiosk-1 mic-a "wav:$audio/kiosk-1.wav?loop=true&realtime=true"
fi
start_agent kiosk-2 mic-a "wav:$audio/kiosk-2.wav?loop=true&realtime=true"
start_agent kiosk-3 mic-b "wav:$audio/kiosk-3.wav?loop=true&realtime=true"

echo "demo: waiting for the cohorts to gather enough speech (the agents report a window every 5 s)"
drift=""
for _ in $(seq 1 90); do
    sleep 2
    drift=$(call GET "/api/fleet/drift?groupBy=micModel&hours=1" || true)
    if echo "$drift" | node -e '
        const g = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const b = g.find(c => c.group === "mic-b"), a = g.find(c => c.group === "mic-a");
        process.exit(b && a && b.verdict === "drift" && a.verdict !== "insufficient-data" ? 0 : 1);' 2>/dev/null; then
        break
    fi
done

echo
echo "Fleet API:  $api   (OpenAPI: $api/openapi/v1.json)"
echo "Console:    $api/   (sign in with the API key below)"
echo "API key:    $key"
echo
echo "Cohort drift by microphone model — curl -s -H 'X-Api-Key: $key' '$api/api/fleet/drift?groupBy=micModel'"
echo "$drift" | node -e '
    for (const c of JSON.parse(require("fs").readFileSync(0, "utf8"))) {
        const alarms = c.alarms.map(a => `${a.family}: ${a.feature} ${a.test} ${a.score} >= ${a.threshold}`).join("; ");
        console.log(`  ${c.group.padEnd(6)} ${String(c.devices).padStart(2)} device(s)  ${c.verdict.padEnd(17)} ${alarms}`);
    }'
echo
echo "Devices — curl -s -H 'X-Api-Key: $key' $api/api/devices"
call GET /api/devices | node -e '
    for (const d of JSON.parse(require("fs").readFileSync(0, "utf8")))
        console.log(`  ${d.deviceId.padEnd(8)} online=${d.online}  micModel=${d.labels.micModel}  models=${d.models.length}  activeAlarms=[${d.activeAlarms}]`);'
echo
echo "$drift" | node -e 'const g = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(g.find(c => c.group === "mic-b")?.verdict === "drift" ? 0 : 1)' \
    || { echo "demo: the changed microphone's cohort did not show drift" >&2; $once && exit 1; }

upload() { # name version file-like-manifest file
    local manifest
    manifest=$(node -e '
        const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(JSON.stringify({ name: process.argv[2], kind: m.kind, version: process.argv[3], inputs: m.inputs, outputs: m.outputs }));' "$3" "$1" "$2")
    curl -sS -f -X POST "$api/api/models" -H "X-Api-Key: $key" -F "manifest=$manifest" -F "file=@$4" >/dev/null
}
rollout() { # body expected-state -> prints the rollout's history
    local id state="" view=""
    id=$(call POST /api/rollouts "$1" | field id)
    for _ in $(seq 1 120); do
        sleep 2
        view=$(call GET "/api/rollouts/$id")
        state=$(echo "$view" | field state)
        [[ "$state" == "running" ]] || break
    done
    echo "  rollout $id: $state — curl -s -H 'X-Api-Key: $key' $api/api/rollouts/$id"
    echo "$view" | node -e '
        const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
        for (const h of r.history) console.log(`    ${h.from} -> ${h.to}: ${h.reason}`);
        for (const d of r.devices) console.log(`    ${d.deviceId.padEnd(8)} ${d.phase}${d.reason ? ": " + d.reason : ""}`);'
    [[ "$state" == "$2" ]] || { echo "demo: the rollout ended $state, expected $2" >&2; $once && exit 1; }
}
echo
echo "Canary rollout of Silero VAD v6 over v5: 10 s in shadow on every kiosk, then 30 % (one kiosk) and 100 %, gated on agreement"
upload silero_vad v6 "$models_src/silero_vad/v6/manifest.json" "$models_src/silero_vad/v6/model.onnx"
rollout '{"model":"silero_vad","version":"v6","target":{"labels":{"deviceModel":"kiosk-k1"}},"strategy":"canary","shadowSeconds":10,
  "stages":[{"percent":30,"bakeSeconds":5},{"percent":100,"bakeSeconds":5}],
  "gates":{"minDevices":2,"minSamples":100,"minAgreement":0.8,"maxP95Ms":50,"maxErrorRate":0},"deviceDeadlineSeconds":90}' completed
echo
echo "A bad candidate: the alexa head uploaded as hey_jarvis 0.2 — it disagrees with the live hey_jarvis in shadow and is rolled back"
upload hey_jarvis 0.2-candidate "$models_src/alexa/0.1/manifest.json" "$models_src/alexa/0.1/model.onnx"
rollout '{"model":"hey_jarvis","version":"0.2-candidate","target":"all","strategy":"canary","shadowSeconds":30,
  "stages":[{"percent":100,"bakeSeconds":5}],
  "gates":{"minDevices":1,"minSamples":1,"minAgreement":0.8,"maxErrorRate":0},"deviceDeadlineSeconds":90}' rolled-back
echo
echo "Devices after the rollouts:"
call GET /api/devices | node -e '
    for (const d of JSON.parse(require("fs").readFileSync(0, "utf8")))
        console.log(`  ${d.deviceId.padEnd(8)} ${d.models.filter(m => m.slot === "active" && (m.name === "silero_vad" || m.name === "hey_jarvis")).map(m => m.name + "@" + m.version).join(" ")}`);'
echo
# A labeler listens to the kiosks' detection clips and says which keyword was said; here a script that knows each
# kiosk's sentences does it (kiosk-1 and kiosk-3 say "hey jarvis" and ask for the weather, kiosk-2 says "alexa" and
# sets a timer), through the same API a person's labelling page uses.
labeler=$(call POST /api/apikeys '{"name":"demo-labeler","role":"labeler"}' | field apiKey)
curl -sS -f "$api/api/clips?trigger=detection&labelled=false&limit=500" -H "X-Api-Key: $labeler" >"$state/clips.json"
node -e '
    const said = { "kiosk-1": ["hey_jarvis", "weather"], "kiosk-2": ["alexa", "timer"], "kiosk-3": ["hey_jarvis", "weather"] };
    for (const c of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")))
        console.log(`${c.id} ${JSON.stringify({ keywords: (said[c.deviceId] ?? []).includes(c.keyword) ? [c.keyword] : [], speech: true })}`);' "$state/clips.json" |
    while read -r clip labels; do
        curl -sS -f -X POST "$api/api/clips/$clip/labels" -H "X-Api-Key: $labeler" -H "Content-Type: application/json" --data "$labels" >/dev/null
    done
echo "Labelled quality of the keyword models ($(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).length)' "$state/clips.json") detection clips labelled) — curl -s -H 'X-Api-Key: $key' '$api/api/quality?groupBy=micModel&model=hey_jarvis'"
printf '  %-12s %-8s %-10s %9s %9s %-15s %8s\n' model micModel version labelled precision "95 % interval" "FA/h"
for model in hey_jarvis alexa timer weather; do
    call GET "/api/quality?groupBy=micModel&model=$model" | node -e '
        for (const q of JSON.parse(require("fs").readFileSync(0, "utf8")).filter(q => q.labelledDetections > 0)) {
            const f = v => v == null ? "—" : v.toFixed(2);
            console.log(`  ${q.model.padEnd(12)} ${q.group.padEnd(8)} ${q.version.padEnd(10)} ${String(q.labelledDetections).padStart(9)} ${f(q.precision).padStart(9)} ${(f(q.precisionLow) + "–" + f(q.precisionHigh)).padEnd(15)} ${f(q.falseAcceptsPerHour).padStart(8)}`);
        }'
done
echo
echo "More:  $api/api/devices/kiosk-3/windows   $api/api/alarms?active=true   $api/api/rollouts   $api/api/audit"
echo "Logs:  $state/*.log"
if $once; then
    exit 0
fi
echo "The cloud and the agents keep running; Ctrl+C stops them."
wait
