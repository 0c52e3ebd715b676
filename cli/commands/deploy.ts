import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { projectRoot } from '../../devstack/paths.js';
import { UsageError } from '../errors.js';
import { withHelp } from '../help.js';

// `firedrill deploy render`: the manifests of deploy/ with the cluster's own values filled in,
// so the NetworkPolicy's API server rule names the real endpoints instead of a documentation
// address that would cut the worker off from the Kubernetes API.

/** The documentation address (RFC 5737) that deploy/50-networkpolicy.yaml ships with. */
export const APISERVER_PLACEHOLDER = `        - ipBlock:
            cidr: 192.0.2.10/32
`;

/** "10.0.0.5" → "10.0.0.5/32"; "10.0.0.0/24" as is; anything else throws with why. */
export function parseCidr(text: string): string {
  const [addr = '', prefix, extra] = text.trim().split('/');
  const family = net.isIP(addr);
  if (!family || extra !== undefined) throw new UsageError(`--apiserver-cidr: ${JSON.stringify(text)} is not an IP address or CIDR (e.g. 10.0.0.5/32)`);
  const max = family === 4 ? 32 : 128;
  if (prefix === undefined) return `${addr}/${max}`;
  if (!/^\d+$/.test(prefix) || Number(prefix) > max) throw new UsageError(`--apiserver-cidr: prefix /${prefix} is not 0..${max}`);
  return `${addr}/${Number(prefix)}`;
}

/** The NetworkPolicy with one ipBlock per API server address in place of the placeholder. */
export function renderNetworkPolicy(text: string, cidrs: string[]): string {
  if (!text.includes(APISERVER_PLACEHOLDER)) throw new Error('the NetworkPolicy no longer has the placeholder API server rule (cidr 192.0.2.10/32)');
  return text.replace(APISERVER_PLACEHOLDER, cidrs.map((c) => `        - ipBlock:\n            cidr: ${c}\n`).join(''));
}

export function registerDeploy(program: Command): void {
  const deploy = program.command('deploy').description('the manifests for running workers in a cluster (deploy/)');
  const render = deploy.command('render')
    .description('print (or write to --out) the manifests of deploy/ with the API server addresses of your cluster in the NetworkPolicy')
    .requiredOption('--apiserver-cidr <list>', 'comma-separated API server endpoint addresses or CIDRs: `kubectl get endpoints kubernetes -n default -o jsonpath=\'{.subsets[*].addresses[*].ip}\'`')
    .option('--out <dir>', 'write the files there instead of printing one stream')
    .action(async (opts: { apiserverCidr: string; out?: string }) => {
      const cidrs = opts.apiserverCidr.split(/[,\s]+/).filter(Boolean).map(parseCidr);
      if (!cidrs.length) throw new UsageError('--apiserver-cidr: give at least one address');
      const dir = path.join(projectRoot, 'deploy');
      const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
      const docs: Array<{ file: string; text: string }> = [];
      for (const f of files) {
        const text = await readFile(path.join(dir, f), 'utf8');
        docs.push({ file: f, text: f === '50-networkpolicy.yaml' ? renderNetworkPolicy(text, cidrs) : text });
      }
      if (opts.out) {
        await mkdir(opts.out, { recursive: true });
        for (const d of docs) await writeFile(path.join(opts.out, d.file), d.text);
        process.stdout.write(`wrote ${docs.length} manifests to ${opts.out} (kubectl apply -f ${opts.out})\n`);
        return;
      }
      process.stdout.write(docs.map((d) => `# ${d.file}\n${d.text.trimEnd()}\n`).join('---\n'));
    });
  withHelp(render, {
    environment: [],
    exitCodes: [[0, 'rendered'], [2, 'a malformed address or an unwritable --out']],
    examples: [
      'firedrill deploy render --apiserver-cidr "$(kubectl get endpoints kubernetes -n default -o jsonpath=\'{.subsets[*].addresses[*].ip}\' | tr \' \' ,)" | kubectl apply -f -',
      'firedrill deploy render --apiserver-cidr 10.0.0.5,10.0.0.6 --out rendered/',
    ],
  });
}
