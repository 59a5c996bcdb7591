#!/usr/bin/env bash
# Installs the Debian packages the agent, the demo and the tests use, if any is missing:
# espeak-ng and sox (test speech), alsa-utils (recordings, arecord) and libasound2 (ALSA capture), jq and time
# (tools/peer-bench.sh);
# with --servers (the test command) also PostgreSQL and Mosquitto, which the tests start on loopback ports, and
# Chromium, the real browser the console's tests drive (Playwright uses /usr/bin/chromium and never downloads one).
set -euo pipefail

packages=(espeak-ng sox alsa-utils libasound2 jq time)
[[ "${1:-}" == "--servers" ]] && packages+=(postgresql mosquitto mosquitto-clients chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
