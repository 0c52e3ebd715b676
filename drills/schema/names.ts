import { z } from 'zod';

// Names that end up in Kubernetes objects, Temporal ids or env lookups: validated here with the
// same rules those systems apply, so a drill fails at `validate`, not halfway through a run.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const ENV_VAR = /^[A-Z_][A-Z0-9_]*$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

/** A label key: optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function isLabelKey(s: string): boolean {
  const slash = s.indexOf('/');
  const prefix = slash >= 0 ? s.slice(0, slash) : undefined;
  const name = slash >= 0 ? s.slice(slash + 1) : s;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 characters of alphanumerics, '-', '_' and '.'. */
export function isLabelValue(s: string): boolean {
  return s === '' || (s.length <= 63 && LABEL_NAME.test(s));
}

export const dnsLabel = (what: string) =>
  z.string().refine(isDnsLabel, {
    message: `${what} must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
  });

export const dnsSubdomain = (what: string) =>
  z.string().refine(isDnsSubdomain, {
    message: `${what} must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters`,
  });

export const nonEmpty = (what: string) => z.string().trim().min(1, { message: `${what} must not be empty` });

export const envVarName = z.string().regex(ENV_VAR, {
  message: 'must be the name of an environment variable ([A-Z_][A-Z0-9_]*), not a value',
});

/** An http(s) URL. Credentials in the URL are refused: they would be copied into every report. */
export const httpUrl = z.string().superRefine((s, ctx) => {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a URL: expected http://host[:port]/path or https://...` });
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `URL scheme must be http or https, got ${u.protocol.replace(/:$/, '')}` });
  } else if (u.username || u.password) {
    ctx.addIssue({ code: 'custom', message: 'URLs must not carry credentials: they would be printed in reports (send them as a header from the worker\'s environment: headersFromEnv: { Authorization: FIREDRILL_PROBE_TOKEN })' });
  }
});
