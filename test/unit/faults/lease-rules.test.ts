import { describe, expect, it } from 'vitest';
import { leaseAccess } from '../../../activities/census/access.js';
import {
  holderIdentity, leaseAnnotations, leaseExpiry, leaseName, leaseTarget, readLeaseHolder, targetsOverlap, type LeaseHolder,
} from '../../../activities/lease-rules.js';

// The target lease's rules: one name per cluster and target, the overlap rule, expiry, and a
// holder read back from the lease's annotations (an unreadable target counts as the whole cluster).

const zone = (z: string, nodes: string[] = []) => ({ target: { type: 'zone' as const, zone: z, zoneLabel: 'topology.kubernetes.io/zone' }, nodes });
const sel = (selector: string, nodes: string[]) => ({ target: { type: 'nodes' as const, selector }, nodes });
const cluster = { target: { type: 'cluster' as const }, nodes: [] };

describe('target lease rules', () => {
  it('names one lease per cluster and target, a valid object name', () => {
    const a = leaseName('uid-1', leaseTarget({ type: 'zone', zone: 'zone-a', zoneLabel: 'topology.kubernetes.io/zone', context: 'x' }));
    expect(a).toMatch(/^firedrill-zone-[0-9a-f]{12}$/);
    // The context does not select nodes: the same target through another context is the same lease.
    expect(leaseName('uid-1', leaseTarget({ type: 'zone', zone: 'zone-a', zoneLabel: 'topology.kubernetes.io/zone' }))).toBe(a);
    expect(leaseName('uid-2', leaseTarget({ type: 'zone', zone: 'zone-a', zoneLabel: 'topology.kubernetes.io/zone' }))).not.toBe(a);
    expect(leaseName('uid-1', leaseTarget({ type: 'zone', zone: 'zone-b', zoneLabel: 'topology.kubernetes.io/zone' }))).not.toBe(a);
    expect(leaseName('uid-1', leaseTarget({ type: 'nodes', selector: ' pool=batch ' }))).toBe(leaseName('uid-1', { type: 'nodes', selector: 'pool=batch' }));
    expect(leaseName('uid-1', { type: 'cluster' })).toMatch(/^firedrill-cluster-/);
  });

  it('overlap: the whole cluster with anything, the same zone value, or a shared node', () => {
    expect(targetsOverlap(cluster, zone('zone-a'))).toBe(true);
    expect(targetsOverlap(sel('pool=batch', ['n1']), cluster)).toBe(true);
    expect(targetsOverlap(zone('zone-a'), zone('zone-a'))).toBe(true);
    // Another label key with the same value may well name the same nodes.
    expect(targetsOverlap(zone('zone-a'), { target: { type: 'zone', zone: 'zone-a', zoneLabel: 'example.com/zone' }, nodes: [] })).toBe(true);
    expect(targetsOverlap(zone('zone-a', ['a1', 'a2']), zone('zone-b', ['b1']))).toBe(false);
    expect(targetsOverlap(zone('zone-a', ['a1', 'a2']), sel('pool=batch', ['b1', 'a2']))).toBe(true);
    expect(targetsOverlap(sel('pool=batch', ['b1']), sel('pool=web', ['w1']))).toBe(false);
  });

  it('expires at renewTime + leaseDurationSeconds', () => {
    expect(leaseExpiry({ renewTime: new Date('2026-12-01T00:00:00Z'), leaseDurationSeconds: 60 })).toBe(Date.parse('2026-12-01T00:01:00Z'));
    expect(leaseExpiry({ acquireTime: new Date('2026-12-01T00:00:00Z'), leaseDurationSeconds: 1 })).toBe(Date.parse('2026-12-01T00:00:01Z'));
    expect(leaseExpiry({ leaseDurationSeconds: 1 })).toBeUndefined();
  });

  it('reads its holder back; a lease whose target cannot be read is taken as the whole cluster', () => {
    const h: LeaseHolder = { workflowId: 'drill/with-slash', runId: 'r-1', drill: 'd', target: { type: 'zone', zone: 'zone-a', zoneLabel: 'l' }, nodes: ['a1'], temporalNamespace: 'default' };
    expect(readLeaseHolder(leaseAnnotations(h), holderIdentity(h))).toEqual(h);
    const broken = readLeaseHolder({ 'firedrill.dev/target': 'not json' }, 'drill/with-slash/r-2');
    expect(broken).toMatchObject({ workflowId: 'drill/with-slash', runId: 'r-2', target: { type: 'cluster' }, nodes: [] });
    expect(targetsOverlap(broken, zone('zone-z', ['z1']))).toBe(true);
  });

  it('asks for the lease verbs in the lease namespace only', () => {
    expect(leaseAccess('firedrill').map((a) => `${a.verb} ${a.resource}.${a.group} in ${a.namespace}`).sort()).toEqual([
      'create leases.coordination.k8s.io in firedrill', 'delete leases.coordination.k8s.io in firedrill', 'get leases.coordination.k8s.io in firedrill',
      'list leases.coordination.k8s.io in firedrill', 'update leases.coordination.k8s.io in firedrill',
    ]);
  });
});
