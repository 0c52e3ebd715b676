import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessError, describeAccess, forbiddenFailure, missingAccess, requiredAccess } from '../../../activities/census/access.js';
import { PermissionError } from '../../../activities/census/index.js';

// What preflight asks the API server before a drill changes anything, and the error it raises
// when a permission is missing. The API server is a tiny fake answering SelfSubjectAccessReviews.

const shop = (kind: 'Deployment' | 'StatefulSet', name: string, namespace = 'shop') => ({ kind, namespace, name });

describe('requiredAccess', () => {
  it('asks for node get and patch in every mode, and eviction only for a drain', () => {
    const words = (mode: 'cordon' | 'drain' | 'power-loss') => requiredAccess(mode, []).map(describeAccess);
    expect(words('cordon')).toEqual(['get nodes', 'patch nodes']);
    expect(words('power-loss')).toEqual(['get nodes', 'patch nodes']);
    expect(words('drain')).toEqual(['get nodes', 'patch nodes', 'create pods/eviction']);
  });

  it('asks once per kind and namespace for the workloads the drill reads', () => {
    const got = requiredAccess('cordon', [shop('Deployment', 'a'), shop('Deployment', 'b'), shop('StatefulSet', 'db'), shop('Deployment', 'a', 'ops')])
      .slice(2).map(describeAccess);
    expect(got).toEqual([
      'get deployments.apps in namespace shop',
      'get statefulsets.apps in namespace shop',
      'get deployments.apps in namespace ops',
    ]);
  });
});

describe('accessError', () => {
  it('names every missing verb and resource, and says nothing was changed', () => {
    const err = accessError(requiredAccess('drain', []).slice(1), 'prod');
    expect(err).toBeInstanceOf(PermissionError);
    expect(err.verb).toBe('patch');
    expect(err.resource).toBe('nodes');
    expect(err.message).toBe('forbidden: the worker\'s credentials of kube context "prod" may not '
      + 'patch nodes (to cordon, taint and mark the target nodes, and restore them); '
      + 'create pods/eviction (to evict the pods of the target nodes); nothing was changed. '
      + 'Grant the missing rules (deploy/20-clusterrole.yaml has every rule firedrill needs)');
  });
});

describe('forbiddenFailure', () => {
  it('turns a 403 into a non-retryable failure with the API server\'s words, and leaves other errors alone', () => {
    const said = 'nodes "n1" is forbidden: User "system:serviceaccount:fd:w" cannot patch resource "nodes" in API group "" at the cluster scope';
    const f = forbiddenFailure(new ApiException(403, 'Forbidden', JSON.stringify({ kind: 'Status', message: said }), {}), 'injecting drain');
    expect(f?.nonRetryable).toBe(true);
    expect(f?.type).toBe('PermissionError');
    expect(f?.message).toBe(`forbidden while injecting drain: ${said}`);
    expect(forbiddenFailure(new ApiException(409, 'Conflict', '{}', {}), 'x')).toBeUndefined();
    expect(forbiddenFailure(new Error('boom'), 'x')).toBeUndefined();
  });
});

describe('missingAccess against an API server', () => {
  let server: http.Server;
  let kc: KubeConfig;
  /** Answer reviews with this status instead (403: reviews themselves are not allowed). */
  let reviewStatus = 201;
  const denied = new Set(['patch//nodes', 'create//pods/eviction']);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        res.writeHead(reviewStatus, { 'content-type': 'application/json' });
        if (reviewStatus !== 201) {
          res.end(JSON.stringify({ kind: 'Status', code: reviewStatus, message: 'no' }));
          return;
        }
        const review = JSON.parse(body) as { spec: { resourceAttributes: Record<string, string> } };
        const a = review.spec.resourceAttributes;
        const key = `${a.verb}/${a.group ?? ''}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
        res.end(JSON.stringify({ ...review, status: { allowed: !denied.has(key) } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    kc = new KubeConfig();
    kc.loadFromString([
      'apiVersion: v1', 'kind: Config',
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: fake, context: {cluster: c, user: u}}]',
      'current-context: fake',
    ].join('\n'));
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('returns exactly the accesses the server denies', async () => {
    reviewStatus = 201;
    const missing = await missingAccess(kc, requiredAccess('drain', [shop('Deployment', 'web')]));
    expect(missing?.map(describeAccess)).toEqual(['patch nodes', 'create pods/eviction']);
  });

  it('returns undefined when the server will not review at all', async () => {
    reviewStatus = 403;
    expect(await missingAccess(kc, requiredAccess('cordon', []))).toBeUndefined();
  });
});
