import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, edit, pos, problemsOf, tempDir, type TempDir } from './fixtures/drill.js';

interface Case {
  name: string;
  text: string;
  path: string;
  at: { line: number; col: number };
  message: RegExp;
}

const nodesTarget = (selector: string) => edit(BASE, '  type: zone\n  zone: zone-a\n', `  type: nodes\n  selector: ${selector}\n`);

// Each case breaks the valid BASE drill in exactly one way; the loader must report exactly one
// problem, on the right field, at the line and column of the offending text.
const cases: Case[] = [
  (() => {
    const text = edit(BASE, 'minReady: 3', 'minReady: "three"');
    return { name: 'wrong scalar type', text, path: 'probes[2].minReady', at: pos(text, '"three"'), message: /^expected a number, got "three"$/ };
  })(),
  (() => {
    const text = edit(BASE, 'fault:\n  mode: drain\n', 'fault: drain\n');
    return { name: 'scalar where an object belongs', text, path: 'fault', at: pos(text, 'drain'), message: /^expected a mapping, got "drain"$/ };
  })(),
  (() => {
    const text = `${BASE}extras: 1\n`;
    return { name: 'unknown top-level key', text, path: 'extras', at: { line: 38, col: 1 }, message: /unknown field "extras"/ };
  })(),
  (() => {
    const text = edit(BASE, '    url: http://127.0.0.1:8080/\n', '    url: http://127.0.0.1:8080/\n    retries: 3\n');
    return { name: 'unknown key in a probe', text, path: 'probes[0].retries', at: pos(text, 'retries'), message: /unknown field "retries"/ };
  })(),
  (() => {
    const text = edit(BASE, 'probe: web, target: 60s }', 'probe: web, target: 60s, weight: 2 }');
    return { name: 'unknown key in a flow map', text, path: 'objectives[0].weight', at: pos(text, 'weight'), message: /unknown field "weight"/ };
  })(),
  (() => {
    const text = edit(BASE, 'hold: 45s', 'hold: -5s');
    return { name: 'negative duration', text, path: 'timing.hold', at: { line: 12, col: 9 }, message: /"-5s" is negative: expected a duration like 500ms/ };
  })(),
  (() => {
    const text = edit(BASE, 'hold: 45s', 'hold: 0s');
    return { name: 'zero duration', text, path: 'timing.hold', at: { line: 12, col: 9 }, message: /must be greater than 0/ };
  })(),
  (() => {
    const text = edit(BASE, 'hold: 45s', 'hold: 45');
    return { name: 'bare number as duration', text, path: 'timing.hold', at: { line: 12, col: 9 }, message: /expected a duration like 500ms, 90s, 5m, 1h30m/ };
  })(),
  (() => {
    const text = edit(BASE, 'maxDuration: 10m', 'maxDuration: 10 minutes');
    return { name: 'unparsable duration', text, path: 'timing.maxDuration', at: pos(text, '10 minutes'), message: /"10 minutes" is not a duration like/ };
  })(),
  (() => {
    const text = edit(BASE, '    type: http\n', '    type: http\n    interval: 50ms\n');
    return { name: 'probe interval below 100ms', text, path: 'probes[0].interval', at: pos(text, '50ms'), message: /at least 100ms/ };
  })(),
  (() => {
    const text = edit(BASE, 'name: api-ready', 'name: web');
    return { name: 'duplicate probe name', text, path: 'probes[2].name', at: pos(text, 'web', 1), message: /duplicate probe name "web" \(also probes\[0\]\)/ };
  })(),
  (() => {
    const text = edit(BASE, 'probe: web,', 'probe: webb,');
    return { name: 'objective names a missing probe', text, path: 'objectives[0].probe', at: pos(text, 'webb'), message: /no probe named "webb"/ };
  })(),
  (() => {
    const text = edit(BASE, 'probe: orders-rpo,', 'probe: web,');
    return { name: 'rpo objective on an http probe', text, path: 'objectives[1].probe', at: pos(text, 'web,', 1), message: /needs an rpo probe, but "web" is of type http/ };
  })(),
  (() => {
    const text = edit(BASE, '"0 3 1 */3 *"', '"0 25 * * *"');
    return { name: 'cron with an hour out of range', text, path: 'schedule.cron', at: pos(text, '"0 25'), message: /invalid cron "0 25 \* \* \*": .*expected range 0-23/ };
  })(),
  (() => {
    const text = edit(BASE, '"0 3 1 */3 *"', '"0 0 3 1 */3 *"');
    return { name: 'cron with six fields', text, path: 'schedule.cron', at: pos(text, '"0 0 3'), message: /cron must have 5 fields .* got 6/ };
  })(),
  (() => {
    const text = edit(BASE, 'timezone: Asia/Seoul', 'timezone: Asia/Seol');
    return { name: 'unknown time zone', text, path: 'schedule.timezone', at: pos(text, 'Asia/Seol'), message: /unknown time zone "Asia\/Seol"/ };
  })(),
  (() => {
    const text = edit(BASE, '  type: zone\n  zone: zone-a\n', '  type: cluster\n');
    return { name: 'whole cluster without permission', text, path: 'target.type', at: pos(text, 'cluster'), message: /set safety\.allowWholeCluster: true/ };
  })(),
  (() => {
    const text = nodesTarget('""');
    return { name: 'empty node selector', text, path: 'target.selector', at: pos(text, '""'), message: /selector must not be empty/ };
  })(),
  (() => {
    const text = nodesTarget('"pool=batch,tier in (a,b"');
    return { name: 'unterminated selector set', text, path: 'target.selector', at: pos(text, '"pool'), message: /invalid label selector \(at the end: expected ',' or '\)' in the value set\)/ };
  })(),
  (() => {
    const text = edit(edit(BASE, 'maxDuration: 10m', 'maxDuration: 1m'), 'hold: 45s', 'hold: 30s');
    return { name: 'drain eviction timeout longer than the fault may last', text, path: 'fault.evictionTimeout', at: { line: pos(text, 'drain').line, col: 3 }, message: /evictionTimeout \(120 s\) must not exceed timing\.maxDuration \(60 s\): maxDuration caps the fault from the first change to the start of restore/ };
  })(),
  (() => {
    const text = nodesTarget('"pool=batch tier=db"');
    return { name: 'selector missing a comma', text, path: 'target.selector', at: pos(text, '"pool'), message: /invalid label selector .*expected ',' between requirements/ };
  })(),
  (() => {
    // A short eviction timeout, so the only problem is the hold (the drain rule has its own case).
    const text = edit(edit(BASE, 'maxDuration: 10m', 'maxDuration: 30s'), '  mode: drain\n', '  mode: drain\n  evictionTimeout: 10s\n');
    return { name: 'maxDuration shorter than hold', text, path: 'timing.maxDuration', at: pos(text, '30s'), message: /maxDuration \(30s\) must be at least hold \(45s\)/ };
  })(),
  (() => {
    const text = edit(BASE, '    urlFromEnv: SLACK_WEBHOOK_URL\n', '    urlFromEnv: SLACK_WEBHOOK_URL\n    url: https://hooks.slack.com/services/T000/B000/XXXX\n');
    return { name: 'inline webhook url', text, path: 'report.webhook.url', at: pos(text, 'https://hooks'), message: /secrets are taken from env vars only/ };
  })(),
  (() => {
    const text = edit(BASE, 'urlFromEnv: SLACK_WEBHOOK_URL', 'urlFromEnv: https://hooks.slack.com/x');
    return { name: 'webhook url in urlFromEnv', text, path: 'report.webhook.urlFromEnv', at: pos(text, 'https://hooks'), message: /name of an environment variable/ };
  })(),
  (() => {
    const text = edit(BASE, 'name: test-drill', 'name: Test_Drill');
    return { name: 'drill name not a DNS label', text, path: 'metadata.name', at: { line: 4, col: 9 }, message: /DNS-1123 label/ };
  })(),
  (() => {
    const text = edit(BASE, 'type: kubernetes', 'type: k8s');
    return { name: 'unknown probe type', text, path: 'probes[2].type', at: pos(text, 'k8s'), message: /^unknown probe type "k8s": allowed are http, kubernetes, prometheus, rpo, tcp$/ };
  })(),
  (() => {
    const text = edit(BASE, '  owner: platform-team\n', '');
    return { name: 'missing required field', text, path: 'metadata.owner', at: { line: 4, col: 3 }, message: /^required field is missing \(expected a string\)$/ };
  })(),
  (() => {
    const text = edit(BASE, '  zone: zone-a\n', '');
    return { name: 'zone target without zone', text, path: 'target.zone', at: { line: 7, col: 3 }, message: /required field is missing/ };
  })(),
  (() => {
    const text = edit(BASE, 'end: "2027-01-05T00:00:00Z"', 'end: "2026-12-01T00:00:00Z"');
    return { name: 'blackout ending before it starts', text, path: 'schedule.blackouts[0].end', at: pos(text, '"2026-12-01'), message: /end \(2026-12-01T00:00:00Z\) must be after start/ };
  })(),
  (() => {
    const text = edit(BASE, 'start: "2026-12-20T00:00:00Z"', 'start: "2026-12-20"');
    return { name: 'blackout date without time and zone', text, path: 'schedule.blackouts[0].start', at: pos(text, '"2026-12-20"'), message: /ISO-8601 date-time with a zone/ };
  })(),
  (() => {
    const text = edit(BASE, '  hold: 45s\n', '  hold:\n');
    return { name: 'empty value points at its key', text, path: 'timing.hold', at: { line: 12, col: 3 }, message: /expected a duration/ };
  })(),
  (() => {
    const text = edit(BASE, 'url: http://127.0.0.1:8080/\n', 'url: ftp://127.0.0.1/\n');
    return { name: 'probe url with a non-http scheme', text, path: 'probes[0].url', at: pos(text, 'ftp://'), message: /scheme must be http or https, got ftp/ };
  })(),
  (() => {
    const text = edit(BASE, 'url: http://127.0.0.1:8080/\n', 'url: http://admin:hunter2@127.0.0.1:8080/\n');
    return { name: 'credentials in a probe url', text, path: 'probes[0].url', at: pos(text, 'http://admin'), message: /must not carry credentials/ };
  })(),
  (() => {
    const text = edit(BASE, 'apiVersion: firedrill.dev/v1', 'apiVersion: firedrill.dev/v2');
    return { name: 'wrong apiVersion', text, path: 'apiVersion', at: { line: 1, col: 13 }, message: /^apiVersion must be firedrill\.dev\/v1, got "firedrill\.dev\/v2"$/ };
  })(),
  (() => {
    const text = edit(BASE, '  - { type: rpo, probe: orders-rpo, target: 5s }\n', '  - { type: rpo, probe: orders-rpo, target: 5s }\n  - { type: errorBudget, max: 1.5 }\n');
    return { name: 'error budget above 1', text, path: 'objectives[2].max', at: pos(text, '1.5'), message: /^must be at most 1, got 1\.5$/ };
  })(),
  (() => {
    const text = edit(BASE, '  mode: drain\n', '  mode: drain\n  gracePeriod: 1500ms\n');
    return { name: 'grace period in fractions of a second', text, path: 'fault.gracePeriod', at: pos(text, '1500ms'), message: /whole seconds/ };
  })(),
  (() => {
    const text = edit(BASE, '  mode: drain\n', '  mode: drain\n  concurrency: 0\n');
    return { name: 'zero concurrency', text, path: 'fault.concurrency', at: pos(text, '0\n'), message: /^must be at least 1, got 0$/ };
  })(),
  (() => {
    const text = edit(BASE, 'mode: drain', 'mode: explode');
    return { name: 'unknown fault mode', text, path: 'fault.mode', at: pos(text, 'explode'), message: /^unknown fault mode "explode": allowed are cordon, drain, power-loss$/ };
  })(),
  (() => {
    const text = edit(BASE, 'formats: [json, md]', 'formats: [json, md, json]');
    return { name: 'report format listed twice', text, path: 'report.formats[2]', at: pos(text, 'json', 1), message: /format "json" is listed twice/ };
  })(),
  (() => {
    const text = edit(BASE, 'timezone: Asia/Seoul', 'timezone: asia/seoul');
    return { name: 'time zone in the wrong case', text, path: 'schedule.timezone', at: pos(text, 'asia/seoul'), message: /must be written "Asia\/Seoul"/ };
  })(),
];

describe('malformed drills point at the field to fix', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const problems = await problemsOf(tmp, c.text);
    expect(problems).toHaveLength(1);
    const [p] = problems;
    expect(p).toMatchObject({ path: c.path, line: c.at.line, col: c.at.col });
    expect(p?.message).toMatch(c.message);
    expect(p?.file).toBe(`${tmp.dir}/drill.yaml`);
  });

  it('reports every problem of a file, in file order', async () => {
    let text = edit(BASE, 'hold: 45s', 'hold: 0s');
    text = edit(text, 'name: test-drill', 'name: BAD');
    text = `${text}extras: true\n`;
    const problems = await problemsOf(tmp, text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['metadata.name', 4],
      ['timing.hold', 12],
      ['extras', 38],
    ]);
  });

  it('reports cross-field rules in the same pass as other problems', async () => {
    let text = edit(BASE, '  type: zone\n  zone: zone-a\n', '  type: cluster\n');
    text = edit(text, 'probe: web,', 'probe: webb,');
    text = edit(text, 'mode: drain', 'mode: explode');
    const problems = await problemsOf(tmp, text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['target.type', 7],
      ['fault.mode', 9],
      ['objectives[0].probe', 26],
    ]);
  });

  it('reports one problem per unknown key of the same object', async () => {
    const text = edit(BASE, '  mode: drain\n', '  mode: drain\n  speed: fast\n  force: true\n');
    const problems = await problemsOf(tmp, text);
    expect(problems.map((p) => [p.path, p.line, p.col])).toEqual([
      ['fault.speed', 11, 3],
      ['fault.force', 12, 3],
    ]);
  });
});
