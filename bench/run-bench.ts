import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { migrateToLatest } from '../src/infra/db/database';
import { openDatabase } from '../src/shared/db/knex-database';
import { encryptedDataConverter } from '../src/infra/temporal/encryption-codec';
import { ensureTemporalCli, startDevServer, type DevServer } from '../src/infra/temporal/dev-server';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import type { FanoutClientResult } from './fanout-clients';
import { baselineNotificationsWorkflowId } from './baseline/activities';
import {
  BASELINE_ACTIVITY_COUNT,
  BASELINE_NOTICES_PER_PAYMENT,
  BASELINE_WORKFLOW,
  type BaselineInput,
} from './baseline/baseline.workflow';
import { createPartner, onePayment, wsToken, type BenchKeys } from './lib/api-client';
import { parseBenchArgs, type BenchOptions } from './lib/args';
import { ensureBundles } from './lib/bundles';
import { freePort, httpOk, ROOT, sleep, spawnNode, waitUntil, type Child } from './lib/children';
import { Cleanup } from './lib/cleanup';
import { closedLoop, type LoopResult, type Sample } from './lib/closed-loop';
import { profileCodec } from './lib/codec-profile';
import { summarizeProfileDir } from './lib/cpu-profile';
import {
  compileSources,
  deployedRuntime,
  makeStartRuntime,
  withDeployedWorker,
} from './lib/deployed-runtime';
import { historySequence, profileHistories, spread } from './lib/history';
import {
  BackendPids,
  CommitClock,
  createDatabase,
  databaseName,
  dbStats,
  dbStatsDelta,
  dropDatabase,
  lastPosition,
  withDatabase,
  type DbStats,
} from './lib/postgres';
import { cpuDelta, machineCpuMs, machineInfo, ProcessSampler } from './lib/proc';
import { autocannonPayments, pacedPayments } from './lib/rate';
import { renderTable } from './lib/report';
import {
  runSettlementSection,
  SETTLEMENT_COMMISSION_HOLD,
  SETTLEMENT_MINIMUMS,
  systemCpu,
} from './lib/settlement';
import type { BenchResult, Check, Goal, LoopSection } from './lib/result';
import { round, summarize } from './lib/stats';
import { StreamObserver } from './lib/stream-observer';

/**
 * `npm run bench` — the payment path measured against a bare-Temporal baseline, side by side, in
 * one process tree and one run (see docs/performance.md for how to read it). This process is the
 * driver: it starts a Temporal dev server, scratch PostgreSQL databases, the sandbox bank and the
 * system's processes as children (each in a process group of its own, sampled for RSS and CPU),
 * runs the sections, prints a table (ratios last) and writes artifacts/bench/bench-<run>.json.
 * Every child is stopped and every scratch database dropped, whatever happens.
 */

/** The options once the worker's runtime is settled (docker-compose.yml's flags unless given). */
type RunOptions = ReturnType<typeof withDeployedWorker>;

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** A system process's entry point: the TypeScript source through tsx, or compiled JavaScript. */
const processScript = (opts: BenchOptions, name: string): string =>
  name === 'sandbox-bank'
    ? opts.compiled
      ? join(resolve(ROOT, opts.compiled), 'sandbox-bank', 'sandbox-bank.main.js')
      : 'src/sandbox-bank/sandbox-bank.main.ts'
    : opts.compiled
      ? join(resolve(ROOT, opts.compiled), 'processes', `${name}.js`)
      : `src/processes/${name}.ts`;

const HUGE_THRESHOLDS = JSON.stringify({ USD: 1e12, EUR: 1e12, COP: 1e15 });
const WORKFLOW_SETTINGS = {
  startToCloseMs: 30_000,
  retryInitialIntervalMs: 1_000,
  retryMaxIntervalMs: 60_000,
};

interface SplitSystem {
  apiUrl: string;
  rateApiUrl: string | undefined;
  uiWsBase: string;
  workers: Child[];
  stopAll(): Promise<void>;
}

function runIdNow(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}_${randomBytes(2).toString('hex')}`;
}

async function main(): Promise<number> {
  // The worker as deployed: docker-compose.yml's node flags and process environment, unless overridden.
  // eslint-disable-next-line no-restricted-properties -- the bench's own parameters (BENCH_*, DATABASE_URL, TEMPORAL_CLI)
  const opts = withDeployedWorker(ROOT, parseBenchArgs(process.argv.slice(2), process.env));
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers(log);
  const runId = runIdNow();
  if (opts.buildCompiled) {
    // Inside the repository, so the compiled files resolve node_modules as dist/ does.
    opts.compiled = `artifacts/bench/compiled-${runId}`;
    const dir = resolve(ROOT, opts.compiled);
    cleanup.add('compiled sources', async () => rmSync(dir, { recursive: true, force: true }));
    compileSources(ROOT, opts.compiled, log);
  }
  const started = Date.now();
  const machine = machineInfo();
  const failures: BenchResult['failures'] = [];
  const sampler = new ProcessSampler(250);
  sampler.start();
  cleanup.add('process sampler', async () => sampler.stop());

  const result: BenchResult = {
    runId,
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationSec: 0,
    mode: opts.quick ? 'quick' : 'full',
    machine: { ...machine, loadAvgEnd: [] },
    params: {
      count: opts.count,
      concurrency: opts.concurrency,
      clients: opts.clients,
      fanoutPayments: opts.fanoutPayments,
      rate: opts.rate,
      rateSeconds: opts.rateSeconds,
      rateQueue: opts.rateQueue,
      embeddedCount: opts.embeddedCount,
      workers: opts.workers,
      notifications: opts.notifications,
      partners: opts.partners,
      workerEnv: opts.workerEnv,
      ...(opts.workerNodeArgs.length ? { workerNodeArgs: opts.workerNodeArgs } : {}),
      ...(opts.skip.size ? { skip: [...opts.skip] } : {}),
      ...(opts.profile ? { profile: true } : {}),
      ...(opts.settlement.partners > 0 ? { settlement: opts.settlement } : {}),
      runtime: opts.compiled
        ? `node ${opts.compiled}/processes/*.js`
        : 'node --import tsx src/processes/*.ts',
    },
    setup: {
      temporal: '',
      database: '',
      bankFaults: null,
      bundlesCached: false,
      processes: [],
      startupMs: 0,
    },
    activityCount: { counted: {}, baselineActivities: 0 },
    memory: { peakRssMb: {} },
    profile: {},
    goals: [],
    checks: [],
    failures,
    sectionSeconds: {},
  };
  const outDir = resolve(ROOT, opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const profileDir = join(outDir, 'profiles', runId);

  try {
    await run(opts, runId, cleanup, sampler, result, profileDir);
  } catch (err) {
    failures.push({
      section: 'setup',
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    log('stopping everything…');
    await cleanup.run(log);
  }

  if (opts.profile) {
    result.profile.cpuProfiles = ['worker', 'baseline-worker', 'api'].flatMap((what) =>
      summarizeProfileDir(join(profileDir, what)),
    );
  }
  result.machine.loadAvgEnd = machineInfo().loadAvg;
  result.finishedAt = new Date().toISOString();
  result.durationSec = round((Date.now() - started) / 1000, 1);
  result.goals = goals(result);
  result.checks.push(...checks(result, opts));

  const file = join(outDir, `bench-${runId}.json`);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(join(outDir, opts.quick ? 'latest-quick.json' : 'latest.json'), json);
  process.stdout.write(renderTable(result));
  process.stdout.write(`\nJSON: ${file}\n`);
  return failures.length === 0 && result.checks.every((c) => c.ok) ? 0 : 1;
}

async function run(
  opts: RunOptions,
  runId: string,
  cleanup: Cleanup,
  sampler: ProcessSampler,
  result: BenchResult,
  profileDir: string,
): Promise<void> {
  const setupStarted = Date.now();
  const id = runId.toLowerCase();

  // ---- Temporal dev server (headless, in memory, with the search attributes)
  const cli = ensureTemporalCli(opts.temporalCli);
  result.setup.temporal = `${execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim()} (${cli})`;
  result.machine.temporalCli = result.setup.temporal;
  const temporalPort = await freePort();
  log(`starting the Temporal dev server on 127.0.0.1:${temporalPort}`);
  const devServer: DevServer = await startDevServer({
    cliPath: cli,
    port: temporalPort,
    uiPort: 0,
    headless: true,
    onLog: opts.verbose ? (l) => log(`[temporal] ${l}`) : undefined,
  });
  cleanup.add('temporal dev server', () => devServer.stop());
  sampler.track('temporal dev server', devServer.process.pid!);
  const temporalAddress = devServer.address;

  // ---- PostgreSQL: the app database and the bank's (apart, so their transactions are counted apart)
  let mainUrl: string;
  let bankUrl: string;
  if (opts.databaseUrl) {
    mainUrl = opts.databaseUrl;
    bankUrl = opts.databaseUrl;
    result.setup.database = `given: ${databaseName(mainUrl)} (bank tables in it too)`;
  } else {
    const mainName = `alpes_bench_${id}`;
    const bankName = `alpes_bench_${id}_bank`;
    await createDatabase(opts.pgAdminUrl, mainName);
    cleanup.add(`drop database ${mainName}`, () => dropDatabase(opts.pgAdminUrl, mainName));
    await createDatabase(opts.pgAdminUrl, bankName);
    cleanup.add(`drop database ${bankName}`, () => dropDatabase(opts.pgAdminUrl, bankName));
    mainUrl = withDatabase(opts.pgAdminUrl, mainName);
    bankUrl = withDatabase(opts.pgAdminUrl, bankName);
    result.setup.database = `scratch ${mainName} + ${bankName} on ${new URL(opts.pgAdminUrl).host} (dropped at the end)`;
  }
  const db = openDatabase({ kind: 'postgres', url: mainUrl });
  await migrateToLatest(db);
  await db.destroy();
  // Asked from the admin database when we have one, so these queries do not count as the app's transactions.
  const backends = new BackendPids(opts.databaseUrl ? mainUrl : opts.pgAdminUrl, [
    ...new Set([databaseName(mainUrl), databaseName(bankUrl)]),
  ]);
  await backends.start();
  cleanup.add('backend pid tracker', () => backends.stop());
  sampler.trackDynamic('postgres backends', () => backends.current());

  // ---- workflow bundles (cached), secrets, Temporal clients
  const bundles = await ensureBundles(join(ROOT, 'artifacts/bench/cache'), log);
  result.setup.bundlesCached = bundles.cached;
  const keys: BenchKeys = {
    admin: `bench-admin-${randomBytes(32).toString('hex')}`,
    operator: `bench-operator-${randomBytes(32).toString('hex')}`,
  };
  const codecKeys = [{ id: `bench-${id}`, key: randomBytes(32).toString('base64') }];
  const secretsEnv = {
    ALPES_API_KEYS: JSON.stringify([
      { key: keys.admin, name: 'bench-admin', role: 'admin' },
      { key: keys.operator, name: 'bench-operator', role: 'operator' },
    ]),
    WS_TOKEN_SECRET: randomBytes(32).toString('hex'),
    WS_TOKEN_TTL: '2h',
    CODEC_KEYS: JSON.stringify(codecKeys),
    CODEC_UI_TOKEN: randomBytes(32).toString('hex'),
    // Every process of a split deployment shares these (the verify key is derived from the signing key).
    ACTOR_SIGNING_KEY: randomBytes(32).toString('base64'),
    WEBHOOK_SECRET_KEYS: JSON.stringify([
      { id: `bench-webhook-${id}`, key: randomBytes(32).toString('base64') },
    ]),
  };
  const connection = await Connection.connect({ address: temporalAddress });
  cleanup.add('temporal client connection', () => connection.close());
  const bare = new Client({ connection });
  const withCodec = new Client({ connection, dataConverter: encryptedDataConverter(codecKeys) });

  const dataDir = mkdtempSync(join(tmpdir(), 'alpes-bench-'));
  cleanup.add('temporary data dir', async () => rmSync(dataDir, { recursive: true, force: true }));

  const queues = {
    payments: `bench-payments-${id}`,
    notifications: `bench-notifications-${id}`,
    baseline: `bench-baseline-${id}`,
    parked: `bench-parked-${id}`,
    baselineNotices: `bench-baseline-notices-${id}`,
  };
  const commonEnv: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: queues.payments,
    NOTIFICATIONS_TASK_QUEUE: queues.notifications,
    APPROVAL_THRESHOLDS: HUGE_THRESHOLDS,
    REFUND_WINDOW: '1s',
    TEMPORAL_METRICS_PORT: '0',
    RATE_LIMIT_PER_MINUTE: '100000000',
    // The fan-out section opens --clients sockets for one principal from one address (+ the observer).
    WS_MAX_CONNECTIONS_PER_PRINCIPAL: String(opts.clients + 10),
    WS_MAX_CONNECTIONS_PER_IP: String(opts.clients + 10),
    // Commissions and settlement runs (the settlement section). The API carries the SETTLEMENT_*
    // knobs in the run's input, so they must reach the API, not just the worker.
    COMMISSION_HOLD: SETTLEMENT_COMMISSION_HOLD,
    PAYOUT_MINIMUMS: JSON.stringify(SETTLEMENT_MINIMUMS),
    SETTLEMENT_SCHEDULE: 'off',
    SETTLEMENT_CONCURRENCY: String(opts.settlement.concurrency),
    SETTLEMENT_PAGE_SIZE: String(opts.settlement.pageSize),
    SETTLEMENT_POLL_INTERVAL: opts.settlement.pollInterval,
    WORKFLOW_BUNDLE_PATH: bundles.payments,
    NOTIFICATIONS_WORKFLOW_BUNDLE_PATH: bundles.notifications,
    ...secretsEnv,
  };

  // ---- the split system: bank, worker(s), API, UI (+ the rate section's API, the baseline's workers)
  const system = await startSplitSystem({
    opts,
    cleanup,
    sampler,
    commonEnv,
    mainUrl,
    bankUrl,
    queues,
    bundles,
    temporalAddress,
    bare,
    result,
    profileDir,
  });
  result.setup.startupMs = Date.now() - setupStarted;
  result.sectionSeconds.setup = round(result.setup.startupMs / 1000, 1);
  log(`system up in ${result.setup.startupMs} ms: ${result.setup.processes.join(', ')}`);

  const partners: string[] = [];
  for (let i = 0; i < opts.partners; i++)
    partners.push(await createPartner(system.apiUrl, keys, `${id}-${i}`));
  const partnerId = partners[0]!;
  const token = await wsToken(system.apiUrl, keys);
  const commits = new CommitClock(mainUrl);
  await commits.start(await lastPosition(mainUrl));
  cleanup.add('commit clock', () => commits.stop());
  const observer = new StreamObserver(`${system.uiWsBase}?token=${encodeURIComponent(token)}`);
  await observer.connect(await lastPosition(mainUrl));
  cleanup.add('stream observer', async () => observer.close());

  /** One payment through the API, to the given partners round robin. */
  const paymentTo = (to: string[]) => (prefix: string) => (i: number) =>
    onePayment(
      system.apiUrl,
      keys,
      to[i % to.length]!,
      observer,
      `${id}-${prefix}-${i}`,
      opts.paymentTimeoutMs,
    );
  const payment = paymentTo(partners);
  const baselinePartner = (i: number): string => `bench-baseline-${id}-partner-${i % opts.partners}`;
  const baselineOne =
    (prefix: string) =>
    async (i: number): Promise<Sample> => {
      const startedAt = performance.now();
      const workflowId = `bench-baseline-${id}-${prefix}-${i}`;
      // The partners are shared as the payment path's are (--partners, round robin).
      const input: BaselineInput = { partnerId: baselinePartner(i), ...WORKFLOW_SETTINGS };
      const handle = await bare.workflow.start(BASELINE_WORKFLOW, {
        taskQueue: queues.baseline,
        workflowId,
        args: [input],
      });
      const startedReturned = performance.now();
      await handle.result();
      return {
        id: workflowId,
        startedAt,
        completedAt: performance.now(),
        parts: { start: startedReturned - startedAt },
      };
    };

  // ---- warm-up, and the activity count of a payment's happy path (from a real history)
  log(`warm-up: ${opts.warmup} payments`);
  const warm = await closedLoop(Math.max(1, opts.warmup), opts.concurrency, payment('warm'));
  if (warm.completed === 0) throw new Error(`no warm-up payment completed: ${warm.errorSamples.join('; ')}`);
  const sampleId = warm.samples[0]!.id!;
  await withCodec.workflow.getHandle(paymentWorkflowId(sampleId)).result();
  const counted = await profileHistories(bare, [paymentWorkflowId(sampleId)], {
    activityCompleted: 'completePayment',
  });
  result.activityCount.counted = counted.activitiesPerWorkflow;
  result.activityCount.local = counted.localActivitiesPerWorkflow;
  result.activityCount.sampleHistory = await historySequence(bare, paymentWorkflowId(sampleId));
  const countedTotal = Object.values(counted.activitiesPerWorkflow).reduce((a, b) => a + b, 0);
  // The yardstick is fixed (six activities, two of them signal-with-start notices), whatever the
  // payment path runs: a leaner payment must not make the baseline leaner too.
  result.activityCount.baselineActivities = BASELINE_ACTIVITY_COUNT;
  log(
    `a payment's happy path ran ${countedTotal} activities ${JSON.stringify(counted.activitiesPerWorkflow)}, local ${JSON.stringify(counted.localActivitiesPerWorkflow)}; baseline runs ${BASELINE_ACTIVITY_COUNT}`,
  );

  // ---- 1. baseline
  if (!opts.skip.has('baseline')) {
    await section(result, 'baseline', async () => {
      await closedLoop(Math.max(1, opts.warmup), opts.concurrency, baselineOne('warm'));
      log(`1. baseline: ${opts.count} bare workflows, concurrency ${opts.concurrency}`);
      const { loop, section: s } = await measured(sampler, opts.count, () =>
        closedLoop(opts.count, opts.concurrency, baselineOne('run')),
      );
      result.baseline = s;
      // The yardstick really sent its notices: the first partner's workflow holds two per payment.
      const partnerHistory = await bare.workflow
        .getHandle(baselineNotificationsWorkflowId(baselinePartner(0)))
        .fetchHistory()
        .catch(() => ({ events: [] }));
      result.activityCount.baselineNoticesSeen = (partnerHistory.events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes,
      ).length;
      const runsOfFirstPartner = (n: number): number => Math.ceil(n / opts.partners);
      result.activityCount.baselineNoticesExpected =
        BASELINE_NOTICES_PER_PAYMENT *
        (runsOfFirstPartner(Math.max(1, opts.warmup)) + runsOfFirstPartner(opts.count));
      result.profile.baselineHistory = await profileHistories(
        bare,
        spread(
          loop.samples.map((x) => x.id!),
          30,
        ),
        'workflow-closed',
      );
    });
    // Its worker has done its part: stop it so it takes no CPU from the payment path.
    await system.stopBaselineWorkers();
  }

  // ---- 2. payment path
  let dbBefore: DbStats | undefined;
  let bankBefore: DbStats | undefined;
  let paymentsEnded = 0;
  if (!opts.skip.has('payments')) {
    await section(result, 'payments', async () => {
      log(`2. payment path: ${opts.count} payments through POST /payments, concurrency ${opts.concurrency}`);
      dbBefore = await dbStats(mainUrl);
      bankBefore = bankUrl === mainUrl ? undefined : await dbStats(bankUrl);
      const { loop, section: s } = await measured(sampler, opts.count, () =>
        closedLoop(opts.count, opts.concurrency, payment('pay')),
      );
      paymentsEnded = Date.now();
      const commitToObserver: number[] = [];
      result.payments = { ...s };
      const ids = loop.samples.map((x) => x.id!);
      const picked = spread(ids, 30);
      // Wait for the sampled workflows to close (the refund window is 1 s) so their histories are whole.
      await Promise.all(
        picked.map((p) =>
          withCodec.workflow
            .getHandle(paymentWorkflowId(p))
            .result()
            .catch(() => undefined),
        ),
      );
      result.profile.paymentHistory = await profileHistories(
        bare,
        picked.map(paymentWorkflowId),
        { activityCompleted: 'completePayment' },
        ['notifyPartner'],
      );
      // COMPLETED commit (LISTEN) → the observer's receipt: the stream's share of the latency.
      for (const c of observer.completionsFor(ids)) {
        const at = commits.at(c.position);
        if (at !== undefined) commitToObserver.push(c.receivedEpochMs - at);
      }
      result.payments.commitToObserverMs = summarize(commitToObserver);
    });
    result.profile.codec = await profileCodec(codecKeys, opts.quick ? 300 : 3_000);
    if (dbBefore && result.payments) {
      // Backends flush their statistics at most once a second and idle ones after 10 s (quick mode
      // does not wait: its figure is then a lower bound).
      const wait = opts.quick ? 0 : 11_000 - (Date.now() - paymentsEnded);
      if (wait > 0) await sleep(wait);
      const d = dbStatsDelta(dbBefore, await dbStats(mainUrl));
      const per = (v: number): number => round(v / result.payments!.completed, 2);
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
      result.payments.db = { perPayment: { xactCommit: per(d.xactCommit), tables } };
      if (bankBefore) {
        const b = dbStatsDelta(bankBefore, await dbStats(bankUrl));
        result.payments.db.bankPerPayment = { xactCommit: per(b.xactCommit) };
      }
    }
  }
  if (result.baseline && result.payments) {
    const cpuPerUnit = (s: LoopSection): number =>
      Object.entries(s.cpuMsPerUnit)
        .filter(([k]) => !k.includes('(bench)') && !k.startsWith('bench'))
        .reduce((a, [, v]) => a + v, 0);
    result.ratios = {
      throughput: round(result.payments.throughputPerSec / result.baseline.throughputPerSec, 3),
      p99: round(result.payments.latencyMs.p99 / result.baseline.latencyMs.p99, 3),
      p50: round(result.payments.latencyMs.p50 / result.baseline.latencyMs.p50, 3),
      // CPU per baseline workflow ÷ CPU per payment (all processes): the throughput ratio two
      // CPU-bound runs would show, and much less sensitive to other load on the machine.
      cpuCapacity: round(cpuPerUnit(result.baseline) / cpuPerUnit(result.payments), 3),
    };
  }

  // ---- 4. API start latency at a fixed rate
  if (!opts.skip.has('rate')) {
    await section(result, 'rate', async () => {
      const target = opts.rateQueue === 'parked' ? system.rateApiUrl! : system.apiUrl;
      log(
        `4. API start latency: ${opts.rate} POST/s for ${opts.rateSeconds} s (autocannon), then the same paced evenly (${opts.rateQueue} queue)`,
      );
      const before = sampler.cpuMark();
      const ac = await autocannonPayments(
        target,
        keys,
        partnerId,
        `${id}-rate-ac`,
        opts.rate,
        opts.rateSeconds,
        opts.rateConnections,
      );
      const paced = await pacedPayments(
        target,
        keys,
        partnerId,
        `${id}-rate-paced`,
        opts.rate,
        opts.rateSeconds,
      );
      const cpu = cpuDelta(before, sampler.cpuMark());
      result.rate = { queue: opts.rateQueue, autocannon: ac, paced, cpuMs: roundAll(cpu) };
      if (opts.rateQueue === 'live') await drain(mainUrl, 600_000);
    });
  }

  // ---- 5. fan-out
  if (!opts.skip.has('fanout')) {
    await section(result, 'fanout', async () => {
      const since = await lastPosition(mainUrl);
      log(
        `5. fan-out: ${opts.clients} websocket clients from position ${since}, then ${opts.fanoutPayments} payments`,
      );
      const clients = spawnNode({
        name: 'fan-out clients',
        script: 'bench/fanout-clients.ts',
        args: [
          '--url',
          `${system.uiWsBase}?token=${encodeURIComponent(token)}`,
          '--clients',
          String(opts.clients),
          '--since',
          String(since),
        ],
        env: { NODE_ENV: 'production' },
        ipc: true,
        echo: opts.verbose,
      });
      const stopClients = cleanup.add('fan-out clients', () => clients.stop(3_000));
      sampler.track('fan-out clients (bench)', clients.pid);
      const messages = ipcMessages(clients);
      const ready = (await messages.next('ready', 180_000)) as { connectMs: number; clients: number };
      log(`   ${ready.clients} clients subscribed in ${ready.connectMs} ms`);
      const { section: s } = await measured(sampler, opts.fanoutPayments, () =>
        closedLoop(opts.fanoutPayments, opts.concurrency, payment('fan')),
      );
      await sleep(300);
      const finalPosition = await lastPosition(mainUrl);
      clients.process.send?.({
        type: 'finish',
        finalPosition,
        commits: commits.entries(since + 1, finalPosition),
        timeoutMs: 60_000,
      });
      const res = (await messages.next('result', 120_000)) as { result: FanoutClientResult };
      result.fanout = { ...res.result, payments: s, connectMs: ready.connectMs, since, finalPosition };
      await stopClients();
      sampler.untrack('fan-out clients (bench)');
    });
  }

  // ---- 7. a settlement run: N partners' commissions imported, then paid in one run
  if (opts.settlement.partners > 0) {
    await section(result, 'settlement', async () => {
      const s = await runSettlementSection({
        id,
        opts: opts.settlement,
        quick: opts.quick,
        apiUrl: system.apiUrl,
        keys,
        mainUrl,
        bankUrl,
        bare,
        sampler,
        workers: system.workers.map((w) => w.name),
      });
      if (result.payments) {
        s.paymentsPerSec = result.payments.throughputPerSec;
        s.ratioToPayments = round(s.payoutsPerSec / result.payments.throughputPerSec, 3);
        s.cpuRatioToPayments = round(
          systemCpu(result.payments.cpuMsPerUnit) / systemCpu(s.cpuMsPerPayout),
          3,
        );
      }
      result.settlement = s;
    });
  }

  // ---- 8. leak: the same processes through N more payments, RSS at N/2 and at N
  if (opts.leakPayments > 0) {
    await section(result, 'leak', async () => {
      const n = opts.leakPayments;
      const half = Math.floor(n / 2);
      log(`8. leak: ${n} payments through the same processes, RSS compared at ${half} and ${n}`);
      const ours = (rss: Record<string, number>): Record<string, number> =>
        Object.fromEntries(Object.entries(rss).filter(([k]) => /^(worker|api$|ui$|notifications)/.test(k)));
      // Long enough for the workers' caches and the refund windows of the last payments to settle.
      const settle = (): Promise<void> => sleep(opts.quick ? 1_000 : 10_000);
      // Nobody processes the partners' notification workflows here, so each keeps every signal, and
      // Temporal refuses a signal past 10,000 per execution: at most 4,000 payments per partner.
      const leakPartners = [...partners];
      while (leakPartners.length * 4_000 < n + 1_000) {
        leakPartners.push(await createPartner(system.apiUrl, keys, `${id}-leak-${leakPartners.length}`));
      }
      const leakPayment = paymentTo(leakPartners);
      const first = await closedLoop(half, opts.concurrency, leakPayment('leak-a'));
      await settle();
      const rssAtHalfMb = ours(sampler.current());
      const second = await closedLoop(n - half, opts.concurrency, leakPayment('leak-b'));
      await settle();
      const rssAtEndMb = ours(sampler.current());
      const growthPct = Object.fromEntries(
        Object.keys(rssAtEndMb)
          .filter((k) => (rssAtHalfMb[k] ?? 0) > 0)
          .map((k) => [k, round(((rssAtEndMb[k]! - rssAtHalfMb[k]!) / rssAtHalfMb[k]!) * 100, 1)]),
      );
      result.leak = {
        payments: n,
        completed: first.completed + second.completed,
        errors: first.errors + second.errors,
        rssAtHalfMb,
        rssAtEndMb,
        growthPct,
      };
    });
  }

  observer.close();
  await commits.stop();
  log('stopping the split system');
  await system.stopAll();
  result.memory.peakRssMb = sampler.peaks();

  // ---- 6. the embedded all-in-one under the same payment load
  if (!opts.skip.has('embedded')) {
    await section(result, 'embedded', async () => {
      result.embedded = await runEmbedded(
        opts,
        id,
        cleanup,
        sampler,
        temporalAddress,
        commonEnv,
        keys,
        bundles,
      );
    });
    result.memory.peakRssMb = sampler.peaks();
  }
}

interface SplitArgs {
  opts: RunOptions;
  cleanup: Cleanup;
  sampler: ProcessSampler;
  commonEnv: Record<string, string>;
  mainUrl: string;
  bankUrl: string;
  queues: {
    payments: string;
    notifications: string;
    baseline: string;
    parked: string;
    baselineNotices: string;
  };
  bundles: { baseline: string };
  temporalAddress: string;
  bare: Client;
  result: BenchResult;
  profileDir: string;
}

async function startSplitSystem(
  a: SplitArgs,
): Promise<SplitSystem & { stopBaselineWorkers(): Promise<void> }> {
  const { opts, cleanup, sampler, commonEnv } = a;
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const start = (
    name: string,
    script: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
    args: string[] = [],
  ): Child => {
    const child = spawnNode({ name, script, env, nodeArgs, args, echo: opts.verbose });
    const stop = cleanup.add(name, () => child.stop());
    stops.push({
      name,
      stop: async () => {
        await stop();
        sampler.untrack(name);
      },
    });
    sampler.track(name, child.pid);
    a.result.setup.processes.push(`${name} (pid ${child.pid})`);
    return child;
  };

  const bankPort = await freePort();
  const bank = start('sandbox bank', processScript(opts, 'sandbox-bank'), {
    ...commonEnv,
    DATABASE_URL: a.bankUrl,
    SANDBOX_BANK_PORT: String(bankPort),
    SANDBOX_BANK_HOST: '127.0.0.1',
  });
  const bankUrl = `http://127.0.0.1:${bankPort}`;
  const env = { ...commonEnv, DATABASE_URL: a.mainUrl, SANDBOX_BANK_URL: bankUrl };

  const workers: Child[] = [];
  const profiling = (what: string): string[] =>
    opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(a.profileDir, what)}`] : [];
  for (let i = 0; i < opts.workers; i++) {
    workers.push(
      start(
        opts.workers > 1 ? `worker ${i + 1}` : 'worker',
        processScript(opts, 'worker'),
        { ...env, ...opts.workerEnv },
        [...opts.workerNodeArgs, ...profiling('worker')],
      ),
    );
  }
  const [apiPort, uiPort, ratePort] = await Promise.all([freePort(), freePort(), freePort()]);
  // The API as docker-compose.yml runs it (its node flags and allocator setting).
  const apiRuntime = deployedRuntime(ROOT, 'api');
  const api = start(
    'api',
    processScript(opts, 'api'),
    {
      ...env,
      ...apiRuntime.env,
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    },
    [...apiRuntime.nodeArgs, ...profiling('api')],
  );
  const ui = start('ui', processScript(opts, 'ui'), {
    ...env,
    UI_PORT: String(uiPort),
    UI_HOST: '127.0.0.1',
  });
  let rateApi: Child | undefined;
  if (!opts.skip.has('rate') && opts.rateQueue === 'parked') {
    rateApi = start(
      'api (rate section)',
      processScript(opts, 'api'),
      {
        ...env,
        ...apiRuntime.env,
        TEMPORAL_TASK_QUEUE: a.queues.parked,
        API_PORT: String(ratePort),
        API_HOST: '127.0.0.1',
        API_PUBLIC_URL: `http://127.0.0.1:${ratePort}`,
      },
      apiRuntime.nodeArgs,
    );
  }
  if (opts.notifications) start('notifications', processScript(opts, 'notifications-worker'), env);
  const baselineWorkers: Child[] = [];
  if (!opts.skip.has('baseline')) {
    for (let i = 0; i < opts.workers; i++) {
      baselineWorkers.push(
        start(
          opts.workers > 1 ? `baseline worker ${i + 1}` : 'baseline worker',
          'bench/baseline/worker.ts',
          { NODE_ENV: 'production' },
          profiling('baseline-worker'),
          [
            '--address',
            a.temporalAddress,
            '--task-queue',
            a.queues.baseline,
            '--notices-task-queue',
            a.queues.baselineNotices,
            '--bundle',
            a.bundles.baseline,
          ],
        ),
      );
    }
  }

  const pollers = async (queue: string, n: number): Promise<boolean> => {
    const res = await a.bare.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: queue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (res.pollers?.length ?? 0) >= n;
  };
  const startup = 180_000;
  await waitUntil('sandbox bank', () => httpOk(`${bankUrl}/healthz`), { timeoutMs: startup, child: bank });
  a.result.setup.bankFaults = await (await fetch(`${bankUrl}/admin/faults`)).json();
  await Promise.all([
    waitUntil('api', () => httpOk(`http://127.0.0.1:${apiPort}/healthz`), { timeoutMs: startup, child: api }),
    waitUntil('ui', () => httpOk(`http://127.0.0.1:${uiPort}/healthz`), { timeoutMs: startup, child: ui }),
    rateApi
      ? waitUntil('api (rate section)', () => httpOk(`http://127.0.0.1:${ratePort}/healthz`), {
          timeoutMs: startup,
          child: rateApi,
        })
      : Promise.resolve(),
    ...workers.map((w) =>
      waitUntil(w.name, () => pollers(a.queues.payments, workers.length), { timeoutMs: startup, child: w }),
    ),
    ...baselineWorkers.map((w) =>
      waitUntil(w.name, () => pollers(a.queues.baseline, baselineWorkers.length), {
        timeoutMs: startup,
        child: w,
      }),
    ),
  ]);

  const stopNamed = async (pred: (name: string) => boolean): Promise<void> => {
    const picked = stops.filter((s) => pred(s.name));
    await Promise.all(picked.map((s) => s.stop()));
    for (const s of picked) stops.splice(stops.indexOf(s), 1);
  };
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    rateApiUrl: rateApi ? `http://127.0.0.1:${ratePort}` : undefined,
    uiWsBase: `ws://127.0.0.1:${uiPort}/ws`,
    workers,
    stopBaselineWorkers: () => stopNamed((n) => n.startsWith('baseline worker')),
    stopAll: () => stopNamed(() => true),
  };
}

async function runEmbedded(
  opts: RunOptions,
  id: string,
  cleanup: Cleanup,
  sampler: ProcessSampler,
  temporalAddress: string,
  commonEnv: Record<string, string>,
  keys: BenchKeys,
  bundles: { payments: string; notifications: string },
): Promise<NonNullable<BenchResult['embedded']>> {
  const dir = mkdtempSync(join(tmpdir(), 'alpes-bench-embedded-'));
  cleanup.add('embedded data dir', async () => rmSync(dir, { recursive: true, force: true }));
  const [apiPort, uiPort, bankPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const env: Record<string, string> = {
    ...commonEnv,
    DATA_DIR: dir,
    TEMPORAL_TASK_QUEUE: `bench-embedded-${id}`,
    NOTIFICATIONS_TASK_QUEUE: `bench-embedded-notifications-${id}`,
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    UI_PORT: String(uiPort),
    UI_HOST: '127.0.0.1',
    SANDBOX_BANK_PORT: String(bankPort),
    SANDBOX_BANK_HOST: '127.0.0.1',
    WORKFLOW_BUNDLE_PATH: bundles.payments,
    NOTIFICATIONS_WORKFLOW_BUNDLE_PATH: bundles.notifications,
    ...opts.workerEnv,
  };
  // The databases are created (and what opening them costs measured) by a short-lived process
  // first, so the launcher starts as it does every time after the first.
  const prep = spawnNode({
    name: 'pglite prep',
    script: 'bench/pglite-rss.ts',
    args: [dir],
    env: {},
    echo: opts.verbose,
  });
  const prepped = await prep.exited;
  const firstStart = /\{.*\}/.exec(prep.output())?.[0];
  if (prepped.code !== 0 || !firstStart) throw new Error(`PGlite preparation failed\n${prep.output()}`);
  log(
    `6. all-in-one: the launcher (PGlite in ${dir}) under ${opts.embeddedCount} payments, concurrency ${opts.concurrency}`,
  );
  const launcher = spawnNode({
    name: 'all-in-one',
    script: processScript(opts, 'launcher'),
    // As `make start` runs it (its node flags; the process variables are in opts.workerEnv).
    nodeArgs: opts.compiled ? makeStartRuntime(ROOT).nodeArgs : [],
    env: { ...env, ...makeStartRuntime(ROOT).env },
    echo: opts.verbose,
  });
  const stop = cleanup.add('all-in-one', () => launcher.stop());
  sampler.track('all-in-one (launcher)', launcher.pid);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitUntil('all-in-one', () => httpOk(`${apiUrl}/healthz`), { timeoutMs: 180_000, child: launcher });
  await waitUntil('all-in-one ui', () => httpOk(`http://127.0.0.1:${uiPort}/healthz`), {
    timeoutMs: 60_000,
    child: launcher,
  });
  const partnerId = await createPartner(apiUrl, keys, `${id}-embedded`);
  const token = await wsToken(apiUrl, keys);
  const observer = new StreamObserver(`ws://127.0.0.1:${uiPort}/ws?token=${encodeURIComponent(token)}`);
  await observer.connect(0);
  const one = (prefix: string) => (i: number) =>
    onePayment(apiUrl, keys, partnerId, observer, `${id}-emb-${prefix}-${i}`, opts.paymentTimeoutMs);
  try {
    await closedLoop(Math.max(1, opts.warmup), opts.concurrency, one('warm'));
    const { section: s } = await measured(sampler, opts.embeddedCount, () =>
      closedLoop(opts.embeddedCount, opts.concurrency, one('run')),
    );
    return {
      ...s,
      peakRssMb: sampler.peaks()['all-in-one (launcher)'] ?? 0,
      pgliteFirstStart: JSON.parse(firstStart) as Record<string, number>,
    };
  } finally {
    observer.close();
    await stop();
    sampler.untrack('all-in-one (launcher)');
  }
}

/** Runs a closed loop between two CPU marks: the section's figures plus where its CPU went. */
async function measured(
  sampler: ProcessSampler,
  units: number,
  loop: () => Promise<LoopResult>,
): Promise<{ loop: LoopResult; section: LoopSection }> {
  void units;
  const before = sampler.cpuMark();
  const m0 = machineCpuMs();
  const res = await loop();
  const after = sampler.cpuMark();
  const m1 = machineCpuMs();
  const cpu = cpuDelta(before, after);
  const done = Math.max(1, res.completed);
  const ours = Object.values(cpu).reduce((x, y) => x + y, 0);
  const totalCores = m1.total - m0.total;
  const busy = m1.busy - m0.busy;
  return {
    loop: res,
    section: {
      count: res.count,
      concurrency: res.concurrency,
      completed: res.completed,
      errors: res.errors,
      errorSamples: res.errorSamples,
      windowMs: round(res.windowMs),
      throughputPerSec: round(res.throughputPerSec, 2),
      latencyMs: roundSummary(res.latencyMs),
      parts: Object.fromEntries(Object.entries(res.parts).map(([k, v]) => [k, roundSummary(v)])),
      cpuMs: roundAll(cpu),
      cpuMsPerUnit: roundAll(Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / done])), 2),
      machineBusyPct: round((busy / Math.max(totalCores, 1)) * 100, 1),
      foreignBusyPct: round((Math.max(0, busy - ours) / Math.max(totalCores, 1)) * 100, 1),
    },
  };
}

const roundAll = (o: Record<string, number>, digits = 1): Record<string, number> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, digits)]));

function roundSummary<T extends object>(s: T): T {
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? round(v, 2) : v]),
  ) as T;
}

async function section(result: BenchResult, name: string, fn: () => Promise<void>): Promise<void> {
  const t0 = Date.now();
  try {
    await fn();
  } catch (err) {
    result.failures.push({
      section: name,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    log(`section ${name} FAILED: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    result.sectionSeconds[name] = round((Date.now() - t0) / 1000, 1);
  }
}

/** Waits until no payment is in flight any more (the `live` rate section leaves a backlog). */
async function drain(url: string, timeoutMs: number): Promise<void> {
  const { withClient } = await import('./lib/postgres');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await withClient(url, async (c) => {
      const { rows } = await c.query<{ n: string }>(
        "select count(*) as n from payments where status in ('PENDING', 'PROCESSING')",
      );
      return Number(rows[0]?.n ?? 0);
    });
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error(`${open} payments still in flight after the rate section`);
    await sleep(1_000);
  }
}

function ipcMessages(child: Child): { next(type: string, timeoutMs: number): Promise<unknown> } {
  const queue: Array<{ type: string }> = [];
  const waiters: Array<{ type: string; resolve: (m: unknown) => void }> = [];
  child.process.on('message', (raw) => {
    const msg = raw as { type: string; message?: string };
    const i = waiters.findIndex((w) => w.type === msg.type || msg.type === 'error');
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(msg);
    else queue.push(msg);
  });
  return {
    next: (type, timeoutMs) =>
      new Promise((resolveMsg, reject) => {
        const queued = queue.findIndex((m) => m.type === type || m.type === 'error');
        const deliver = (m: unknown): void => {
          const msg = m as { type: string; message?: string };
          if (msg.type === 'error') reject(new Error(`${child.name}: ${msg.message}`));
          else resolveMsg(m);
        };
        if (queued >= 0) return deliver(queue.splice(queued, 1)[0]);
        const timer = setTimeout(
          () => reject(new Error(`${child.name}: no ${type} within ${timeoutMs} ms\n${child.output()}`)),
          timeoutMs,
        );
        const exitWatch = setInterval(() => {
          if (child.hasExited()) {
            clearTimeout(timer);
            clearInterval(exitWatch);
            reject(new Error(`${child.name} exited before ${type}\n${child.output()}`));
          }
        }, 200);
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            clearInterval(exitWatch);
            deliver(m);
          },
        });
      }),
  };
}

function goals(r: BenchResult): Goal[] {
  const g = (
    name: string,
    target: string,
    actual: number | null | undefined,
    unit: string,
    ok: (v: number) => boolean,
  ): Goal => {
    const v = actual === undefined || actual === null || !Number.isFinite(actual) ? null : actual;
    return { name, target, actual: v, unit, met: v === null ? null : ok(v) };
  };
  const mem = r.memory.peakRssMb;
  const workerPeak = Math.max(
    ...Object.entries(mem)
      .filter(([k]) => /^worker/.test(k))
      .map(([, v]) => v),
    -Infinity,
  );
  return [
    // Issue 15's goals, against the fixed six-activity yardstick.
    g('throughput ratio', '≥ 1.0', r.ratios?.throughput, '', (v) => v >= 1),
    g('CPU capacity ratio', '≥ 1.0', r.ratios?.cpuCapacity, '', (v) => v >= 1),
    g('p99 ratio', '≤ 1.0', r.ratios?.p99, '', (v) => v <= 1),
    g('fan-out p99', '< 250 ms', r.fanout?.commitToClientMs.p99, 'ms', (v) => v < 250),
    g('POST p99 at rate', '< 50 ms', r.rate?.autocannon.latencyMs.p99, 'ms', (v) => v < 50),
    g('POST p99 at rate (even arrivals)', '< 50 ms', r.rate?.paced.latencyMs.p99, 'ms', (v) => v < 50),
    g('worker RSS', '< 250 MB', Number.isFinite(workerPeak) ? workerPeak : null, 'MB', (v) => v < 250),
    g('API RSS', '< 200 MB', mem.api, 'MB', (v) => v < 200),
    g('all-in-one RSS', '< 500 MB', r.embedded?.peakRssMb, 'MB', (v) => v < 500),
    g(
      'worker RSS growth N/2→N',
      '≤ 10 %',
      r.leak
        ? Math.max(
            ...Object.entries(r.leak.growthPct)
              .filter(([k]) => /^worker/.test(k))
              .map(([, v]) => v),
          )
        : null,
      '%',
      (v) => v <= 10,
    ),
    g('settlement payouts/s ÷ payments/s', '≥ 0.8', r.settlement?.ratioToPayments, '', (v) => v >= 0.8),
  ];
}

/** What `--quick` (and the test) asserts: every section ran and produced numbers. Not speed. */
function checks(r: BenchResult, opts: RunOptions): Check[] {
  const out: Check[] = [];
  const c = (name: string, ok: boolean, detail: string): void => void out.push({ name, ok, detail });
  const loop = (name: string, s: LoopSection | undefined): void => {
    if (!s) return c(name, false, 'section produced no result');
    c(
      name,
      s.completed === s.count && s.errors === 0 && Number.isFinite(s.latencyMs.p99) && s.throughputPerSec > 0,
      `${s.completed}/${s.count} completed, ${s.errors} errors, p99 ${s.latencyMs.p99} ms, ${s.throughputPerSec}/s`,
    );
  };
  if (!opts.skip.has('baseline')) loop('baseline', r.baseline);
  if (opts.leakPayments > 0) {
    const l = r.leak;
    c(
      'leak',
      !!l && l.completed === l.payments && Object.keys(l.rssAtEndMb).some((k) => /^worker/.test(k)),
      l
        ? `${l.completed}/${l.payments} completed; RSS ${JSON.stringify(l.rssAtHalfMb)} → ${JSON.stringify(l.rssAtEndMb)}`
        : 'no result',
    );
  }
  if (!opts.skip.has('payments')) loop('payments', r.payments);
  if (!opts.skip.has('baseline') && !opts.skip.has('payments')) {
    c(
      'ratios',
      !!r.ratios && Number.isFinite(r.ratios.throughput) && Number.isFinite(r.ratios.p99),
      JSON.stringify(r.ratios ?? null),
    );
  }
  if (!opts.skip.has('rate')) {
    const a = r.rate?.autocannon;
    const p = r.rate?.paced;
    c(
      'rate',
      !!a &&
        !!p &&
        a.requests > 0 &&
        a.non2xx === 0 &&
        a.errors === 0 &&
        Number.isFinite(a.latencyMs.p99) &&
        p.ok2xx === p.requests,
      a && p
        ? `autocannon ${a.ok2xx}/${a.requests} 2xx (${a.errors} errors), paced ${p.ok2xx}/${p.requests} 2xx`
        : 'no result',
    );
  }
  if (!opts.skip.has('fanout')) {
    const f = r.fanout;
    c(
      'fan-out',
      !!f &&
        f.connected === f.clients &&
        f.complete === f.clients &&
        f.expectedPerClient > 0 &&
        Number.isFinite(f.commitToClientMs.p99),
      f
        ? `${f.complete}/${f.clients} clients got all ${f.expectedPerClient} events (missing ${f.missing}, duplicates ${f.duplicates}); errors: ${f.errors.slice(0, 3).join('; ')}`
        : 'no result',
    );
    if (f) loop('fan-out payments', f.payments);
  }
  if (!opts.skip.has('embedded')) loop('all-in-one', r.embedded);
  if (opts.settlement.partners > 0) {
    const st = r.settlement;
    c(
      'settlement',
      !!st &&
        st.import.accepted === st.partners * st.commissionsPerPartner &&
        st.itemCount === st.partners &&
        st.skippedCount === 0 &&
        st.finishedCount === st.itemCount &&
        st.byStatus.COMPLETED === st.itemCount &&
        st.totals.match &&
        st.payoutsPerSec > 0 &&
        st.import.commissionsPerSec > 0 &&
        st.temporal.runs >= 1 &&
        st.temporal.maxHistoryEvents > 0 &&
        st.workerRssMb.peak > 0,
      st
        ? `${st.itemCount} payouts for ${st.partners} partners (${st.skippedCount} skipped, ${JSON.stringify(st.byStatus)}), ` +
            `totals ${st.totals.match ? 'match' : `differ: expected ${JSON.stringify(st.totals.expected)}, paid ${JSON.stringify(st.totals.paid)}`}, ` +
            `${st.import.accepted}/${st.partners * st.commissionsPerPartner} imported, ${st.payoutsPerSec} payouts/s, ` +
            `${st.temporal.runs} runs, max history ${st.temporal.maxHistoryEvents}, worker peak ${st.workerRssMb.peak} MB`
        : 'no result',
    );
  }
  const mem = r.memory.peakRssMb;
  const expected = [
    'temporal dev server',
    'api',
    'ui',
    'sandbox bank',
    ...(opts.skip.has('embedded') ? [] : ['all-in-one (launcher)']),
    ...(opts.notifications ? ['notifications'] : []),
  ];
  const missing = expected.filter((k) => !(mem[k]! > 0));
  if (!Object.keys(mem).some((k) => /^worker/.test(k) && mem[k]! > 0)) missing.push('worker');
  c(
    'memory',
    missing.length === 0,
    missing.length ? `no RSS for ${missing.join(', ')}` : JSON.stringify(mem),
  );
  c(
    'activity count',
    r.activityCount.baselineActivities === BASELINE_ACTIVITY_COUNT &&
      (r.baseline === undefined ||
        r.activityCount.baselineNoticesSeen === r.activityCount.baselineNoticesExpected),
    JSON.stringify(r.activityCount),
  );
  return out;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
