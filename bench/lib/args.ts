import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Workflows in the baseline and payments in the payment path (and the all-in-one's run). */
  count: number;
  /** Units in flight at once (closed loop), the same for the baseline and the payment path. */
  concurrency: number;
  /** Warm-up payments / baseline workflows before the measured sections. */
  warmup: number;
  /** Fan-out: websocket clients, and payments made while they listen. */
  clients: number;
  fanoutPayments: number;
  /** API start latency: requests per second and seconds (autocannon). */
  rate: number;
  rateSeconds: number;
  rateConnections: number;
  /** `parked`: the rate section's API starts workflows on a queue no worker polls; `live`: the real one. */
  rateQueue: 'parked' | 'live';
  embeddedCount: number;
  /** Worker processes (payments, and the baseline's own). */
  workers: number;
  workerEnv: Record<string, string>;
  /** Undefined: the worker's node flags in docker-compose.yml. */
  workerNodeArgs: string[] | undefined;
  /**
   * Also run the notifications worker. Off by default: it falls behind the payment rate (each notice
   * becomes several activities and transactions), and its backlog then runs during the later
   * sections, so no section measures what it says. Without it, the partner's notification workflow
   * just collects the signals.
   */
  notifications: boolean;
  /** Partners the payments are spread over (round robin): all of one partner's notices go to one workflow. */
  partners: number;
  skip: Set<string>;
  /** Leak section: payments through the same processes, RSS compared at half and at the end; 0 = off. */
  leakPayments: number;
  /** Activities in the baseline workflow; undefined → counted from a warm-up payment's history. */
  paymentTimeoutMs: number;
  databaseUrl: string | undefined;
  pgAdminUrl: string;
  temporalCli: string | undefined;
  outDir: string;
  /** Run the system's processes from compiled JavaScript in this folder (`npm run build`'s dist) instead of through tsx. */
  compiled: string | undefined;
  /** Compile the sources for this run first (the default); false with --tsx or an explicit --compiled. */
  buildCompiled: boolean;
  /** Write V8 CPU profiles of the worker and API processes (perturbs the figures: not for the table). */
  profile: boolean;
  verbose: boolean;
  /** Settlement section (see bench/lib/settlement.ts); `partners` 0 = off. */
  settlement: SettlementOptions;
}

export interface SettlementOptions {
  /** Partners paid by the run, one payout each (0: the section does not run). */
  partners: number;
  /** Commissions imported per partner (all in the partner's one currency). */
  commissionsPerPartner: number;
  /** How the partners are registered (setup, not measured): POST /partners or one bulk INSERT. */
  partnerSetup: 'api' | 'sql';
  /** Import body format, generated on the fly. */
  importFormat: 'ndjson' | 'csv';
  /** SETTLEMENT_CONCURRENCY, SETTLEMENT_PAGE_SIZE, SETTLEMENT_POLL_INTERVAL for every process (the API carries them in the run's input). */
  concurrency: number;
  pageSize: number;
  pollInterval: string;
}

const USAGE = `usage: npm run bench -- [options]
  --count N              baseline workflows and payments per section (default 300; quick 10)
  --concurrency N        units in flight, closed loop, same for baseline and payments (default 15 per CPU,
                         enough to saturate both sides; quick 5)
  --clients K            fan-out websocket clients (default 1000; quick 20)
  --fanout-payments N    payments made while the clients listen (default 100; quick 5)
  --rate R               POST /payments per second for the API section (default 100; quick 20)
  --rate-seconds S       duration of the API section (default 10; quick 2)
  --rate-connections N   autocannon connections (default 10, autocannon's own default)
  --rate-queue parked|live  parked (default): the API section's workflows wait on a queue no worker
                         polls, so it measures the API and Temporal's start, not a 2-core backlog
  --embedded-count N     payments through the all-in-one process (default: min(--count, 100))
  --workers N            payment worker processes (and baseline worker processes) (default 1)
  --worker-env K=V       extra environment for the payment worker(s) and the all-in-one (repeatable)
  --worker-node-arg A    node flag for the payment worker(s) (repeatable); default: the flags of the
                         worker's command in docker-compose.yml (--worker-node-arg= for none)
  --notifications        also run the notifications worker process (its backlog spills into later sections)
  --partners N           spread the payments over N partners (default 1)
  --skip a,b             skip sections: baseline, payments, rate, fanout, embedded, settlement, leak
  --leak N               leak section: N more payments through the same worker, RSS at N/2 and N
                         (default 10000; quick 40)
  --only a,b             run only these sections (e.g. --only payments,settlement: the settlement ratio
                         needs the payment path of the same run)
  --settlement N         settlement section: N partners, their commissions imported through
                         POST /commissions/import, then one run (POST /settlements) paying each (default off;
                         10000 with --only settlement; quick 20)
  --settlement-commissions K  commissions per partner (default 5; quick 2)
  --settlement-partners api|sql  register the partners through POST /partners, 8 at a time, or with bulk
                         INSERTs into the partners table (default: api up to 1000 partners, sql above)
  --settlement-format ndjson|csv  the import's body (default ndjson)
  --settlement-concurrency N  SETTLEMENT_CONCURRENCY for the run (default 40)
  --settlement-page-size N    SETTLEMENT_PAGE_SIZE (default 500; quick 10, so the quick run continues as new)
  --settlement-poll-interval D  SETTLEMENT_POLL_INTERVAL (default 1s)
  --warmup N             warm-up units before measuring (default 5; quick 2)
  --payment-timeout MS   give up on one payment after this long (default 60000)
  --database-url URL     PostgreSQL database to use as is (default: $DATABASE_URL, else a scratch
                         database alpes_bench_<ts> on --pg-admin-url, dropped at the end)
  --pg-admin-url URL     where scratch databases are created (default postgres://postgres@127.0.0.1:5432/postgres)
  --temporal-cli PATH    the temporal binary (default: $TEMPORAL_CLI, PATH, ~/go/bin, else built)
  --out DIR              JSON output folder (default artifacts/bench)
  --profile              write --cpu-prof profiles of the worker and API (perturbs the figures)
  --compiled DIR         run the system's processes as node DIR/processes/<name>.js (e.g. DIR=dist after
                         npm run build); default: compiled by the bench for this run (into
                         artifacts/bench/compiled-<run>, removed at the end), as the images run them
  --tsx                  run the processes from source instead: node --import tsx src/processes/<name>.ts
  --quick                seconds-long smoke run: asserts the harness works, not speed
  --verbose              echo the children's output
Environment: BENCH_COUNT, BENCH_CONCURRENCY, BENCH_CLIENTS, BENCH_RATE, BENCH_WORKERS, BENCH_SETTLEMENT, BENCH_WORKER_ENV
(space-separated K=V), DATABASE_URL, TEMPORAL_CLI. Flags win over the environment.`;

const SECTIONS = ['baseline', 'payments', 'rate', 'fanout', 'embedded', 'settlement', 'leak'];

export function parseBenchArgs(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      count: { type: 'string' },
      concurrency: { type: 'string' },
      clients: { type: 'string' },
      'fanout-payments': { type: 'string' },
      rate: { type: 'string' },
      'rate-seconds': { type: 'string' },
      'rate-connections': { type: 'string' },
      'rate-queue': { type: 'string' },
      'embedded-count': { type: 'string' },
      workers: { type: 'string' },
      'worker-env': { type: 'string', multiple: true },
      'worker-node-arg': { type: 'string', multiple: true },
      notifications: { type: 'boolean', default: false },
      partners: { type: 'string' },
      skip: { type: 'string' },
      leak: { type: 'string' },
      only: { type: 'string' },
      settlement: { type: 'string' },
      'settlement-commissions': { type: 'string' },
      'settlement-partners': { type: 'string' },
      'settlement-format': { type: 'string' },
      'settlement-concurrency': { type: 'string' },
      'settlement-page-size': { type: 'string' },
      'settlement-poll-interval': { type: 'string' },
      warmup: { type: 'string' },
      'payment-timeout': { type: 'string' },
      'database-url': { type: 'string' },
      'pg-admin-url': { type: 'string' },
      'temporal-cli': { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      compiled: { type: 'string' },
      tsx: { type: 'boolean' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const int = (flag: string | undefined, envValue: string | undefined, full: number, q: number): number => {
    const raw = flag ?? envValue;
    if (raw === undefined || raw === '') return quick ? q : full;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${raw}\n${USAGE}`);
    return n;
  };
  const kv = (list: string[]): Record<string, string> =>
    Object.fromEntries(
      list.map((item) => {
        const i = item.indexOf('=');
        if (i <= 0) throw new Error(`--worker-env wants KEY=VALUE, got ${item}`);
        return [item.slice(0, i), item.slice(i + 1)];
      }),
    );
  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const skip = new Set(list(values.skip));
  const only = list(values.only);
  for (const s of [...skip, ...only]) if (!SECTIONS.includes(s)) throw new Error(`unknown section: ${s}`);
  if (only.length) for (const s of SECTIONS) if (!only.includes(s)) skip.add(s);
  const settlementPartners = skip.has('settlement')
    ? 0
    : int(values.settlement, env.BENCH_SETTLEMENT, only.includes('settlement') ? 10_000 : 0, 20);
  const choice = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T => {
    const value = (v ?? allowed[0]) as T;
    if (!allowed.includes(value)) throw new Error(`--${flag} is ${allowed.join(' or ')}`);
    return value;
  };
  const pollInterval = values['settlement-poll-interval'] ?? '1s';
  if (!/^\d+(ms|s|m)$/.test(pollInterval))
    throw new Error('--settlement-poll-interval wants e.g. 500ms or 1s');
  const rateQueue = values['rate-queue'] ?? 'parked';
  if (rateQueue !== 'parked' && rateQueue !== 'live') throw new Error('--rate-queue is parked or live');
  const count = int(values.count, env.BENCH_COUNT, 300, 10);
  return {
    quick,
    count,
    // Enough units in flight to saturate the engine (the baseline is CPU-bound from ~10 per core on
    // this kind of machine): a throughput ratio only compares capacities when both sides are saturated.
    concurrency: Math.max(1, int(values.concurrency, env.BENCH_CONCURRENCY, 15 * availableParallelism(), 5)),
    warmup: int(values.warmup, undefined, 5, 2),
    clients: int(values.clients, env.BENCH_CLIENTS, 1000, 20),
    fanoutPayments: int(values['fanout-payments'], undefined, 100, 5),
    rate: Math.max(1, int(values.rate, env.BENCH_RATE, 100, 20)),
    rateSeconds: Math.max(1, int(values['rate-seconds'], undefined, 10, 2)),
    rateConnections: Math.max(1, int(values['rate-connections'], undefined, 10, 10)),
    rateQueue,
    embeddedCount: int(values['embedded-count'], undefined, Math.min(count, 100), 5),
    workers: Math.max(1, int(values.workers, env.BENCH_WORKERS, 1, 1)),
    workerEnv: {
      ...kv((env.BENCH_WORKER_ENV ?? '').split(/\s+/).filter(Boolean)),
      ...kv(values['worker-env'] ?? []),
    },
    workerNodeArgs: values['worker-node-arg']?.filter(Boolean),
    notifications: values.notifications ?? false,
    partners: Math.max(1, int(values.partners, undefined, 1, 1)),
    skip,
    leakPayments: skip.has('leak') ? 0 : int(values.leak, env.BENCH_LEAK, 10_000, 40),
    paymentTimeoutMs: int(values['payment-timeout'], undefined, 60_000, 30_000),
    databaseUrl: values['database-url'] ?? (env.DATABASE_URL || undefined),
    pgAdminUrl: values['pg-admin-url'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    temporalCli: values['temporal-cli'] ?? (env.TEMPORAL_CLI || undefined),
    outDir: values.out ?? 'artifacts/bench',
    profile: values.profile ?? false,
    compiled: values.tsx ? undefined : values.compiled,
    buildCompiled: !values.tsx && values.compiled === undefined,
    verbose: values.verbose ?? false,
    settlement: {
      partners: settlementPartners,
      commissionsPerPartner: Math.max(1, int(values['settlement-commissions'], undefined, 5, 2)),
      partnerSetup: choice('settlement-partners', values['settlement-partners'], [
        settlementPartners <= 1_000 ? 'api' : 'sql',
        settlementPartners <= 1_000 ? 'sql' : 'api',
      ] as const),
      importFormat: choice('settlement-format', values['settlement-format'], ['ndjson', 'csv'] as const),
      concurrency: Math.max(1, int(values['settlement-concurrency'], undefined, 40, 40)),
      pageSize: Math.max(1, int(values['settlement-page-size'], undefined, 500, 10)),
      pollInterval,
    },
  };
}
