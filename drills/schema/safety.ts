import { z } from 'zod';
import { dnsLabel } from './names.js';
import { workloadRefSchema } from './workload.js';

/** Blast-radius limits checked at preflight; the defaults refuse anything bigger than half a cluster. */
export const safetySchema = z.strictObject({
  maxNodes: z.int().min(1).optional(),
  maxFraction: z
    .number()
    .gt(0, { message: 'maxFraction must be greater than 0' })
    .max(1, { message: 'maxFraction is a share of the cluster: at most 1' })
    .default(0.5),
  allowWholeCluster: z.boolean().default(false),
  protectedNamespaces: z.array(dnsLabel('namespace')).default(() => ['kube-system']),
  allowWorkerInTarget: z.boolean().default(false),
  allowTemporalInTarget: z.boolean().default(false),
  allowMonitoringInTarget: z.boolean().default(false),
  monitoring: z.array(workloadRefSchema).default(() => []),
});
