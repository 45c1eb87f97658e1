/**
 * Settlement runs under faults: N partners with a few commissions each, imported through the API,
 * one run started by one operator and approved by another, and a fault while its payouts go out
 * (a payments worker killed while it holds work, the Temporal server killed, PostgreSQL cut, or the
 * bank's answers lost past PAYOUT_TIMEOUT so the janitor must resolve them). Judged afterwards on
 * the bank's ledger against our read model per partner (count and sum, bigint minor units), the
 * commissions (none left SETTLING), the run (COMPLETED, its counters equal to the payments) and the
 * evidence that the fault bit.
 */
import { Client, type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { paymentWorkflowId } from '../../src/workflows/workflow-ids';
import { eventually, pgAnswers, tcpProbe } from './chaos-evidence';
import { ApiClient, inPool, seededRandom } from './chaos-load';
import type { FaultEvidence } from './chaos-scenarios';
import type { Topology } from './chaos-topology';

const { EventType, PendingActivityState, TimeoutType } = temporal.api.enums.v1;

export interface SettlementTiming {
  /** Partners of a fault scenario's run, and of the janitor's (each paid once). */
  partners: number;
  janitorPartners: number;
  /** Worker kills in one run, spread over its progress. */
  workerKills: number;
  databaseOutageMs: number;
  /** PAYOUT_TIMEOUT for the janitor scenario's run (the API restarted with it, then without). */
  janitorPayoutTimeout: string;
  /** The longest a fault lasts, and how long the run may take after it. */
  faultBoundMs: number;
  settleMs: number;
}

export interface SettlementKill {
  worker: string;
  pid: number;
  atS: number;
  /** Payouts finished when it died, of the run's. */
  finishedAtKill: number;
  /** What it held when killed: `<workflow id>:<activity>` of activities started on it. */
  held: string[];
  heldStarter: boolean;
}

interface Progress {
  status: string;
  items: number;
  started: number;
  finished: number;
  unknown: number;
}

export interface SettlementFaultContext {
  topology: Topology;
  timing: SettlementTiming;
  settlementId: string;
  partners: number;
  startedAt: number;
  /** No scenario follows: settings changed for this one need not be given back. */
  last: boolean;
  /** The run's progress, read from PostgreSQL directly (not through the proxy the faults cut). */
  progress(): Promise<Progress>;
  /** Until `share` of the payouts finished; false when the run ended (or the bound passed) first. */
  untilFinished(share: number): Promise<boolean>;
  countLines: (match: (name: string, line: string) => boolean) => () => number;
  note: (line: string) => void;
  figures: Record<string, number | boolean>;
  kills: SettlementKill[];
}

export interface SettlementVerdict {
  partners: number;
  runStatus: string;
  /** The scenario's run, and the next period's run when that one had payouts voided. */
  runs: string[];
  /** Payouts the janitor voided (the bank never had them), paid by the next period's run. */
  voidedPaidNextRun: number;
  /** Partners whose bank payouts and read model agree: one COMPLETED payment, one payout, the planned sum. */
  paidOnce: number;
  /** Partners with no payout at the bank (or none COMPLETED in our read model). */
  lost: number;
  /** Partners paid more than once (bank payouts, or COMPLETED payments). */
  double: number;
  /** Partners paid once but not the sum their commissions make. */
  wrongAmount: number;
  /** Payouts at the bank since the scenario began that name no payment of its partners. */
  unattributedPayouts: number;
  /** Commissions of these partners not SETTLED by this run, and SETTLING anywhere. */
  commissionsNotSettled: number;
  settlingAnywhere: number;
  /** alpes_commissions_stranded from the API's /metrics (null when unreadable). */
  strandedGauge: number | null;
  /** Per currency: the plan, the bank's net, the read model's completed and the runs' counters. */
  reconciliation: Record<string, { planned: string; bankNet: string; completed: string; counters: string }>;
  countersAgree: boolean;
  /** Payments that went PAYOUT_UNKNOWN, and those the janitor resolved (final since). */
  payoutUnknownSeen: number;
  janitorResolved: number;
  failures: string[];
  ok: boolean;
}

export interface SettlementScenarioResult extends SettlementVerdict {
  id: number;
  name: string;
  fault: string;
  settlementId: string;
  notes: string[];
  durationS: number;
  /** Seconds: partners and commissions in, run started and approved, run final. */
  phasesS: { setup: number; run: number; verdict: number };
  janitorTriggers: number;
  kills: SettlementKill[];
  faultEvidence: FaultEvidence;
  tampered?: SettlementTamper;
}

export interface SettlementScenario {
  id: number;
  name: string;
  fault: string;
  /** Partners of its run (the janitor's is smaller: its payouts wait for the janitor in turns). */
  partners(t: SettlementTiming): number;
  /** Before the run starts (e.g. the API's settings, the bank's faults). */
  prepare?(ctx: SettlementFaultContext): Promise<void>;
  run(ctx: SettlementFaultContext): Promise<void>;
  clear?(ctx: SettlementFaultContext): Promise<void>;
  evidence(
    ctx: SettlementFaultContext,
    after: { verdict: SettlementVerdict; connection: Connection },
  ): Promise<FaultEvidence>;
}

const num = (figure: unknown): number => (typeof figure === 'number' ? figure : 0);
const WORKERS = ['worker-1', 'worker-2'];
const FINAL = ['COMPLETED', 'FAILED', 'REFUNDED', 'REJECTED', 'CANCELLED', 'COMPENSATION_FAILED'];
const RPC_TIMEOUT_MS = 10_000;

/** Activities started on the worker `pid` in these workflows, as `<workflow id>:<activity type>`. */
async function heldBy(connection: Connection, workflowIds: string[], pid: number): Promise<string[]> {
  const held: string[] = [];
  for (const workflowId of workflowIds) {
    try {
      const d = await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, () =>
        connection.workflowService.describeWorkflowExecution({
          namespace: 'default',
          execution: { workflowId },
        }),
      );
      for (const a of d.pendingActivities ?? []) {
        if (
          a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED &&
          (a.lastWorkerIdentity ?? '').startsWith(`${pid}@`)
        )
          held.push(`${workflowId}:${a.activityType?.name ?? '?'}`);
      }
    } catch {
      // Not started yet, or closed meanwhile: holds nothing.
    }
  }
  return held;
}

/**
 * What the run's own histories (every run of its id, across continue-as-new) say about the kills:
 * starter attempts that ended in a timeout (the worker died holding them) and workflow tasks lost.
 */
async function settlementHistories(
  connection: Connection,
  settlementId: string,
  pids: number[],
): Promise<{ runs: number; starterTimeouts: number; workflowTasksLost: number }> {
  const found = { runs: 0, starterTimeouts: 0, workflowTasksLost: 0 };
  const listed = await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, () =>
    connection.workflowService.listWorkflowExecutions({
      namespace: 'default',
      query: `WorkflowId = '${settlementId}'`,
      pageSize: 1_000,
    }),
  );
  for (const w of listed.executions ?? []) {
    found.runs++;
    let token: Uint8Array | undefined;
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    do {
      const res = await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, () =>
        connection.workflowService.getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId: settlementId, runId: w.execution?.runId },
          nextPageToken: token,
        }),
      );
      events.push(...(res.history?.events ?? []));
      token = res.nextPageToken?.length ? res.nextPageToken : undefined;
    } while (token);
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    for (const e of events) {
      const a = e.activityTaskStartedEventAttributes;
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && (a?.attempt ?? 1) > 1) {
        const type = byId.get(Number(a!.scheduledEventId))?.activityTaskScheduledEventAttributes?.activityType
          ?.name;
        if (type === 'startSettlementPayouts' && a!.lastFailure?.timeoutFailureInfo) found.starterTimeouts++;
      }
      const t = e.workflowTaskTimedOutEventAttributes;
      if (t?.timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE) {
        const identity =
          byId.get(Number(t.startedEventId))?.workflowTaskStartedEventAttributes?.identity ?? '';
        if (pids.some((pid) => identity.startsWith(`${pid}@`))) found.workflowTasksLost++;
      }
    }
  }
  return found;
}

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
 * Kills, at points spread over the run's progress, a payments worker that holds work of the run:
 * the one running the run's payout starter if one does (its page then resumes elsewhere from its
 * heartbeat), else one running a payout's activity. Restarted before the next kill.
 */
async function killHoldingWorkers(ctx: SettlementFaultContext): Promise<void> {
  const t = ctx.topology;
  const app = new pg.Pool({ connectionString: t.appDatabaseUrl, max: 1 });
  try {
    for (let k = 0; k < ctx.timing.workerKills; k++) {
      if (!(await ctx.untilFinished((k + 0.3) / (ctx.timing.workerKills + 0.5)))) break;
      const until = Date.now() + 20_000;
      let victim: { name: string; pid: number; held: string[] } | undefined;
      while (!victim && Date.now() < until) {
        const { rows } = await app.query<{ id: string }>(
          `select p.id from settlement_items i join payments p on p.id = i.payment_id
            where i.settlement_id = $1 and p.status in ('PENDING', 'PROCESSING') limit 12`,
          [ctx.settlementId],
        );
        const ids = [ctx.settlementId, ...rows.map((r) => paymentWorkflowId(r.id))];
        const connection = await t.temporal();
        const holding = [];
        for (const name of WORKERS) {
          const pid = t.pid(name);
          if (pid === undefined) continue;
          const held = await heldBy(connection, ids, pid);
          if (held.length) holding.push({ name, pid, held });
        }
        victim = holding.find((h) => h.held.some((x) => x.startsWith(`${ctx.settlementId}:`))) ?? holding[0];
        if (!victim) await sleep(200);
      }
      // Nobody found holding work in time: kill anyway, and the evidence says the kill did not bite.
      const name = victim?.name ?? WORKERS[k % WORKERS.length]!;
      const pid = victim?.pid ?? t.pid(name);
      if (pid === undefined) continue;
      const { finished } = await ctx.progress();
      await t.kill9(name);
      ctx.kills.push({
        worker: name,
        pid,
        atS: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
        finishedAtKill: finished,
        held: victim?.held ?? [],
        heldStarter: (victim?.held ?? []).some((x) => x.startsWith(`${ctx.settlementId}:`)),
      });
      await t.restart(name);
    }
    ctx.note(`${ctx.kills.length} worker kills`);
  } finally {
    await app.end();
  }
}

/** The bank's count of answers it lost on purpose, from the janitor scenario's start (one run at a time). */
let answersLost: () => number = () => 0;

export const SETTLEMENT_SCENARIOS: SettlementScenario[] = [
  {
    id: 7,
    name: 'settlement-worker-kill',
    fault: 'kill -9 the payments worker holding the run’s work (its payout starter if it can), restart it',
    partners: (t) => t.partners,
    run: killHoldingWorkers,
    evidence: async (ctx, { connection }) => {
      const h = await settlementHistories(
        connection,
        ctx.settlementId,
        ctx.kills.map((k) => k.pid),
      );
      const f = ctx.figures;
      f.kills = ctx.kills.length;
      f.killsHoldingWork = ctx.kills.filter((k) => k.held.length > 0).length;
      f.killsHoldingStarter = ctx.kills.filter((k) => k.heldStarter).length;
      f.starterTimeouts = h.starterTimeouts;
      f.workflowTasksLost = h.workflowTasksLost;
      f.settlementRuns = h.runs;
      return {
        tookEffect: num(f.killsHoldingWork) > 0 && num(f.killsHoldingWork) === num(f.kills),
        summary: `${num(f.killsHoldingWork)} of ${num(f.kills)} kills hit a worker holding the run's work (${num(f.killsHoldingStarter)} its payout starter); the starter was retried after ${num(f.starterTimeouts)} timeouts, ${num(f.workflowTasksLost)} of the run's workflow tasks were lost, across ${num(f.settlementRuns)} runs (continue-as-new)`,
        figures: f,
      };
    },
  },
  {
    id: 8,
    name: 'settlement-temporal-kill',
    fault: 'kill -9 the Temporal dev server mid-run, restart it on its state file',
    partners: (t) => t.partners,
    run: async (ctx) => {
      const t = ctx.topology;
      const [host, port] = t.temporalAddress.split(':') as [string, string];
      if (!(await ctx.untilFinished(0.3))) return;
      const p = await ctx.progress();
      ctx.figures.payoutsLeftAtKill = p.items - p.finished;
      ctx.figures.runningAtKill = p.status === 'RUNNING';
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
      ctx.note('dev server killed and restarted once');
    },
    evidence: async (ctx) => {
      const f = ctx.figures;
      return {
        tookEffect:
          f.probeRefused === true &&
          f.answersAgain === true &&
          f.runningAtKill === true &&
          num(f.payoutsLeftAtKill) > 0,
        summary: `server refused connections while down (${String(f.probeRefused)}) for ${num(f.downS)} s with the run at work (${String(f.runningAtKill)}) and ${num(f.payoutsLeftAtKill)} payouts not finished; answered again (${String(f.answersAgain)})`,
        figures: f,
      };
    },
  },
  {
    id: 9,
    name: 'settlement-postgres-cut',
    fault: 'PostgreSQL unreachable through the proxy mid-run',
    partners: (t) => t.partners,
    run: async (ctx) => {
      const { pgPort, databaseUrl } = ctx.topology.proxied;
      if (!(await ctx.untilFinished(0.3))) return;
      const refused = ctx.countLines(
        (_, line) => line.includes('ECONNREFUSED') && line.includes(String(pgPort)),
      );
      const p = await ctx.progress();
      ctx.figures.payoutsLeftAtCut = p.items - p.finished;
      ctx.figures.runningAtCut = p.status === 'RUNNING';
      await ctx.topology.toxiproxy.setEnabled('postgres', false);
      ctx.figures.probeRefused = (await tcpProbe('127.0.0.1', pgPort)) === 'refused';
      await sleep(ctx.timing.databaseOutageMs);
      await ctx.topology.toxiproxy.setEnabled('postgres', true);
      ctx.figures.answersAgain = await eventually(() => pgAnswers(databaseUrl), 15_000);
      ctx.figures.refusedLines = refused();
      ctx.note(`PostgreSQL cut for ${ctx.timing.databaseOutageMs / 1000} s`);
    },
    evidence: async (ctx) => {
      const f = ctx.figures;
      return {
        tookEffect:
          f.probeRefused === true &&
          f.answersAgain === true &&
          num(f.refusedLines) > 0 &&
          f.runningAtCut === true &&
          num(f.payoutsLeftAtCut) > 0,
        summary: `the proxy refused connections (${String(f.probeRefused)}); our processes logged ${num(f.refusedLines)} refused connections with ${num(f.payoutsLeftAtCut)} payouts not finished; PostgreSQL answered through it again (${String(f.answersAgain)})`,
        figures: f,
      };
    },
  },
  {
    id: 10,
    name: 'settlement-janitor',
    fault:
      'the bank commits every payout but its answers are lost past PAYOUT_TIMEOUT, until some are PAYOUT_UNKNOWN',
    partners: (t) => t.janitorPartners,
    prepare: async (ctx) => {
      // A short PAYOUT_TIMEOUT for this run only. The workers', since the payout starter gives each
      // payout its own worker's settings (not the run's, which the API carries); the API's too, so
      // the scenario holds if that changes.
      const env = { PAYOUT_TIMEOUT: ctx.timing.janitorPayoutTimeout };
      await Promise.all(['api', ...WORKERS].map((name) => ctx.topology.restart(name, env)));
      answersLost = ctx.countLines(
        (name, line) => name === 'bank' && line.includes('answer lost after commit'),
      );
      await setBankFaults(ctx.topology, { failAfterCommitRate: 1, failAfterCommitMode: 'reset' });
    },
    run: async (ctx) => {
      // Until a few payouts are PAYOUT_UNKNOWN (or the run ended): then answers arrive again, and
      // those payouts wait for the janitor.
      const want = Math.min(5, ctx.partners);
      const deadline = Date.now() + ctx.timing.faultBoundMs;
      let p = await ctx.progress();
      while (p.unknown < want && p.status === 'RUNNING' && Date.now() < deadline) {
        await sleep(250);
        p = await ctx.progress();
      }
      ctx.figures.unknownWhenAnswersBack = p.unknown;
      await setBankFaults(ctx.topology, { failAfterCommitRate: 0 });
      ctx.figures.answersLost = answersLost();
      ctx.note(`answers lost until ${p.unknown} payouts were PAYOUT_UNKNOWN`);
    },
    clear: async (ctx) => {
      await setBankFaults(ctx.topology, { failAfterCommitRate: 0 });
      // Three restarts cost the quick form ~10 s: only when another scenario follows.
      if (!ctx.last) await Promise.all(['api', ...WORKERS].map((name) => ctx.topology.restart(name)));
    },
    evidence: async (ctx, { verdict }) => {
      const f = ctx.figures;
      f.payoutUnknownSeen = verdict.payoutUnknownSeen;
      f.janitorResolved = verdict.janitorResolved;
      return {
        tookEffect:
          num(f.answersLost) > 0 &&
          verdict.payoutUnknownSeen > 0 &&
          verdict.janitorResolved === verdict.payoutUnknownSeen,
        summary: `the bank lost ${num(f.answersLost)} answers after committing; ${verdict.payoutUnknownSeen} payouts went PAYOUT_UNKNOWN, the janitor resolved ${verdict.janitorResolved}`,
        figures: f,
      };
    },
  },
];

interface PlannedPartner {
  index: number;
  id?: string;
  currency: 'USD' | 'EUR';
  /** Minor units of each commission. */
  commissions: number[];
  net: bigint;
}

const DAY_MS = 86_400_000;

async function judgeSettlement(opts: {
  api: ApiClient;
  apiUrl: string;
  adminKey: string;
  app: pg.Pool;
  bank: pg.Pool;
  /** The scenario's run, and the next period's when it had payouts to pay again. */
  runs: string[];
  partners: PlannedPartner[];
  since: Date;
}): Promise<SettlementVerdict> {
  const failures: string[] = [];
  const fail = (line: string): void => void (failures.length < 20 && failures.push(line));
  const ids = opts.partners.map((p) => p.id!);
  const [settlementId] = opts.runs as [string];
  const { rows: runRows } = await opts.app.query<{ id: string; status: string }>(
    'select id, status from settlements where id = any($1)',
    [opts.runs],
  );
  const statusOf = new Map(runRows.map((r) => [r.id, r.status]));
  const runStatus = statusOf.get(settlementId) ?? 'absent';
  for (const id of opts.runs)
    if (statusOf.get(id) !== 'COMPLETED') fail(`run ${id} is ${statusOf.get(id) ?? 'absent'}, not COMPLETED`);

  const { rows: payments } = await opts.app.query<{
    id: string;
    partner_id: string;
    status: string;
    reason: string | null;
    currency: string;
    total_minor: string;
    settlement_id: string | null;
  }>(
    `select p.id, p.partner_id, p.status, p.reason, p.currency, p.total_minor::text, i.settlement_id
       from payments p left join settlement_items i on i.payment_id = p.id
      where p.partner_id = any($1)`,
    [ids],
  );
  const paymentIds = payments.map((p) => p.id);
  // A payout the janitor voided (the bank never had it) is paid by the next run: any other
  // payment not COMPLETED is a failure.
  const voided = payments.filter(
    (p) => p.status === 'FAILED' && (p.reason ?? '').startsWith('PAYOUT_NOT_RECEIVED'),
  );
  for (const p of payments.filter((x) => x.status !== 'COMPLETED' && !voided.includes(x)))
    fail(`payment ${p.id} of partner ${p.partner_id} is ${p.status}: ${p.reason ?? ''}`);
  const { rows: ledger } = await opts.bank.query<{ payment_reference: string; amount_minor: string }>(
    "select payment_reference, amount_minor::text from sandbox_bank_ledger where kind = 'PAYOUT' and payment_reference = any($1)",
    [paymentIds],
  );
  const { rows: sinceRows } = await opts.bank.query<{ payment_reference: string }>(
    "select payment_reference from sandbox_bank_ledger where kind = 'PAYOUT' and created_at >= $1",
    [opts.since],
  );
  const ours = new Set(paymentIds);
  const unattributedPayouts = sinceRows.filter((r) => !ours.has(r.payment_reference)).length;
  if (unattributedPayouts)
    fail(`${unattributedPayouts} bank payouts since the scenario began name no payment of its partners`);

  const paymentById = new Map(payments.map((p) => [p.id, p]));
  const bankBy = new Map<string, { count: number; sum: bigint }>();
  const bankNet = new Map<string, bigint>();
  for (const e of ledger) {
    const payment = paymentById.get(e.payment_reference)!;
    const x = bankBy.get(payment.partner_id) ?? { count: 0, sum: 0n };
    x.count++;
    x.sum += BigInt(e.amount_minor);
    bankBy.set(payment.partner_id, x);
    bankNet.set(payment.currency, (bankNet.get(payment.currency) ?? 0n) + BigInt(e.amount_minor));
  }
  const completedBy = new Map<string, { count: number; sum: bigint }>();
  for (const p of payments.filter((x) => x.status === 'COMPLETED')) {
    const x = completedBy.get(p.partner_id) ?? { count: 0, sum: 0n };
    x.count++;
    x.sum += BigInt(p.total_minor);
    completedBy.set(p.partner_id, x);
  }
  let paidOnce = 0;
  let lost = 0;
  let double = 0;
  let wrongAmount = 0;
  for (const p of opts.partners) {
    const b = bankBy.get(p.id!) ?? { count: 0, sum: 0n };
    const c = completedBy.get(p.id!) ?? { count: 0, sum: 0n };
    if (b.count === 0 || c.count === 0) {
      lost++;
      fail(`lost: partner ${p.id} has ${b.count} bank payouts and ${c.count} completed payments`);
    } else if (b.count > 1 || c.count > 1) {
      double++;
      fail(`double: partner ${p.id} has ${b.count} bank payouts and ${c.count} completed payments`);
    } else if (b.sum !== p.net || c.sum !== p.net) {
      wrongAmount++;
      fail(`amount: partner ${p.id} planned ${p.net}, the bank paid ${b.sum}, our payment says ${c.sum}`);
    } else paidOnce++;
  }

  const { rows: commissions } = await opts.app.query<{
    status: string;
    settlement_id: string | null;
    n: string;
  }>(
    'select status, settlement_id, count(*)::text as n from commissions where partner_id = any($1) group by status, settlement_id',
    [ids],
  );
  const expectedCommissions = opts.partners.reduce((n, p) => n + p.commissions.length, 0);
  const settledHere = commissions
    .filter((c) => c.status === 'SETTLED' && opts.runs.includes(c.settlement_id ?? ''))
    .reduce((n, c) => n + Number(c.n), 0);
  const commissionsNotSettled = expectedCommissions - settledHere;
  if (commissionsNotSettled)
    fail(
      `${commissionsNotSettled} of ${expectedCommissions} commissions not SETTLED by the runs: ${JSON.stringify(commissions)}`,
    );
  const { rows: settling } = await opts.app.query<{ n: string }>(
    "select count(*)::text as n from commissions where status = 'SETTLING'",
  );
  const settlingAnywhere = Number(settling[0]!.n);
  if (settlingAnywhere) fail(`${settlingAnywhere} commissions are SETTLING`);
  let strandedGauge: number | null = null;
  try {
    const res = await fetch(`${opts.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${opts.adminKey}` },
      signal: AbortSignal.timeout(15_000),
    });
    const value = /^alpes_commissions_stranded (\S+)$/m.exec(await res.text())?.[1];
    strandedGauge = value === undefined ? null : Number(value);
  } catch {
    strandedGauge = null;
  }
  if (strandedGauge !== 0) fail(`alpes_commissions_stranded reads ${String(strandedGauge)}`);

  // Each run's counters, as GET /settlements/:id shows them, against its payments by status; and
  // Σ COMPLETED over the runs against the plan and the bank, per currency.
  let countersAgree = true;
  const counted = new Map<string, { count: number; sum: bigint }>();
  for (const id of opts.runs) {
    const run = await opts.api.call('GET', `/settlements/${encodeURIComponent(id)}`, opts.adminKey);
    const body = run.body as {
      status?: string;
      itemCount?: number;
      skippedCount?: number;
      finishedCount?: number;
      totals?: Record<string, { byStatus?: Record<string, { count: number; amountMinor: string }> }>;
    };
    const mine = payments.filter((p) => p.settlement_id === id);
    const runOk =
      run.status === 200 &&
      body.status === 'COMPLETED' &&
      body.itemCount === (id === settlementId ? opts.partners.length : mine.length) &&
      body.skippedCount === 0 &&
      body.finishedCount === body.itemCount;
    const want = new Map<string, { count: number; sum: bigint }>();
    for (const p of mine) {
      const k = `${p.currency} ${p.status}`;
      const x = want.get(k) ?? { count: 0, sum: 0n };
      x.count++;
      x.sum += BigInt(p.total_minor);
      want.set(k, x);
    }
    const got = new Map<string, { count: number; sum: bigint }>();
    for (const [currency, t] of Object.entries(body.totals ?? {}))
      for (const [status, c] of Object.entries(t.byStatus ?? {}))
        got.set(`${currency} ${status}`, { count: c.count, sum: BigInt(c.amountMinor) });
    const same =
      want.size === got.size &&
      [...want].every(([k, w]) => got.get(k)?.count === w.count && got.get(k)?.sum === w.sum);
    for (const [k, g] of got) {
      if (!k.endsWith(' COMPLETED')) continue;
      const currency = k.split(' ')[0]!;
      const x = counted.get(currency) ?? { count: 0, sum: 0n };
      x.count += g.count;
      x.sum += g.sum;
      counted.set(currency, x);
    }
    if (!runOk || !same) {
      countersAgree = false;
      fail(
        `run ${id} counters disagree: ${run.status} ${JSON.stringify({ status: body.status, itemCount: body.itemCount, skippedCount: body.skippedCount, finishedCount: body.finishedCount })} counted ${JSON.stringify(Object.fromEntries([...got].map(([k, v]) => [k, `${v.count}/${v.sum}`])))} payments ${JSON.stringify(Object.fromEntries([...want].map(([k, v]) => [k, `${v.count}/${v.sum}`])))}`,
      );
    }
  }
  const reconciliation: SettlementVerdict['reconciliation'] = {};
  for (const currency of new Set(opts.partners.map((p) => p.currency))) {
    const plan = opts.partners.filter((p) => p.currency === currency);
    const plannedSum = plan.reduce((s, p) => s + p.net, 0n);
    const completed = payments
      .filter((p) => p.currency === currency && p.status === 'COMPLETED')
      .reduce((s, p) => s + BigInt(p.total_minor), 0n);
    const c = counted.get(currency) ?? { count: 0, sum: 0n };
    reconciliation[currency] = {
      planned: String(plannedSum),
      bankNet: String(bankNet.get(currency) ?? 0n),
      completed: String(completed),
      counters: `${c.count} / ${c.sum}`,
    };
    if (!(
      c.count === plan.length &&
      c.sum === plannedSum &&
      completed === plannedSum &&
      (bankNet.get(currency) ?? 0n) === plannedSum
    )) {
      countersAgree = false;
      fail(`${currency}: ${JSON.stringify(reconciliation[currency])}, ${plan.length} partners`);
    }
  }

  const { rows: unknown } = await opts.app.query<{ id: string; status: string }>(
    `select distinct p.id, p.status from events e join payments p on p.id::text = e.aggregate_id
      where e.type = 'PaymentPayoutUnknown' and p.id = any($1)`,
    [paymentIds],
  );
  const janitorResolved = unknown.filter((u) => FINAL.includes(u.status)).length;
  for (const u of unknown.filter((x) => !FINAL.includes(x.status))) fail(`payment ${u.id} still ${u.status}`);

  const ok =
    opts.runs.every((id) => statusOf.get(id) === 'COMPLETED') &&
    paidOnce === opts.partners.length &&
    lost + double + wrongAmount + unattributedPayouts + commissionsNotSettled + settlingAnywhere === 0 &&
    payments.every((p) => p.status === 'COMPLETED' || voided.includes(p)) &&
    strandedGauge === 0 &&
    countersAgree &&
    janitorResolved === unknown.length;
  return {
    partners: opts.partners.length,
    runStatus,
    runs: opts.runs,
    paidOnce,
    lost,
    double,
    wrongAmount,
    voidedPaidNextRun: voided.length,
    unattributedPayouts,
    commissionsNotSettled,
    settlingAnywhere,
    strandedGauge,
    reconciliation,
    countersAgree,
    payoutUnknownSeen: unknown.length,
    janitorResolved,
    failures,
    ok,
  };
}

/**
 * Deliberate damage, to see the settlement guards go red: `no-fault` runs the scenario without its
 * fault (its evidence must say so); `double` and `lost` add or remove one payout of the run in the
 * bank's ledger before the verdict.
 */
export type SettlementTamper = 'no-fault' | 'double' | 'lost';
export const SETTLEMENT_TAMPERS: SettlementTamper[] = ['no-fault', 'double', 'lost'];

export async function runSettlementScenario(opts: {
  scenario: SettlementScenario;
  tamper?: SettlementTamper;
  /** The run's last scenario (the topology stops after it). */
  last?: boolean;
  topology: Topology;
  /** Overrides the scenario's own partner count (--partners). */
  partners?: number;
  seed: number;
  runTag: string;
  timing: SettlementTiming;
  log: (line: string) => void;
}): Promise<SettlementScenarioResult> {
  const { scenario: s, topology: t } = opts;
  const started = Date.now();
  const since = new Date(started - 1_000);
  const tag = `${opts.runTag}-s${s.id}`;
  const rng = seededRandom(opts.seed * 31 + s.id);
  const notes: string[] = [];
  const untaps: Array<() => void> = [];
  let deadline = Date.now() + 300_000;
  const api = new ApiClient(t.apiUrl, () => deadline);
  const { admin, approver } = t.secrets.apiKeys;
  // Read directly, not through the proxy: the harness keeps watching while PostgreSQL is cut.
  const app = new pg.Pool({ connectionString: t.appDatabaseUrl, max: 2 });
  const bank = new pg.Pool({ connectionString: t.bankDatabaseUrl, max: 2 });
  // Each scenario its own period (and the day after it, for a run that pays what this one could
  // not), older than the default 30-day hold, and earlier than the scenarios before it: a run
  // claims every payable commission up to its period's end.
  const dayOf = (daysAgo: number): string =>
    new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
  const periodEnd = dayOf(40 + 2 * s.id);
  const nextPeriodEnd = dayOf(39 + 2 * s.id);
  const count = opts.partners ?? s.partners(opts.timing);
  const plan: PlannedPartner[] = Array.from({ length: count }, (_, index) => {
    const commissions = Array.from(
      { length: 2 + Math.floor(rng() * 3) },
      () => 2_500 + Math.floor(rng() * 40_000),
    );
    return {
      index,
      currency: rng() < 0.5 ? 'USD' : 'EUR',
      commissions,
      net: commissions.reduce((a, b) => a + BigInt(b), 0n),
    };
  });
  const settlementId = `settlement:${periodEnd}`;
  const progressOf = async (id: string): Promise<Progress> => {
    const { rows } = await app.query<{
      status: string;
      items: number;
      started: string;
      finished: string;
      unknown: string;
    }>(
      `select s.status, s.item_count as items,
                count(p.id)::text as started,
                count(p.id) filter (where p.status = any($2))::text as finished,
                count(p.id) filter (where p.status = 'PAYOUT_UNKNOWN')::text as unknown
           from settlements s
           left join settlement_items i on i.settlement_id = s.id
           left join payments p on p.id = i.payment_id
          where s.id = $1 group by s.status, s.item_count`,
      [id, FINAL],
    );
    const r = rows[0];
    return r
      ? {
          status: r.status,
          items: r.items,
          started: Number(r.started),
          finished: Number(r.finished),
          unknown: Number(r.unknown),
        }
      : { status: 'absent', items: 0, started: 0, finished: 0, unknown: 0 };
  };
  const ctx: SettlementFaultContext = {
    topology: t,
    timing: opts.timing,
    settlementId,
    partners: count,
    startedAt: started,
    last: opts.last ?? false,
    progress: () => progressOf(settlementId),
    untilFinished: async (share) => {
      const bound = Date.now() + opts.timing.faultBoundMs;
      for (;;) {
        const p = await ctx.progress();
        if (p.status !== 'RUNNING' && p.status !== 'absent' && p.status !== 'AWAITING_APPROVAL') return false;
        if (p.items > 0 && p.finished >= Math.ceil(p.items * share)) return p.finished < p.items;
        if (Date.now() > bound) return false;
        await sleep(100);
      }
    },
    countLines: (match) => {
      let n = 0;
      untaps.push(t.tap((name, line) => void (match(name, line) && n++)));
      return () => n;
    },
    note: (line) => notes.push(line),
    figures: {},
    kills: [],
  };
  let janitorTriggers = 0;
  let cleared = false;
  /** Started by one operator, approved by another (SETTLEMENT_APPROVAL_THRESHOLDS makes it wait). */
  const startAndApprove = async (period: string, id: string): Promise<void> => {
    const res = await api.call('POST', '/settlements', admin, { periodEnd: period });
    if (res.status !== 202) throw new Error(`POST /settlements: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.settlementId !== id)
      throw new Error(`POST /settlements: ran ${String(res.body.settlementId)}`);
    // The row may read RUNNING while the run plans: wait for the approval it must ask for.
    // Planning 2,000 partners on a loaded 2-core box took over a minute: bounded by the run's deadline.
    const planned = Math.min(deadline, Date.now() + 300_000);
    let p = await progressOf(id);
    while (p.status !== 'AWAITING_APPROVAL' && Date.now() < planned) {
      await sleep(200);
      p = await progressOf(id);
    }
    if (p.status !== 'AWAITING_APPROVAL') throw new Error(`the run did not wait for approval (${p.status})`);
    // The row reads AWAITING_APPROVAL a moment before the workflow's own phase does (the plan is
    // recorded by an activity): an approval in between is refused "(planning)"; sent again then.
    let refusedWhilePlanning = 0;
    for (;;) {
      const approved = await api.call('POST', `/settlements/${encodeURIComponent(id)}/approve`, approver, {});
      if (approved.status === 200) break;
      const planning =
        approved.status === 409 &&
        approved.body.code === 'SETTLEMENT.NOT_AWAITING_APPROVAL' &&
        String(approved.body.detail).includes('(planning)');
      if (!planning || Date.now() > planned)
        throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
      refusedWhilePlanning++;
      await sleep(250);
    }
    if (refusedWhilePlanning)
      notes.push(
        `approval refused ${refusedWhilePlanning}× "(planning)" while the run's row read AWAITING_APPROVAL`,
      );
  };
  /**
   * Until the run is final (and the faults over), or the deadline: payouts whose outcome is unknown
   * get the janitor, as an operator would trigger it.
   */
  const followRun = async (id: string, faultsOver: () => boolean): Promise<void> => {
    let lastJanitor = 0;
    for (;;) {
      const q = await progressOf(id).catch(() => undefined);
      if (q && q.unknown > 0 && Date.now() - lastJanitor > 5_000) {
        lastJanitor = Date.now();
        janitorTriggers++;
        try {
          const client = new Client({ connection: await t.temporal() });
          await client.schedule.getHandle('alpes-payout-janitor').trigger();
        } catch {
          // The server may be down (a scenario's fault): the next look triggers it.
        }
      }
      if (q && faultsOver() && q.status !== 'RUNNING' && q.status !== 'AWAITING_APPROVAL') return;
      if (Date.now() > deadline && faultsOver()) return;
      await sleep(1_000);
    }
  };
  try {
    // Partners and their commissions through the API, as an integration would send them.
    await inPool(plan, 8, async (p) => {
      const res = await api.call('POST', '/partners', admin, {
        name: `Settlement partner ${p.index} (${tag})`,
        email: `sp-${p.index}.${tag}@chaos.example`,
        // 10 digits, never ending in 0000 (the sandbox bank declines those).
        payoutAccount: `7${String(s.id).padStart(2, '0')}${String(p.index + 1).padStart(7, '0')}`,
      });
      if (res.status !== 201) throw new Error(`POST /partners: ${res.status} ${JSON.stringify(res.body)}`);
      p.id = String(res.body.id);
    });
    const commissions = plan.flatMap((p) =>
      p.commissions.map((amountMinor, i) => ({
        externalRef: `${tag}-${p.index}-${i}`,
        partnerId: p.id!,
        currency: p.currency,
        amountMinor,
        description: 'chaos settlement commission',
        occurredAt: `${periodEnd}T12:00:00.000Z`,
      })),
    );
    for (let i = 0; i < commissions.length; i += 1_000) {
      const res = await api.call('POST', '/commissions', admin, commissions.slice(i, i + 1_000));
      if (res.status !== 201)
        throw new Error(`POST /commissions: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    }
    if (opts.tamper !== 'no-fault') await s.prepare?.(ctx);
    const setupS = Math.round((Date.now() - started) / 100) / 10;
    opts.log(
      `scenario ${s.id} ${s.name}: ${count} partners, ${commissions.length} commissions in ${setupS} s`,
    );

    // Started by one operator, approved by another (SETTLEMENT_APPROVAL_THRESHOLDS makes it wait).
    const runStarted = Date.now();
    deadline = runStarted + opts.timing.faultBoundMs + opts.timing.settleMs;
    await startAndApprove(periodEnd, settlementId);

    let faultsOver = false;
    const fault = (opts.tamper === 'no-fault' ? Promise.resolve() : s.run(ctx)).finally(() => {
      faultsOver = true;
      deadline = Math.min(deadline, Date.now() + opts.timing.settleMs);
    });
    const follow = followRun(settlementId, () => faultsOver);
    await Promise.all([fault, follow]);
    const runS = Math.round((Date.now() - runStarted) / 100) / 10;
    cleared = true;
    await s.clear?.(ctx);
    opts.log(`scenario ${s.id} ${s.name}: run ${(await ctx.progress()).status} after ${runS} s`);
    // Payouts the janitor voided (the bank never had them, e.g. a payout never picked up before
    // PAYOUT_TIMEOUT) gave their commissions back: the next period's run pays them, once.
    const { rows: unpaid } = await app.query<{ n: string }>(
      `select count(*)::text as n from settlement_items i join payments p on p.id = i.payment_id
        where i.settlement_id = $1 and p.status <> 'COMPLETED'`,
      [settlementId],
    );
    const runs = [settlementId];
    if (Number(unpaid[0]!.n) > 0 && (await ctx.progress()).status === 'COMPLETED') {
      const next = `settlement:${nextPeriodEnd}`;
      runs.push(next);
      deadline = Date.now() + opts.timing.settleMs;
      await startAndApprove(nextPeriodEnd, next);
      await followRun(next, () => true);
      opts.log(
        `scenario ${s.id} ${s.name}: ${unpaid[0]!.n} payouts not paid; the next run ${(await progressOf(next)).status}`,
      );
    }

    const judged = Date.now();
    if (opts.tamper === 'double' || opts.tamper === 'lost')
      await tamper(opts.tamper, app, bank, settlementId);
    const verdict = await judgeSettlement({
      api,
      apiUrl: t.apiUrl,
      adminKey: admin,
      app,
      bank,
      runs,
      partners: plan,
      since,
    });
    const faultEvidence = await s.evidence(ctx, { verdict, connection: await t.temporal() });
    if (!faultEvidence.tookEffect)
      verdict.failures.push(`fault did not take effect: ${faultEvidence.summary}`);
    return {
      id: s.id,
      name: s.name,
      fault: s.fault,
      ...(opts.tamper ? { tampered: opts.tamper } : {}),
      settlementId,
      notes,
      durationS: Math.round((Date.now() - started) / 100) / 10,
      phasesS: { setup: setupS, run: runS, verdict: Math.round((Date.now() - judged) / 100) / 10 },
      janitorTriggers,
      kills: ctx.kills,
      ...verdict,
      faultEvidence,
      ok: verdict.ok && faultEvidence.tookEffect,
    };
  } finally {
    // A scenario given up on still gives back what it changed (the API's settings, the bank's faults).
    if (!cleared) await s.clear?.(ctx).catch((e: unknown) => opts.log(`clear: ${String(e)}`));
    for (const untap of untaps) untap();
    await app.end();
    await bank.end();
  }
}

/** A second PAYOUT row for one of the run's payments (double), or its only one deleted (lost). */
async function tamper(
  kind: 'double' | 'lost',
  app: pg.Pool,
  bank: pg.Pool,
  settlementId: string,
): Promise<void> {
  const { rows } = await app.query<{ payment_id: string }>(
    'select payment_id from settlement_items where settlement_id = $1 and payment_id is not null limit 1',
    [settlementId],
  );
  const victim = rows[0]?.payment_id;
  if (!victim) throw new Error('--tamper: no payout of the run to tamper with');
  if (kind === 'lost')
    await bank.query("delete from sandbox_bank_ledger where payment_reference = $1 and kind = 'PAYOUT'", [
      victim,
    ]);
  else
    await bank.query(
      `insert into sandbox_bank_ledger (id, kind, payout_id, amount_minor, currency, account, payment_reference, created_at)
       select gen_random_uuid(), kind, payout_id, amount_minor, currency, account, payment_reference, now()
       from sandbox_bank_ledger where payment_reference = $1 and kind = 'PAYOUT'`,
      [victim],
    );
}
