// Reads the JSON lines tools/peer-bench.sh collected (one per run: {who, wallSec, cpuSec, processSec, maxRssMiB, ...})
// and prints the medians per configuration and the ratios the README quotes.
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
const median = xs => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const who = ['ours-gated', 'ours-ungated', 'peer-no-vad', 'peer-vad'];
const med = {};
console.log('configuration  runs  wall s  cpu s  process s  process RTF  peak RSS MiB  detections');
for (const w of who) {
    const r = rows.filter(x => x.who === w);
    if (r.length === 0) continue;
    const audioSec = r[0].audioSec;
    med[w] = {
        wall: median(r.map(x => x.wallSec)), cpu: median(r.map(x => x.cpuSec)),
        process: median(r.map(x => x.processSec)), rss: median(r.map(x => x.maxRssMiB)),
        rssMax: Math.max(...r.map(x => x.maxRssMiB)), detections: r[0].detections, audioSec,
    };
    const m = med[w];
    console.log(`${w.padEnd(13)}  ${String(r.length).padStart(4)}  ${m.wall.toFixed(2).padStart(6)}  ${m.cpu.toFixed(2).padStart(5)}  ${m.process.toFixed(2).padStart(9)}  ${(m.process / audioSec).toFixed(4).padStart(11)}  ${(m.rss.toFixed(0) + ' (max ' + m.rssMax.toFixed(0) + ')').padStart(12)}  ${m.detections}`);
}
const ratio = (peer, ours, what) => {
    if (!med[peer] || !med[ours]) return;
    const f = k => (med[peer][k] / med[ours][k]).toFixed(2);
    console.log(`${ours} vs ${peer}: ${what}; peer/ours: wall ${f('wall')}x, cpu ${f('cpu')}x, processing ${f('process')}x`);
};
console.log('');
ratio('peer-vad', 'ours-ungated', 'equal work (target >= 1.5x by wall)');
ratio('peer-no-vad', 'ours-gated', 'gated against the peer without VAD (target >= 2x)');
