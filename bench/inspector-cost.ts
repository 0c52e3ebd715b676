import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { collectGarbage } from './worker-process.js';

// Does the bench's full collection through the inspector (collectGarbage, before "ready" is
// read) slow the process afterwards? Two idle children parse a 3,000-pod list 60 times per batch,
// three batches; then one of them is collected through its inspector and both run again.
//   node scripts/node.mjs npx tsx bench/inspector-cost.ts [pairs=3]
// Prints per pair the batch times (ms) of the control and the collected child, before and after.

function child(): void {
  const pods = Array.from({ length: 3000 }, (_, i) => ({
    metadata: { name: `p-${i}`, namespace: 'bench-drain', uid: `${i}-uid`, labels: { app: `a${i % 30}` }, managedFields: [{ manager: 'kube', fieldsV1: { 'f:spec': { 'f:containers': {} } } }] },
    spec: { nodeName: `n-${i % 100}`, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  const text = JSON.stringify({ items: pods });
  const batch = () => {
    const t = performance.now();
    for (let i = 0; i < 60; i++) JSON.stringify((JSON.parse(text) as { items: unknown[] }).items.slice(0, 500));
    return Math.round(performance.now() - t);
  };
  process.on('message', () => process.send?.([batch(), batch(), batch()]));
  process.send?.('ready');
  setInterval(() => undefined, 1000);
}

async function start(): Promise<ChildProcess> {
  const c = fork(fileURLToPath(import.meta.url), ['child'], { execArgv: process.execArgv });
  await once(c, 'message');
  return c;
}

async function run(c: ChildProcess): Promise<number[]> {
  c.send('go');
  const [times] = await once(c, 'message') as [number[]];
  return times;
}

if (process.argv[2] === 'child') child();
else {
  for (let pair = 0; pair < Number(process.argv[2] ?? 3); pair++) {
    const [control, collected] = [await start(), await start()];
    const before = { control: await run(control), collected: await run(collected) };
    await collectGarbage(collected.pid as number);
    const after = { control: await run(control), collected: await run(collected) };
    process.stdout.write(`${JSON.stringify({ pair: pair + 1, before, after })}\n`);
    control.kill();
    collected.kill();
  }
  process.exit(0);
}
