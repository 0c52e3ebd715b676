import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { leaseAccess, requiredAccess } from '../../../activities/census/access.js';
import { loadConfig } from '../../../worker/config.js';

// The manifests under deploy/ are what an operator applies: they must parse, reference each
// other correctly, grant exactly the verbs the activities use, and keep the worker out of the
// zone it drills.

const dir = fileURLToPath(new URL('../../../deploy/', import.meta.url));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

function load(): Array<{ file: string; doc: Manifest }> {
  const out: Array<{ file: string; doc: Manifest }> = [];
  for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'), { strict: true, uniqueKeys: true });
    for (const d of docs) {
      expect(d.errors.map((e) => `${file}: ${e.message}`)).toEqual([]);
      expect(d.warnings.map((e) => `${file}: ${e.message}`)).toEqual([]);
      const doc = d.toJS() as Manifest | null;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}

const manifests = load();

function one(kind: string): Manifest {
  const found = manifests.filter((m) => m.doc.kind === kind);
  expect(found.map((m) => m.file), `exactly one ${kind}`).toHaveLength(1);
  return found[0]!.doc;
}

/** Every rule as `group/resource:verb`, sorted: rules may be split or merged differently. */
function grants(rules: Rule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  return [...out].sort();
}

const EXPECTED_GRANTS = [
  '/nodes:get', '/nodes:list', '/nodes:patch',
  // Only kube-system (resourceNames): its UID is the cluster identity every mark names.
  '/namespaces:get',
  // The watches are read-only: the capacity probe's and a drain's PDB retries (lists without them).
  '/pods:list', '/pods:watch',
  '/pods/eviction:create',
  '/persistentvolumes:list', '/persistentvolumeclaims:list',
  'apps/deployments:get', 'apps/deployments:list', 'apps/deployments:watch',
  'apps/statefulsets:get', 'apps/statefulsets:list', 'apps/statefulsets:watch',
  'apps/replicasets:get', 'apps/replicasets:list', 'apps/replicasets:watch',
  'apps/daemonsets:get', 'apps/daemonsets:list', 'apps/daemonsets:watch',
  'policy/poddisruptionbudgets:list', 'policy/poddisruptionbudgets:watch',
  'authorization.k8s.io/selfsubjectaccessreviews:create',
  // The target lease: one drill per target at a time.
  'coordination.k8s.io/leases:create', 'coordination.k8s.io/leases:delete', 'coordination.k8s.io/leases:get',
  'coordination.k8s.io/leases:list', 'coordination.k8s.io/leases:update',
].sort();

describe('deploy/ manifests', () => {
  it('every file parses as YAML and every document is a named Kubernetes object', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(6);
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, file).toMatch(/^([a-z0-9.-]+\/)?v1$/);
      expect(doc.kind, file).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(doc.metadata?.name, file).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
  });

  it('namespaced objects all live in the namespace the manifests create', () => {
    const ns = one('Namespace').metadata.name;
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const { file, doc } of manifests) {
      if (clusterScoped.has(doc.kind)) expect(doc.metadata.namespace, file).toBeUndefined();
      else expect(doc.metadata.namespace, `${file} ${doc.kind}`).toBe(ns);
    }
  });

  it('the ClusterRole grants exactly the verbs the activities use, and no wildcard', () => {
    const role = one('ClusterRole') as Manifest & { rules: Rule[] };
    expect(grants(role.rules)).toEqual(EXPECTED_GRANTS);
    for (const r of role.rules) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
      if (r.resources.includes('namespaces')) expect(r).toMatchObject({ resources: ['namespaces'], verbs: ['get'], resourceNames: ['kube-system'] });
      else expect(r).not.toHaveProperty('resourceNames');
    }
  });

  it('the ClusterRole covers every permission preflight asks the API server about', () => {
    const have = new Set(grants((one('ClusterRole') as Manifest & { rules: Rule[] }).rules));
    const workloads = (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] as const).map((kind) => ({ kind, namespace: 'shop', name: 'x' }));
    for (const mode of ['cordon', 'drain', 'power-loss'] as const) {
      for (const a of [...requiredAccess(mode, workloads), ...leaseAccess('firedrill')]) {
        expect(have, `${mode}: ${a.verb} ${a.resource}`).toContain(`${a.group}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}:${a.verb}`);
      }
    }
  });

  it('binds the ClusterRole to the worker ServiceAccount only', () => {
    const role = one('ClusterRole');
    const sa = one('ServiceAccount');
    const binding = one('ClusterRoleBinding') as Manifest & { roleRef: Record<string, string>; subjects: Array<Record<string, string>> };
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    expect(manifests.filter((m) => m.doc.kind === 'Role' || m.doc.kind === 'RoleBinding')).toEqual([]);
  });

  describe('the worker Deployment', () => {
    type Env = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
    const dep = one('Deployment') as Manifest & { spec: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pod = dep.spec.template.spec;
    const container = pod.containers[0] as { image: string; args: string[]; env: Env[]; securityContext: Record<string, unknown> };

    it('runs `firedrill worker` from the Dockerfile image under the ServiceAccount', () => {
      expect(pod.serviceAccountName).toBe(one('ServiceAccount').metadata.name);
      expect(container.args).toEqual(['worker']);
      expect(container.image).toMatch(/firedrill/);
      expect(fs.readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8')).toMatch(/ENTRYPOINT \["node", "bin\/firedrill.js"\]/);
      expect(dep.spec.selector.matchLabels).toEqual(expect.objectContaining(dep.spec.template.metadata.labels));
    });

    it('sets an environment worker/config.ts accepts, in-cluster credentials, and its own node name', () => {
      const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? 'from-downward-api']));
      expect(() => loadConfig(env)).not.toThrow();
      expect(env).not.toHaveProperty('KUBECONFIG');
      for (const key of Object.keys(env)) expect(key).toMatch(/^(TEMPORAL_|FIREDRILL_|NODE_OPTIONS$|MALLOC_ARENA_MAX$)/);
      expect(container.env.find((e) => e.name === 'FIREDRILL_NODE_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    });

    it('is kept out of the drilled zone by a required node affinity and tolerates no firedrill taint', () => {
      const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms as Array<{ matchExpressions: Array<{ key: string; operator: string; values: string[] }> }>;
      expect(terms.length).toBeGreaterThan(0);
      // Node selector terms are ORed: every term must exclude the zone.
      for (const t of terms) {
        expect(t.matchExpressions).toEqual(expect.arrayContaining([
          expect.objectContaining({ key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: expect.arrayContaining([expect.any(String)]) }),
        ]));
      }
      expect(pod.tolerations ?? []).toEqual([]);
    });

    it('runs unprivileged', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    });
  });

  it('the NetworkPolicy selects the worker, admits nothing, and lets out only DNS, the API, Temporal and probe targets', () => {
    const np = one('NetworkPolicy') as Manifest & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress?: unknown[]; egress: Array<{ to?: unknown[]; ports?: Array<{ port: number; protocol: string }> }> } };
    const dep = one('Deployment') as Manifest & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(dep.spec.template.metadata.labels).toEqual(expect.objectContaining(np.spec.podSelector.matchLabels));
    expect(np.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(np.spec.ingress ?? []).toEqual([]);
    const ports = np.spec.egress.flatMap((e) => (e.ports ?? []).map((p) => `${p.protocol}/${p.port}`));
    expect(ports).toEqual(expect.arrayContaining(['UDP/53', 'TCP/53', 'TCP/443', 'TCP/7233']));
    // Every rule names its peers: no "anywhere" rule.
    for (const e of np.spec.egress) expect(e.to?.length).toBeGreaterThan(0);
  });
});
