import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../worker/logger.js';

// Secret-bearing fields are redacted wherever a log call puts them: at the top level of the
// fields object, one level down, and in request headers.

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), text: () => lines.join('') };
}

describe('the worker logger', () => {
  const secret = 'https://hooks.example.invalid/services/T0KEN-s3cr3t?token=abc123';

  it.each([
    ['webhookUrl', { webhookUrl: secret }],
    ['url', { url: secret }],
    ['token', { token: secret }],
    ['password', { password: secret }],
    ['authorization', { authorization: `Bearer ${secret}` }],
    ['headers.authorization', { headers: { authorization: `Bearer ${secret}` } }],
    ['ctx.webhookUrl', { ctx: { webhookUrl: secret } }],
    ['req.url', { req: { url: secret } }],
    ['req.token', { req: { token: secret } }],
    ['req.headers.authorization', { req: { headers: { authorization: `Bearer ${secret}` } } }],
  ])('redacts %s', (_name, fields) => {
    const { log, text } = capture();
    log.warn({ ...fields, drill: 'zone-a-loss' }, 'notification not delivered');
    const out = text();
    expect(out).not.toContain('T0KEN-s3cr3t');
    expect(out).toContain('[redacted]');
    // The rest of the line is kept.
    expect(JSON.parse(out)).toMatchObject({ drill: 'zone-a-loss', msg: 'notification not delivered' });
  });
});
