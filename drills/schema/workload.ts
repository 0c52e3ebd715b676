import { z } from 'zod';
import { dnsLabel, dnsSubdomain } from './names.js';

/** A workload the drill watches (a probe's target, or part of the monitoring stack). */
export const workloadRefSchema = z.strictObject({
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']),
  namespace: dnsLabel('namespace'),
  name: dnsSubdomain('name'),
});
