// The global front: one failover record per service, like a GSLB or a DNS failover record in
// front of two sites. It health-checks the service in every site every `intervalMs`; a site is
// marked down after `failureThreshold` failed checks in a row and up again after
// `successThreshold` passed ones. Requests go to the most preferred site that is up; clients
// follow a change only `ttlMs` after the front decided it (a resolver's cache). So losing the
// preferred site sends traffic to the next one at most `failoverMs()` later, and the record keeps
// the ground truth of every switch.

export interface FrontOptions {
  /** Sites in order of preference: the first one takes the traffic while it is up. */
  sites: string[];
  intervalMs: number;
  failureThreshold: number;
  successThreshold: number;
  ttlMs: number;
}

export const DEFAULT_FRONT: Omit<FrontOptions, 'sites'> = { intervalMs: 1000, failureThreshold: 3, successThreshold: 3, ttlMs: 2000 };

/**
 * The longest a lost site keeps the traffic: the first failing check comes at most one interval
 * after the loss, the threshold needs (failureThreshold − 1) more, then the TTL runs out.
 */
export function failoverMs(o: Omit<FrontOptions, 'sites'>): number {
  return o.intervalMs * o.failureThreshold + o.ttlMs;
}

export interface FrontSwitch {
  /** When clients follow the switch (decidedAt + ttl). */
  at: string;
  decidedAt: string;
  from: string;
  to: string;
  reason: string;
}

export interface SiteHealth {
  up: boolean;
  /** Consecutive checks against the current state. */
  streak: number;
  checks: number;
}

export class FrontRecord {
  readonly switches: FrontSwitch[] = [];
  readonly health = new Map<string, SiteHealth>();
  private decided: string;
  private readonly initial: string;

  constructor(readonly options: FrontOptions) {
    if (options.sites.length === 0) throw new Error('a front needs at least one site');
    this.initial = this.decided = options.sites[0] as string;
  }

  /** One health-check round at `now`: `healthy(site)` is the check's answer for each site. */
  check(now: number, healthy: (site: string) => boolean): void {
    const o = this.options;
    for (const site of o.sites) {
      const ok = healthy(site);
      const h = this.health.get(site);
      if (!h) {
        // The first check sets the state: nothing is assumed about a site never checked.
        this.health.set(site, { up: ok, streak: 0, checks: 1 });
        continue;
      }
      h.checks++;
      h.streak = ok === h.up ? 0 : h.streak + 1;
      const need = h.up ? o.failureThreshold : o.successThreshold;
      if (h.streak >= need) {
        h.up = ok;
        h.streak = 0;
      }
    }
    const want = o.sites.find((s) => this.health.get(s)?.up);
    // With every site down there is nowhere better to send traffic: the record stays.
    if (want === undefined || want === this.decided) return;
    const reason = this.health.get(this.decided)?.up
      ? `${want} is up again and preferred`
      : `${this.decided} failed ${o.failureThreshold} health checks in a row`;
    this.switches.push({ at: new Date(now + o.ttlMs).toISOString(), decidedAt: new Date(now).toISOString(), from: this.decided, to: want, reason });
    this.decided = want;
  }

  /** The site a client's request goes to at `now`: the last switch whose TTL has run out. */
  servedBy(now: number): string {
    let site = this.initial;
    for (const s of this.switches) if (Date.parse(s.at) <= now) site = s.to;
    return site;
  }
}
