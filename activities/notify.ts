// Webhook notifications (Slack-compatible): drill started, aborted, finished, upcoming. A
// notification must never fail or delay a drill, and the webhook URL is a credential: it is
// read from the environment at send time and never written to a log, an error or a result.

export type NotifyKind = 'start' | 'abort' | 'finish' | 'upcoming';

export interface NotifyEvent {
  kind: NotifyKind;
  drill: string;
  text: string;
  /** Name of the environment variable that holds the webhook URL (not the URL itself). */
  urlFromEnv?: string;
}

export interface NotifyOutcome {
  sent: boolean;
  /** Why nothing was sent, or what went wrong; never contains the URL. */
  reason?: string;
  status?: number;
}

/** The part of a pino logger the notifier uses. */
export interface NotifyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NotifierDeps {
  fetch?: typeof fetch;
  env: Record<string, string | undefined>;
  log: NotifyLog;
  timeoutMs?: number;
}

/** Every form in which a secret URL could leak into text: whole, encoded, or its path. */
function secretForms(url: string): string[] {
  const forms = new Set<string>([url, encodeURIComponent(url), encodeURI(url)]);
  try {
    const u = new URL(url);
    forms.add(u.href);
    if (u.pathname.length > 1) forms.add(u.pathname);
    if (u.search) forms.add(u.search);
    if (u.password) forms.add(u.password);
  } catch {
    // Not a URL: the whole string is the only form to hide.
  }
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

export function redact(text: string, secret: string): string {
  let out = text;
  for (const form of secretForms(secret)) out = out.split(form).join('[redacted]');
  return out;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`;
}

export function createNotifier(deps: NotifierDeps): { notify(event: NotifyEvent): Promise<NotifyOutcome> } {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? 10_000;

  async function notify(event: NotifyEvent): Promise<NotifyOutcome> {
    const ctx = { kind: event.kind, drill: event.drill, webhookEnv: event.urlFromEnv };
    const url = event.urlFromEnv ? deps.env[event.urlFromEnv]?.trim() : undefined;
    if (!url) {
      return { sent: false, reason: event.urlFromEnv ? `no webhook: ${event.urlFromEnv} is not set` : 'no webhook configured' };
    }
    const safe = (text: string): string => redact(text, url);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      parsed = new URL('invalid:');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      const reason = `webhook in ${event.urlFromEnv} is not an http(s) URL`;
      deps.log.warn(ctx, `notification not sent: ${reason}`);
      return { sent: false, reason };
    }
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: event.text }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (!res.ok) {
        const reason = safe(`webhook answered HTTP ${res.status}`);
        deps.log.warn({ ...ctx, status: res.status }, `notification not delivered: ${reason}`);
        return { sent: false, status: res.status, reason };
      }
      deps.log.info({ ...ctx, status: res.status }, 'notification sent');
      return { sent: true, status: res.status };
    } catch (err) {
      const reason = safe(describe(err));
      deps.log.warn(ctx, `notification not delivered: ${reason}`);
      return { sent: false, reason };
    }
  }

  return { notify };
}
