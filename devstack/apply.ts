import fs from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';

/**
 * Applies a multi-document manifest file the way the client library's apply example does:
 * read each object, create it on 404, otherwise patch it. Safe to run again.
 */
export async function applyManifestFile(kc: k8s.KubeConfig, file: string): Promise<string[]> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const docs = YAML.parseAllDocuments(await fs.readFile(file, 'utf8')).map((d) => d.toJS() as k8s.KubernetesObject).filter(Boolean);
  const applied: string[] = [];
  for (const spec of docs) {
    spec.metadata = spec.metadata ?? {};
    spec.metadata.annotations = spec.metadata.annotations ?? {};
    const header = { apiVersion: spec.apiVersion, kind: spec.kind, metadata: { name: spec.metadata.name ?? '', namespace: spec.metadata.namespace } };
    try {
      await client.read(header as Parameters<typeof client.read>[0]);
      await client.patch(spec, undefined, undefined, 'firedrill', undefined, k8s.PatchStrategy.MergePatch);
    } catch (err) {
      if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
      await client.create(spec);
    }
    applied.push(`${spec.kind}/${spec.metadata.namespace ? `${spec.metadata.namespace}/` : ''}${spec.metadata.name}`);
  }
  return applied;
}
