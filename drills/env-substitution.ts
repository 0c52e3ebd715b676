import { visit, type Document, type LineCounter } from 'yaml';
import { stackServiceEnv } from '../devstack/ports.js';
import { formatPath, yamlPath, type Problem } from './positions.js';

// `${NAME}` in a drill's string values names a service of the stack it runs against (the demo's
// simulator moves with FIREDRILL_DEV_PORT_BASE). Only FIREDRILL_* variables may be named: a drill
// file can come from a pull request, and must not copy a credential from the environment into
// a probe URL, where it would be sent to that host and printed in every report.

export const VARIABLE_PREFIX = 'FIREDRILL_';
const NAME = /^[A-Z_][A-Z0-9_]*$/;
const FORM = '${NAME} with NAME of A-Z, 0-9 and _ (not starting with a digit), or $${ for a literal ${';

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment drills are resolved in: the process's, plus the stack's service addresses. */
export function drillEnv(env: NodeJS.ProcessEnv = process.env): Env {
  return { ...env, ...stackServiceEnv(env) };
}

interface Fault {
  /** Offset of the placeholder in the string. */
  at: number;
  text: string;
  message: string;
}

/** Resolves the placeholders of one string; `$${` is a literal `${`. */
export function substitute(text: string, env: Env): { ok: true; value: string } | { ok: false; faults: Fault[] } {
  let out = '';
  const faults: Fault[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      const name = end < 0 ? '' : text.slice(i + 2, end);
      const token = end < 0 ? text.slice(i, i + 24) : text.slice(i, end + 1);
      if (end < 0 || !NAME.test(name)) {
        faults.push({ at: i, text: token, message: `malformed placeholder "${token}": write ${FORM}` });
      } else if (!name.startsWith(VARIABLE_PREFIX)) {
        faults.push({ at: i, text: token, message: `unknown variable ${name}: a drill may only name ${VARIABLE_PREFIX}* variables, so that no other part of the environment (credentials) ends up in a probe URL or a report` });
      } else if (name.startsWith('FIREDRILL_PROBE_')) {
        // Probe credentials are sent as headers by the worker; substituted, they would be in the spec.
        faults.push({ at: i, text: token, message: `${name} is a probe credential: name it in headersFromEnv, never in \${...}` });
      } else if (!env[name]) {
        faults.push({ at: i, text: token, message: `environment variable ${name} is not set` });
      } else {
        out += env[name];
      }
      i = end < 0 ? text.length : end + 1;
    } else {
      out += text[i];
      i++;
    }
  }
  return faults.length ? { ok: false, faults } : { ok: true, value: out };
}

/**
 * Resolves every string value of the document in place, before the schema reads it. Keys are
 * left alone. Returns the problems, and the paths that failed (their schema problems would only
 * repeat the same mistake).
 */
export function substituteDocument(doc: Document, source: string, lc: LineCounter, file: string, env: Env): { problems: Problem[]; failed: Set<string> } {
  const problems: Problem[] = [];
  const failed = new Set<string>();
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const r = substitute(node.value, env);
      if (r.ok) {
        node.value = r.value;
        return;
      }
      const path = formatPath(yamlPath([...ancestors, node]));
      failed.add(path);
      const [start, end] = node.range ?? [0, 0];
      for (const f of r.faults) {
        // The placeholder's own column when the source spells it out; else the value's start.
        const found = source.slice(start, end).indexOf(f.text);
        problems.push({ file, ...lc.linePos(found >= 0 ? start + found : start), path, message: f.message });
      }
    },
  });
  return { problems, failed };
}

