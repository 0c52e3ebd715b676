import type { z } from 'zod';
import type { faultModeSchema, targetSchema } from './target.js';
import type {
  httpProbeSchema,
  kubernetesProbeSchema,
  probeSchema,
  prometheusProbeSchema,
  rpoProbeSchema,
  tcpProbeSchema,
} from './probes.js';
import type { objectiveSchema } from './objectives.js';
import type { safetySchema } from './safety.js';
import type { drillSpecSchema } from './spec.js';
import type { workloadRefSchema } from './workload.js';

export { drillSpecSchema } from './spec.js';
export { requiredReady } from './probes.js';
export { parseDuration, formatDuration, DURATION_FORM } from './duration.js';
export { parseLabelSelector, type SelectorRequirement, type SelectorOperator } from './selector.js';

/** A parsed drill: durations in integer milliseconds, every default filled, plain JSON data. */
export type DrillSpec = z.output<typeof drillSpecSchema>;
export type TargetSpec = z.output<typeof targetSchema>;
export type FaultMode = z.output<typeof faultModeSchema>;
export type ProbeSpec = z.output<typeof probeSchema>;
export type HttpProbeSpec = z.output<typeof httpProbeSchema>;
export type KubernetesProbeSpec = z.output<typeof kubernetesProbeSchema>;
export type PrometheusProbeSpec = z.output<typeof prometheusProbeSchema>;
export type RpoProbeSpec = z.output<typeof rpoProbeSchema>;
export type TcpProbeSpec = z.output<typeof tcpProbeSchema>;
export type ObjectiveSpec = z.output<typeof objectiveSchema>;
export type WorkloadRef = z.output<typeof workloadRefSchema>;
export type SafetySpec = z.output<typeof safetySchema>;
