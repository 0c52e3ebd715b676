import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
// The client's own deserializer, the step its list calls run after JSON.parse.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { toPod } from '../activities/census/convert.js';
import { ListItemSplitter } from '../activities/kube/list-items.js';
import type { PodInfo } from '../activities/census/model.js';
import { projectRoot } from '../devstack/paths.js';
import { deploymentNodeOptions } from './deployment-options.js';
import { procMemory } from './worker-process.js';

// What the census's pod pages cost a worker's memory, by how a page is parsed: as the kube
// client's list call does (JSON.parse, then ObjectSerializer into its V1Pod objects, then the
// census's model), with JSON.parse alone into the same model, or item by item as the census
// now reads them (activities/kube/list-items.ts). This is the step the drain's
// memory peak was traced to (BENCHMARKS.md, "what a drain holds live"). Each mode runs in a
// child process with the deployment's NODE_OPTIONS, over pages of copies of one real pod
// (its name and uid made unique), parsed one page after another as the census's paged list does.
// The pages' text is made before the window (as if received): the figures are the parse's alone.
//   [CENSUS_PARSE_PAGE=500] node scripts/node.mjs npx tsx bench/census-parse.ts <pod.json> [pods=3300]
// (<pod.json>: `kubectl get pod <a pod of the drain bench's workload> -o json --show-managed-fields`;
// the one measured is bench/results/census-parse.pod.json.)
// Writes bench/results/census-parse[.page<N>].json.

const exec = promisify(execFile);
// The census's page size (activities/census/snapshot.ts), unless CENSUS_PARSE_PAGE says otherwise.
const PAGE = Number(process.env.CENSUS_PARSE_PAGE ?? 500);
const MODES = ['client', 'json', 'items'] as const;
type Mode = (typeof MODES)[number];

interface ModeResult {
  mode: Mode;
  pods: number;
  ms: number;
  readyRssMb: number;
  hwmOverReadyMb: number;
  heapTotalOverReadyMb: number;
  /** Heap the census's model of the pods holds once the garbage is collected. */
  modelHeldMb: number;
  /** The model's own answer, to show both modes read the same. */
  sample: PodInfo;
}

function pageText(pod: Record<string, unknown>, from: number, count: number): string {
  const meta = pod.metadata as Record<string, unknown>;
  const items = Array.from({ length: count }, (_, i) => ({
    ...pod, metadata: { ...meta, name: `${String(meta.name)}-${from + i}`, uid: `00000000-0000-0000-0000-${String(from + i).padStart(12, '0')}` },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items });
}

async function child(file: string, mode: Mode, pods: number): Promise<ModeResult> {
  const pod = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  // The pages' text as the API server sends it, made before the window: only parsing is measured.
  const pages: string[] = [];
  for (let from = 0; from < pods; from += PAGE) pages.push(pageText(pod, from, Math.min(PAGE, pods - from)));
  // The census reads its pages as the body's bytes arrive (activities/kube/item-pages.ts): here, 64 KB at a time.
  const bodies = mode === 'items' ? pages.splice(0).map((text) => Buffer.from(text, 'utf8')) : [];
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const ready = await procMemory(process.pid);
  const { heapTotal: heap0, heapUsed: used0 } = process.memoryUsage();
  // VmHWM from here on (writing 5 to clear_refs resets it).
  await fs.writeFile(`/proc/${process.pid}/clear_refs`, '5');
  let maxHeapTotal = heap0;
  const kept: PodInfo[] = [];
  const t = performance.now();
  for (const body of bodies) {
    // What the census does now (activities/kube/list-items.ts): one pod's objects at a time.
    const splitter = new ListItemSplitter((p) => kept.push(toPod(p as V1Pod)));
    for (let at = 0; at < body.length; at += 65_536) splitter.write(body.subarray(at, at + 65_536));
    splitter.end();
    maxHeapTotal = Math.max(maxHeapTotal, process.memoryUsage().heapTotal);
  }
  for (const text of pages) {
    const raw = JSON.parse(text) as { items: unknown[] };
    const items = mode === 'client' ? (ObjectSerializer.deserialize(raw, 'V1PodList', '') as { items: V1Pod[] }).items : (raw.items as V1Pod[]);
    for (const p of items) kept.push(toPod(p));
    maxHeapTotal = Math.max(maxHeapTotal, process.memoryUsage().heapTotal);
  }
  const ms = Math.round(performance.now() - t);
  const after = await procMemory(process.pid);
  gc?.();
  const held = process.memoryUsage().heapUsed - used0;
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return {
    mode, pods: kept.length, ms, readyRssMb: ready.rssMb,
    hwmOverReadyMb: Math.round((after.hwmMb - ready.rssMb) * 10) / 10,
    heapTotalOverReadyMb: mb(maxHeapTotal - heap0),
    modelHeldMb: mb(held),
    sample: kept[kept.length - 1] as PodInfo,
  };
}

async function main(): Promise<void> {
  const [file, podsArg, mode] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/census-parse.ts <pod.json> [pods=3300]');
  const pods = Number(podsArg ?? 3300);
  if (mode) {
    process.stdout.write(JSON.stringify(await child(file, mode as Mode, pods)));
    return;
  }
  const nodeOptions = `${deploymentNodeOptions()} --expose-gc`;
  const runs: ModeResult[] = [];
  // Alternating, three of each: a child's figures vary by a few MB with where V8 collects.
  for (let round = 0; round < 3; round++) {
    for (const m of MODES) {
      const { stdout } = await exec(process.execPath, [...process.execArgv, process.argv[1] as string, file, String(pods), m], {
        env: { ...process.env, NODE_OPTIONS: nodeOptions }, maxBuffer: 1 << 20,
      });
      const r = JSON.parse(stdout) as ModeResult;
      runs.push(r);
      process.stderr.write(`${m}: ${r.pods} pods in ${r.ms} ms, VmHWM +${r.hwmOverReadyMb} MB over ready ${r.readyRssMb} MB, heap committed +${r.heapTotalOverReadyMb} MB, model held ${r.modelHeldMb} MB\n`);
    }
  }
  const podBytes = (await fs.readFile(file, 'utf8')).length;
  const out = {
    command: `${PAGE === 500 ? '' : `CENSUS_PARSE_PAGE=${PAGE} `}node scripts/node.mjs npx tsx bench/census-parse.ts bench/results/census-parse.pod.json ${pods}`,
    startedAt: new Date().toISOString(), nodeOptions, podJsonBytes: podBytes, page: PAGE, runs,
    sameModel: new Set(runs.slice(0, MODES.length).map((r) => JSON.stringify(r.sample))).size === 1,
  };
  await fs.writeFile(path.join(projectRoot, 'bench', 'results', `census-parse${PAGE === 500 ? '' : `.page${PAGE}`}.json`), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
