import type { DrillResult, JournalEntry, ObjectiveResult, PlanWorkload, ProbeMeasurement, StandbySummary } from './result.js';
import { compareRuns, describeComparison } from './compare.js';
import { verifyResult } from './evidence.js';
import { formatDateTime, formatDuration, formatFraction, formatMeasuredMs, spanMs } from './format.js';
import { OBJECTIVE_RULE, OUTCOME_LABEL, objectiveRows, objectivesSummary, verdictHeadline } from './verdict.js';
import { faultWindows, stateRuns, type FaultWindows } from './windows.js';

// What a report says, independent of how it is drawn: the Markdown and HTML renderers turn the
// same model into their format, so the two never disagree. All strings are plain, unescaped text.

export type Tone = 'good' | 'bad' | 'warn';
export type Cell = string | { text: string; href?: string; tone?: Tone; code?: boolean };

export type Block =
  | { kind: 'facts'; pairs: Array<[string, Cell]> }
  | { kind: 'table'; head: string[]; rows: Cell[][]; className?: string }
  | { kind: 'list'; items: Cell[] }
  | { kind: 'para'; text: string; tone?: Tone }
  | { kind: 'heading'; text: string }
  | { kind: 'timeline' };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportModel {
  title: string;
  outcome: DrillResult['outcome'];
  verdict: { word: string; symbol: string; headline: string; reason: string };
  /** Page one: what a committee member reads; the rest is detail and evidence. */
  summary: Section[];
  body: Section[];
}

function relative(iso: string | null | undefined, t0: string | null): string {
  if (!iso) return '—';
  const d = spanMs(t0, iso);
  if (d === null) return formatDateTime(iso);
  return relativeMs(d);
}

/** "T0+4 s"; under half a second in milliseconds, so no time reads "T0−0 s". */
function relativeMs(d: number): string {
  if (d === 0) return 'T0';
  const abs = Math.abs(d);
  return `T0${d > 0 ? '+' : '−'}${abs < 500 ? formatDuration(abs, 1) : formatDuration(abs)}`;
}

/** "48 s: injecting 3 s (first change → T0), then held 45 s (T0 → restore start)". */
export function faultWindowText(w: FaultWindows): string {
  if (w.faultMs === null) return w.injectStartedAt ? 'applied, restore start not recorded' : `not applied (timing.hold ${formatDuration(w.plannedHoldMs)})`;
  const planned = w.holdMs !== null && Math.abs(w.holdMs - w.plannedHoldMs) >= 1000 ? `; timing.hold ${formatDuration(w.plannedHoldMs)}` : '';
  const parts: string[] = [];
  if (w.injectionMs !== null) parts.push(`injecting ${formatDuration(w.injectionMs)} (first change → T0)`);
  else if (!w.t0) parts.push('T0 not reached (the injection was stopped first)');
  if (w.holdMs !== null) parts.push(`held ${formatDuration(w.holdMs)} (T0 → restore start${planned})`);
  return `${formatDuration(w.faultMs)} in place: ${parts.join(', then ')}`;
}

function durationBetween(from?: string | null, to?: string | null): string {
  const d = spanMs(from, to);
  return d === null ? '—' : formatDuration(d);
}

function overview(r: DrillResult): Section {
  const pairs: Array<[string, Cell]> = [
    ['Drill', r.drill.name],
    ['Description', r.drill.description ?? '—'],
    ['Owner', r.drill.owner],
    ['Target', r.drill.target],
    ['Fault', `${r.drill.fault}, ${faultWindowText(faultWindows(r))}`],
    ['Date', `${formatDateTime(r.run.startedAt)} to ${formatDateTime(r.run.endedAt)}`],
    ['Duration', durationBetween(r.run.startedAt, r.run.endedAt)],
    ['Trigger', r.run.trigger],
    ['Objectives', objectivesSummary(r)],
  ];
  const covered = r.measurements.probes.filter((p) => p.coverage);
  if (covered.length) {
    const worst = covered.reduce((w, p) => ((p.coverage?.fraction ?? 1) < (w.coverage?.fraction ?? 1) ? p : w));
    const unsure = covered.filter((p) => p.inconclusive).length;
    pairs.push(['Coverage', {
      text: `lowest: ${worst.probe}, ${coverageText(worst)}${unsure ? `; ${unsure} probe(s) not observed well enough to judge` : ''}`,
      ...(unsure ? { tone: 'warn' as const } : {}),
    }]);
  }
  return { id: 'overview', title: 'Overview', blocks: [{ kind: 'facts', pairs }] };
}

function objectivesSection(r: DrillResult): Section {
  const tone = (status: string): Tone => (status === 'met' ? 'good' : status === 'inconclusive' ? 'warn' : 'bad');
  const rows = objectiveRows(r).map((o): Cell[] => [
    o.label,
    { text: o.measured, tone: o.status === 'met' ? undefined : tone(o.status) },
    o.target,
    { text: o.statusText, tone: tone(o.status) },
    o.note || '—',
  ]);
  const blocks: Block[] = rows.length
    ? [{ kind: 'table', head: ['Objective', 'Measured', 'Target', 'Result', 'Note'], rows, className: 'objectives' }, { kind: 'para', text: OBJECTIVE_RULE }]
    : [{ kind: 'para', text: 'No objective was measured.' }];
  return { id: 'objectives', title: 'Objectives', blocks };
}

/** "97 % of 45 s observed, longest gap 2 s". */
export function coverageText(m: ProbeMeasurement): string {
  const c = m.coverage;
  if (!c) return 'not recorded';
  if (c.observations === 0) return `nothing observed (window ${formatDuration(c.windowMs)})`;
  const pct = `${Math.floor(c.fraction * 1000) / 10} %`;
  return `${pct} of ${formatDuration(c.windowMs)} observed (${c.observations} observations), ${c.gaps.length ? `longest gap ${formatDuration(c.longestGapMs)}` : 'no gap'}`;
}

/** The objective that judges an item of notFailedOver, if any: else it did not count. */
function countingObjective(r: DrillResult, item: DrillResult['notFailedOver'][number]): ObjectiveResult | undefined {
  if (item.kind === 'probe') {
    const failback = /failback/.test(item.reason);
    return r.objectives.find((o) => (failback
      ? o.type === 'failback'
      : o.type === 'rto' && (o.probe === undefined || o.probe === item.name)));
  }
  return r.objectives.find((o) => o.type === 'capacity');
}

function uncountedWhy(item: DrillResult['notFailedOver'][number]): string {
  if (item.kind !== 'probe') return 'no capacity objective';
  return /failback/.test(item.reason) ? 'no failback objective' : `no RTO objective covers probe ${item.name}`;
}

/** A workload the target held none (or less than its share) of at preflight: its failover was not tested. */
export function untestedWorkloads(r: DrillResult): Array<{ label: string; text: string; none: boolean }> {
  const plan = r.plan;
  if (!plan || !plan.targetNodes.length || !plan.clusterNodes) return [];
  const share = plan.targetNodes.length / plan.clusterNodes;
  return plan.workloads.flatMap((w): Array<{ label: string; text: string; none: boolean }> => {
    const label = `${w.kind} ${w.namespace}/${w.name}`;
    if (w.desired <= 0) return [];
    if (w.readyInTarget === 0) {
      return [{ label, none: true, text: `${label}: the target held none of its ${w.desired} replicas at preflight (they had already left it, e.g. after an earlier run): this drill could not test its failover` }];
    }
    // Spread evenly, the target would hold its share of the replicas; far fewer is a weak test.
    const expected = Math.floor(w.desired * share);
    if (w.readyInTarget < expected && w.readyInTarget < w.desired) {
      return [{ label, none: false, text: `${label}: the target held only ${w.readyInTarget} of its ${w.desired} replicas at preflight (an even spread puts ${expected} there): its failover was tested only in part` }];
    }
    return [];
  });
}

function notFailedOverSection(r: DrillResult): Section {
  const blocks: Block[] = [];
  const unsure = r.measurements.probes.filter((p) => p.inconclusive);
  const injected = Boolean(r.measurements.injectStartedAt ?? r.injection?.t0);
  const untested = injected ? untestedWorkloads(r) : [];
  const notRestored = (r.restore?.nodes ?? []).filter((n) => !n.restored).map((n) => n.name);
  for (const n of r.injection?.nodes ?? []) if (!n.restored && !notRestored.includes(n.name)) notRestored.push(n.name);
  if (notRestored.length) {
    blocks.push({ kind: 'para', text: `Not restored: ${notRestored.join(', ')}. The drill left a change behind; put it back by hand (see Restore).`, tone: 'bad' });
  }
  // An item no objective judges did not change the verdict: it is a warning, never shown as a failure.
  const counted = r.notFailedOver.filter((i) => countingObjective(r, i));
  const uncounted = r.notFailedOver.filter((i) => !countingObjective(r, i));
  if (counted.length) {
    blocks.push({ kind: 'list', items: counted.map((i) => ({ text: `${i.kind} ${i.name}: ${i.reason}`, tone: 'bad' as const })) });
  }
  if (uncounted.length) {
    blocks.push({ kind: 'heading', text: 'Did not fail over, outside every objective' });
    blocks.push({ kind: 'para', text: 'No objective of this drill covers these, so they did not count towards the verdict; add an objective for them to make them count.', tone: 'warn' });
    blocks.push({ kind: 'list', items: uncounted.map((i) => ({ text: `${i.kind} ${i.name}: ${i.reason} (not counted: ${uncountedWhy(i)})`, tone: 'warn' as const })) });
  }
  if (!r.notFailedOver.length) {
    if (!injected) blocks.push({ kind: 'para', text: 'Not tested: no fault was applied in this run.', tone: 'warn' });
    else if (!unsure.length) {
      blocks.push({ kind: 'para', text: untested.length ? 'Everything watched by this drill that the target held failed over.' : 'Everything watched by this drill failed over.', tone: 'good' });
    }
  }
  if (untested.length) {
    blocks.push({ kind: 'heading', text: 'Not tested by this run' });
    blocks.push({ kind: 'list', items: untested.map((u) => ({ text: u.text, tone: 'warn' as const })) });
  }
  if (unsure.length) {
    blocks.push({ kind: 'heading', text: 'Not observed well enough to judge' });
    blocks.push({ kind: 'list', items: unsure.map((p) => ({ text: `probe ${p.probe}: ${p.inconclusive} (${coverageText(p)})`, tone: 'warn' as const })) });
  }
  return { id: 'not-failed-over', title: 'What did not fail over', blocks };
}

function sinceSection(r: DrillResult, previous?: DrillResult | null): Section {
  if (!r.measurements.injectStartedAt && !r.measurements.t0) {
    return { id: 'since-previous', title: 'Since the previous run of this drill', blocks: [{ kind: 'para', text: 'Not compared: this run injected no fault, so it measured nothing to compare.' }] };
  }
  const d = describeComparison(compareRuns(r, previous));
  const blocks: Block[] = [{ kind: 'para', text: d.intro }];
  if (d.lines.length) {
    blocks.push({
      kind: 'list',
      items: d.lines.map((text) => ({
        text,
        tone: /^(Newly failing|New gap)|\(worse/.test(text) ? 'bad' : /^(Newly passing|Fixed)|\(better/.test(text) ? 'good' : undefined,
      })),
    });
  }
  return { id: 'since-previous', title: 'Since the previous run of this drill', blocks };
}

function rtoCell(m: ProbeMeasurement): Cell {
  if (m.coverage?.observations === 0) return { text: 'not measured (no observation)', tone: 'warn' };
  if (!m.impact) return m.inconclusive ? { text: 'no impact seen (inconclusive)', tone: 'warn' } : 'no impact';
  if (m.rtoMs === null) return m.inconclusive ? { text: 'not seen to recover (inconclusive)', tone: 'warn' } : { text: 'not recovered (breach)', tone: 'bad' };
  return m.inconclusive ? { text: `${formatMeasuredMs(m.rtoMs, m.resolutionMs)} (inconclusive)`, tone: 'warn' } : formatMeasuredMs(m.rtoMs, m.resolutionMs);
}

function timelineSection(r: DrillResult): Section {
  const t0 = r.measurements.t0;
  const w = faultWindows(r);
  // The inject and hold phases are workflow steps; the windows count from the first change and from T0.
  const phaseNote = (phase: string): string => {
    if (phase === 'inject' && w.injectionMs !== null) return `injection window (first change → T0): ${formatDuration(w.injectionMs)}`;
    if (phase === 'hold' && w.holdMs !== null) return `hold (T0 → restore start): ${formatDuration(w.holdMs)}; this phase starts when the injection step returns`;
    return '';
  };
  const phases = r.phases.map((p): Cell[] => [
    p.phase, formatDateTime(p.startedAt), p.endedAt ? formatDateTime(p.endedAt) : '—', durationBetween(p.startedAt, p.endedAt), phaseNote(p.phase) || '—',
  ]);
  const probes = r.measurements.probes.map((m): Cell[] => [
    m.probe,
    m.detectedAt ? relative(m.detectedAt, t0) : m.coverage?.observations === 0 ? '—' : 'no impact',
    rtoCell(m),
    m.failbackMs === null ? { text: 'not steady again', tone: 'bad' } : formatMeasuredMs(m.failbackMs, m.resolutionMs),
    { text: coverageText(m), tone: m.inconclusive ? 'warn' : undefined },
  ]);
  const gaps = r.measurements.probes.flatMap((m) => (m.coverage?.gaps ?? []).map((g): Cell => ({
    text: `${m.probe}: no observation from ${relative(g.from, t0)} to ${relative(g.to, t0)} (${formatDuration(g.ms)})`,
    tone: m.inconclusive ? 'warn' : undefined,
  })));
  const ms = r.measurements;
  const windowText = ms.injectStartedAt
    ? `Injection started (first node changed): ${formatDateTime(ms.injectStartedAt)} (${relative(ms.injectStartedAt, t0)}). `
      + `T0 (fault in place on the last target node${r.drill.fault === 'drain' ? ', every pod\'s first eviction sent' : ''}): ${t0 ? formatDateTime(t0) : 'not reached (injection was stopped first)'}. `
      + `${ms.drainCompletedAt ? `Drain completed: ${formatDateTime(ms.drainCompletedAt)} (${relative(ms.drainCompletedAt, t0)}). ` : ''}`
      + `Restore started: ${formatDateTime(r.restore?.startedAt ?? ms.holdEndedAt)}. `
      + `Fault window (first change → restore start): ${faultWindowText(w)}. `
      + 'Detection, RTO and capacity recovery count from the start of injection; the window measured runs from there to the start of restore.'
    : `T0 (fault applied to the last target node): ${formatDateTime(t0)}. Restore started: ${formatDateTime(r.restore?.startedAt)}.`;
  const origin = t0 ? Date.parse(t0) : null;
  const at = (t: number): string => (origin === null ? formatDateTime(new Date(t).toISOString()) : relativeMs(t - origin));
  const states = r.probes.map((p): Cell => {
    const parts = stateRuns(p).map((s) => {
      const word = s.state === 'healthy' ? 'healthy' : s.state === 'failing' ? 'FAILING' : 'no observation';
      const when = s.state !== 'unobserved' && at(s.from) === at(s.to) ? `at ${at(s.from)} (${s.count} observation${s.count === 1 ? '' : 's'})` : `${at(s.from)} to ${at(s.to)}`;
      return `${word} ${when}${s.error ? ` (${s.error})` : ''}`;
    });
    return `${p.name} (${p.type}, every ${formatDuration(p.intervalMs, p.intervalMs)}): ${parts.join('; ') || 'no observations'}`;
  });
  const blocks: Block[] = [
    { kind: 'timeline' },
    { kind: 'para', text: windowText },
    { kind: 'table', head: ['Probe', 'Detected', 'RTO', 'Failback', 'Coverage'], rows: probes },
    { kind: 'heading', text: 'Gaps in observation' },
    gaps.length ? { kind: 'list', items: gaps } : { kind: 'para', text: 'None: every probe observed the whole window.' },
    { kind: 'heading', text: 'Probe states' },
    { kind: 'list', items: states },
    { kind: 'heading', text: 'Phases' },
    { kind: 'table', head: ['Phase', 'Started', 'Ended', 'Duration', 'Note'], rows: phases },
  ];
  return { id: 'timeline', title: 'Timeline', blocks };
}

function impactSection(r: DrillResult): Section {
  const blocks: Block[] = [];
  const plan = r.plan;
  const capacity = r.measurements.capacity;
  if (plan) {
    const zones = [...new Set(plan.targetNodes.map((n) => n.zone).filter(Boolean))].join(', ');
    blocks.push({ kind: 'para', text: `Census before the drill: ${plan.targetNodes.length} target nodes${zones ? ` (${zones})` : ''} of ${plan.clusterNodes} cluster nodes; guard verdict: ${plan.verdict.allowed ? 'allowed' : 'refused'}.` });
    if (plan.verdict.reasons.length) blocks.push({ kind: 'list', items: plan.verdict.reasons });
    if (plan.warnings?.length) blocks.push({ kind: 'para', text: 'Census warnings:' }, { kind: 'list', items: plan.warnings });
  } else {
    blocks.push({ kind: 'para', text: 'No census was taken (the drill stopped before preflight finished).', tone: 'warn' });
  }
  const key = (w: { kind: string; namespace: string; name: string }): string => `${w.kind}/${w.namespace}/${w.name}`;
  const actual = new Map((capacity?.workloads ?? []).map((w) => [key(w), w]));
  const names = [...new Set([...(plan?.workloads ?? []).map(key), ...actual.keys()])];
  const predicted = new Map((plan?.workloads ?? []).map((w) => [key(w), w]));
  const untested = new Map(untestedWorkloads(r).map((u) => [u.label, u]));
  const rows = names.map((k): Cell[] => {
    const p = predicted.get(k);
    const a = actual.get(k);
    const w = p ?? a!;
    return [
      `${w.kind} ${w.namespace}/${w.name}`,
      String(w.desired),
      p ? `${p.readyInTarget} in target, ${p.readyOutside} outside` : '—',
      predictedCell(p, untested.get(`${w.kind} ${w.namespace}/${w.name}`)),
      a ? (a.readyOutsideAfter === null ? { text: 'not observed', tone: 'warn' } : `${a.readyOutsideAfter} of ${a.desired}`) : '—',
      !a ? '—' : a.recovered ? { text: a.recoveryMs === null ? '✓ recovered' : `✓ ${formatMeasuredMs(a.recoveryMs, capacity?.resolutionMs)}`, tone: 'good' } : { text: '✗ not recovered', tone: 'bad' },
    ];
  });
  if (rows.length) {
    const readyHead = capacity?.basis === 'after-restore' ? 'Actual: ready in the cluster after restore' : 'Actual: ready outside target after hold';
    blocks.push({ kind: 'table', head: ['Workload', 'Desired', 'Predicted: ready replicas', 'Predicted', readyHead, 'Actual: capacity recovery'], rows });
  }
  if (capacity) {
    const where = capacity.basis === 'after-restore'
      ? 'every watched workload ready again in the cluster, counted from the end of restore: a whole-cluster drill without a standby has nowhere else to recover'
      : 'every watched workload ready outside the target';
    blocks.push({ kind: 'para', text: `Capacity recovery (${where}): ${capacity.recoveryMs === null ? 'not recovered (breach)' : formatMeasuredMs(capacity.recoveryMs, capacity.resolutionMs)}.`, tone: capacity.recovered ? undefined : 'bad' });
  }
  if (plan?.standby) blocks.push(...standbyBlocks(plan.standby));
  if (plan?.blockingPdbs.length) {
    blocks.push({ kind: 'heading', text: 'PodDisruptionBudgets predicted to block the drain' });
    blocks.push({ kind: 'list', items: plan.blockingPdbs.map((p) => `${p.namespace}/${p.name}: ${p.reason}`) });
  }
  if (plan?.zoneBoundVolumes.length) {
    blocks.push({ kind: 'heading', text: 'Volumes bound to the target zone' });
    blocks.push({ kind: 'list', items: plan.zoneBoundVolumes.map((v) => `${v.name} (${v.zone})${v.claim ? `, claim ${v.claim}` : ''}${v.pods.length ? `, used by ${v.pods.join(', ')}` : ''}`) });
  }
  if (plan?.pendingAfterMove.length) {
    blocks.push({ kind: 'heading', text: 'Pods predicted to stay pending after the move' });
    blocks.push({ kind: 'list', items: plan.pendingAfterMove });
  }
  const rpo = r.measurements.rpo.map((p): Cell[] => [
    p.probe, String(p.acknowledged), String(p.missing),
    p.rpoMs === null ? { text: 'not measurable (breach)', tone: 'bad' } : formatMeasuredMs(p.rpoMs, p.resolutionMs),
    p.reads === undefined ? '—' : p.agreed === false ? { text: `${p.reads}, never two alike: markers any read returned count as stored`, tone: 'warn' } : `${p.reads} (the last two agreed)`,
  ]);
  if (rpo.length) {
    blocks.push({ kind: 'heading', text: 'Data (RPO)' });
    blocks.push({ kind: 'table', head: ['Probe', 'Acknowledged writes', 'Missing after failover', 'RPO', 'Reads'], rows: rpo });
  }
  const eb = r.measurements.errorBudget;
  blocks.push({ kind: 'para', text: `Error budget used: ${formatFraction(eb.used)} (${eb.failed} failed of ${eb.total} probe observations).` });
  return { id: 'impact', title: 'Predicted impact and what happened', blocks };
}

function predictedCell(p: PlanWorkload | undefined, untested?: { none: boolean }): Cell {
  if (!p) return '—';
  if (untested?.none) return { text: 'none in the target: failover not tested', tone: 'warn' };
  if (untested) return { text: `${p.losesAll ? 'loses all replicas' : 'keeps some'}; few in the target: tested only in part`, tone: 'warn' };
  return p.losesAll ? { text: 'loses all replicas', tone: 'bad' } : 'keeps some';
}

/** A cluster drill's standby site: the counterparts, what exists in the drilled site only, its predicted room. */
function standbyBlocks(s: StandbySummary): Block[] {
  const missing = s.noCounterpart.map((w) => `${w.kind} ${w.namespace}/${w.name}`);
  return [
    { kind: 'heading', text: `Standby site ${s.context}` },
    { kind: 'para', text: `Capacity recovery of a workload with a counterpart was counted in ${s.context} (${s.server}), on the counterpart. Counterparts are matched by ${s.rule}.` },
    { kind: 'table', head: ['Workload in the drilled site', `Counterpart in ${s.context}`], rows: s.counterparts.map((c): Cell[] => [`${c.kind} ${c.namespace}/${c.name}`, c.counterpart ?? { text: 'none', tone: 'bad' }]) },
    missing.length
      ? { kind: 'para', text: `In the drilled site only (no counterpart in ${s.context}): ${missing.join(', ')}.`, tone: 'bad' }
      : { kind: 'para', text: `Every workload has a counterpart in ${s.context}.` },
    { kind: 'para', text: `Predicted room: ${s.capacity.note}.`, tone: s.capacity.fits ? undefined : 'bad' },
  ];
}

/** What the drill did to a node, by its fault: a drain cordons then evicts, and says drain. */
function nodeActions(fault: DrillResult['drill']['fault'], actions: string[]): string {
  if (!actions.length) return 'nothing';
  if (fault === 'drain' && actions.includes('cordon')) return ['drain (cordon, evict)', ...actions.filter((a) => a !== 'cordon')].join(', ');
  return actions.join(', ');
}

function injectionSection(r: DrillResult): Section {
  const inj = r.injection;
  if (!inj) return { id: 'injection', title: 'Fault injection', blocks: [{ kind: 'para', text: 'No fault was injected.' }] };
  const blocks: Block[] = [
    { kind: 'facts', pairs: [
      ['Fault', r.drill.fault],
      ['Injection started', formatDateTime(inj.injectStartedAt)],
      ['T0', inj.t0 ? formatDateTime(inj.t0) : { text: 'not reached: injection was stopped before the fault was in place everywhere', tone: 'warn' }],
      ...(inj.drainCompletedAt ? [['Drain completed', formatDateTime(inj.drainCompletedAt)] as [string, Cell]] : []),
      ...(inj.stopped ? [['Stopped early', { text: 'yes: the injection was cancelled before it finished', tone: 'warn' }] as [string, Cell]] : []),
      ['Nodes changed', String(inj.nodes.length)],
      ['Pods evicted', String(inj.evicted)],
      ['Kubernetes API retries', String(inj.apiRetries)],
    ] },
    { kind: 'table', head: ['Node', 'Zone', 'Changed', 'Cordoned before', 'Restored'], rows: inj.nodes.map((n): Cell[] => [
      n.name, n.zone ?? '—', nodeActions(r.drill.fault, n.actions), n.wasCordoned ? 'yes (left cordoned)' : 'no',
      n.restored ? { text: '✓ yes', tone: 'good' } : { text: '✗ no', tone: 'bad' },
    ]) },
    { kind: 'heading', text: 'Pods that could not be evicted' },
  ];
  blocks.push(inj.notEvicted.length
    ? { kind: 'table', head: ['Pod', 'Node', 'Reason'], rows: inj.notEvicted.map((p): Cell[] => [`${p.namespace}/${p.pod}`, p.node, { text: p.reason, tone: 'warn' }]) }
    : { kind: 'para', text: 'None: every evictable pod was evicted.' });
  return { id: 'injection', title: 'Fault injection', blocks };
}

/** How long restore waited on the Kubernetes API, with its retries: empty when it never did. */
function restoreWait(rs: NonNullable<DrillResult['restore']>): string {
  if (!rs.blockedMs) return '';
  const attempts = (rs.attempts ?? 1) > 1 ? `, ${rs.attempts} attempts` : '';
  const retries = rs.apiRetries ? ` (${rs.apiRetries} retried API call(s)${attempts})` : '';
  return `; waited ${formatDuration(rs.blockedMs)} for the Kubernetes API to answer${retries}`;
}

function journalRows(entries: JournalEntry[]): Cell[][] {
  return entries.map((e): Cell[] => [
    formatDateTime(e.at), { text: e.kind, tone: e.kind === 'guardrail' || e.kind === 'error' ? 'bad' : e.kind === 'warning' ? 'warn' : undefined },
    e.identity ?? '—', e.message,
  ]);
}

/** "approved at start by demo", or "approved by bob at <time>". */
function approvedText(r: DrillResult): string {
  const a = r.approval;
  const first = r.phases[0]?.startedAt ?? r.run.startedAt;
  const atStart = a.approvedAt !== undefined && Date.parse(a.approvedAt) <= Date.parse(first);
  return atStart ? `approved at start by ${a.approvedBy}` : `approved by ${a.approvedBy}${a.approvedAt ? ` at ${formatDateTime(a.approvedAt)}` : ''}`;
}

function actionsSection(r: DrillResult): Section {
  const notable = r.journal.filter((e) => e.kind === 'operator' || e.kind === 'guardrail' || e.kind === 'warning' || e.kind === 'error');
  const a = r.approval;
  const blocks: Block[] = [
    { kind: 'heading', text: 'Approval' },
    { kind: 'facts', pairs: a.required
      ? [['Required', 'yes'], ['Approved by', a.approvedBy ?? { text: 'not approved', tone: 'warn' }], ['Approved at', formatDateTime(a.approvedAt)]]
      : [['Required', a.approvedBy ? `not required (${approvedText(r)})` : 'not required (the drill does not require approval)']] },
  ];
  if (a.quorum !== undefined || a.startedBy) {
    blocks.push({ kind: 'facts', pairs: [
      ...(a.quorum !== undefined ? [['Quorum', `${a.quorum} distinct approver(s)`] as [string, string]] : []),
      ...(a.startedBy ? [['Started by', `${a.startedBy} (as the start claimed)`] as [string, string]] : []),
    ] });
  }
  if (a.approvals?.length) {
    blocks.push({ kind: 'table', head: ['Approved by', 'At', 'Checked', 'Key fingerprint'], rows: a.approvals.map((x): Cell[] => [
      x.identity, formatDateTime(x.at),
      x.verified ? `SSH signature verified (${x.keyType ?? 'key'})` : { text: 'unverified identity', tone: 'warn' },
      x.fingerprint ?? '—',
    ]) });
    const signed = a.approvals.find((x) => x.statement);
    if (signed?.statement) blocks.push({ kind: 'para', text: `Signed statement: ${signed.statement.trimEnd().split('\n').join('; ')}` });
  }
  if (a.refused.length) {
    blocks.push({ kind: 'table', head: ['Refused by', 'At', 'Reason'], rows: a.refused.map((x): Cell[] => [x.identity, formatDateTime(x.at), x.reason]) });
  }
  blocks.push({ kind: 'heading', text: 'Guardrail trips and operator actions' });
  blocks.push(notable.length
    ? { kind: 'table', head: ['Time', 'Kind', 'Who', 'What'], rows: journalRows(notable) }
    : { kind: 'para', text: 'No guardrail tripped and no operator intervened.' });
  return { id: 'actions', title: 'Guardrails, approvals and operator actions', blocks };
}

function restoreSection(r: DrillResult): Section {
  const rs = r.restore;
  if (!rs) return { id: 'restore', title: 'Restore', blocks: [{ kind: 'para', text: 'Nothing to restore: no change was made.' }] };
  const failed = rs.nodes.filter((n) => !n.restored);
  return {
    id: 'restore',
    title: 'Restore',
    blocks: [
      { kind: 'para', text: `Restore ran from ${formatDateTime(rs.startedAt)} to ${formatDateTime(rs.endedAt)}: ${rs.nodes.length - failed.length} of ${rs.nodes.length} nodes restored${restoreWait(rs)}.`, tone: failed.length ? 'bad' : undefined },
      ...(failed.length ? [{ kind: 'list', items: failed.map((n) => ({ text: `${n.name}: not restored${n.note ? ` (${n.note})` : ''}`, tone: 'bad' as const })) } satisfies Block] : []),
      ...(r.measurements.failback ? [{ kind: 'para', text: `Failback (all probes steady again after restore): ${r.measurements.failback.ms === null ? 'not steady again' : formatMeasuredMs(r.measurements.failback.ms, r.measurements.failback.resolutionMs)}.`, tone: r.measurements.failback.recovered ? undefined : 'bad' } satisfies Block] : []),
    ],
  };
}

function orchestratorText(o: NonNullable<NonNullable<DrillResult['run']['cluster']>['orchestrator']>): Cell {
  if (o.workerNode) return o.workerInTarget ? { text: `${o.host}, node ${o.workerNode}: INSIDE the target`, tone: 'bad' } : `${o.host}, node ${o.workerNode}, outside the target`;
  return `${o.host}, no cluster node named (FIREDRILL_NODE_NAME unset: a host outside the clusters)`;
}

function environmentSection(r: DrillResult): Section {
  return {
    id: 'environment',
    title: 'Environment',
    blocks: [{ kind: 'facts', pairs: [
      ['Cluster context', r.run.cluster?.context ?? (r.run.cluster?.server ? 'the worker\'s current kube context (its name was not recorded)' : '—')],
      ['API server', r.run.cluster?.server ?? '—'],
      ...(r.run.cluster?.standby ? [['Standby', `${r.run.cluster.standby.context} (${r.run.cluster.standby.server})`] satisfies [string, Cell]] : []),
      ...(r.run.cluster?.orchestrator ? [['Worker ran on', orchestratorText(r.run.cluster.orchestrator)] satisfies [string, Cell]] : []),
      ['Target', r.drill.target],
      ['Target nodes', r.plan ? String(r.plan.targetNodes.length) : '—'],
      ['Cluster nodes', r.plan ? String(r.plan.clusterNodes) : '—'],
      ['Temporal namespace', r.run.namespace],
    ] }],
  };
}

function evidenceSection(r: DrillResult): Section {
  const v = verifyResult(r);
  const hash: Cell = v.expected === null
    ? { text: `not sealed (content hash ${v.actual})`, tone: 'warn', code: true }
    : v.ok ? { text: v.actual, code: true } : { text: `${v.expected} — DOES NOT MATCH the content (${v.actual})`, tone: 'bad', code: true };
  return {
    id: 'evidence',
    title: 'Evidence',
    blocks: [{ kind: 'facts', pairs: [
      ['Drill spec sha256', { text: r.drill.specSha256, code: true }],
      ['Workflow id', { text: r.run.workflowId, href: r.run.temporalUiUrl, code: true }],
      ['Run id', { text: r.run.runId, code: true }],
      ['Started', formatDateTime(r.run.startedAt)],
      ['Ended', formatDateTime(r.run.endedAt)],
      ['firedrill version', r.run.firedrillVersion],
      ['Result schema', r.schemaVersion],
      ['Result sha256', hash],
      ...(r.evidence?.previousResultSha256 !== undefined
        ? [['Previous result sha256', { text: r.evidence.previousResultSha256 ?? 'none: the first stored result of this drill', code: true }] as [string, Cell]]
        : []),
      ['Signature', r.evidence?.signature
        ? { text: `ed25519 by ${r.evidence.signature.keyFingerprint} (check: firedrill report verify result.json --public-key K)`, code: true }
        : 'not signed: the hash shows integrity, not who wrote the result'],
    ] },
    { kind: 'para', text: 'The result sha256 covers the canonical JSON of result.json without its evidence field; check it with: firedrill report verify result.json' }],
  };
}

function journalSection(r: DrillResult): Section {
  return {
    id: 'journal',
    title: 'Journal',
    blocks: [r.journal.length ? { kind: 'table', head: ['Time', 'Kind', 'Who', 'What'], rows: journalRows(r.journal) } : { kind: 'para', text: 'Empty.' }],
  };
}

export function buildReportModel(result: DrillResult, previous?: DrillResult | null): ReportModel {
  const o = OUTCOME_LABEL[result.outcome];
  return {
    title: `Drill report: ${result.drill.name}`,
    outcome: result.outcome,
    verdict: { word: o.word, symbol: o.symbol, headline: verdictHeadline(result), reason: result.outcomeReason },
    summary: [overview(result), objectivesSection(result), notFailedOverSection(result), sinceSection(result, previous)],
    body: [
      timelineSection(result), impactSection(result), injectionSection(result), actionsSection(result),
      restoreSection(result), environmentSection(result), evidenceSection(result), journalSection(result),
    ],
  };
}
