#!/usr/bin/env bash
# Side-by-side benchmark against the Node peer: openwakeword-js 0.1.27's TypeScript source compiled (tsc) against
# onnxruntime-node 1.30.0 with one intra-op and one inter-op thread per session, reading the same model files as
# ours (symlinks into the model store). Installs the peer from the npm registry into $EDGEAGENT_PEER (default
# ~/.edgeagent/peer, outside git), makes a ~300 s test file with ~30 % speech (espeak-ng + sox, cached there), then
# runs, alternately, RUNS times (default 5): `edgectl analyze` gated and `--ungated` (Silero v5 + mel + embedding +
# 6 heads) and the peer without and with its VAD (the peer's VAD needs the legacy h/c interface: Silero v4 from our
# store). Prints the medians of whole-process wall time, CPU time (user + sys), in-process processing time and peak
# RSS (/usr/bin/time), and the ratios. Usage: tools/peer-bench.sh [RUNS] [SECONDS]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
store=${EDGEAGENT_MODELS:-$HOME/.edgeagent/models}
peer=${EDGEAGENT_PEER:-$HOME/.edgeagent/peer}
runs=${1:-5}
seconds=${2:-300}
PEER_PKG="openwakeword-js@0.1.27"
ORT_PKG="onnxruntime-node@1.30.0"
TSC_PKG="typescript@5.9.3"

for tool in node npm espeak-ng sox soxi jq /usr/bin/time dotnet; do
    command -v "$tool" >/dev/null || { echo "peer-bench: $tool is missing (tools/install-deps.sh)" >&2; exit 1; }
done
for m in silero_vad/v4 silero_vad/v5 melspectrogram/0.1.1 embedding/0.1.1 alexa/0.1 hey_jarvis/0.1 hey_mycroft/0.1 hey_rhasspy/0.1 timer/0.1 weather/0.1; do
    [[ -f "$store/$m/model.onnx" ]] || { echo "peer-bench: $store/$m/model.onnx is missing: run tools/fetch-models.sh" >&2; exit 1; }
done

# 1. The peer, once: its TypeScript source, onnxruntime-web swapped for onnxruntime-node, one thread per session.
stamp="$peer/.installed-$PEER_PKG-$ORT_PKG"
if [[ ! -f "$stamp" || ! -f "$peer/dist/index.js" ]]; then
    echo "peer-bench: installing $PEER_PKG against $ORT_PKG into $peer"
    rm -rf "$peer/src" "$peer/dist" "$peer/node_modules" "$peer"/.installed-*
    mkdir -p "$peer/pack"
    (cd "$peer/pack" && rm -f ./*.tgz && npm pack --silent "$PEER_PKG" >/dev/null) \
        || { echo "peer-bench: npm did not provide $PEER_PKG" >&2; exit 1; }
    tar -xzf "$peer/pack/"openwakeword-js-*.tgz -C "$peer/pack"
    [[ -f "$peer/pack/package/src/index.ts" ]] || { echo "peer-bench: $PEER_PKG has no src/index.ts" >&2; exit 1; }
    echo '{"name":"edgeagent-peer","private":true,"type":"module"}' >"$peer/package.json"
    # No install scripts: onnxruntime-node's postinstall only fetches GPU providers; the CPU binaries are in the package.
    (cd "$peer" && npm install --silent --no-save --ignore-scripts "$ORT_PKG" "$TSC_PKG" >/dev/null) \
        || { echo "peer-bench: npm did not provide $ORT_PKG or $TSC_PKG" >&2; exit 1; }
    mkdir -p "$peer/src"
    sed -e "s#from 'onnxruntime-web'#from 'onnxruntime-node'#" \
        -e 's#ort\.InferenceSession\.create(\([^)]*\))#ort.InferenceSession.create(\1, PEER_SESSION_OPTIONS)#' \
        "$peer/pack/package/src/index.ts" >"$peer/src/index.ts"
    sed -i "1a\\
\\
// Added by tools/peer-bench.sh: one intra-op and one inter-op thread per session, like ours.\\
const PEER_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };" "$peer/src/index.ts"
    [[ $(grep -c 'PEER_SESSION_OPTIONS)' "$peer/src/index.ts") -eq 4 ]] \
        || { echo "peer-bench: $PEER_PKG's source changed: expected 4 InferenceSession.create calls" >&2; exit 1; }
    cat >"$peer/tsconfig.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "outDir": "dist",
  "rootDir": "src", "strict": true, "skipLibCheck": true }, "include": ["src"] }
JSON
    (cd "$peer" && ./node_modules/.bin/tsc -p .)
    touch "$stamp"
fi

# The same model files as ours, under the names the peer derives its keyword names from.
mkdir -p "$peer/models/heads"
ln -sfn "$store/melspectrogram/0.1.1/model.onnx" "$peer/models/melspectrogram.onnx"
ln -sfn "$store/embedding/0.1.1/model.onnx" "$peer/models/embedding_model.onnx"
ln -sfn "$store/silero_vad/v4/model.onnx" "$peer/models/silero_vad_legacy.onnx"
for h in alexa hey_jarvis hey_mycroft hey_rhasspy timer weather; do
    ln -sfn "$store/$h/0.1/model.onnx" "$peer/models/heads/${h}_v0.1.onnx"
done

# 2. The test file: espeak-ng phrases (keywords among ordinary sentences) and 7/3 of their length in quiet pink noise.
audio="$peer/bench-${seconds}s.wav"
if [[ ! -f "$audio" ]]; then
    echo "peer-bench: making $audio"
    work=$(mktemp -d)
    phrases=("hey jarvis" "the meeting starts at nine tomorrow" "alexa" "please open the front door"
        "what's the weather like" "turn left at the next corner" "set a timer for five minutes"
        "my favourite colour is green" "hey my croft" "the train leaves from platform four" "hey rhasspy"
        "could you bring me a glass of water")
    voices=(en-us en-gb-x-rp en-us+f3 en-gb)
    parts=()
    total=0
    i=0
    while awk -v t="$total" -v s="$seconds" 'BEGIN { exit !(t < s) }'; do
        p=${phrases[$((i % ${#phrases[@]}))]}
        v=${voices[$(((i / ${#phrases[@]}) % ${#voices[@]}))]}
        espeak-ng -v "$v" -s $((130 + (i % 3) * 15)) -w "$work/r$i.wav" "$p"
        sox "$work/r$i.wav" -r 16000 -c 1 -b 16 "$work/s$i.wav"
        d=$(soxi -D "$work/s$i.wav")
        gap=$(awk -v d="$d" 'BEGIN { printf "%.3f", d * 7 / 3 }')
        sox -R -n -r 16000 -c 1 -b 16 "$work/g$i.wav" synth "$gap" pinknoise vol 0.003
        parts+=("$work/g$i.wav" "$work/s$i.wav")
        total=$(awk -v t="$total" -v d="$d" -v g="$gap" 'BEGIN { print t + d + g }')
        i=$((i + 1))
    done
    sox -R "${parts[@]}" "$audio.tmp.wav" trim 0 "$seconds"
    mv "$audio.tmp.wav" "$audio"
    rm -rf "$work"
fi

# 3. Ours, built once (Release, linux-x64).
edgectl="$repo/tools/EdgeCtl/bin/Release/net10.0/linux-x64/edgectl.dll"
if ! build_log=$(dotnet build "$repo/tools/EdgeCtl" -c Release --nologo -v quiet 2>&1); then
    echo "$build_log" >&2
    echo "peer-bench: building edgectl failed" >&2
    exit 1
fi

results=$(mktemp)
trap 'rm -f "$results" "$results".*' EXIT
measure() { # who command...
    local who=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$results.time" "$@" >"$results.out" 2>"$results.err" \
        || { cat "$results.err" >&2; echo "peer-bench: $who failed" >&2; exit 1; }
    read -r wall user sys rss <"$results.time"
    local json
    if [[ $who == ours-* ]]; then
        json=$(jq -c '{audioSec: .timing.audioSec, processSec: .timing.processSec, detections: (.detections | length)}' "$results.out")
    else
        json=$(tail -n 1 "$results.out" | jq -c '{audioSec, processSec, detections: (.detections | length)}')
    fi
    jq -c --arg who "$who" --argjson wall "$wall" --argjson cpu "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        --argjson rss "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
        '. + {who: $who, wallSec: $wall, cpuSec: $cpu, maxRssMiB: $rss}' <<<"$json" >>"$results"
    jq -r '"  \(.who): wall \(.wallSec) s, cpu \(.cpuSec) s, processing \(.processSec) s, peak RSS \(.maxRssMiB | floor) MiB, \(.detections) detections"' <<<"$(tail -n 1 "$results")"
}

echo "peer-bench: $runs rounds over $audio ($(soxi -D "$audio") s), whole processes alternated"
for ((r = 1; r <= runs; r++)); do
    echo "round $r"
    order=(ours-gated peer-no-vad ours-ungated peer-vad)
    ((r % 2 == 0)) && order=(peer-vad ours-ungated peer-no-vad ours-gated)
    for who in "${order[@]}"; do
        case $who in
            ours-gated) measure "$who" dotnet "$edgectl" analyze "$audio" --models "$store" --json ;;
            ours-ungated) measure "$who" dotnet "$edgectl" analyze "$audio" --models "$store" --json --ungated ;;
            peer-no-vad) measure "$who" node "$repo/tools/peer/driver.mjs" "$peer" "$audio" "$peer/models" ;;
            peer-vad) measure "$who" node "$repo/tools/peer/driver.mjs" "$peer" "$audio" "$peer/models" --vad ;;
        esac
    done
done
echo
node "$repo/tools/peer/summarize.mjs" "$results"
