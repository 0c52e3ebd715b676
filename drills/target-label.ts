import type { DrillSpec } from './schema/index.js';

/** How a drill's target reads in results, reports and the search attribute. Pure. */
export function describeTarget(spec: Pick<DrillSpec, 'target'>): string {
  const t = spec.target;
  if (t.type === 'zone') return `zone ${t.zone} (${t.zoneLabel})`;
  if (t.type === 'nodes') return `nodes matching ${t.selector}`;
  return 'the whole cluster';
}
