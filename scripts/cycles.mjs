// Lists the import cycles among the project's TypeScript sources (type-only imports included:
// they couple modules too). Exit 0 when there is none, 1 otherwise.
// Usage: node scripts/cycles.mjs [root]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FOLDERS = ['workflows', 'activities', 'worker', 'drills', 'report', 'cli', 'client', 'devstack', 'simulator', 'bench', 'tower', 'test'];
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

export function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      else if (e.isFile() && e.name.endsWith('.ts')) out.push(p);
    }
  };
  for (const f of FOLDERS) if (fs.existsSync(path.join(root, f))) walk(path.join(root, f));
  return out;
}

export function importGraph(root) {
  const graph = new Map();
  for (const file of sourceFiles(root)) {
    const deps = new Set();
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1]).replace(/\.js$/, '.ts');
      if (fs.existsSync(target)) deps.add(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan), each a cycle. */
export function cycles(graph) {
  let index = 0;
  const idx = new Map(); const low = new Map(); const stack = []; const on = new Set(); const found = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const graph = importGraph(root);
  const found = cycles(graph);
  for (const c of found) console.log(`cycle: ${c.map((f) => path.relative(root, f)).join(' ')}`);
  console.log(`${found.length} cycle(s) among ${graph.size} files`);
  process.exitCode = found.length ? 1 : 0;
}
