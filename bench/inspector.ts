// A running Node process's inspector, opened from outside: SIGUSR1 makes the process listen on
// 127.0.0.1:9229 (one process at a time), then Chrome DevTools Protocol calls over its WebSocket.
// close() shuts the process's inspector down again, so the next process can have the port.

export interface Inspector {
  send: (method: string, params?: object) => Promise<unknown>;
  /** Calls for each protocol event of that method (heap snapshot chunks, say). */
  on: (method: string, listener: (params: unknown) => void) => void;
  /** process.memoryUsage() of the process, in MB. */
  usage: () => Promise<Record<string, number>>;
  /** Ends the session and the process's inspector server. */
  close: () => Promise<void>;
}

export async function openInspector(pid: number): Promise<Inspector> {
  process.kill(pid, 'SIGUSR1');
  let target: string | undefined;
  for (let i = 0; i < 50 && !target; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const list = await fetch('http://127.0.0.1:9229/json/list').then((r) => r.json() as Promise<Array<{ webSocketDebuggerUrl: string }>>).catch(() => []);
    target = list[0]?.webSocketDebuggerUrl;
  }
  if (!target) throw new Error(`no inspector for process ${pid} on 127.0.0.1:9229`);

  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let seq = 0;
  const pending = new Map<number, (v: unknown) => void>();
  const listeners = new Map<string, (params: unknown) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; method?: string; result?: unknown; params?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
    else if (m.method) listeners.get(m.method)?.(m.params);
  };
  const send = (method: string, params: object = {}) => new Promise<unknown>((resolve) => {
    const id = ++seq;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  const usage = async () => {
    const r = await send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true }) as { result: { value: string } };
    const u = JSON.parse(r.result.value) as Record<string, number>;
    return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, Math.round(v / 1048576)]));
  };
  const close = async () => {
    // inspector.close() waits for the sessions to end: deferred, and this one ends next.
    await send('Runtime.evaluate', { expression: 'void setTimeout(() => process.getBuiltinModule("node:inspector").close(), 50)' });
    ws.close();
    for (let i = 0; i < 100; i++) {
      const open = await fetch('http://127.0.0.1:9229/json/version').then(() => true, () => false);
      if (!open) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the inspector of process ${pid} still listens on 127.0.0.1:9229 after 5 s`);
  };
  // Whoever listens on the port answers: another process's inspector left open would be measured instead.
  const self = await send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true }) as { result: { value: number } };
  if (self.result.value !== pid) {
    ws.close();
    throw new Error(`127.0.0.1:9229 is the inspector of process ${self.result.value}, not of ${pid}`);
  }
  return { send, on: (method, listener) => listeners.set(method, listener), usage, close };
}
