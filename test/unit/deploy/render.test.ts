import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseCidr, renderNetworkPolicy } from '../../../cli/commands/deploy.js';

// `firedrill deploy render`: the NetworkPolicy names the cluster's API server, not the placeholder.

const shipped = readFileSync('deploy/50-networkpolicy.yaml', 'utf8');

describe('deploy render', () => {
  it('puts one ipBlock per API server address where the placeholder was, and nothing else changes', () => {
    const out = renderNetworkPolicy(shipped, ['10.0.0.5/32', '10.0.0.6/32']);
    const doc = YAML.parse(out) as { spec: { egress: Array<{ to: Array<{ ipBlock?: { cidr: string } }> }> } };
    const blocks = doc.spec.egress.flatMap((e) => e.to.flatMap((t) => (t.ipBlock ? [t.ipBlock.cidr] : [])));
    expect(blocks).toEqual(['10.0.0.5/32', '10.0.0.6/32']);
    expect(out).not.toContain('192.0.2.10');
    expect(out.replace(/ {8}- ipBlock:\n {12}cidr: 10\.0\.0\.[56]\/32\n/g, '')).toBe(shipped.replace(/ {8}- ipBlock:\n {12}cidr: 192\.0\.2\.10\/32\n/, ''));
  });

  it('reads addresses and CIDRs, v4 and v6, and refuses anything else', () => {
    expect(parseCidr('10.0.0.5')).toBe('10.0.0.5/32');
    expect(parseCidr('10.0.0.0/24')).toBe('10.0.0.0/24');
    expect(parseCidr('fd00::1')).toBe('fd00::1/128');
    expect(() => parseCidr('10.0.0.5/33')).toThrow(/prefix/);
    expect(() => parseCidr('api.example.com')).toThrow(/not an IP address/);
  });
});
