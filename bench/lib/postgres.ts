import pg from 'pg';
import { EVENTS_CHANNEL } from '../../src/infra/db/event-log';

export const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export const databaseName = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await withClient(adminUrl, (c) => c.query(`create database ${name}`));
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  await withClient(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
}

export async function lastPosition(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ last: string | null }>('select max(position) as last from events');
    return Number(rows[0]?.last ?? 0);
  });
}

/**
 * A commit clock for the event log: LISTENs on the channel every event-writing transaction
 * notifies on commit (payload: the last position it wrote) and records when each position was
 * announced. Notifications arrive in commit order, so positions up to the payload that have no
 * time yet get this one. It is the closest we get to a server-side commit time without changing
 * the schema (the events' `occurredAt` is taken before the transaction even starts writing).
 */
export class CommitClock {
  private client: pg.Client | undefined;
  private readonly times = new Map<number, number>();
  private highest = 0;

  constructor(private readonly url: string) {}

  async start(fromPosition: number): Promise<void> {
    this.highest = fromPosition;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== EVENTS_CHANNEL) return;
      const now = Date.now();
      const last = Number(msg.payload);
      for (let p = this.highest + 1; p <= last; p++) this.times.set(p, now);
      if (last > this.highest) this.highest = last;
    });
    client.on('error', () => undefined);
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
  }

  at(position: number): number | undefined {
    return this.times.get(position);
  }

  entries(from: number, through: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let p = from; p <= through; p++) {
      const t = this.times.get(p);
      if (t !== undefined) out.push([p, t]);
    }
    return out;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}

export interface DbStats {
  xactCommit: number;
  xactRollback: number;
  tables: Record<string, { seqScan: number; idxScan: number; ins: number; upd: number; del: number }>;
}

/** Cumulative counters of one database (pg_stat_database, pg_stat_user_tables). */
export async function dbStats(url: string): Promise<DbStats> {
  return withClient(url, async (c) => {
    // Backends flush their counters at transaction end and at most once a second when idle.
    await c.query('select pg_stat_clear_snapshot()');
    const db = await c.query<{ xact_commit: string; xact_rollback: string }>(
      'select xact_commit, xact_rollback from pg_stat_database where datname = current_database()',
    );
    const t = await c.query<{
      relname: string;
      seq_scan: string;
      idx_scan: string | null;
      n_tup_ins: string;
      n_tup_upd: string;
      n_tup_del: string;
    }>('select relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables');
    const tables: DbStats['tables'] = {};
    for (const r of t.rows) {
      tables[r.relname] = {
        seqScan: Number(r.seq_scan),
        idxScan: Number(r.idx_scan ?? 0),
        ins: Number(r.n_tup_ins),
        upd: Number(r.n_tup_upd),
        del: Number(r.n_tup_del),
      };
    }
    return {
      xactCommit: Number(db.rows[0]?.xact_commit ?? 0),
      xactRollback: Number(db.rows[0]?.xact_rollback ?? 0),
      tables,
    };
  });
}

export function dbStatsDelta(a: DbStats, b: DbStats): DbStats {
  const tables: DbStats['tables'] = {};
  for (const [name, t] of Object.entries(b.tables)) {
    const s = a.tables[name] ?? { seqScan: 0, idxScan: 0, ins: 0, upd: 0, del: 0 };
    const d = {
      seqScan: t.seqScan - s.seqScan,
      idxScan: t.idxScan - s.idxScan,
      ins: t.ins - s.ins,
      upd: t.upd - s.upd,
      del: t.del - s.del,
    };
    if (d.seqScan || d.idxScan || d.ins || d.upd || d.del) tables[name] = d;
  }
  return { xactCommit: b.xactCommit - a.xactCommit, xactRollback: b.xactRollback - a.xactRollback, tables };
}

/**
 * The PostgreSQL backends serving the given databases, kept current by a background refresh (the
 * process sampler reads it synchronously); their CPU is part of the payment path's cost.
 */
export class BackendPids {
  private client: pg.Client | undefined;
  private pids: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly adminUrl: string,
    private readonly databases: string[],
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.adminUrl });
    this.client.on('error', () => undefined);
    await this.client.connect();
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), 1_000);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    if (!this.client) return;
    const { rows } = await this.client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()',
      [this.databases],
    );
    this.pids = rows.map((r) => r.pid);
  }

  current(): number[] {
    return this.pids;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
