import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS_ANNOTATION, DIGEST_ANNOTATION, RUN_ANNOTATION, FIELD_MANAGER, KEEP_CORDONED_ANNOTATION, markAnnotations, OWNER_ANNOTATION, PRIOR_ANNOTATION, readMark,
  RESTORE_BY_ANNOTATION, RUN_LABEL, TAINT_KEY, WORKFLOW_ANNOTATION, type MarkFields,
} from '../../../activities/faults/marks.js';
import { applyToNode, othersChanges, restoreNode } from '../../../activities/faults/nodes.js';
import type { RetryCounter } from '../../../activities/kube/retry.js';
import { decide, ownsRun } from '../../../workflows/janitor-rules.js';

// Marks: what they carry, how an edited, partial or legacy mark reads, and what restore does
// with a node given its mark, the workflow's own record and what others changed meanwhile.

const RUN = '0192f3a4-5b6c-7d8e-9f00-112233445566';
const OWNER = { namespace: 'default', taskQueue: 'firedrill', cluster: 'uid-kube-system' };
const fields = (over: Partial<MarkFields> = {}): MarkFields => ({
  runId: RUN, workflowId: 'wf-1', prior: { unschedulable: false }, actions: ['cordon', 'taint'], owner: OWNER,
  restoreBy: '2026-01-01T01:00:00.000Z', markedAt: '2026-01-01T00:00:00.000Z', nodeUid: 'uid-n1', ...over,
});
const status = (code: number) => new k8s.ApiException(code, 'x', JSON.stringify({ kind: 'Status', code }), {});

function markedNode(over: { annotations?: Record<string, string | undefined>; labels?: Record<string, string | undefined>; spec?: k8s.V1NodeSpec; uid?: string; managedFields?: k8s.V1ManagedFieldsEntry[] } = {}): k8s.V1Node {
  const annotations = { ...markAnnotations(fields()), ...over.annotations };
  const labels = { [RUN_LABEL]: RUN, ...over.labels };
  const drop = (m: Record<string, string | undefined>) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return {
    metadata: { name: 'n1', uid: over.uid ?? 'uid-n1', resourceVersion: '1', labels: drop(labels), annotations: drop(annotations), managedFields: over.managedFields },
    spec: over.spec ?? { unschedulable: true, taints: [{ key: TAINT_KEY, value: RUN, effect: 'NoExecute' }] },
  };
}

/** A fake API with one node: reads return it, merge patches apply to it (null deletes). */
function fakeCore(initial: k8s.V1Node | undefined) {
  let node = initial ? structuredClone(initial) : undefined;
  const patches: Array<{ body: Record<string, unknown>; fieldManager?: string }> = [];
  const reads = { count: 0 };
  const merge = (into: Record<string, unknown>, body: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(body)) {
      if (v === null) delete into[k];
      else if (typeof v === 'object' && !Array.isArray(v)) into[k] = merge({ ...(into[k] as Record<string, unknown> ?? {}) }, v as Record<string, unknown>);
      else into[k] = v;
    }
    return into;
  };
  const core = {
    readNode: async () => {
      reads.count++;
      if (!node) throw status(404);
      return structuredClone(node);
    },
    patchNode: async ({ body, fieldManager }: { body: Record<string, unknown>; fieldManager?: string }) => {
      if (!node) throw status(404);
      patches.push({ body, fieldManager });
      const { resourceVersion, ...meta } = (body.metadata ?? {}) as Record<string, unknown>;
      if (resourceVersion !== undefined && resourceVersion !== node.metadata?.resourceVersion) throw status(409);
      node = merge(structuredClone(node) as unknown as Record<string, unknown>, { ...body, metadata: meta }) as k8s.V1Node;
      node.metadata = { ...node.metadata, resourceVersion: String(Number(node.metadata?.resourceVersion ?? 0) + 1) };
      return node;
    },
  } as unknown as k8s.CoreV1Api;
  return { core, patches, reads, node: () => node };
}
const counter = (): RetryCounter => ({ retries: 0 });

describe('reading a mark', () => {
  it('an intact mark verifies: owner, deadline, node UID, no problems', () => {
    const m = readMark(markedNode());
    expect(m).toMatchObject({ runId: RUN, workflowId: 'wf-1', owner: OWNER, restoreBy: '2026-01-01T01:00:00.000Z', nodeUid: 'uid-n1', labelled: true, problems: [], untrusted: [] });
  });

  it('finds the mark by its annotation when the run label was removed, and says so', () => {
    const m = readMark(markedNode({ labels: { [RUN_LABEL]: undefined } }));
    expect(m?.runId).toBe(RUN);
    expect(m?.labelled).toBe(false);
    expect(m?.problems).toEqual([]);
    expect(m?.notes).toEqual([expect.stringMatching(/run label was removed/)]);
  });

  it('an edited prior state breaks the digest: the mark is not trusted', () => {
    const m = readMark(markedNode({ annotations: { [PRIOR_ANNOTATION]: '{"unschedulable":true}' } }));
    expect(m?.untrusted).toEqual([expect.stringMatching(/edited by someone else/)]);
  });

  it('reports a missing or malformed owner, workflow id and deadline, each with its reason', () => {
    const m = readMark(markedNode({ annotations: { [OWNER_ANNOTATION]: '{"namespace":"default"}', [WORKFLOW_ANNOTATION]: undefined, [RESTORE_BY_ANNOTATION]: 'soon' } }));
    expect(m?.problems.join('\n')).toMatch(/owner is malformed/);
    expect(m?.problems.join('\n')).toMatch(/no workflow id/);
    expect(m?.problems.join('\n')).toMatch(/restore-by deadline is malformed/);
  });

  it('a mark of an older firedrill (label and three annotations) reads, with no owner and no deadline', () => {
    const legacy: k8s.V1Node = {
      metadata: { name: 'n1', labels: { [RUN_LABEL]: RUN }, annotations: { [WORKFLOW_ANNOTATION]: 'wf', [PRIOR_ANNOTATION]: '{"unschedulable":false}', [ACTIONS_ANNOTATION]: 'cordon' } },
    };
    const m = readMark(legacy);
    expect(m).toMatchObject({ runId: RUN, actions: ['cordon'], untrusted: [] });
    expect(m?.problems).toEqual([expect.stringMatching(/names no owner/), expect.stringMatching(/no restore-by deadline/)]);
  });

  it('a run id that is not a Temporal run id is a problem (the server would refuse to be asked about it)', () => {
    expect(readMark(markedNode({ labels: { [RUN_LABEL]: 'run-x' }, annotations: { [RUN_ANNOTATION]: 'run-x' } }))?.problems).toEqual(expect.arrayContaining([expect.stringMatching(/not a Temporal run id/)]));
  });
});

describe('the janitor\'s rules', () => {
  const me = { namespace: 'default', taskQueue: 'firedrill' };
  const run = { runId: RUN, owner: OWNER, restoreBy: '2026-01-01T01:00:00.000Z' };
  const before = Date.parse('2026-01-01T00:30:00Z');
  const after = Date.parse('2026-01-01T01:00:01Z');

  it('owns a mark only with the same namespace, task queue and cluster', () => {
    expect(ownsRun(run, me, OWNER.cluster)).toBe(true);
    expect(ownsRun(run, { ...me, taskQueue: 'other' }, OWNER.cluster)).toBe(false);
    expect(ownsRun(run, { ...me, namespace: 'prod' }, OWNER.cluster)).toBe(false);
    expect(ownsRun(run, me, 'another-cluster')).toBe(false);
    expect(ownsRun({ owner: undefined }, me, OWNER.cluster)).toBe(false);
  });

  it('past the deadline restores whoever owns it; before it asks about its own runs only', () => {
    expect(decide(run, me, OWNER.cluster, before)).toEqual({ act: 'ask-if-open' });
    expect(decide(run, { ...me, taskQueue: 'other' }, OWNER.cluster, before)).toEqual({ act: 'other-owner' });
    expect(decide(run, { ...me, taskQueue: 'other' }, OWNER.cluster, after)).toEqual({ act: 'restore', why: 'deadline' });
    expect(decide(run, me, OWNER.cluster, after)).toEqual({ act: 'restore', why: 'deadline' });
    expect(decide(run, { ...me, taskQueue: 'other' }, OWNER.cluster, before, [RUN])).toEqual({ act: 'restore', why: 'requested' });
  });
});

describe('applying a fault to a node', () => {
  const run = { runId: RUN, workflowId: 'wf-1', taint: true, owner: OWNER, restoreBy: '2026-01-01T01:00:00.000Z', markedAt: '2026-01-01T00:00:00.000Z' };

  it('marks with owner, deadline, node UID and digest, as the firedrill field manager', async () => {
    const api = fakeCore({ metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '1' }, spec: {} });
    const out = await applyToNode(api.core, 'n1', run, counter());
    expect(out).toEqual({ name: 'n1', actions: ['cordon', 'taint'], wasCordoned: false, uid: 'uid-n1' });
    expect(api.patches[0]?.fieldManager).toBe(FIELD_MANAGER);
    const m = readMark(api.node() as k8s.V1Node);
    expect(m).toMatchObject({ owner: OWNER, restoreBy: run.restoreBy, nodeUid: 'uid-n1', problems: [] });
    expect(api.node()?.metadata?.annotations?.[DIGEST_ANNOTATION]).toMatch(/^[0-9a-f]{8}$/);
  });

  it('patches against the node a list just read (no read); a node changed since then costs one conflict and a read', async () => {
    const listed: k8s.V1Node = { metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '1' }, spec: {} };
    const api = fakeCore(listed);
    expect(await applyToNode(api.core, 'n1', run, counter(), { known: listed })).toMatchObject({ actions: ['cordon', 'taint'] });
    expect({ reads: api.reads.count, patches: api.patches.length }).toEqual({ reads: 0, patches: 1 });

    // Someone cordoned it after the list: the stale patch is refused, the re-read sees the cordon.
    const stale = fakeCore({ metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '2' }, spec: { unschedulable: true } });
    expect(await applyToNode(stale.core, 'n1', run, counter(), { known: listed })).toEqual({ name: 'n1', actions: ['taint'], wasCordoned: true, uid: 'uid-n1' });
    expect({ reads: stale.reads.count, patches: stale.patches.length }).toEqual({ reads: 1, patches: 2 });
  });

  it('skips a node deleted before the drill reached it, at once (no retries)', async () => {
    const api = fakeCore(undefined);
    const c = counter();
    expect(await applyToNode(api.core, 'n1', run, c)).toEqual({ name: 'n1', actions: [], wasCordoned: false, gone: true });
    expect(c.retries).toBe(0);
  });
});

describe('restoring a node', () => {
  it('an intact mark: taint and cordon removed, marks removed, nothing else', async () => {
    const api = fakeCore(markedNode({ spec: { unschedulable: true, taints: [{ key: TAINT_KEY, value: RUN, effect: 'NoExecute' }, { key: 'theirs', effect: 'NoSchedule' }] } }));
    const out = await restoreNode(api.core, 'n1', RUN, counter());
    expect(out).toMatchObject({ name: 'n1', restored: true });
    const n = api.node() as k8s.V1Node;
    expect(n.spec?.unschedulable).toBeUndefined();
    expect(n.spec?.taints).toEqual([{ key: 'theirs', effect: 'NoSchedule' }]);
    expect(n.metadata?.labels).toEqual({});
    expect(n.metadata?.annotations).toEqual({});
  });

  it('restores against the node a list just read (no read); one changed since then is re-read after the conflict', async () => {
    const listed = markedNode();
    const api = fakeCore(listed);
    expect(await restoreNode(api.core, 'n1', RUN, counter(), { known: listed })).toMatchObject({ restored: true });
    expect({ reads: api.reads.count, patches: api.patches.length }).toEqual({ reads: 0, patches: 1 });

    // An operator added a taint after the list: the stale patch would drop it, so it is refused and re-read.
    const changed = markedNode({ spec: { unschedulable: true, taints: [{ key: TAINT_KEY, value: RUN, effect: 'NoExecute' }, { key: 'theirs', effect: 'NoSchedule' }] } });
    changed.metadata = { ...changed.metadata, resourceVersion: '2' };
    const stale = fakeCore(changed);
    expect(await restoreNode(stale.core, 'n1', RUN, counter(), { known: listed })).toMatchObject({ restored: true });
    expect({ reads: stale.reads.count, patches: stale.patches.length }).toEqual({ reads: 1, patches: 2 });
    expect(stale.node()?.spec?.taints).toEqual([{ key: 'theirs', effect: 'NoSchedule' }]);
  });

  it('honours firedrill.dev/keep-cordoned: leaves the cordon, removes the annotation, says so', async () => {
    const api = fakeCore(markedNode({ annotations: { [KEEP_CORDONED_ANNOTATION]: 'true' } }));
    const out = await restoreNode(api.core, 'n1', RUN, counter());
    expect(out.leftAsIs).toEqual([expect.stringMatching(/kept cordoned/)]);
    expect(api.node()?.spec?.unschedulable).toBe(true);
    expect(api.node()?.spec?.taints).toBeUndefined();
    expect(api.node()?.metadata?.annotations).toEqual({});
  });

  it('lists taints and labels others changed during the drill, with who (managedFields), and keeps them', async () => {
    const prior = { unschedulable: false, taints: [{ key: 'old', effect: 'NoSchedule' }], labels: { zone: 'a', gone: 'x' } };
    const managedFields: k8s.V1ManagedFieldsEntry[] = [
      { manager: FIELD_MANAGER, operation: 'Update', time: new Date('2026-01-01T00:00:00Z'), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:taints': {} } } },
      { manager: 'kubectl-taint', operation: 'Update', time: new Date('2026-01-01T00:00:30Z'), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:taints': {} } } },
      { manager: 'kubectl-label', operation: 'Update', time: new Date('2026-01-01T00:00:40Z'), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } },
      // Owns a label, but changed it before the drill.
      { manager: 'installer', operation: 'Update', time: new Date('2025-12-31T00:00:00Z'), fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } },
      { manager: 'kwok', operation: 'Update', subresource: 'status', time: new Date('2026-01-01T00:00:50Z'), fieldsType: 'FieldsV1', fieldsV1: { 'f:status': {} } },
    ];
    const node = markedNode({
      annotations: markAnnotations(fields({ prior })),
      labels: { zone: 'a', team: 'ops' },
      managedFields,
      spec: {
        unschedulable: true,
        taints: [
          { key: 'old', effect: 'NoSchedule' }, { key: TAINT_KEY, value: RUN, effect: 'NoExecute' },
          // The node controller's answer to the cordon is no one else's change.
          { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'team', value: 'ops', effect: 'NoSchedule' },
        ],
      },
    });
    expect(othersChanges(node, prior, '2026-01-01T00:00:00.000Z', RUN)).toEqual([
      'taint team=ops:NoSchedule added by kubectl-taint during the drill: left as it is',
      'label gone (removed), team=ops set by kubectl-label during the drill: left as it is',
    ]);
    const api = fakeCore(node);
    const out = await restoreNode(api.core, 'n1', RUN, counter());
    expect(out.leftAsIs).toHaveLength(2);
    expect(out.note).toMatch(/kubectl-taint/);
    expect(api.node()?.spec?.taints?.map((t) => t.key)).toEqual(['old', 'node.kubernetes.io/unschedulable', 'team']);
    expect(api.node()?.metadata?.labels).toEqual({ zone: 'a', team: 'ops' });
  });

  it('an edited mark without the workflow\'s record: left as it is, and reported', async () => {
    const api = fakeCore(markedNode({ annotations: { [PRIOR_ANNOTATION]: '{"unschedulable":true}' } }));
    const out = await restoreNode(api.core, 'n1', RUN, counter());
    expect(out).toMatchObject({ restored: false, note: expect.stringMatching(/edited by someone else/) });
    expect(api.patches).toEqual([]);
  });

  it('an edited mark with the workflow\'s record: restored from the record, the edit reported', async () => {
    const api = fakeCore(markedNode({ annotations: { [PRIOR_ANNOTATION]: '{"unschedulable":true}' } }));
    const out = await restoreNode(api.core, 'n1', RUN, counter(), { record: { name: 'n1', uid: 'uid-n1', actions: ['cordon', 'taint'], wasCordoned: false } });
    expect(out).toMatchObject({ restored: true, edited: [expect.stringMatching(/digest/)] });
    expect(api.node()?.spec?.unschedulable).toBeUndefined();
  });

  it('a node deleted and recreated under the same name (another UID) is not touched', async () => {
    const api = fakeCore(markedNode({ uid: 'uid-new' }));
    const out = await restoreNode(api.core, 'n1', RUN, counter());
    expect(out.note).toMatch(/recreated/);
    expect(api.patches).toEqual([]);
    const byRecord = fakeCore({ metadata: { name: 'n1', uid: 'uid-new', resourceVersion: '1' }, spec: { unschedulable: true } });
    expect((await restoreNode(byRecord.core, 'n1', RUN, counter(), { record: { name: 'n1', uid: 'uid-n1', actions: ['cordon'], wasCordoned: false } })).note).toMatch(/recreated/);
    expect(byRecord.patches).toEqual([]);
  });

  it('all marks removed by hand: removes its own taint only; a cordon it cannot vouch for is reported, not undone', async () => {
    const api = fakeCore({ metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '1' }, spec: { unschedulable: true, taints: [{ key: TAINT_KEY, value: RUN, effect: 'NoExecute' }] } });
    const out = await restoreNode(api.core, 'n1', RUN, counter(), { record: { name: 'n1', uid: 'uid-n1', actions: ['cordon', 'taint'], wasCordoned: false } });
    expect(out).toMatchObject({ restored: false, note: expect.stringMatching(/still cordoned/) });
    expect(api.node()?.spec?.taints).toBeUndefined();
    expect(api.node()?.spec?.unschedulable).toBe(true);
  });

  it('a node without any mark of this run and no record: untouched', async () => {
    const api = fakeCore({ metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '1' }, spec: { unschedulable: true } });
    expect(await restoreNode(api.core, 'n1', RUN, counter())).toEqual({ name: 'n1', restored: true, note: 'no change of this run on the node' });
    expect(api.patches).toEqual([]);
  });
});
