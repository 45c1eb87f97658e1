/**
 * The six faults, each run alongside its own batch of payments, and the run of one scenario: plan,
 * partners, load and fault together, wait for the notifications to settle, then the verdict.
 */
import { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  ApiClient,
  createPartners,
  drivePayments,
  planPayments,
  seededRandom,
  type DriveResult,
} from './chaos-load';
import type { Topology } from './chaos-topology';
import { judge, type Verdict } from './chaos-verdict';

export interface ScenarioTiming {
  workerKillEveryMs: number;
  /** How long PostgreSQL and the bank are unreachable. */
  databaseOutageMs: number;
  bankOutageMs: number;
  /** How long the scenario may take after its faults are over. */
  settleMs: number;
}

export interface FaultContext {
  topology: Topology;
  timing: ScenarioTiming;
  rng: () => number;
  /** Payments the API accepted so far, and of how many. */
  accepted: () => number;
  total: number;
  /** Resolves once every payment reached its state (or the load gave up). */
  loadDone: Promise<void>;
  note: (line: string) => void;
}

export interface Scenario {
  id: number;
  name: string;
  fault: string;
  /** Starts the fault, ends it; resolves once it is over (the load goes on meanwhile). */
  run(ctx: FaultContext): Promise<void>;
  /** Undoes what must not outlive the scenario (called after the notifications settled too). */
  clear?(ctx: FaultContext): Promise<void>;
}

const untilAccepted = async (ctx: FaultContext, share: number): Promise<void> => {
  while (ctx.accepted() < Math.ceil(ctx.total * share)) await sleep(100);
};

async function setBankFaults(t: Topology, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${t.bankUrl}/admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`PUT /admin/faults: ${res.status} ${await res.text()}`);
}

export const SCENARIOS: Scenario[] = [
  {
    id: 1,
    name: 'worker-kill',
    fault: 'kill -9 a payments worker every interval, restart it',
    run: async (ctx) => {
      let kills = 0;
      let done = false;
      void ctx.loadDone.then(() => (done = true));
      await untilAccepted(ctx, 0.1);
      while (!done) {
        const name = `worker-${1 + (kills % 2)}`;
        await ctx.topology.kill9(name);
        kills++;
        await ctx.topology.restart(name);
        await Promise.race([sleep(ctx.timing.workerKillEveryMs), ctx.loadDone]);
      }
      ctx.note(`${kills} worker kills`);
    },
  },
  {
    id: 2,
    name: 'temporal-kill',
    fault: 'kill -9 the Temporal dev server mid-run, restart it on its state file',
    run: async (ctx) => {
      await untilAccepted(ctx, 0.4);
      await ctx.topology.killTemporal();
      await sleep(2_000);
      await ctx.topology.restartTemporal();
      ctx.note('dev server killed and restarted once');
    },
  },
  {
    id: 3,
    name: 'postgres-outage',
    fault: 'PostgreSQL unreachable through the proxy',
    run: async (ctx) => {
      await untilAccepted(ctx, 0.3);
      await ctx.topology.toxiproxy.setEnabled('postgres', false);
      await sleep(ctx.timing.databaseOutageMs);
      await ctx.topology.toxiproxy.setEnabled('postgres', true);
      ctx.note(`PostgreSQL down ${ctx.timing.databaseOutageMs / 1000} s`);
    },
  },
  {
    id: 4,
    name: 'bank-commit-reset',
    fault: 'the bank commits, then resets the connection before answering (20% of calls)',
    run: async (ctx) => {
      await setBankFaults(ctx.topology, { failAfterCommitRate: 0.2, failAfterCommitMode: 'reset' });
      await ctx.loadDone;
    },
    clear: (ctx) => setBankFaults(ctx.topology, { failAfterCommitRate: 0 }),
  },
  {
    id: 5,
    name: 'bank-outage',
    fault: 'the bank unreachable through the proxy',
    run: async (ctx) => {
      await untilAccepted(ctx, 0.2);
      await ctx.topology.toxiproxy.setEnabled('bank', false);
      await sleep(ctx.timing.bankOutageMs);
      await ctx.topology.toxiproxy.setEnabled('bank', true);
      ctx.note(`bank down ${ctx.timing.bankOutageMs / 1000} s`);
    },
  },
  {
    id: 6,
    name: 'receivers-flaky',
    fault: 'webhook receiver accepts then times out (20%); SMTP drops after DATA (10%)',
    run: async (ctx) => {
      ctx.topology.webhooks.hang = () => ctx.rng() < 0.2;
      ctx.topology.smtpDrop.share = 0.1;
      ctx.topology.smtpDrop.rng = ctx.rng;
      await ctx.loadDone;
    },
    clear: async (ctx) => {
      ctx.topology.webhooks.hang = undefined;
      ctx.topology.smtpDrop.share = 0;
    },
  },
];

/** Deliberate damage before the verdict, to see each guard go red (`--tamper`). */
export type Tamper = 'double' | 'lost' | 'unreconciled';

export interface ScenarioResult extends Verdict {
  id: number;
  name: string;
  fault: string;
  notes: string[];
  durationS: number;
  drive: Omit<DriveResult, 'submitErrors'>;
  tampered?: Tamper;
}

export async function runScenario(opts: {
  scenario: Scenario;
  topology: Topology;
  count: number;
  partners: number;
  seed: number;
  runTag: string;
  timing: ScenarioTiming;
  concurrency: number;
  tamper?: Tamper;
  log: (line: string) => void;
}): Promise<ScenarioResult> {
  const { scenario: s, topology: t } = opts;
  const started = Date.now();
  const tag = `${opts.runTag}-s${s.id}`;
  const rng = seededRandom(opts.seed * 31 + s.id);
  const notes: string[] = [];
  let faultsOver = false;
  let deadline = Number.POSITIVE_INFINITY;
  const api = new ApiClient(t.apiUrl, () => deadline);
  const app = new pg.Pool({ connectionString: t.appDatabaseUrl, max: 2 });
  const bank = new pg.Pool({ connectionString: t.bankDatabaseUrl, max: 2 });
  try {
    deadline = Date.now() + 120_000;
    const webhookPath = `/hooks/${tag}/`;
    const partners = await createPartners(api, t.secrets.apiKeys.admin, {
      count: opts.partners,
      tag,
      webhookUrl: (i) => t.webhooks.url(`${webhookPath}${i}`),
    });
    const payments = planPayments({ count: opts.count, partners: opts.partners, rng, tag });
    deadline = Number.POSITIVE_INFINITY;
    let accepted = 0;
    let loadDone!: () => void;
    const ctx: FaultContext = {
      topology: t,
      timing: opts.timing,
      rng,
      accepted: () => accepted,
      total: payments.length,
      loadDone: new Promise<void>((res) => (loadDone = res)),
      note: (line) => notes.push(line),
    };
    const fault = s.run(ctx).finally(() => {
      faultsOver = true;
      deadline = Date.now() + opts.timing.settleMs;
    });
    const drive = drivePayments({
      api,
      keys: t.secrets.apiKeys,
      partners,
      payments,
      db: app,
      concurrency: opts.concurrency,
      faultsOver: () => faultsOver,
      deadline: () => deadline,
      triggerJanitor: async () => {
        const client = new Client({ connection: await t.temporal() });
        await client.schedule.getHandle('alpes-payout-janitor').trigger();
      },
      onAccepted: () => accepted++,
      onSettled: () => loadDone(),
    }).finally(() => loadDone());
    const [driven] = await Promise.all([drive, fault]);
    opts.log(`scenario ${s.id} ${s.name}: payments settled=${driven.settled}; waiting for notifications`);

    // Every notification of these payments delivered or given up, and the receivers quiet.
    const ids = payments.filter((p) => p.id).map((p) => p.id!);
    const received = () => ({
      webhooks: t.webhooks.requests.filter((r) => r.path.startsWith(webhookPath)),
      emails: t.emails.filter((m) => m.to.some((to) => to.endsWith(`.${tag}@chaos.example`))),
    });
    const notifyDeadline = Date.now() + opts.timing.settleMs;
    let last = -1;
    for (;;) {
      const { rows } = await app.query<{ n: string }>(
        "select count(*) as n from notifications where payment_id = any($1) and channel in ('WEBHOOK', 'EMAIL') and status = 'PENDING'",
        [ids],
      );
      const r = received();
      const count = r.webhooks.length + r.emails.length;
      if (Number(rows[0]!.n) === 0 && count === last) break;
      last = count;
      if (Date.now() > notifyDeadline) break;
      await sleep(2_000);
    }
    await s.clear?.(ctx);
    if (opts.tamper) await tamper(opts.tamper, app, bank, ids);
    const r = received();
    const verdict = await judge({
      payments,
      app,
      bank,
      webhooks: r.webhooks,
      emails: r.emails,
      submitErrors: driven.submitErrors,
    });
    const { submitErrors: _errors, ...drive_ } = driven;
    return {
      id: s.id,
      name: s.name,
      fault: s.fault,
      notes,
      durationS: Math.round((Date.now() - started) / 100) / 10,
      drive: drive_,
      ...(opts.tamper ? { tampered: opts.tamper } : {}),
      ...verdict,
    };
  } finally {
    await app.end();
    await bank.end();
  }
}

/**
 * Breaks what a guard watches, for real, in the databases: a second PAYOUT row for a completed
 * payment (double-paid and unreconciled), a payment's row deleted (lost), a payout's amount changed
 * by one minor unit (unreconciled only).
 */
async function tamper(kind: Tamper, app: pg.Pool, bank: pg.Pool, ids: string[]): Promise<void> {
  const { rows } = await app.query<{ id: string }>(
    "select id from payments where id = any($1) and status = 'COMPLETED' limit 1",
    [ids],
  );
  const victim = rows[0]?.id;
  if (!victim) throw new Error('--tamper: no completed payment to tamper with');
  if (kind === 'lost') await app.query('delete from payments where id = $1', [victim]);
  if (kind === 'unreconciled') {
    await bank.query(
      "update sandbox_bank_ledger set amount_minor = amount_minor + 1 where payment_reference = $1 and kind = 'PAYOUT'",
      [victim],
    );
  }
  if (kind === 'double') {
    await bank.query(
      `insert into sandbox_bank_ledger (id, kind, payout_id, amount_minor, currency, account, payment_reference, created_at)
       select gen_random_uuid(), kind, payout_id, amount_minor, currency, account, payment_reference, now()
       from sandbox_bank_ledger where payment_reference = $1 and kind = 'PAYOUT'`,
      [victim],
    );
  }
}
