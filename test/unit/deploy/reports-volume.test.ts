import fs from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';

// Reports outlive the worker: in the cluster one ReadWriteMany claim shared by every replica,
// in docker compose a named volume, never a pod's emptyDir or a path of the host.

const read = (rel: string) => fs.readFileSync(new URL(`../../../${rel}`, import.meta.url), 'utf8');

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('the report store of a deployment', () => {
  const pvc = YAML.parse(read('deploy/35-reports-pvc.yaml')) as any;
  const dep = YAML.parse(read('deploy/40-worker.yaml')) as any;
  const pod = dep.spec.template.spec;
  const env = Object.fromEntries((pod.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));

  it('mounts a ReadWriteMany PersistentVolumeClaim in the worker namespace, shared by all replicas, where FIREDRILL_REPORT_DIR points', () => {
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(pvc.metadata.namespace).toBe(dep.metadata.namespace);
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.spec.resources.requests.storage).toMatch(/^\d+(Gi|Ti)$/);
    expect(dep.spec.replicas).toBeGreaterThan(1);
    const volume = (pod.volumes as Array<{ name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }>).find((v) => v.name === 'reports');
    expect(volume).toEqual({ name: 'reports', persistentVolumeClaim: { claimName: pvc.metadata.name } });
    const mount = (pod.containers[0].volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>).find((m) => m.name === 'reports');
    expect(mount?.readOnly).toBeFalsy();
    expect(env.FIREDRILL_REPORT_DIR).toBe(mount?.mountPath);
  });

  it('documents the bucket instead of the claim', () => {
    expect(read('deploy/35-reports-pvc.yaml')).toMatch(/FIREDRILL_REPORT_STORE=s3:\/\//);
  });

  it('docker compose keeps reports in a named volume that the image prepares for its user', () => {
    const compose = YAML.parse(read('docker-compose.yml')) as { services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>; volumes: Record<string, unknown> };
    const worker = compose.services['firedrill-worker']!;
    const dir = worker.environment?.FIREDRILL_REPORT_DIR;
    const mount = worker.volumes?.find((v) => v.split(':')[1] === dir);
    const [source] = (mount ?? '').split(':');
    expect(source, 'a named volume, not a host path').toMatch(/^[a-z][a-z0-9_-]*$/);
    expect(Object.keys(compose.volumes)).toContain(source);
    expect(read('Dockerfile')).toMatch(new RegExp(`mkdir ${dir} && chown node:node ${dir}\\n(.*\\n)*USER node`));
  });
});
