import { parseLabelSelector, type SelectorRequirement } from '../../drills/schema/index.js';
import type { LabelSelector, LabelSelectorRequirement, NodeInfo, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration } from './model.js';

// The matching rules of Kubernetes selectors, applied to labels the census already holds:
// the drill's node selector string, PDB label selectors, node affinity terms and tolerations.

type Labels = Record<string, string>;

/** One requirement of a label-selector string; "!=" and "notin" also match when the key is absent. */
export function matchesRequirement(labels: Labels, r: SelectorRequirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case '=':
      return has && v === r.values[0];
    case '!=':
      return !has || v !== r.values[0];
    case 'in':
      return has && r.values.includes(v ?? '');
    case 'notin':
      return !has || !r.values.includes(v ?? '');
  }
}

/** Compiles a selector string ("pool=batch,tier!=db,zone in (a,b)") into a predicate; throws on bad syntax. */
export function compileSelector(selector: string): (labels: Labels) => boolean {
  const parsed = parseLabelSelector(selector);
  if (!parsed.ok) throw new Error(`invalid label selector "${selector}": ${parsed.reason}`);
  const reqs = parsed.requirements;
  return (labels) => reqs.every((r) => matchesRequirement(labels, r));
}

const NO_VALUES: readonly string[] = [];
const NO_EXPRESSIONS: readonly LabelSelectorRequirement[] = [];

/**
 * A LabelSelector object (policy/v1 semantics: an empty selector matches everything). Allocates
 * nothing (no entries, no iterators): the capacity probe calls it for every pod of a namespace,
 * every workload, every tick.
 */
export function matchesLabelSelector(labels: Labels, sel: LabelSelector): boolean {
  const want = sel.matchLabels;
  if (want) {
    for (const k in want) {
      if (Object.hasOwn(want, k) && labels[k] !== want[k]) return false;
    }
  }
  const exprs = sel.matchExpressions ?? NO_EXPRESSIONS;
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i] as LabelSelectorRequirement;
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? NO_VALUES;
    const ok =
      e.operator === 'In' ? has && values.includes(labels[e.key] ?? '')
      : e.operator === 'NotIn' ? !has || !values.includes(labels[e.key] ?? '')
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

function matchesNodeRequirement(value: string | undefined, r: NodeSelectorRequirement): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number(value);
      const bound = Number(values[0]);
      if (value === undefined || !Number.isInteger(n) || !Number.isInteger(bound)) return false;
      return r.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/** Node affinity terms: ORed terms of ANDed requirements; an empty term matches nothing (as in Kubernetes). */
export function matchesNodeTerms(node: NodeInfo, terms: NodeSelectorTerm[]): boolean {
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return (
      exprs.every((r) => matchesNodeRequirement(node.labels[r.key], r)) &&
      fields.every((r) => matchesNodeRequirement(r.key === 'metadata.name' ? node.name : undefined, r))
    );
  });
}

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** Whether a pod may be scheduled on the node as far as NoSchedule/NoExecute taints go. */
export function toleratesNode(tolerations: Toleration[], node: NodeInfo): boolean {
  return node.taints
    .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    .every((taint) => tolerations.some((t) => tolerates(t, taint)));
}
