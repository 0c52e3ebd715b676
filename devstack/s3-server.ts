import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertPortFree, logTail, startProcess, stopProcess, waitFor } from './procs.js';
import { ensureSeaweedfs, type Progress } from './provision.js';

// A real S3-compatible server for the bucket report store's tests: SeaweedFS's all-in-one
// `weed mini` (master, volume, filer and S3 gateway in one process), its data in a state
// directory that starts empty each time, every port in a block of ten from `base` so it stays
// off other stacks' ports.
// Access needs the key pair written into its identities file: requests are really signed.

export const S3_SERVER = 'seaweedfs';

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export async function startS3Server(o: { stateDir: string; base: number; buckets: string[]; progress: Progress }): Promise<S3Server> {
  const weed = await ensureSeaweedfs(o.progress);
  const port = (n: number) => String(o.base + n);
  for (let n = 0; n < 10; n += 1) await assertPortFree(o.base + n, 'the S3 test server');
  const dataDir = path.join(o.stateDir, 'seaweedfs');
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(dataDir, { recursive: true });
  const accessKeyId = `firedrill${randomBytes(4).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const identities = path.join(o.stateDir, 'seaweedfs-identities.json');
  await fs.writeFile(identities, JSON.stringify({
    identities: [{ name: 'firedrill', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }],
  }), { mode: 0o600 });
  await startProcess(o.stateDir, S3_SERVER, weed, [
    'mini', `-dir=${dataDir}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1', '-master.telemetry=false',
    `-master.port=${port(0)}`, `-master.port.grpc=${port(1)}`, `-volume.port=${port(2)}`, `-volume.port.grpc=${port(3)}`,
    `-filer.port=${port(4)}`, `-filer.port.grpc=${port(5)}`, `-s3.port=${port(6)}`, `-s3.port.grpc=${port(7)}`,
    `-admin.port=${port(8)}`, `-admin.port.grpc=${port(9)}`, '-admin.port.legacy=0', '-admin.ui=false',
    '-webdav=false', '-s3.port.iceberg=0', '-s3.port.lance=0', `-s3.config=${identities}`,
  ]);
  const endpoint = `http://127.0.0.1:${port(6)}`;
  const stop = async () => {
    await stopProcess(o.stateDir, S3_SERVER);
  };
  try {
    // Anonymous requests are refused (403) once the gateway runs with its identities.
    await waitFor('the S3 test server', async () => (await fetch(`${endpoint}/`)).status === 403, 60_000, () => logTail(o.stateDir, S3_SERVER));
    await createBuckets(endpoint, accessKeyId, secretAccessKey, o.buckets);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, accessKeyId, secretAccessKey, stop };
}

/** Made through the S3 API itself: weed's -bucket flag creates them after the gateway answers. */
async function createBuckets(endpoint: string, accessKeyId: string, secretAccessKey: string, buckets: string[]): Promise<void> {
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey } });
  try {
    for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
  } finally {
    s3.destroy();
  }
}
