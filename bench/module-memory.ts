// The worker's memory floor: RSS after each of the modules a `firedrill worker` loads, before
// any connection, as the worker loads them (tsx registered first):
//   node scripts/node.mjs node --import tsx bench/module-memory.ts
const mb = () => Math.round(process.memoryUsage().rss / 1048576);
const steps: Array<[string, number]> = [['node + tsx', mb()]];
for (const [name, load] of [
  ['@temporalio/worker', () => import('@temporalio/worker')],
  ['@kubernetes/client-node', () => import('@kubernetes/client-node')],
  ['worker/worker.ts (the rest of the worker)', () => import('../worker/worker.js')],
] as const) {
  await load();
  steps.push([name, mb()]);
}
for (const [i, [name, rss]] of steps.entries()) {
  process.stdout.write(`${name}: ${rss} MB RSS${i ? ` (+${rss - (steps[i - 1]?.[1] ?? 0)})` : ''}\n`);
}
