// A store replicated asynchronously between two sites, as a cross-region database replica is.
// Writes are acknowledged by the primary alone; the replica applies each one `lagMs` after its
// acknowledgement. A site's store is available while its StatefulSet has a ready pod.
//
// Promotion rule: health checks run every interval (the front's). When the primary has failed
// `failureThreshold` checks in a row and the replica is available, the replica is promoted.
// Writes the old primary acknowledged in its last `lagMs` had not reached the replica and are
// lost: that is the RPO across sites. While no primary is available, writes and reads fail
// (nothing is acknowledged, so nothing more is lost). When the old primary's site is back it
// rejoins as a replica of the new primary, discarding its unreplicated writes; once it has
// passed `successThreshold` checks in a row, a planned switchover (writes held, replica caught
// up) makes the preferred site primary again without losing anything.

export interface Entry {
  seq: number;
  /** The writer's own time for the entry (the probe's marker time). */
  at: number;
  ackedAt: number;
}

export interface GeoStoreOptions {
  /** The preferred primary's site and the replica's site. */
  primary: string;
  replica: string;
  lagMs: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface Promotion {
  at: string;
  from: string;
  to: string;
  kind: 'failover' | 'switchover';
  /** Acknowledged writes the new primary never received. */
  lost: number;
  lostSeqs: number[];
  /** Acknowledgement times of the first and last lost write: the unreplicated window. */
  lostFrom: string | null;
  lostTo: string | null;
}

type Available = (site: string) => boolean;

export class GeoStore {
  readonly promotions: Promotion[] = [];
  private primarySite: string;
  private readonly logs = new Map<string, Entry[]>();
  /** Consecutive failed checks of the primary; consecutive passed checks of the preferred site while it is a replica. */
  private fails = 0;
  private passes = 0;

  constructor(readonly options: GeoStoreOptions) {
    this.primarySite = options.primary;
    this.logs.set(options.primary, []);
    this.logs.set(options.replica, []);
  }

  get primary(): string {
    return this.primarySite;
  }

  private get replicaSite(): string {
    return this.primarySite === this.options.primary ? this.options.replica : this.options.primary;
  }

  private log(site: string): Entry[] {
    return this.logs.get(site) as Entry[];
  }

  /** Ships what is older than the lag to the replica, while both ends are available. */
  replicate(now: number, available: Available): void {
    if (!available(this.primarySite) || !available(this.replicaSite)) return;
    const to = this.log(this.replicaSite);
    const have = to.length ? (to.at(-1) as Entry).seq : undefined;
    const from = this.log(this.primarySite);
    let i = have === undefined ? 0 : from.findIndex((e) => e.seq === have) + 1;
    // The replica diverged (it was primary once): it takes the primary's log as it is.
    if (have !== undefined && i === 0) {
      this.logs.set(this.replicaSite, []);
      i = 0;
    }
    const target = this.log(this.replicaSite);
    for (; i < from.length; i++) {
      const e = from[i] as Entry;
      if (e.ackedAt > now - this.options.lagMs) break;
      target.push({ ...e });
    }
  }

  write(now: number, entry: { seq: number; at: number }, available: Available): { ok: true; primary: string } | { ok: false; reason: string } {
    if (!available(this.primarySite)) return { ok: false, reason: `primary in ${this.primarySite} is not available` };
    this.log(this.primarySite).push({ seq: entry.seq, at: entry.at, ackedAt: now });
    return { ok: true, primary: this.primarySite };
  }

  read(available: Available): { ok: true; primary: string; markers: number[] } | { ok: false; reason: string } {
    if (!available(this.primarySite)) return { ok: false, reason: `primary in ${this.primarySite} is not available` };
    return { ok: true, primary: this.primarySite, markers: this.log(this.primarySite).map((e) => e.seq) };
  }

  /** One health-check round: promotion after the primary's loss, switchover back when the preferred site is sound again. */
  check(now: number, available: Available): void {
    const o = this.options;
    this.replicate(now, available);
    const replica = this.replicaSite;
    this.fails = available(this.primarySite) ? 0 : this.fails + 1;
    if (this.fails >= o.failureThreshold && available(replica)) {
      const have = new Set(this.log(replica).map((e) => e.seq));
      const lost = this.log(this.primarySite).filter((e) => !have.has(e.seq));
      this.promote(now, 'failover', lost);
      return;
    }
    const preferredIsReplica = this.primarySite !== o.primary;
    this.passes = preferredIsReplica && available(o.primary) && available(this.primarySite) ? this.passes + 1 : 0;
    if (this.passes >= o.successThreshold) {
      // Planned: writes are held while the replica takes everything, so nothing is lost.
      this.logs.set(o.primary, this.log(this.primarySite).map((e) => ({ ...e })));
      this.promote(now, 'switchover', []);
    }
  }

  private promote(now: number, kind: Promotion['kind'], lost: Entry[]): void {
    const from = this.primarySite;
    const to = this.replicaSite;
    this.promotions.push({
      at: new Date(now).toISOString(), from, to, kind, lost: lost.length, lostSeqs: lost.map((e) => e.seq),
      lostFrom: lost.length ? new Date((lost[0] as Entry).ackedAt).toISOString() : null,
      lostTo: lost.length ? new Date((lost.at(-1) as Entry).ackedAt).toISOString() : null,
    });
    this.primarySite = to;
    // The old primary keeps its diverged log until it rejoins: replicate() then replaces it.
    this.fails = 0;
    this.passes = 0;
  }
}
