import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { paymentWorkflowId } from '../../src/workflows/workflow-ids';
import { call, createPartner, type BenchKeys } from './api-client';
import type { SettlementOptions } from './args';
import { sleep } from './children';
import { profileHistories, spread } from './history';
import { dbStats, dbStatsDelta, withClient, type DbStats } from './postgres';
import { cpuDelta, machineCpuMs, type ProcessSampler } from './proc';
import type { SettlementSection } from './result';
import { round, summarize } from './stats';

/**
 * The settlement section: N partners, K commissions each imported through one streamed
 * `POST /commissions/import` (generated on the fly, never held in memory), then one run
 * (`POST /settlements`) that pays every partner, followed through `GET /settlements/:id` until it is
 * COMPLETED. Measures the import rate, the run's payouts per second (to be set against the payment
 * path's payments per second of the same bench run), CPU and DB transactions per payout, the
 * worker's RSS per quarter of the run, and the run's Temporal facts: how many times it continued as
 * new and how long its histories got.
 */

const T = temporal.api.enums.v1.EventType;
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

export const SETTLEMENT_CURRENCIES = ['USD', 'EUR', 'COP'] as const;
/** PAYOUT_MINIMUMS the bench sets (the documented defaults): every partner's balance clears it. */
export const SETTLEMENT_MINIMUMS = { USD: 5_000, EUR: 5_000, COP: 20_000_000 };
export const SETTLEMENT_COMMISSION_HOLD = '30d';
/** Commissions occurred this many days ago: past the 30-day hold, inside the period ending yesterday. */
const OCCURRED_DAYS_AGO = 40;
const MAX_IMPORT_ROWS = 100_000;
const PARTNER_SETUP_CONCURRENCY = 8;
const DAY_MS = 86_400_000;
const DESCRIPTION = 'Bench conversion';
/** The sandbox bank's test-card rule: an account ending in 0000 is declined. This one ends in 3000. */
const PAYOUT_ACCOUNT = 'DE89370400440532013000';

export interface SettlementContext {
  id: string;
  opts: SettlementOptions;
  quick: boolean;
  apiUrl: string;
  keys: BenchKeys;
  mainUrl: string;
  bankUrl: string;
  bare: Client;
  sampler: ProcessSampler;
  /** Sampler names of the payment worker process(es). */
  workers: string[];
}

/** Partner i's currency, and commission j's amount: above the minimum in sum, far below any threshold. */
const currencyOf = (i: number): (typeof SETTLEMENT_CURRENCIES)[number] =>
  SETTLEMENT_CURRENCIES[i % SETTLEMENT_CURRENCIES.length]!;
const amountOf = (i: number, j: number, perPartner: number): number =>
  Math.ceil(SETTLEMENT_MINIMUMS[currencyOf(i)] / perPartner) + 100 + ((i * 31 + j * 17) % 997);

/** What the run must pay, per currency (minor units), computed from the same generator. */
export function expectedTotals(partners: number, perPartner: number): Record<string, string> {
  const totals: Record<string, bigint> = {};
  for (let i = 0; i < partners; i++) {
    const c = currencyOf(i);
    for (let j = 0; j < perPartner; j++) totals[c] = (totals[c] ?? 0n) + BigInt(amountOf(i, j, perPartner));
  }
  return Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v.toString()]));
}

async function registerPartners(ctx: SettlementContext): Promise<{ ids: string[]; how: string; ms: number }> {
  const n = ctx.opts.partners;
  const t0 = Date.now();
  if (ctx.opts.partnerSetup === 'api') {
    const ids = new Array<string>(n);
    let next = 0;
    const one = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        ids[i] = await createPartner(ctx.apiUrl, ctx.keys, `${ctx.id}-s${i}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARTNER_SETUP_CONCURRENCY, n) }, one));
    return { ids, how: `POST /partners, ${PARTNER_SETUP_CONCURRENCY} at a time`, ms: Date.now() - t0 };
  }
  // Rows as the partner repository writes a new partner (version 1, ACTIVE, no hold, no webhook).
  const ids = Array.from({ length: n }, () => randomUUID());
  const at = new Date().toISOString();
  await withClient(ctx.mainUrl, async (c) => {
    for (let from = 0; from < n; from += 5_000) {
      const chunk = ids.slice(from, from + 5_000);
      await c.query(
        `insert into partners (id, name, email, payout_account, status, created_at, updated_at, version)
         select t.id, t.name, t.email, $4, 'ACTIVE', $5, $5, 1
           from unnest($1::uuid[], $2::text[], $3::text[]) as t(id, name, email)`,
        [
          chunk,
          chunk.map((_, k) => `Bench partner ${ctx.id}-s${from + k}`),
          chunk.map((_, k) => `bench-${ctx.id}-s${from + k}@example.com`),
          PAYOUT_ACCOUNT,
          at,
        ],
      );
    }
  });
  return { ids, how: 'one bulk INSERT into partners (SQL)', ms: Date.now() - t0 };
}

/** Rows [from, to) of the import as text chunks, generated as the request body is read. */
async function* importBody(
  ctx: SettlementContext,
  partnerIds: string[],
  from: number,
  to: number,
  occurredAt: string,
): AsyncGenerator<string> {
  const k = ctx.opts.commissionsPerPartner;
  const csv = ctx.opts.importFormat === 'csv';
  if (csv) yield 'externalRef,partnerId,currency,amountMinor,description,occurredAt\n';
  let lines: string[] = [];
  for (let r = from; r < to; r++) {
    const i = Math.floor(r / k);
    const j = r % k;
    const row = {
      externalRef: `bench-${ctx.id}-c${i}-${j}`,
      partnerId: partnerIds[i]!,
      currency: currencyOf(i),
      amountMinor: amountOf(i, j, k),
      description: DESCRIPTION,
      occurredAt,
    };
    lines.push(
      csv
        ? `${row.externalRef},${row.partnerId},${row.currency},${row.amountMinor},${row.description},${row.occurredAt}`
        : JSON.stringify(row),
    );
    if (lines.length === 500) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length) yield `${lines.join('\n')}\n`;
}

interface ImportReport {
  rows: number;
  accepted: number;
  alreadyPresent: number;
  refusedCount: number;
  refused: Array<{ row: number; code: string; reason: string }>;
  truncated: boolean;
}

/** One streamed POST /commissions/import (chunked body, back-pressured by the socket). */
function postImport(
  apiUrl: string,
  key: string,
  contentType: string,
  body: Readable,
): Promise<{ status: number; report: ImportReport }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiUrl}/commissions/import`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
        timeout: 600_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, report: JSON.parse(text) as ImportReport });
          } catch {
            reject(new Error(`import answered ${res.statusCode}: ${text.slice(0, 500)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('import timed out')));
    pipeline(body, req).catch(reject);
  });
}

interface RunView {
  status: 'RUNNING' | 'COMPLETED';
  itemCount: number;
  skippedCount: number;
  finishedCount: number;
  createdAt: string;
  completedAt: string | null;
  totals: Record<
    string,
    {
      planned: { count: number; amountMinor: string };
      byStatus: Record<string, { count: number; amountMinor: string }>;
    }
  >;
}

export async function runSettlementSection(ctx: SettlementContext): Promise<SettlementSection> {
  const { opts, sampler } = ctx;
  const n = opts.partners;
  const k = opts.commissionsPerPartner;
  const rowsTotal = n * k;
  sampler.windowPeaks(); // a new window: what follows is this section's

  // ---- setup: the partners (not measured)
  log(`7. settlement: registering ${n} partners (${opts.partnerSetup})`);
  const partners = await registerPartners(ctx);
  log(`   ${n} partners in ${partners.ms} ms (${partners.how})`);

  // ---- the import, streamed (≤ 100,000 rows per request)
  const now = Date.now();
  const occurredAt = new Date(
    Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate() - OCCURRED_DAYS_AGO,
      12,
    ),
  ).toISOString();
  const periodEnd = new Date(now - DAY_MS).toISOString().slice(0, 10);
  const contentType = opts.importFormat === 'csv' ? 'text/csv' : 'application/x-ndjson';
  log(`   importing ${rowsTotal} commissions (${opts.importFormat}, streamed, occurred ${occurredAt})`);
  sampler.windowPeaks();
  const imp = { requests: 0, rows: 0, accepted: 0, alreadyPresent: 0, refusedCount: 0 };
  const refusedSample: ImportReport['refused'] = [];
  const i0 = performance.now();
  for (let from = 0; from < rowsTotal; from += MAX_IMPORT_ROWS) {
    const to = Math.min(rowsTotal, from + MAX_IMPORT_ROWS);
    const { status, report } = await postImport(
      ctx.apiUrl,
      ctx.keys.operator,
      contentType,
      Readable.from(importBody(ctx, partners.ids, from, to, occurredAt)),
    );
    if (status !== 200) throw new Error(`import answered ${status}: ${JSON.stringify(report).slice(0, 500)}`);
    imp.requests += 1;
    imp.rows += report.rows;
    imp.accepted += report.accepted;
    imp.alreadyPresent += report.alreadyPresent;
    imp.refusedCount += report.refusedCount;
    refusedSample.push(...report.refused.slice(0, 5 - refusedSample.length));
  }
  const importMs = performance.now() - i0;
  const importPeaks = sampler.windowPeaks();
  log(
    `   ${imp.accepted}/${rowsTotal} accepted in ${Math.round(importMs)} ms: ${round((imp.accepted * 1000) / importMs, 0)} commissions/s`,
  );
  if (imp.accepted !== rowsTotal) {
    throw new Error(
      `import accepted ${imp.accepted} of ${rowsTotal} rows (${imp.refusedCount} refused: ${JSON.stringify(refusedSample)})`,
    );
  }

  // ---- the run
  const dbBefore = await dbStats(ctx.mainUrl);
  const bankBefore = ctx.bankUrl === ctx.mainUrl ? undefined : await dbStats(ctx.bankUrl);
  const cpu0 = sampler.cpuMark();
  const m0 = machineCpuMs();
  const beforeRun = sampler.windowPeaks();
  log(
    `   POST /settlements {periodEnd: ${periodEnd}}: ${n} payouts, SETTLEMENT_CONCURRENCY ${opts.concurrency}`,
  );
  const postedAt = Date.now();
  const p0 = performance.now();
  const started = await call(ctx.apiUrl, 'POST', '/settlements', ctx.keys.operator, { periodEnd });
  const postMs = performance.now() - p0;
  if (started.status !== 202) {
    throw new Error(`POST /settlements answered ${started.status}: ${JSON.stringify(started.body)}`);
  }
  const settlementId = (started.body as { settlementId: string }).settlementId;
  // Each GET joins all of the run's items with their payments: not too often, it is not free.
  const pollMs = ctx.quick ? 200 : 2_000;
  const deadline = Date.now() + 120_000 + n * 500;
  const quarters: SettlementSection['quarters'] = [];
  let nextQuarter = 1;
  let lastQuarterAt = postedAt;
  let lastQuarterFinished = 0;
  let lastQuarterCpu = cpu0;
  let lastQuarterMachine = m0;
  let plannedAt: number | undefined;
  let view: RunView | undefined;
  for (let polls = 1; ; polls++) {
    const res = await call(
      ctx.apiUrl,
      'GET',
      `/settlements/${encodeURIComponent(settlementId)}`,
      ctx.keys.operator,
    );
    if (res.status === 200) {
      view = res.body as RunView;
      plannedAt ??= Date.now();
      const done = view.status === 'COMPLETED';
      while (
        nextQuarter <= 4 &&
        view.itemCount > 0 &&
        (done || view.finishedCount >= Math.ceil((view.itemCount * nextQuarter) / 4))
      ) {
        const at = done && view.completedAt ? Date.parse(view.completedAt) : Date.now();
        const finished = done ? view.itemCount : view.finishedCount;
        const qCpu = sampler.cpuMark();
        const qMachine = machineCpuMs();
        const spent = cpuDelta(lastQuarterCpu, qCpu);
        const qOurs = sum(spent);
        const qCores = Math.max(1, qMachine.total - lastQuarterMachine.total);
        const qBusy = qMachine.busy - lastQuarterMachine.busy;
        const qDone = Math.max(1, finished - lastQuarterFinished);
        quarters.push({
          quarter: nextQuarter,
          atSec: round((at - postedAt) / 1000, 1),
          finished,
          payoutsPerSec: round(
            ((finished - lastQuarterFinished) * 1000) / Math.max(1, at - lastQuarterAt),
            2,
          ),
          cpuMsPerPayout: round(systemCpu(spent) / qDone, 1),
          postgresMsPerPayout: round((spent['postgres backends'] ?? 0) / qDone, 1),
          foreignBusyPct: round((Math.max(0, qBusy - qOurs) / qCores) * 100, 1),
          peakRssMb: sampler.windowPeaks(),
        });
        lastQuarterAt = at;
        lastQuarterFinished = finished;
        lastQuarterCpu = qCpu;
        lastQuarterMachine = qMachine;
        nextQuarter += 1;
      }
      if (done) break;
    } else if (res.status !== 404) {
      throw new Error(`GET /settlements/${settlementId} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    if (polls % 10 === 0) {
      const d = await ctx.bare.workflow.getHandle(settlementId).describe();
      if (!['RUNNING', 'CONTINUED_AS_NEW', 'COMPLETED'].includes(d.status.name)) {
        throw new Error(`the settlement workflow ${settlementId} is ${d.status.name}`);
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `settlement ${settlementId} not COMPLETED in time: ${JSON.stringify(view ?? null).slice(0, 300)}`,
      );
    }
    if (polls % Math.round(30_000 / pollMs) === 0 && view) {
      log(
        `   … ${view.finishedCount}/${view.itemCount} payouts finished after ${Math.round((Date.now() - postedAt) / 1000)} s`,
      );
    }
    await sleep(pollMs);
  }
  const cpu1 = sampler.cpuMark();
  const m1 = machineCpuMs();
  const completedAt = Date.parse(view.completedAt!);
  const durationMs = completedAt - postedAt;
  const itemCount = view.itemCount;
  const payoutsPerSec = (itemCount * 1000) / Math.max(1, durationMs);
  log(
    `   COMPLETED: ${itemCount} payouts in ${round(durationMs / 1000, 1)} s = ${round(payoutsPerSec, 2)} payouts/s`,
  );

  // ---- CPU and DB per payout
  const cpu = cpuDelta(cpu0, cpu1);
  const per = (v: number): number => round(v / Math.max(1, itemCount), 2);
  const ours = sum(cpu);
  const cores = Math.max(1, m1.total - m0.total);
  const busy = m1.busy - m0.busy;
  // Backends flush their counters at most once a second, idle ones after 10 s.
  await sleep(ctx.quick ? 1_000 : 11_000);
  const d = dbStatsDelta(dbBefore, await dbStats(ctx.mainUrl));
  const tables: DbStats['tables'] = {};
  for (const [name, t] of Object.entries(d.tables)) {
    tables[name] = {
      seqScan: per(t.seqScan),
      idxScan: per(t.idxScan),
      ins: per(t.ins),
      upd: per(t.upd),
      del: per(t.del),
    };
  }
  const bank = bankBefore ? dbStatsDelta(bankBefore, await dbStats(ctx.bankUrl)) : undefined;

  // ---- Temporal: the run's executions (one per continue-as-new) and their histories
  const runs: Array<{ runId: string; status: string; historyLength: number; startTime: Date }> = [];
  for await (const wf of ctx.bare.workflow.list({ query: `WorkflowId = '${settlementId}'` })) {
    runs.push({
      runId: wf.runId,
      status: wf.status.name,
      historyLength: wf.historyLength,
      startTime: wf.startTime,
    });
  }
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const eventTypes: Record<string, number> = {};
  const historyEvents: number[] = [];
  let workflowTaskRunMs = 0;
  let workflowTasks = 0;
  let planMs: number | undefined;
  // Refills: the child starts one workflow task completes (one batch), when, and how long until the
  // last of its children had started (the run's loop waits for that before it looks again).
  const batches: Array<{ at: number; size: number; startedMs: number }> = [];
  const starterPageMs: number[] = [];
  for (const r of runs) {
    const h = await ctx.bare.workflow.getHandle(settlementId, r.runId).fetchHistory();
    const events = h.events ?? [];
    historyEvents.push(events.length);
    const byId = new Map<number, (typeof events)[number]>();
    for (const e of events) {
      byId.set(Number(e.eventId), e);
      const name = (T[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
      eventTypes[name] = (eventTypes[name] ?? 0) + 1;
      if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        const s = byId.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
        workflowTaskRunMs += ms(e.eventTime) - ms(s?.eventTime);
        workflowTasks += 1;
      }
      if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const s = byId.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (s?.activityTaskScheduledEventAttributes?.activityType?.name === 'planSettlementRun') {
          planMs = ms(e.eventTime) - ms(s.eventTime);
        }
        if (s?.activityTaskScheduledEventAttributes?.activityType?.name === 'startSettlementPayouts') {
          starterPageMs.push(ms(e.eventTime) - ms(s.eventTime));
        }
      }
    }
    const byTask = new Map<number, { at: number; size: number; startedMs: number }>();
    const batchOf = new Map<number, { at: number; size: number; startedMs: number }>();
    for (const e of events) {
      if (e.eventType === T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
        const task = Number(
          e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId,
        );
        let b = byTask.get(task);
        if (!b) {
          b = { at: ms(byId.get(task)?.eventTime ?? e.eventTime), size: 0, startedMs: 0 };
          byTask.set(task, b);
          batches.push(b);
        }
        b.size += 1;
        batchOf.set(Number(e.eventId), b);
      }
      if (e.eventType === T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
        const b = batchOf.get(Number(e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId));
        if (b) b.startedMs = Math.max(b.startedMs, ms(e.eventTime) - b.at);
      }
    }
  }
  const intervals = batches.slice(1).map((b, i) => b.at - batches[i]!.at);

  // ---- a sample of the payouts' own histories
  const paymentIds = await withClient(ctx.mainUrl, async (c) => {
    const { rows } = await c.query<{ payment_id: string }>(
      'select payment_id from settlement_items where settlement_id = $1 and payment_id is not null order by seq',
      [settlementId],
    );
    return rows.map((r) => r.payment_id);
  });
  const payoutHistory = await profileHistories(
    ctx.bare,
    spread(paymentIds, 30).map(paymentWorkflowId),
    { activityCompleted: 'completePayment' },
    ['notifyPartner'],
  );

  const expected = expectedTotals(n, k);
  const paid = Object.fromEntries(
    Object.entries(view.totals).map(([cur, t]) => [cur, t.byStatus.COMPLETED?.amountMinor ?? '0']),
  );
  const byStatus: Record<string, number> = {};
  for (const t of Object.values(view.totals)) {
    for (const [s, v] of Object.entries(t.byStatus)) byStatus[s] = (byStatus[s] ?? 0) + v.count;
  }
  const workerPeak = (w: Record<string, number>): number => Math.max(0, ...ctx.workers.map((x) => w[x] ?? 0));
  const quarterPeaks = quarters.map((q) => workerPeak(q.peakRssMb));
  return {
    partners: n,
    commissionsPerPartner: k,
    currencies: [...SETTLEMENT_CURRENCIES],
    periodEnd,
    occurredAt,
    settings: {
      concurrency: opts.concurrency,
      pageSize: opts.pageSize,
      pollInterval: opts.pollInterval,
      commissionHold: SETTLEMENT_COMMISSION_HOLD,
      minimums: SETTLEMENT_MINIMUMS,
    },
    partnerSetup: {
      how: partners.how,
      ms: partners.ms,
      perSec: round((n * 1000) / Math.max(1, partners.ms), 1),
    },
    import: {
      format: opts.importFormat,
      requests: imp.requests,
      rows: imp.rows,
      accepted: imp.accepted,
      alreadyPresent: imp.alreadyPresent,
      refusedCount: imp.refusedCount,
      ms: round(importMs),
      commissionsPerSec: round((imp.accepted * 1000) / importMs, 1),
      apiPeakRssMb: importPeaks.api ?? 0,
    },
    settlementId,
    itemCount,
    skippedCount: view.skippedCount,
    finishedCount: view.finishedCount,
    byStatus,
    totals: { expected, paid, match: JSON.stringify(sortKeys(expected)) === JSON.stringify(sortKeys(paid)) },
    postMs: round(postMs),
    planMs: planMs === undefined ? null : round(planMs),
    firstSeenMs: plannedAt === undefined ? null : plannedAt - postedAt,
    durationMs,
    payoutsPerSec: round(payoutsPerSec, 2),
    paymentsPerSec: null,
    ratioToPayments: null,
    cpuRatioToPayments: null,
    quarters,
    workerRssMb: {
      beforeRun: Object.fromEntries(ctx.workers.map((w) => [w, beforeRun[w] ?? 0])),
      byQuarter: quarterPeaks,
      peak: Math.max(0, ...quarterPeaks),
      growthQ1toQ4: quarterPeaks.length === 4 ? quarterPeaks[3]! - quarterPeaks[0]! : null,
    },
    temporal: {
      runs: runs.length,
      continuedAsNew: runs.filter((r) => r.status === 'CONTINUED_AS_NEW').length,
      historyEvents,
      maxHistoryEvents: Math.max(0, ...historyEvents),
      eventTypes,
      workflowTasks,
      workflowTaskRunMs: round(workflowTaskRunMs),
      starterPages: { pages: starterPageMs.length, pageMs: summarize(starterPageMs) },
      refills: {
        batches: batches.length,
        meanBatch: round(batches.reduce((a, b) => a + b.size, 0) / Math.max(1, batches.length), 1),
        intervalMs: summarize(intervals),
        childrenStartedMs: summarize(batches.map((b) => b.startedMs)),
      },
    },
    avgInFlight: round((payoutsPerSec * payoutHistory.spanMs.mean) / 1000, 1),
    cpuMs: Object.fromEntries(Object.entries(cpu).map(([kk, v]) => [kk, round(v, 1)])),
    cpuMsPerPayout: Object.fromEntries(Object.entries(cpu).map(([kk, v]) => [kk, per(v)])),
    machineBusyPct: round((busy / cores) * 100, 1),
    foreignBusyPct: round((Math.max(0, busy - ours) / cores) * 100, 1),
    db: {
      perPayout: { xactCommit: per(d.xactCommit), tables },
      ...(bank ? { bankPerPayout: { xactCommit: per(bank.xactCommit) } } : {}),
    },
    payoutHistory,
  };
}

function ms(ts: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  if (!ts) return Number.NaN;
  const s = ts.seconds as unknown;
  const seconds =
    typeof s === 'number'
      ? s
      : s && typeof (s as { toNumber?: unknown }).toNumber === 'function'
        ? (s as { toNumber(): number }).toNumber()
        : Number(s ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

/** CPU of the system's processes (and PostgreSQL, the dev server): the load generator left out. */
export const systemCpu = (o: Record<string, number>): number =>
  Object.entries(o)
    .filter(([k]) => !k.includes('(bench)') && !k.startsWith('bench'))
    .reduce((a, [, v]) => a + v, 0);

const sortKeys = (o: Record<string, string>): Array<[string, string]> =>
  Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
