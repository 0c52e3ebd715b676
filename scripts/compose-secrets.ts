// The files docker-compose.yml reads as Docker secrets, in ./secrets: the same CA, server and
// client certificates the embedded stack makes (devstack/certs.ts), the server's issued for the
// compose service name `temporal` too, and a random database password. Made once; run again
// after the certificates are within 30 days of expiry.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ensureDevCerts } from '../devstack/certs.js';
import { projectRoot } from '../devstack/paths.js';

const dir = path.join(projectRoot, 'secrets');
const certs = await ensureDevCerts(dir, (m) => process.stderr.write(`${m}\n`), ['temporal']);
const password = path.join(dir, 'postgres-password');
if (!(await fs.access(password).then(() => true, () => false))) await fs.writeFile(password, crypto.randomBytes(18).toString('base64url'));
// Compose bind-mounts each secret file as is: the containers' unprivileged users must read the
// keys, so the files are world-readable inside a directory only the owner may enter.
await fs.chmod(dir, 0o700);
await fs.chmod(certs.caKeyFile, 0o600);
for (const f of [certs.server.keyFile, certs.client.keyFile, password]) await fs.chmod(f, 0o644);
process.stdout.write(`wrote ${dir}: ca.pem, server.pem/.key (for temporal and localhost), client.pem/.key, postgres-password\n`);
