import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdHealthy } from '../../../devstack/kube.js';

// The stack starts the apiserver once etcd serves, not once its port is open: etcd binds the
// port first and reads its data back after.

describe('etcdHealthy', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  const serve = async (status: number, body: string): Promise<number> => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === '/health' ? status : 404, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };

  it('is true only for a 200 that says health "true"', async () => {
    expect(await etcdHealthy(await serve(200, '{"health":"true","reason":""}'))).toBe(true);
  });

  it('is false while etcd says it is not healthy (no leader yet, an alarm)', async () => {
    expect(await etcdHealthy(await serve(503, '{"health":"false","reason":"RAFT NO LEADER"}'))).toBe(false);
  });
});
