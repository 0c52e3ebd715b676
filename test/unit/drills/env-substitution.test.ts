import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackServiceEnv } from '../../../devstack/ports.js';
import { drillEnv, substitute } from '../../../drills/env-substitution.js';
import { loadDrillFile } from '../../../drills/load.js';
import type { ProbeSpec } from '../../../drills/schema/index.js';
import { BASE, edit, pos, tempDir, type TempDir } from './fixtures/drill.js';

const env = { FIREDRILL_SIMULATOR_URL: 'http://127.0.0.1:46008', FIREDRILL_EMPTY: '', HOME: '/home/x' };

describe('${NAME} in a string', () => {
  it.each([
    ['${FIREDRILL_SIMULATOR_URL}/svc/', 'http://127.0.0.1:46008/svc/'],
    ['a ${FIREDRILL_SIMULATOR_URL} and ${FIREDRILL_SIMULATOR_URL}', 'a http://127.0.0.1:46008 and http://127.0.0.1:46008'],
    ['$${FIREDRILL_SIMULATOR_URL} stays', '${FIREDRILL_SIMULATOR_URL} stays'],
    ['cost: $5, {braces} and $$ alone', 'cost: $5, {braces} and $$ alone'],
    ['no placeholder', 'no placeholder'],
  ])('resolves %j', (text, value) => {
    expect(substitute(text, env)).toEqual({ ok: true, value });
  });

  it.each([
    ['${firedrill_x}', /malformed placeholder "\$\{firedrill_x\}": write \$\{NAME\}/],
    ['${1FIREDRILL}', /malformed placeholder/],
    ['${}', /malformed placeholder "\$\{\}"/],
    ['${FIREDRILL_X', /malformed placeholder "\$\{FIREDRILL_X"/],
    ['${FIREDRILL-X}', /malformed placeholder/],
    ['${HOME}/x', /unknown variable HOME: a drill may only name FIREDRILL_\* variables/],
    ['${FIREDRILL_UNSET}', /^environment variable FIREDRILL_UNSET is not set$/],
    ['${FIREDRILL_EMPTY}', /^environment variable FIREDRILL_EMPTY is not set$/],
  ])('refuses %j', (text, message) => {
    const r = substitute(text, env);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.faults.map((f) => f.message)).toEqual([expect.stringMatching(message)]);
  });

  it('reports every bad placeholder of one string, at its offset', () => {
    const r = substitute('x ${FIREDRILL_A} y ${B}', env);
    expect(r.ok ? [] : r.faults.map((f) => [f.at, f.text])).toEqual([[2, '${FIREDRILL_A}'], [19, '${B}']]);
  });
});

describe('the stack\'s service addresses', () => {
  it('default to the simulator port of the port block', () => {
    expect(stackServiceEnv({})).toEqual({ FIREDRILL_SIMULATOR_URL: 'http://127.0.0.1:18080' });
    expect(stackServiceEnv({ FIREDRILL_DEV_PORT_BASE: '46000' })).toEqual({ FIREDRILL_SIMULATOR_URL: 'http://127.0.0.1:46008' });
  });

  it('leave a value set in the environment alone', () => {
    expect(drillEnv({ FIREDRILL_SIMULATOR_URL: 'http://sim:9', FIREDRILL_DEV_PORT_BASE: '46000' }).FIREDRILL_SIMULATOR_URL).toBe('http://sim:9');
  });

  it('are unknown when the port base is invalid (a drill naming them says the variable is unset)', () => {
    expect(stackServiceEnv({ FIREDRILL_DEV_PORT_BASE: 'abc' })).toEqual({});
  });
});

describe('drill files with placeholders', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp.remove());

  const withUrl = (url: string) => edit(BASE, 'url: http://127.0.0.1:8080/\n', `url: ${url}\n`);

  it('are resolved before the schema reads them', async () => {
    const r = await loadDrillFile(await tmp.write('ok.yaml', withUrl('${FIREDRILL_SIMULATOR_URL}/web')), { env });
    expect(r.ok && r.spec.probes[0]).toMatchObject({ type: 'http', url: 'http://127.0.0.1:46008/web' });
  });

  it('resolve an anchored value once for every alias of it', async () => {
    let text = withUrl('&sim ${FIREDRILL_SIMULATOR_URL}/m');
    text = edit(text, 'readUrl: http://127.0.0.1:8080/markers', 'readUrl: *sim');
    const r = await loadDrillFile(await tmp.write('alias.yaml', text), { env });
    expect(r.ok && r.spec.probes[1]).toMatchObject({ readUrl: 'http://127.0.0.1:46008/m' });
  });

  it('name the file, line, column and variable of an unset one, once for its field', async () => {
    const text = withUrl('"${FIREDRILL_NOPE}/web"');
    const file = await tmp.write('unset.yaml', text);
    const r = await loadDrillFile(file, { env });
    expect(r.ok ? [] : r.problems).toEqual([
      { file, ...pos(text, '${FIREDRILL_NOPE}'), path: 'probes[0].url', message: 'environment variable FIREDRILL_NOPE is not set' },
    ]);
  });

  it('are reported together with the schema problems of other fields', async () => {
    const text = edit(withUrl('${HOME}'), 'hold: 45s', 'hold: 0s');
    const r = await loadDrillFile(await tmp.write('both.yaml', text), { env });
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual(['timing.hold', 'probes[0].url']);
  });

  it('are not resolved in keys', async () => {
    const text = edit(BASE, '  owner: platform-team\n', '  owner: platform-team\n  ${FIREDRILL_SIMULATOR_URL}: x\n');
    const r = await loadDrillFile(await tmp.write('key.yaml', text), { env });
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual(['unknown field "${FIREDRILL_SIMULATOR_URL}"']);
  });
});

describe('the sample drills on another port block', () => {
  const dir = fileURLToPath(new URL('../../../drills/', import.meta.url));
  const samples = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const urls = (p: ProbeSpec): string[] => (p.type === 'http' || p.type === 'prometheus' ? [p.url] : p.type === 'rpo' ? [p.writeUrl, p.readUrl] : []);

  it.each(samples)('%s points every local probe at the simulator on base+8', async (name) => {
    const r = await loadDrillFile(`${dir}${name}`, { env: drillEnv({ FIREDRILL_DEV_PORT_BASE: '46000' }) });
    expect(r.ok ? [] : r.problems).toEqual([]);
    if (!r.ok) return;
    const local = r.spec.probes.flatMap(urls).filter((u) => ['127.0.0.1', 'localhost'].includes(new URL(u).hostname));
    for (const u of local) expect(new URL(u).port).toBe('46008');
    if (name === 'pangyo-zone-loss.yaml') expect(local).toHaveLength(5);
  });
});
