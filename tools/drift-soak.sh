#!/usr/bin/env bash
# Drift soak: long streams of varied clean speech (tools/drift-soak-audio.sh: many espeak-ng voices, speeds and
# pitches, ±6 dB loudness, door slams and coughs, long silences, a gently wandering room tone) through the agent's drift
# watch with 60 s windows (edgectl watch: the agent's DriftMonitor on the real speech pipeline, on the stream's clock,
# faster than real time), against the fleet reference and against each device's learned baseline; then every
# device's windows merged into cohorts (edgectl cohort: the cloud's exact merge and drift tests). Counts the alarms of
# every family, false alarms per device-hour and projected per device-month (30 days). Every alarm here is false.
#   DEVICES (4) MINUTES (30) per device; SOAK_DIR (~/.edgeagent/soak) caches the audio
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
devices=${DEVICES:-4}
minutes=${MINUTES:-30}
dir=${SOAK_DIR:-$HOME/.edgeagent/soak}
mkdir -p "$dir/audio"
run="$dir/run-$devices-$minutes"
rm -rf "$run"
mkdir -p "$run"

command -v espeak-ng >/dev/null && command -v sox >/dev/null || tools/install-deps.sh
[[ -n ${SOAK_NO_BUILD:-} ]] || dotnet build tools/EdgeCtl -c Release --nologo -v quiet >/dev/null
edgectl() { dotnet "${EDGECTL_DLL:-$repo/tools/EdgeCtl/bin/Release/net10.0/linux-x64/edgectl.dll}" "$@"; }

# The fleet reference: ten minutes from the same population of voices (another draw: other voices, sentences, levels).
ref_audio="$dir/audio/reference-10m.wav"
[[ -f $ref_audio ]] || tools/drift-soak-audio.sh "$ref_audio" 10 1000 >/dev/null
edgectl profile build "$ref_audio" -o "$run/reference.json" --description "soak reference" >/dev/null

start=$(date +%s)
for d in $(seq 1 "$devices"); do
    audio="$dir/audio/device-$d-${minutes}m.wav"
    [[ -f $audio ]] || tools/drift-soak-audio.sh "$audio" "$minutes" "$d" >/dev/null
    edgectl watch "$audio" --reference "$run/reference.json" --window 60 --windows-out "$run/device-$d" --json >"$run/device-$d.reference.json" &
    edgectl watch "$audio" --window 60 --json >"$run/device-$d.baseline.json" &
done
wait
half=$(((devices + 1) / 2))
cohort_dirs=()
for d in $(seq 1 "$devices"); do cohort_dirs+=("$run/device-$d"); done
edgectl cohort "${cohort_dirs[@]}" --reference "$run/reference.json" >"$run/cohort-all.json" 2>/dev/null
edgectl cohort "${cohort_dirs[@]:0:$half}" --reference "$run/reference.json" >"$run/cohort-first.json" 2>/dev/null
edgectl cohort "${cohort_dirs[@]:$half}" --reference "$run/reference.json" >"$run/cohort-second.json" 2>/dev/null
elapsed=$(($(date +%s) - start))

node - "$run" "$devices" "$elapsed" <<'JS'
const fs = require("fs");
const [run, devices, elapsed] = process.argv.slice(2);
const families = ["level", "noise", "bandwidth", "clipping", "dc-offset", "hum", "dead-input", "prediction"];
let hours = 0, alarms = 0, audioSeconds = 0;
const totals = Object.fromEntries(families.map(f => [f, 0]));
console.log("device    against                  windows  speech   alarms raised (by family)          trends (info/warning)");
for (let d = 1; d <= Number(devices); d++) {
  for (const mode of ["reference", "baseline"]) {
    const r = JSON.parse(fs.readFileSync(`${run}/device-${d}.${mode}.json`, "utf8"));
    const raised = Object.entries(r.alarmsRaised).filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`).join(", ") || "none";
    const warn = r.trends.filter(t => t.crossesThreshold).length;
    console.log(`device-${d}  ${r.comparedWith.padEnd(30)} ${String(r.windows).padStart(4)}  ${(r.speechSeconds / 60).toFixed(1).padStart(5)} min  ${raised.padEnd(32)} ${r.trends.length - warn}/${warn}`);
    for (const [f, n] of Object.entries(r.alarmsRaised)) { totals[f] += n; alarms += n; }
    hours += r.durationSeconds / 3600;
    if (mode === "reference") audioSeconds += r.durationSeconds;
  }
}
let cohortAlarms = 0;
for (const c of ["all", "first", "second"]) {
  const r = JSON.parse(fs.readFileSync(`${run}/cohort-${c}.json`, "utf8"));
  cohortAlarms += r.alarms.length;
  const worst = r.features.filter(f => f.wasserstein != null && f.verdict !== "insufficient-data");
  console.log(`cohort ${c.padEnd(7)} ${r.verdict.padEnd(18)} ${(r.speechSeconds / 60).toFixed(1)} min of speech  alarms: ${r.alarms.map(a => `${a.family}:${a.feature}`).join(", ") || "none"}`);
}
console.log(`families: ${families.map(f => `${f} ${totals[f]}`).join(", ")}`);
console.log(`device alarms: ${alarms} over ${hours.toFixed(2)} device-hours (two watches per device) = ${(alarms / hours).toFixed(3)} per device-hour, ${(alarms / hours * 720).toFixed(1)} per device-month projected; cohort alarms: ${cohortAlarms}`);
console.log(`${(audioSeconds / 60).toFixed(0)} min of audio per watch mode in ${elapsed} s (${(2 * audioSeconds / Math.max(1, elapsed)).toFixed(1)}x real time for both watches)`);
process.exitCode = alarms + cohortAlarms === 0 ? 0 : 1;
JS
