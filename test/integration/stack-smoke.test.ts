import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pingWorkflow } from './fixtures/ping-workflow.js';
import { createNamespace, deleteNamespace, eventually, kubeFor, readyPodZones, spreadDeployment, uniqueName } from '../support/kube.js';

const stack = inject('stack');

describe('the local stack', () => {
  it('serves the control tower beside the stack, at the URL dev status gives', async () => {
    expect(stack.towerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${stack.towerUrl}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('firedrill');
  });

  it('runs a workflow on the real Temporal dev server through a real worker', async () => {
    const taskQueue = uniqueName('smoke');
    const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/ping-workflow.ts', import.meta.url)),
      activities: { hostname: async () => os.hostname() },
    });
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const client = new Client({ connection });
      const result = await worker.runUntil(client.workflow.execute(pingWorkflow, {
        taskQueue, workflowId: uniqueName('ping'), args: ['smoke'],
      }));
      expect(result).toBe(`pong smoke from ${os.hostname()}`);
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });

  describe('Kubernetes scheduling and eviction', () => {
    const kc = kubeFor(stack);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const ns = uniqueName('smoke');
    const cordoned: string[] = [];

    beforeAll(async () => {
      await createNamespace(kc, ns);
    });
    afterAll(async () => {
      for (const name of cordoned) {
        await core.patchNode({ name, body: { spec: { unschedulable: null } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      }
      await deleteNamespace(kc, ns);
    });

    it('spreads 6 replicas over three zones, then reschedules a lost zone elsewhere', async () => {
      const nodes = (await core.listNode({ labelSelector: 'firedrill.dev/dev-node=true' })).items;
      expect(new Set(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']))).toEqual(new Set(['zone-a', 'zone-b', 'zone-c']));
      const dep = spreadDeployment(ns, 'web', 6);
      dep.spec!.template.spec!.topologySpreadConstraints![0]!.whenUnsatisfiable = 'ScheduleAnyway';
      await apps.createNamespacedDeployment({ namespace: ns, body: dep });

      const spread = await eventually('6 ready replicas', async () => {
        const pods = await readyPodZones(kc, ns, 'web');
        return pods.length === 6 ? pods : undefined;
      });
      expect(new Set(spread.map((p) => p.zone))).toEqual(new Set(['zone-a', 'zone-b', 'zone-c']));

      // Take zone-a away: cordon its nodes and evict our pods there through the Eviction API.
      const zoneA = nodes.filter((n) => n.metadata?.labels?.['topology.kubernetes.io/zone'] === 'zone-a').map((n) => n.metadata!.name!);
      for (const name of zoneA) {
        await core.patchNode({ name, body: { spec: { unschedulable: true } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
        cordoned.push(name);
      }
      const victims = spread.filter((p) => p.zone === 'zone-a');
      expect(victims.length).toBeGreaterThan(0);
      for (const v of victims) {
        await core.createNamespacedPodEviction({ name: v.pod, namespace: ns, body: { metadata: { name: v.pod, namespace: ns } } });
      }

      const after = await eventually('6 ready replicas outside zone-a', async () => {
        const pods = await readyPodZones(kc, ns, 'web');
        return pods.length === 6 && pods.every((p) => p.zone !== 'zone-a') ? pods : undefined;
      });
      expect(new Set(after.map((p) => p.zone))).toEqual(new Set(['zone-b', 'zone-c']));
      expect(after.map((p) => p.pod)).not.toContain(victims[0]!.pod);
    });
  });
});
