/**
 * The six faults, each run alongside its own batch of payments, and the run of one scenario: plan,
 * partners, load and fault together, wait for the notifications to settle, then the verdict and
 * the evidence that the fault took effect. Every phase has a bound: a payment that never settles
 * fails the verdict by name when time is up, it never keeps the run going.
 */
import { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  eventually,
  httpAnswers,
  isClosed,
  pgAnswers,
  Pulse,
  scanHistories,
  tcpProbe,
  terminateWorkflow,
  workflowStatus,
  type HistoryFindings,
} from './chaos-evidence';
import {
  ApiClient,
  createPartners,
  drivePayments,
  planPayments,
  seededRandom,
  type DriveProgress,
  type DriveResult,
  type PlannedPayment,
} from './chaos-load';
import type { Topology } from './chaos-topology';
import { judge, outcomeNoticesMissing, type Verdict } from './chaos-verdict';

export interface ScenarioTiming {
  workerKillEveryMs: number;
  /** Also kill a worker the moment a large payment is accepted or approved (its approval window). */
  killAtApprovals: boolean;
  /** The most workers one scenario kills. */
  maxWorkerKills: number;
  /** How long PostgreSQL and the bank are unreachable. */
  databaseOutageMs: number;
  bankOutageMs: number;
  /** The longest a fault lasts: those that last as long as the load stop here even if it has not. */
  faultBoundMs: number;
  /** How long the scenario may take after its faults are over. */
  settleMs: number;
}

export interface WorkerKill {
  worker: string;
  pid: number;
  /** Seconds into the scenario. */
  atS: number;
  trigger: 'approval' | 'interval';
  /** Large payments accepted and not yet approved, and payments not yet settled, when it died. */
  approvalsOutstanding: number;
  unsettled: number;
  /** Workflow tasks it had taken and never finished (read from the histories afterwards). */
  workflowTasksLost: number;
}

/** What shows the fault reached the system; a scenario whose fault did not bite does not pass. */
export interface FaultEvidence {
  tookEffect: boolean;
  summary: string;
  figures: Record<string, number | boolean>;
  kills?: WorkerKill[];
}

export interface FaultContext {
  topology: Topology;
  timing: ScenarioTiming;
  rng: () => number;
  progress: DriveProgress;
  total: number;
  startedAt: number;
  /** Resolves once the load is over (settled, or nothing can move) or the fault's bound passed. */
  loadOver: () => Promise<'load-over' | 'bound'>;
  /** Resolves at the next moment a large payment is accepted or its approval is sent. */
  approvalMoment: () => Promise<void>;
  /** Counts the lines our processes print from now to the verdict that `match`. */
  countLines: (match: (name: string, line: string) => boolean) => () => number;
  note: (line: string) => void;
  /** Filled by the fault while it runs, completed by `evidence`. */
  figures: Record<string, number | boolean>;
  kills: WorkerKill[];
}

export interface AfterFacts {
  payments: PlannedPayment[];
  history: HistoryFindings;
  verdict: Verdict;
}

export interface Scenario {
  id: number;
  name: string;
  fault: string;
  /** Starts the fault, ends it; resolves once it is over (the load goes on meanwhile). */
  run(ctx: FaultContext): Promise<void>;
  /** Undoes what must not outlive the scenario (called after the notifications settled too). */
  clear?(ctx: FaultContext): Promise<void>;
  /** Whether the fault took effect, from what it recorded and what it left behind. */
  evidence(ctx: FaultContext, after: AfterFacts): FaultEvidence;
}

/**
 * Until `share` of the payments were accepted. Submissions given up on, the end of the load or
 * the fault's bound end the wait too: the fault then goes ahead on what there is.
 */
const untilAccepted = async (ctx: FaultContext, share: number): Promise<void> => {
  let over = false;
  void ctx.loadOver().then(() => (over = true));
  const target = Math.ceil(ctx.total * share);
  const p = ctx.progress;
  while (!over && p.accepted < target && p.accepted + p.submitErrors < ctx.total) await sleep(100);
};

const inFlight = (ctx: FaultContext): number => ctx.progress.accepted - ctx.progress.settled;

async function setBankFaults(t: Topology, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${t.bankUrl}/admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`PUT /admin/faults: ${res.status} ${await res.text()}`);
}

/**
 * Cuts the proxy for `ms`. Meanwhile a connection of the harness's own must be refused (the fault
 * is real), and afterwards `back` must answer through the proxy again.
 */
async function outage(
  ctx: FaultContext,
  proxy: 'postgres' | 'bank',
  port: number,
  ms: number,
  back: () => Promise<boolean>,
): Promise<void> {
  ctx.figures.paymentsInFlightAtStart = inFlight(ctx);
  await ctx.topology.toxiproxy.setEnabled(proxy, false);
  ctx.figures.probeRefused = (await tcpProbe('127.0.0.1', port)) === 'refused';
  await sleep(ms);
  await ctx.topology.toxiproxy.setEnabled(proxy, true);
  ctx.figures.answersAgain = await eventually(back, 15_000);
}

const WORKERS = ['worker-1', 'worker-2'];

/**
 * Kills a payments worker at each moment (an interval, or a large payment's approval window),
 * restarting it meanwhile, until the load is over, the kills run out or the bound passes. When
 * only one worker is up, that one is killed: it holds whatever work is in flight.
 */
async function killWorkers(ctx: FaultContext): Promise<void> {
  const t = ctx.topology;
  const restarting = new Map<string, Promise<void>>();
  let restartError: unknown;
  let over: 'load-over' | 'bound' | undefined;
  void ctx.loadOver().then((why) => (over = why));
  await untilAccepted(ctx, 0.1);
  let turn = 0;
  while (!over && ctx.kills.length < ctx.timing.maxWorkerKills) {
    const wake = new AbortController();
    const trigger = await Promise.race([
      sleep(ctx.timing.workerKillEveryMs, 'interval' as const, { signal: wake.signal }).catch(
        () => 'over' as const,
      ),
      ...(ctx.timing.killAtApprovals ? [ctx.approvalMoment().then(() => 'approval' as const)] : []),
      ctx.loadOver().then(() => 'over' as const),
    ]);
    wake.abort();
    if (trigger === 'over' || over) break;
    const up = WORKERS.filter((w) => !restarting.has(w) && t.pid(w) !== undefined);
    if (up.length === 0) {
      if (restarting.size === 0) throw new Error('no payments worker is running, and none is restarting');
      await Promise.race(restarting.values());
      continue;
    }
    const name = up[turn++ % up.length]!;
    const pid = t.pid(name)!;
    await t.kill9(name);
    ctx.kills.push({
      worker: name,
      pid,
      atS: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
      trigger,
      approvalsOutstanding: ctx.progress.approvalsOutstanding,
      unsettled: inFlight(ctx),
      workflowTasksLost: 0,
    });
    restarting.set(
      name,
      t
        .restart(name)
        .catch((e: unknown) => void (restartError ??= e))
        .finally(() => restarting.delete(name)),
    );
  }
  await Promise.all(restarting.values());
  if (restartError) throw restartError;
  const bound = {
    'load-over': '',
    bound: ' (time bound reached first)',
    none: ' (kill limit reached first)',
  };
  ctx.note(`${ctx.kills.length} worker kills${bound[over ?? 'none']}`);
}

/** The bank's count of answers it lost on purpose, from scenario 4's start (one run at a time). */
let answersLost: () => number = () => 0;

const num = (figure: unknown): number => (typeof figure === 'number' ? figure : 0);

export const SCENARIOS: Scenario[] = [
  {
    id: 1,
    name: 'worker-kill',
    fault: 'kill -9 a payments worker every interval, restart it',
    run: killWorkers,
    evidence: (ctx, { payments, history }) => {
      const large = new Set(payments.filter((p) => p.script === 'approve').map((p) => p.id));
      const lostBy = (pid: number) =>
        history.lostWorkflowTasks.filter((l) => l.identity.startsWith(`${pid}@`));
      const largeHit = new Set<string>();
      for (const k of ctx.kills) {
        const lost = lostBy(k.pid);
        k.workflowTasksLost = lost.length;
        for (const l of lost) if (large.has(l.paymentId)) largeHit.add(l.paymentId);
      }
      const figures = {
        kills: ctx.kills.length,
        killsWithApprovalsOutstanding: ctx.kills.filter((k) => k.approvalsOutstanding > 0).length,
        killsHoldingWork: ctx.kills.filter((k) => k.workflowTasksLost > 0).length,
        workflowTasksLost: ctx.kills.reduce((n, k) => n + k.workflowTasksLost, 0),
        largePaymentsHit: largeHit.size,
        activitiesRetriedAfterTimeout: history.retriedActivities.filter((a) =>
          a.lastFailure.startsWith('timeout'),
        ).length,
      };
      return {
        tookEffect: figures.killsHoldingWork > 0,
        summary: `${figures.killsHoldingWork} of ${figures.kills} kills hit a worker holding a workflow task (${figures.workflowTasksLost} tasks lost, ${figures.largePaymentsHit} of them large payments'); ${figures.killsWithApprovalsOutstanding} kills while approvals were outstanding`,
        figures,
        kills: ctx.kills,
      };
    },
  },
  {
    id: 2,
    name: 'temporal-kill',
    fault: 'kill -9 the Temporal dev server mid-run, restart it on its state file',
    run: async (ctx) => {
      const t = ctx.topology;
      const [host, port] = t.temporalAddress.split(':') as [string, string];
      await untilAccepted(ctx, 0.4);
      ctx.figures.paymentsInFlightAtKill = inFlight(ctx);
      const refusedLines = ctx.countLines(
        (name, line) => name !== 'temporal' && line.includes(`:${port}`) && /refused/i.test(line),
      );
      await t.killTemporal();
      const down = Date.now();
      ctx.figures.probeRefused = (await tcpProbe(host, Number(port))) === 'refused';
      await sleep(2_000);
      await t.restartTemporal();
      ctx.figures.downS = Math.round((Date.now() - down) / 100) / 10;
      ctx.figures.answersAgain = await eventually(async () => {
        try {
          await (await t.temporal()).workflowService.getSystemInfo({});
          return true;
        } catch {
          return false;
        }
      }, 15_000);
      ctx.figures.clientRefusalLines = refusedLines();
      ctx.note('dev server killed and restarted once');
    },
    evidence: (ctx) => {
      const f = ctx.figures;
      return {
        tookEffect: f.probeRefused === true && f.answersAgain === true && num(f.paymentsInFlightAtKill) > 0,
        summary: `server refused connections while down (${String(f.probeRefused)}) for ${num(f.downS)} s with ${num(f.paymentsInFlightAtKill)} payments in flight, answered again (${String(f.answersAgain)}); our processes logged ${num(f.clientRefusalLines)} refusals`,
        figures: f,
      };
    },
  },
  {
    id: 3,
    name: 'postgres-outage',
    fault: 'PostgreSQL unreachable through the proxy',
    run: async (ctx) => {
      const { pgPort, databaseUrl } = ctx.topology.proxied;
      await untilAccepted(ctx, 0.3);
      const refused = ctx.countLines(
        (_, line) => line.includes('ECONNREFUSED') && line.includes(String(pgPort)),
      );
      await outage(ctx, 'postgres', pgPort, ctx.timing.databaseOutageMs, () => pgAnswers(databaseUrl));
      ctx.figures.refusedLines = refused();
      ctx.note(`PostgreSQL down ${ctx.timing.databaseOutageMs / 1000} s`);
    },
    evidence: (ctx) => {
      const f = ctx.figures;
      return {
        tookEffect: f.probeRefused === true && num(f.refusedLines) > 0 && f.answersAgain === true,
        summary: `the proxy refused connections (${String(f.probeRefused)}); our processes logged ${num(f.refusedLines)} refused connections with ${num(f.paymentsInFlightAtStart)} payments in flight; PostgreSQL answered through it again (${String(f.answersAgain)})`,
        figures: f,
      };
    },
  },
  {
    id: 4,
    name: 'bank-commit-reset',
    fault: 'the bank commits, then resets the connection before answering (20% of calls)',
    run: async (ctx) => {
      answersLost = ctx.countLines(
        (name, line) => name === 'bank' && line.includes('answer lost after commit'),
      );
      await setBankFaults(ctx.topology, { failAfterCommitRate: 0.2, failAfterCommitMode: 'reset' });
      await ctx.loadOver();
    },
    clear: async (ctx) => {
      await setBankFaults(ctx.topology, { failAfterCommitRate: 0 });
      ctx.figures.answersLost = answersLost();
    },
    evidence: (ctx, { history }) => {
      const f = ctx.figures;
      f.callsRetriedAfterReset = history.retriedActivities.filter((a) =>
        /UND_ERR_SOCKET|ECONNRESET|socket hang up/.test(a.lastFailure),
      ).length;
      return {
        tookEffect: num(f.answersLost) > 0 && num(f.callsRetriedAfterReset) > 0,
        summary: `the bank reset ${num(f.answersLost)} answers after committing; ${num(f.callsRetriedAfterReset)} payouts or refunds were sent again after a reset`,
        figures: f,
      };
    },
  },
  {
    id: 5,
    name: 'bank-outage',
    fault: 'the bank unreachable through the proxy',
    run: async (ctx) => {
      const { bankPort, bankUrl } = ctx.topology.proxied;
      await untilAccepted(ctx, 0.2);
      await outage(ctx, 'bank', bankPort, ctx.timing.bankOutageMs, () => httpAnswers(`${bankUrl}/healthz`));
      ctx.note(`bank down ${ctx.timing.bankOutageMs / 1000} s`);
    },
    evidence: (ctx, { history }) => {
      const f = ctx.figures;
      const port = `:${ctx.topology.proxied.bankPort}/`;
      f.callsRefused = history.retriedActivities.filter(
        (a) => a.lastFailure.includes('ECONNREFUSED') && a.lastFailure.includes(port),
      ).length;
      return {
        tookEffect: f.probeRefused === true && num(f.callsRefused) > 0 && f.answersAgain === true,
        summary: `the proxy refused connections (${String(f.probeRefused)}); ${num(f.callsRefused)} payouts or refunds were refused and sent again, ${num(f.paymentsInFlightAtStart)} payments in flight; the bank answered through it again (${String(f.answersAgain)})`,
        figures: f,
      };
    },
  },
  {
    id: 6,
    name: 'receivers-flaky',
    fault: 'webhook receiver accepts then times out (20%); SMTP drops after DATA (10%)',
    run: async (ctx) => {
      let hangs = 0;
      ctx.figures.webhookHangs = 0;
      ctx.topology.webhooks.hang = () => {
        const hang = ctx.rng() < 0.2;
        ctx.figures.webhookHangs = hangs += hang ? 1 : 0;
        return hang;
      };
      ctx.topology.smtpDrop.dropped = 0;
      ctx.topology.smtpDrop.share = 0.1;
      ctx.topology.smtpDrop.rng = ctx.rng;
      await ctx.loadOver();
    },
    // The receivers misbehave until the notifications settled: what they did is counted here.
    clear: async (ctx) => {
      ctx.topology.webhooks.hang = undefined;
      ctx.topology.smtpDrop.share = 0;
      ctx.figures.smtpDrops = ctx.topology.smtpDrop.dropped;
    },
    evidence: (ctx, { verdict }) => {
      const f = ctx.figures;
      f.webhookRedeliveries = verdict.webhook.duplicates;
      f.emailRedeliveries = verdict.email.duplicates;
      return {
        tookEffect:
          num(f.webhookHangs) + num(f.smtpDrops) > 0 &&
          verdict.webhook.duplicates + verdict.email.duplicates > 0,
        summary: `the webhook receiver hung on ${num(f.webhookHangs)} requests and SMTP dropped ${num(f.smtpDrops)} messages; ${verdict.webhook.duplicates} webhooks and ${verdict.email.duplicates} emails were delivered again`,
        figures: f,
      };
    },
  },
];

/**
 * Deliberate damage, to see each guard go red (`--tamper`): `stuck` terminates one large payment's
 * workflow while it awaits approval (what a lost step did before the fix: the row never final,
 * the workflow closed); the others damage the databases before the verdict.
 */
export type Tamper = 'double' | 'lost' | 'unreconciled' | 'stuck';
export const TAMPERS: Tamper[] = ['double', 'lost', 'unreconciled', 'stuck'];

export interface ScenarioResult extends Verdict {
  id: number;
  name: string;
  fault: string;
  notes: string[];
  durationS: number;
  drive: Omit<DriveResult, 'submitErrors'>;
  faultEvidence: FaultEvidence;
  tampered?: Tamper;
}

export async function runScenario(opts: {
  scenario: Scenario;
  topology: Topology;
  count: number;
  partners: number;
  /** Share of large payments (approved by a second key); planPayments' default unless said. */
  approveShare?: number;
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
  let faultsEndedAt: number | undefined;
  let deadline = Date.now() + 120_000;
  const api = new ApiClient(t.apiUrl, () => deadline);
  const app = new pg.Pool({ connectionString: t.appDatabaseUrl, max: 2 });
  const bank = new pg.Pool({ connectionString: t.bankDatabaseUrl, max: 2 });
  const untaps: Array<() => void> = [];
  const bound = new AbortController();
  const status = async (id: string): Promise<string> => {
    try {
      return await workflowStatus(await t.temporal(), id);
    } catch (e) {
      return `UNKNOWN (${e instanceof Error ? e.message : String(e)})`;
    }
  };
  try {
    const webhookPath = `/hooks/${tag}/`;
    const partners = await createPartners(api, t.secrets.apiKeys.admin, {
      count: opts.partners,
      tag,
      webhookUrl: (i) => t.webhooks.url(`${webhookPath}${i}`),
    });
    const payments = planPayments({
      count: opts.count,
      partners: opts.partners,
      rng,
      tag,
      approveShare: opts.approveShare,
    });
    // The load's hard deadline: the faults' bound, then the time to settle after them.
    const loadStarted = Date.now();
    deadline = loadStarted + opts.timing.faultBoundMs + opts.timing.settleMs;
    const progress: DriveProgress = { accepted: 0, submitErrors: 0, approvalsOutstanding: 0, settled: 0 };
    let loadDone!: () => void;
    const loadDonePromise = new Promise<void>((res) => (loadDone = res));
    const boundReached = sleep(opts.timing.faultBoundMs, 'bound' as const, { signal: bound.signal }).catch(
      () => 'bound' as const,
    );
    const approvalMoments = new Pulse();
    const ctx: FaultContext = {
      topology: t,
      timing: opts.timing,
      rng,
      progress,
      total: payments.length,
      startedAt: started,
      loadOver: () => Promise.race([loadDonePromise.then(() => 'load-over' as const), boundReached]),
      approvalMoment: () => approvalMoments.next(),
      countLines: (match) => {
        let n = 0;
        untaps.push(t.tap((name, line) => void (match(name, line) && n++)));
        return () => n;
      },
      note: (line) => notes.push(line),
      figures: {},
      kills: [],
    };
    let victim: string | undefined;
    const beforeApprove =
      opts.tamper === 'stuck'
        ? async (id: string): Promise<void> => {
            if (victim) return;
            victim = id;
            try {
              await terminateWorkflow(await t.temporal(), id, 'chaos --tamper stuck');
              opts.log(`--tamper stuck: terminated the workflow of payment ${id} while it awaits approval`);
            } catch (e) {
              victim = undefined;
              opts.log(`--tamper stuck: could not terminate payment ${id}'s workflow: ${String(e)}`);
            }
          }
        : undefined;
    const fault = s.run(ctx).finally(() => {
      faultsEndedAt = Date.now();
      deadline = Math.min(deadline, faultsEndedAt + opts.timing.settleMs);
    });
    const drive = drivePayments({
      api,
      keys: t.secrets.apiKeys,
      partners,
      payments,
      db: app,
      concurrency: opts.concurrency,
      faultsOver: () => faultsEndedAt !== undefined,
      deadline: () => deadline,
      triggerJanitor: async () => {
        const client = new Client({ connection: await t.temporal() });
        await client.schedule.getHandle('alpes-payout-janitor').trigger();
      },
      progress,
      onApprovalMoment: () => approvalMoments.fire(),
      beforeApprove,
      workflowStatus: status,
      isClosed,
      onLoadOver: () => loadDone(),
    }).finally(() => loadDone());
    const [driven] = await Promise.all([drive, fault]);
    opts.log(
      `scenario ${s.id} ${s.name}: payments ${driven.endedBy === 'settled' ? 'settled' : `not settled (${driven.endedBy})`}; waiting for notifications`,
    );

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
      if (Number(rows[0]!.n) === 0 && count === last && (await outcomeNoticesMissing(app, ids)) === 0) break;
      last = count;
      if (Date.now() > notifyDeadline) break;
      await sleep(2_000);
    }
    await s.clear?.(ctx);
    if (opts.tamper && opts.tamper !== 'stuck') await tamper(opts.tamper, app, bank, ids);
    const r = received();
    const verdict = await judge({
      payments,
      app,
      bank,
      webhooks: r.webhooks,
      emails: r.emails,
      submitErrors: driven.submitErrors,
      workflowStatus: status,
    });
    if (opts.tamper === 'stuck' && !victim) {
      verdict.failures.push('--tamper stuck: no payment was seen awaiting approval to tamper with');
      verdict.ok = false;
    }
    let history: HistoryFindings = { lostWorkflowTasks: [], retriedActivities: [] };
    try {
      history = await scanHistories(await t.temporal(), ids);
    } catch (e) {
      notes.push(`histories unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const faultEvidence = s.evidence(ctx, { payments, history, verdict });
    if (!faultEvidence.tookEffect)
      verdict.failures.push(`fault did not take effect: ${faultEvidence.summary}`);
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
      faultEvidence,
      ok: verdict.ok && faultEvidence.tookEffect,
    };
  } finally {
    bound.abort();
    for (const untap of untaps) untap();
    await app.end();
    await bank.end();
  }
}

/**
 * Breaks what a guard watches, for real, in the databases: a second PAYOUT row for a completed
 * payment (double-paid and unreconciled), a payment's row deleted (lost), a payout's amount changed
 * by one minor unit (unreconciled only).
 */
async function tamper(
  kind: Exclude<Tamper, 'stuck'>,
  app: pg.Pool,
  bank: pg.Pool,
  ids: string[],
): Promise<void> {
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
