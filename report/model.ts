import type { DrillResult, JournalEntry, ProbeMeasurement, StandbySummary } from './result.js';
import { compareRuns, describeComparison } from './compare.js';
import { verifyResult } from './evidence.js';
import { formatDateTime, formatDuration, formatFraction, formatMeasuredMs, formatResolution, spanMs } from './format.js';
import { OBJECTIVE_RULE, OUTCOME_LABEL, objectiveRows, objectivesSummary, verdictHeadline } from './verdict.js';

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
  return d === 0 ? 'T0' : `T0${d > 0 ? '+' : '−'}${formatDuration(Math.abs(d))}`;
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
    ['Fault', `${r.drill.fault}, held ${formatDuration(r.drill.holdMs)}`],
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

function notFailedOverSection(r: DrillResult): Section {
  const blocks: Block[] = [];
  const unsure = r.measurements.probes.filter((p) => p.inconclusive);
  const notRestored = (r.restore?.nodes ?? []).filter((n) => !n.restored).map((n) => n.name);
  for (const n of r.injection?.nodes ?? []) if (!n.restored && !notRestored.includes(n.name)) notRestored.push(n.name);
  if (notRestored.length) {
    blocks.push({ kind: 'para', text: `Not restored: ${notRestored.join(', ')}. The drill left a change behind; put it back by hand (see Restore).`, tone: 'bad' });
  }
  if (r.notFailedOver.length) {
    blocks.push({ kind: 'list', items: r.notFailedOver.map((i) => ({ text: `${i.kind} ${i.name}: ${i.reason}`, tone: 'bad' as const })) });
  } else if (!r.measurements.injectStartedAt && !r.injection?.t0) {
    blocks.push({ kind: 'para', text: 'Not tested: no fault was applied in this run.', tone: 'warn' });
  } else if (!unsure.length) {
    blocks.push({ kind: 'para', text: 'Everything watched by this drill failed over.', tone: 'good' });
  }
  if (unsure.length) {
    blocks.push({ kind: 'heading', text: 'Not observed well enough to judge' });
    blocks.push({ kind: 'list', items: unsure.map((p) => ({ text: `probe ${p.probe}: ${p.inconclusive} (${coverageText(p)})`, tone: 'warn' as const })) });
  }
  return { id: 'not-failed-over', title: 'What did not fail over', blocks };
}

function sinceSection(r: DrillResult, previous?: DrillResult | null): Section {
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
  const phases = r.phases.map((p): Cell[] => [p.phase, formatDateTime(p.startedAt), p.endedAt ? formatDateTime(p.endedAt) : '—', durationBetween(p.startedAt, p.endedAt)]);
  const probes = r.measurements.probes.map((m): Cell[] => [
    m.probe,
    m.detectedAt ? relative(m.detectedAt, t0) : m.coverage?.observations === 0 ? '—' : 'no impact',
    rtoCell(m),
    m.failbackMs === null ? { text: 'not steady again', tone: 'bad' } : formatMeasuredMs(m.failbackMs, m.resolutionMs),
    formatResolution(m.resolutionMs),
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
      + 'Detection, RTO and capacity recovery count from the start of injection; the window measured runs from there to the start of restore.'
    : `T0 (fault applied to the last target node): ${formatDateTime(t0)}. Restore started: ${formatDateTime(r.restore?.startedAt)}.`;
  const states = r.probes.map((p): Cell => {
    const parts = p.segments.map((s) => `${s.healthy ? 'healthy' : 'FAILING'} ${relative(s.from, t0)} to ${relative(s.to, t0)}${s.error ? ` (${s.error})` : ''}`);
    return `${p.name} (${p.type}, every ${formatDuration(p.intervalMs, p.intervalMs)}): ${parts.join('; ') || 'no observations'}`;
  });
  const blocks: Block[] = [
    { kind: 'timeline' },
    { kind: 'para', text: windowText },
    { kind: 'table', head: ['Probe', 'Detected', 'RTO', 'Failback', 'Resolution', 'Coverage'], rows: probes },
    { kind: 'heading', text: 'Gaps in observation' },
    gaps.length ? { kind: 'list', items: gaps } : { kind: 'para', text: 'None: every probe observed the whole window.' },
    { kind: 'heading', text: 'Probe states' },
    { kind: 'list', items: states },
    { kind: 'heading', text: 'Phases' },
    { kind: 'table', head: ['Phase', 'Started', 'Ended', 'Duration'], rows: phases },
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
  } else {
    blocks.push({ kind: 'para', text: 'No census was taken (the drill stopped before preflight finished).', tone: 'warn' });
  }
  const key = (w: { kind: string; namespace: string; name: string }): string => `${w.kind}/${w.namespace}/${w.name}`;
  const actual = new Map((capacity?.workloads ?? []).map((w) => [key(w), w]));
  const names = [...new Set([...(plan?.workloads ?? []).map(key), ...actual.keys()])];
  const predicted = new Map((plan?.workloads ?? []).map((w) => [key(w), w]));
  const rows = names.map((k): Cell[] => {
    const p = predicted.get(k);
    const a = actual.get(k);
    const w = p ?? a!;
    return [
      `${w.kind} ${w.namespace}/${w.name}`,
      String(w.desired),
      p ? `${p.readyInTarget} in target, ${p.readyOutside} outside` : '—',
      p ? (p.losesAll ? { text: 'loses all replicas', tone: 'bad' } : 'keeps some') : '—',
      a ? (a.readyOutsideAfter === null ? { text: 'not observed', tone: 'warn' } : `${a.readyOutsideAfter} of ${a.desired}`) : '—',
      !a ? '—' : a.recovered ? { text: a.recoveryMs === null ? '✓ recovered' : `✓ ${formatMeasuredMs(a.recoveryMs, capacity?.resolutionMs)}`, tone: 'good' } : { text: '✗ not recovered', tone: 'bad' },
    ];
  });
  if (rows.length) {
    blocks.push({ kind: 'table', head: ['Workload', 'Desired', 'Predicted: ready replicas', 'Predicted', 'Actual: ready outside target after hold', 'Actual: capacity recovery'], rows });
  }
  if (capacity) {
    blocks.push({ kind: 'para', text: `Capacity recovery (every watched workload ready outside the target): ${capacity.recoveryMs === null ? 'not recovered (breach)' : formatMeasuredMs(capacity.recoveryMs, capacity.resolutionMs)}.`, tone: capacity.recovered ? undefined : 'bad' });
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
      n.name, n.zone ?? '—', n.actions.join(', ') || 'nothing', n.wasCordoned ? 'yes (left cordoned)' : 'no',
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

function actionsSection(r: DrillResult): Section {
  const notable = r.journal.filter((e) => e.kind === 'operator' || e.kind === 'guardrail' || e.kind === 'warning' || e.kind === 'error');
  const a = r.approval;
  const blocks: Block[] = [
    { kind: 'heading', text: 'Approval' },
    { kind: 'facts', pairs: a.required
      ? [['Required', 'yes'], ['Approved by', a.approvedBy ?? { text: 'not approved', tone: 'warn' }], ['Approved at', formatDateTime(a.approvedAt)]]
      : [['Required', 'no (the drill does not require approval)']] },
  ];
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
      ['Cluster context', r.run.cluster?.context ?? '—'],
      ['API server', r.run.cluster?.server ?? '—'],
      ...(r.run.cluster?.standby ? [['Standby', `${r.run.cluster.standby.context} (${r.run.cluster.standby.server})`] satisfies [string, Cell]] : []),
      ...(r.run.cluster?.orchestrator ? [['Worker ran on', orchestratorText(r.run.cluster.orchestrator)] satisfies [string, Cell]] : []),
      ['Target', r.drill.target],
      ['Target nodes', r.plan ? String(r.plan.targetNodes.length) : '—'],
      ['Cluster nodes', r.plan ? String(r.plan.clusterNodes) : '—'],
      ['Temporal namespace', r.run.namespace],
      ['firedrill version', r.run.firedrillVersion],
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
