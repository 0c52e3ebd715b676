import type { S3Client } from '@aws-sdk/client-s3';
import type { ReportStore } from './store-types.js';
import { joinKey, storeKeyProblem } from './store-key.js';

// The report store in an S3-compatible bucket (AWS S3, or SeaweedFS, MinIO, Ceph through
// FIREDRILL_S3_ENDPOINT). Each object is written with one PutObject, which S3 makes visible
// whole or not at all. Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, a profile, a pod's web identity); none is ever part of a key or a message.

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket ('' for its root). */
  prefix: string;
  /** An S3-compatible server's URL; addressed path-style (http://host/bucket/key). */
  endpoint?: string;
  region?: string;
}

export function createS3Store(loc: S3Location): ReportStore {
  // The SDK is loaded on first use: commands that never touch a bucket do not pay for it.
  let client: Promise<{ s3: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;
  const connect = () => (client ??= import('@aws-sdk/client-s3').then((sdk) => ({
    sdk,
    s3: new sdk.S3Client({
      region: loc.region ?? 'us-east-1',
      ...(loc.endpoint ? { endpoint: loc.endpoint, forcePathStyle: true } : {}),
    }),
  })));
  const full = (key: string) => {
    const problem = storeKeyProblem(key);
    if (problem) throw new Error(`report store key "${key}" ${problem}`);
    return joinKey(loc.prefix, key);
  };
  const base = loc.prefix ? `${loc.prefix.replace(/\/$/, '')}/` : '';
  return {
    where: (key) => `s3://${loc.bucket}/${key ? full(key) : base}`,
    async read(key) {
      const { s3, sdk } = await connect();
      try {
        const out = await s3.send(new sdk.GetObjectCommand({ Bucket: loc.bucket, Key: full(key) }));
        return await out.Body?.transformToString('utf8');
      } catch (err) {
        if (err instanceof sdk.NoSuchKey || (err as { name?: string }).name === 'NotFound') return undefined;
        throw err;
      }
    },
    async write(key, body, contentType) {
      const { s3, sdk } = await connect();
      await s3.send(new sdk.PutObjectCommand({ Bucket: loc.bucket, Key: full(key), Body: body, ContentType: contentType }));
    },
    async list(prefix = '') {
      const { s3, sdk } = await connect();
      const from = prefix ? `${full(prefix)}/` : base;
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: loc.bucket, Prefix: from, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of page.Contents ?? []) if (o.Key && o.Key.length > base.length) keys.push(o.Key.slice(base.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
