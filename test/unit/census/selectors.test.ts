import { describe, expect, it } from 'vitest';
import { compileSelector, matchesLabelSelector, matchesNodeTerms, toleratesNode } from '../../../activities/census/selectors.js';
import { node } from './fixtures/cluster.js';

const labels = { pool: 'batch', tier: 'web', 'topology.kubernetes.io/zone': 'zone-a' };

describe('label selector strings', () => {
  const cases: Array<[string, boolean]> = [
    ['pool=batch', true],
    ['pool==batch', true],
    ['pool=db', false],
    ['pool!=db', true],
    ['pool!=batch', false],
    ['missing!=x', true],
    ['pool', true],
    ['missing', false],
    ['!missing', true],
    ['!pool', false],
    ['tier in (web,api)', true],
    ['tier in (api)', false],
    ['missing in (a)', false],
    ['tier notin (api,db)', true],
    ['tier notin (web)', false],
    ['missing notin (a)', true],
    ['pool=batch,tier in (web),!gpu', true],
    ['pool=batch, tier=db', false],
    ['topology.kubernetes.io/zone=zone-a', true],
  ];
  it.each(cases)('%s → %s', (selector, expected) => {
    expect(compileSelector(selector)(labels)).toBe(expected);
  });

  it('refuses a selector it cannot parse instead of matching something else', () => {
    expect(() => compileSelector('pool = batch tier=db')).toThrow(/invalid label selector/);
  });
});

describe('LabelSelector objects (PDBs)', () => {
  it('ANDs matchLabels and matchExpressions', () => {
    expect(matchesLabelSelector(labels, { matchLabels: { pool: 'batch' } })).toBe(true);
    expect(matchesLabelSelector(labels, { matchLabels: { pool: 'batch' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] })).toBe(false);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] })).toBe(false);
  });
  it('matches everything with an empty selector (policy/v1)', () => {
    expect(matchesLabelSelector({}, {})).toBe(true);
  });
});

describe('node affinity terms and taints', () => {
  const n = node('zone-a-0', 'zone-a');
  it('ORs terms and ANDs requirements, with matchFields on the node name', () => {
    const inA = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a'] };
    const inB = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-b'] };
    expect(matchesNodeTerms(n, [{ matchExpressions: [inB] }, { matchExpressions: [inA] }])).toBe(true);
    expect(matchesNodeTerms(n, [{ matchExpressions: [inA, { key: 'gpu', operator: 'Exists' }] }])).toBe(false);
    expect(matchesNodeTerms(n, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['zone-a-0'] }] }])).toBe(true);
    expect(matchesNodeTerms(n, [{}])).toBe(false);
  });
  it('lets a pod onto a tainted node only with a matching toleration', () => {
    const tainted = node('t', 'zone-b', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    expect(toleratesNode([], tainted)).toBe(false);
    expect(toleratesNode([{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], tainted)).toBe(true);
    expect(toleratesNode([{ key: 'dedicated', operator: 'Exists' }], tainted)).toBe(true);
    expect(toleratesNode([{ operator: 'Exists' }], tainted)).toBe(true);
    expect(toleratesNode([{ key: 'dedicated', value: 'web' }], tainted)).toBe(false);
    const soft = node('s', 'zone-b', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] });
    expect(toleratesNode([], soft)).toBe(true);
  });
});
