#!/usr/bin/env bash
# The main job on embedded defaults: installs what is missing, fetches the models, synthesises a short spoken
# sample (keywords and ordinary sentences) and runs the agent on it in real time, logging detections as they
# happen. `tools/demo.sh --mic` listens to the default ALSA microphone instead (Ctrl+C to stop).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

tools/install-deps.sh
tools/fetch-models.sh

source="alsa:default"
if [[ "${1:-}" != "--mic" ]]; then
    demo=${EDGEAGENT_DEMO_DIR:-$HOME/.edgeagent/demo}
    mkdir -p "$demo"
    sample="$demo/sample.wav"
    if [[ ! -f "$sample" ]]; then
        parts=()
        i=0
        say() { # voice text
            local f="$demo/part-$i.wav"
            espeak-ng -v "$1" -s 140 -w "$f.raw.wav" "$2"
            sox "$f.raw.wav" -r 16000 -c 1 -b 16 "$f" pad 0.8 1.2
            rm -f "$f.raw.wav"
            parts+=("$f")
            i=$((i + 1))
        }
        say en-us "hey jarvis"
        say en-gb-x-rp "good morning, the delivery is at the front gate"
        say en-gb+f2 "alexa"
        say en-us "what's the weather like"
        say en-gb+m3 "please open the door"
        say en-us "set a timer for five minutes"
        say en-gb-x-rp "hey my croft"
        sox "${parts[@]}" "$sample"
        rm -f "${parts[@]}"
    fi
    source="wav:$sample?realtime=true"
    echo "demo: playing $sample through the agent in real time ($(soxi -D "$sample" | cut -c1-4) s)"
fi

dotnet build agent/EdgeAgent.Service -c Release --nologo -v quiet >/dev/null
exec dotnet agent/EdgeAgent.Service/bin/Release/net10.0/linux-x64/edge-agent.dll \
    --EdgeAgent:Source="$source" --EdgeAgent:HealthIntervalSeconds=10 "${@:2}"
