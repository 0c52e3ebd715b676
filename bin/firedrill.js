#!/usr/bin/env node
// The firedrill command runs its TypeScript sources through tsx, so there is no build step
// between a checkout and a working CLI. On a Node older than firedrill supports it re-runs
// itself under the Node 24 that scripts/setup.mjs provides (installed on first use).
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  const { reexec } = await import('../scripts/node.mjs');
  reexec(fileURLToPath(import.meta.url), process.argv.slice(2));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
