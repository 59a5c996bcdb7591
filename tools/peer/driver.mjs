// Feeds a 16 kHz mono 16-bit WAV file through the Node peer (openwakeword-js 0.1.27 compiled against
// onnxruntime-node, see tools/peer-bench.sh) in 80 ms chunks, as a stream, and prints one JSON line:
// load and processing wall time, process CPU time, peak RSS and the detections (score >= 0.5, rising edges).
// Usage: node driver.mjs <peer-dir> <audio.wav> <models-dir> [--vad]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const [peerDir, wavPath, modelsDir, ...flags] = process.argv.slice(2);
if (!peerDir || !wavPath || !modelsDir) {
    console.error('usage: node driver.mjs <peer-dir> <audio.wav> <models-dir> [--vad]');
    process.exit(2);
}
const withVad = flags.includes('--vad');

function readWav(path) {
    const buf = readFileSync(path);
    if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
        throw new Error(`${path}: not a RIFF/WAVE file`);
    }
    let offset = 12;
    let format = null;
    while (offset + 8 <= buf.length) {
        const id = buf.toString('ascii', offset, offset + 4);
        const size = buf.readUInt32LE(offset + 4);
        const body = offset + 8;
        if (id === 'fmt ') {
            format = { tag: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
        } else if (id === 'data') {
            if (!format || format.tag !== 1 || format.channels !== 1 || format.rate !== 16000 || format.bits !== 16) {
                throw new Error(`${path}: needs 16 kHz mono 16-bit PCM, got ${JSON.stringify(format)}`);
            }
            const bytes = buf.subarray(body, body + Math.min(size, buf.length - body));
            return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)));
        }
        offset = body + size + (size & 1);
    }
    throw new Error(`${path}: no data chunk`);
}

const audio = readWav(wavPath);
const heads = readdirSync(join(modelsDir, 'heads')).filter(f => f.endsWith('.onnx')).sort().map(f => join(modelsDir, 'heads', f));
const { Model } = await import(pathToFileURL(join(peerDir, 'dist', 'index.js')).href);

// The peer logs while it loads; keep stdout for the one result line.
const log = console.log;
console.log = (...args) => console.error(...args);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const model = new Model({
    wakewordModels: heads,
    melspectrogramModelPath: join(modelsDir, 'melspectrogram.onnx'),
    embeddingModelPath: join(modelsDir, 'embedding_model.onnx'),
    vadModelPath: withVad ? join(modelsDir, 'silero_vad_legacy.onnx') : undefined,
    vadThreshold: withVad ? 0.5 : 0,
    inferenceFramework: 'onnx',
});
await model.init();
const t1 = performance.now();
const cpu1 = process.cpuUsage();

const chunk = 1280;
const detections = [];
const above = new Map();
for (let i = 0; i + chunk <= audio.length; i += chunk) {
    const scores = await model.predict(audio.subarray(i, i + chunk));
    for (const [name, score] of Object.entries(scores)) {
        const on = score >= 0.5;
        if (on && !above.get(name)) {
            detections.push({ keyword: name, timeSec: +((i + chunk) / 16000).toFixed(2), score: +score.toFixed(3) });
        }
        above.set(name, on);
    }
}
const t2 = performance.now();
const cpu2 = process.cpuUsage();
const cpuSec = (a, b) => (b.user - a.user + b.system - a.system) / 1e6;
const audioSec = audio.length / 16000;

console.log = log;
console.log(JSON.stringify({
    peer: 'openwakeword-js@0.1.27',
    vad: withVad,
    heads: heads.length,
    audioSec,
    loadSec: +((t1 - t0) / 1000).toFixed(3),
    loadCpuSec: +cpuSec(cpu0, cpu1).toFixed(3),
    processSec: +((t2 - t1) / 1000).toFixed(3),
    processCpuSec: +cpuSec(cpu1, cpu2).toFixed(3),
    rtf: +((t2 - t1) / 1000 / audioSec).toFixed(5),
    maxRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    detections,
}));
