import fs from 'node:fs/promises';
import { openInspector } from './inspector.js';

// What a running worker holds live: takes a heap snapshot of process <pid> through its inspector
// (V8 collects garbage first) and sums the objects' own sizes by kind: constructor name, and for
// plain objects their first property names (a pod, a mark and an event spell theirs alike).
//   node scripts/node.mjs node --import tsx bench/heap-live.ts <pid> [out.json]
// Two snapshots, one of a ready worker and one mid-drill, say what the drill keeps alive.

const [pidArg, out] = process.argv.slice(2);
const pid = Number(pidArg);
if (!pid) {
  process.stderr.write('usage: bench/heap-live.ts <pid> [out.json]\n');
  process.exit(2);
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const { send, on, usage, close } = await openInspector(pid);
const before = await usage();
const chunks: string[] = [];
on('HeapProfiler.addHeapSnapshotChunk', (p) => chunks.push((p as { chunk: string }).chunk));
await send('HeapProfiler.enable');
await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
const after = await usage();
await send('HeapProfiler.disable');
await close();

const snap = JSON.parse(chunks.join('')) as Snapshot;
const { node_fields: nf, node_types: [types], edge_fields: ef, edge_types: [edgeTypes] } = snap.snapshot.meta;
const N = nf.length;
const E = ef.length;
const at = { type: nf.indexOf('type'), name: nf.indexOf('name'), size: nf.indexOf('self_size'), edges: nf.indexOf('edge_count') };
const edgeAt = { type: ef.indexOf('type'), name: ef.indexOf('name_or_index') };
const byKind = new Map<string, { bytes: number; count: number }>();
let edge = 0;
let total = 0;
for (let i = 0; i < snap.nodes.length; i += N) {
  const type = types[snap.nodes[i + at.type] ?? 0] ?? '?';
  const name = snap.strings[snap.nodes[i + at.name] ?? 0] ?? '';
  const size = snap.nodes[i + at.size] ?? 0;
  const edgeCount = snap.nodes[i + at.edges] ?? 0;
  let kind = type === 'object' ? name : type;
  if (type === 'object' && name === 'Object') {
    const props: string[] = [];
    for (let e = edge; e < edge + edgeCount * E && props.length < 4; e += E) {
      if (edgeTypes[snap.edges[e + edgeAt.type] ?? 0] !== 'property') continue;
      const prop = snap.strings[snap.edges[e + edgeAt.name] ?? 0] ?? '';
      if (prop !== '__proto__') props.push(prop);
    }
    kind = `{${props.join(',')}}`;
  }
  edge += edgeCount * E;
  total += size;
  const k = byKind.get(kind) ?? { bytes: 0, count: 0 };
  k.bytes += size;
  k.count++;
  byKind.set(kind, k);
}
const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
const top = [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40).map(([kind, k]) => ({ kind, mb: mb(k.bytes), count: k.count }));
const result = { pid, at: new Date().toISOString(), liveMb: mb(total), usageBefore: before, usageAfter: after, top };
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (out) await fs.writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
