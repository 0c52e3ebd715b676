import fs from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { deploymentMallocArenaMax, deploymentNodeOptions } from '../../../bench/deployment-options.js';
import { DRILL_SA, TARGET_SA } from '../../../workflows/contract.js';

interface Service {
  image?: string;
  build?: string;
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string>;
  command?: string[] | string;
}

const compose = YAML.parse(fs.readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  const names = Object.keys(compose.services);

  it('runs Temporal with PostgreSQL, the UI and the worker', () => {
    expect(names).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'firedrill-worker']));
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.image ?? svc.build, `${name} has an image or a build`).toBeTruthy();
    }
  });

  it('references only services that exist', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const dep of deps) expect(names, `${name} depends on ${dep}`).toContain(dep);
    }
  });

  it('runs the worker with the Node options and malloc arenas of the Kubernetes deployment', () => {
    expect(compose.services['firedrill-worker']?.environment?.NODE_OPTIONS).toBe(deploymentNodeOptions());
    expect(compose.services['firedrill-worker']?.environment?.MALLOC_ARENA_MAX).toBe(deploymentMallocArenaMax());
    expect(deploymentMallocArenaMax()).toBe('2');
  });

  it('points the worker and the UI at the Temporal service', () => {
    const worker = compose.services['firedrill-worker'];
    const [host] = (worker?.environment?.TEMPORAL_ADDRESS ?? '').split(':');
    expect(names).toContain(host);
    expect(compose.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS?.split(':')[0]).toBe(host);
    expect(worker?.build).toBe('.');
    expect(fs.existsSync(new URL('../../../Dockerfile', import.meta.url))).toBe(true);
  });

  it('registers the drills\' search attributes in a one-shot service the worker waits for, so `firedrill run` works on a fresh compose up', () => {
    const setup = Object.entries(compose.services).find(([, svc]) => [svc.command ?? ''].flat().join('\n').includes('search-attribute create'));
    expect(setup, 'a service that runs temporal operator search-attribute create').toBeDefined();
    const [name, svc] = setup!;
    const script = [svc.command ?? ''].flat().join('\n');
    for (const sa of [DRILL_SA.name, TARGET_SA.name]) expect(script).toContain(sa);
    expect(script).toMatch(/--type Keyword/);
    expect((compose.services['firedrill-worker']?.depends_on as Record<string, { condition?: string }>)[name]?.condition).toBe('service_completed_successfully');
  });
});
