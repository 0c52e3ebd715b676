import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

// `firedrill validate drills/`: a folder stands for every drill and game-day file under it.

const YAML_FILE = /\.ya?ml$/i;
/** A catalog is a folder or two deep; the cap only guards against a mistaken root. */
const MAX_DEPTH = 8;

/**
 * Every *.yaml / *.yml file under the folders among `paths`, in name order; other paths are kept
 * as given (a missing file is reported by the loader). Symbolic links to folders are not
 * followed, so a link cycle cannot loop; hidden folders (.git) are skipped.
 */
export async function expandDrillPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const isDir = await stat(p).then((s) => s.isDirectory(), () => false);
    if (isDir) out.push(...(await yamlFilesUnder(p, 0)));
    else out.push(p);
  }
  return out;
}

async function yamlFilesUnder(dir: string, depth: number): Promise<string[]> {
  if (depth > MAX_DEPTH) return [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files = entries.filter((e) => e.isFile() && YAML_FILE.test(e.name)).map((e) => path.join(dir, e.name));
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  for (const d of dirs) files.push(...(await yamlFilesUnder(path.join(dir, d.name), depth + 1)));
  return files;
}
