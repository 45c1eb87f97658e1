/**
 * `npm run chaos` / `make chaos`: the split topology under real faults (scripts/chaos/), six
 * scenarios with N payments in flight each, then settlement runs under faults (7–10,
 * scripts/chaos/chaos-settlement.ts), judged on what the read model, the bank's ledger and the
 * receivers say afterwards. Prints tables, writes JSON under artifacts/chaos/, exits 1 on any red.
 *
 *   npm run chaos -- [--quick] [--scenario|--only 1,4|worker-kill|settlement-janitor] [--count 500]
 *                    [--partners 2000] [--seed 1] [--out artifacts/chaos] [--pg-admin-url postgres://…]
 *                    [--temporal-cli path] [--tamper double|lost|unreconciled|stuck|no-fault] [--verbose]
 *
 * `--quick` (make test): every payment scenario with 24 payments, a quarter of them large (approved
 * by a second key), shortened outages, and worker kills aimed at the approval windows; of the
 * settlement scenarios only the worker kill (100 partners) and the janitor (20): the Temporal kill
 * and the PostgreSQL cut are the payment scenarios' faults, already in the quick form, while the
 * run's payout starter dying mid-page and the janitor's path are settlement's own. `--partners`
 * sets every settlement run's partner count (2,000 in the full form).
 * `--tamper` damages the first scenario, to watch a guard go red: `stuck` terminates a large
 * payment's workflow while it awaits approval; the others damage the databases before the verdict.
 * `no-fault` runs the first settlement scenario without its fault; with only settlement scenarios
 * chosen, `double` and `lost` damage its run's payouts in the bank's ledger.
 *
 * Every scenario is bounded: faults stop at `faultBoundMs` (worker kills also at `maxWorkerKills`)
 * even if payments have not settled, and payments not where their script says `settleMs` later are
 * named in the verdict (read-model and workflow status), which fails. A watchdog fails the run if
 * a scenario outlives its bounds anyway.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, totalmem, type as osType, release } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  runScenario,
  SCENARIOS,
  TAMPERS,
  type ScenarioResult,
  type ScenarioTiming,
  type Tamper,
} from './chaos/chaos-scenarios';
import {
  runSettlementScenario,
  SETTLEMENT_SCENARIOS,
  SETTLEMENT_TAMPERS,
  type SettlementScenarioResult,
  type SettlementTamper,
  type SettlementTiming,
} from './chaos/chaos-settlement';
import { startTopology, type Topology } from './chaos/chaos-topology';

const ROOT = resolve(__dirname, '..');

interface ChaosOptions {
  quick: boolean;
  scenarios: number[];
  count: number;
  partners: number | undefined;
  seed: number;
  outDir: string;
  pgAdminUrl: string;
  temporalCli: string | undefined;
  tamper: Tamper | SettlementTamper | undefined;
  verbose: boolean;
}

function options(argv: string[]): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      only: { type: 'string' },
      count: { type: 'string' },
      partners: { type: 'string' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'pg-admin-url': { type: 'string' },
      'temporal-cli': { type: 'string' },
      tamper: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const every = [...SCENARIOS, ...SETTLEMENT_SCENARIOS];
  const byDefault = [
    ...SCENARIOS.map((s) => s.id),
    ...SETTLEMENT_SCENARIOS.filter((s) => !values.quick || QUICK_SETTLEMENT.includes(s.name)).map(
      (s) => s.id,
    ),
  ];
  const scenarios = (values.only ?? values.scenario ?? byDefault.join(','))
    .split(',')
    .map((v) => v.trim())
    .map((v) => {
      const s = every.find((x) => String(x.id) === v || x.name === v);
      if (!s)
        throw new Error(`--scenario: no scenario ${v} (${every.map((x) => `${x.id} ${x.name}`).join(', ')})`);
      return s.id;
    });
  const partners = values.partners === undefined ? undefined : Number(values.partners);
  if (partners !== undefined && (!Number.isInteger(partners) || partners < 1))
    throw new Error('--partners: a positive integer');
  const count = Number(values.count ?? (values.quick ? 24 : 500));
  if (!Number.isInteger(count) || count < 4) throw new Error('--count: an integer of at least 4');
  const tamper = values.tamper as Tamper | SettlementTamper | undefined;
  const tampers = [...new Set<string>([...TAMPERS, ...SETTLEMENT_TAMPERS])];
  if (tamper && !tampers.includes(tamper)) throw new Error(`--tamper: one of ${tampers.join(', ')}`);
  // eslint-disable-next-line no-restricted-properties -- this tool's own settings, like scripts/cluster/cluster-env.ts
  const env = process.env;
  return {
    quick: values.quick,
    scenarios,
    count,
    partners,
    seed: Number(values.seed),
    outDir: resolve(values.out ?? join(ROOT, 'artifacts/chaos')),
    pgAdminUrl: values['pg-admin-url'] ?? env.CHAOS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    temporalCli: values['temporal-cli'] ?? env.TEMPORAL_CLI,
    tamper,
    verbose: values.verbose,
  };
}

const TIMING: Record<'quick' | 'full', ScenarioTiming> = {
  // Few payments: kills also land when a large payment is accepted or approved, or they may miss
  // every approval window.
  quick: {
    workerKillEveryMs: 3_000,
    killAtApprovals: true,
    maxWorkerKills: 6,
    databaseOutageMs: 8_000,
    bankOutageMs: 10_000,
    faultBoundMs: 60_000,
    settleMs: 90_000,
  },
  full: {
    workerKillEveryMs: 10_000,
    killAtApprovals: false,
    maxWorkerKills: 120,
    databaseOutageMs: 30_000,
    bankOutageMs: 60_000,
    faultBoundMs: 1_200_000,
    settleMs: 600_000,
  },
};

/** The settlement scenarios of the quick form (see the header for why these two). */
const QUICK_SETTLEMENT = ['settlement-worker-kill', 'settlement-janitor'];

const SETTLEMENT_TIMING: Record<'quick' | 'full', SettlementTiming> = {
  quick: {
    partners: 100,
    janitorPartners: 20,
    workerKills: 1,
    databaseOutageMs: 8_000,
    janitorPayoutTimeout: '5s',
    faultBoundMs: 90_000,
    settleMs: 120_000,
  },
  full: {
    partners: 2_000,
    janitorPartners: 300,
    workerKills: 3,
    databaseOutageMs: 20_000,
    janitorPayoutTimeout: '8s',
    faultBoundMs: 600_000,
    settleMs: 600_000,
  },
};

/** Beyond the bounds a scenario is built to keep (partners, faults, settling, notifications, verdict). */
const watchdogMs = (t: ScenarioTiming): number => 120_000 + t.faultBoundMs + 2 * t.settleMs + 120_000;

async function bounded<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`${what}: still running after ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function settlementTable(results: SettlementScenarioResult[]): string {
  const head = [
    '#',
    'scenario',
    'partners paid once',
    'run',
    'unknown→janitor',
    'voided→next run',
    'stranded',
    'lost',
    'double',
    'counters agree',
    'fault took effect',
    's (setup/run)',
    'verdict',
  ];
  const rows = results.map((r) => [
    String(r.id),
    r.name,
    `${r.paidOnce}/${r.partners}`,
    r.runStatus,
    `${r.payoutUnknownSeen}→${r.janitorResolved}`,
    String(r.voidedPaidNextRun),
    String(r.commissionsNotSettled + r.settlingAnywhere + (r.strandedGauge ?? 1)),
    String(r.lost + r.wrongAmount),
    String(r.double + r.unattributedPayouts),
    r.countersAgree ? 'yes' : 'NO',
    r.faultEvidence.tookEffect ? 'yes' : 'NO',
    `${r.durationS} (${r.phasesS.setup}/${r.phasesS.run})`,
    r.ok ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function table(results: ScenarioResult[]): string {
  const head = [
    '#',
    'scenario',
    'payments',
    'statuses',
    'unknown→janitor',
    'stuck',
    'lost',
    'double',
    'reconciled',
    'webhooks raw/unique/dup',
    'emails raw/unique/dup',
    'missing',
    'fault took effect',
    's',
    'verdict',
  ];
  const rows = results.map((r) => [
    String(r.id),
    r.name,
    `${r.accepted}/${r.payments}`,
    Object.entries(r.byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    String(r.payoutUnknownSeen),
    String(r.stuck.length),
    String(r.lost + r.wrongState),
    String(r.doublePayouts + r.doubleRefunds),
    r.reconciled && r.ledgerMismatches === 0 ? 'yes' : 'NO',
    `${r.webhook.raw}/${r.webhook.unique}/${r.webhook.duplicates}`,
    `${r.email.raw}/${r.email.unique}/${r.email.duplicates}`,
    String(r.webhook.missing + r.email.missing + r.missingNotices),
    r.faultEvidence.tookEffect ? 'yes' : 'NO',
    String(r.durationS),
    r.ok ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  // Interrupted: exit at once; the process helpers' exit hook SIGKILLs every group we started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`[chaos] ${signal}: killing every process started (scratch databases stay)\n`);
      process.exit(130);
    });
  }
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const runTag = `c${started.getTime().toString(36)}`;
  const runDir = join(o.outDir, `run-${stamp}`);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const log = (line: string): void => void process.stderr.write(`[chaos] ${line}\n`);
  const timing = TIMING[o.quick ? 'quick' : 'full'];
  log(
    `${o.quick ? 'quick' : 'full'} run: scenarios ${o.scenarios.join(',')}, ${o.count} payments each, seed ${o.seed}; logs in ${runDir}/logs`,
  );

  let topology: Topology | undefined;
  const results: ScenarioResult[] = [];
  const settlements: SettlementScenarioResult[] = [];
  const settlementTiming = SETTLEMENT_TIMING[o.quick ? 'quick' : 'full'];
  let error: string | undefined;
  let leftBehind: number[] = [];
  try {
    topology = await startTopology({
      runDir,
      pgAdminUrl: o.pgAdminUrl,
      databasePrefix: `chaos_${runTag}`,
      temporalCli: o.temporalCli,
      extraEnv: {
        // Short enough that the harness sees recovery within its run, long enough for each outage.
        JANITOR_SCHEDULE: o.quick ? '10s' : '30s',
        PAYOUT_TIMEOUT: `${Math.round(timing.bankOutageMs / 1000) + 40}s`,
        ACTIVITY_START_TO_CLOSE_TIMEOUT: '10s',
        ACTIVITY_RETRY_MAX_INTERVAL: '5s',
        PROVIDER_HTTP_TIMEOUT: '5s',
        WEBHOOK_TIMEOUT: '2s',
        SMTP_TIMEOUT: '5s',
        NOTIFICATION_RETRY_MAX_INTERVAL: '5s',
        NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: '30',
        NOTIFICATION_EMAIL_MAX_ATTEMPTS: '30',
        RATE_LIMIT_PER_MINUTE: '1000000',
        // Settlement runs: every one waits for a second operator's approval (the scenarios give it),
        // and none starts by itself (a scheduled run would claim the scenarios' commissions).
        SETTLEMENT_APPROVAL_THRESHOLDS: '{"USD": 0, "EUR": 0}',
        SETTLEMENT_SCHEDULE: 'off',
      },
      onLine: (name, line) => {
        if (o.verbose) process.stderr.write(`[${name}] ${line}\n`);
      },
      log,
    });
    log(`topology up after ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
    for (const id of o.scenarios) {
      const scenario = SCENARIOS.find((s) => s.id === id);
      if (!scenario) continue;
      log(`scenario ${id} ${scenario.name}: ${scenario.fault}`);
      const result = await bounded(
        `scenario ${id} ${scenario.name}`,
        watchdogMs(timing),
        runScenario({
          scenario,
          topology,
          count: o.count,
          partners: o.quick ? 4 : 20,
          approveShare: o.quick ? 0.25 : undefined,
          seed: o.seed,
          runTag,
          timing,
          concurrency: o.quick ? 6 : 16,
          tamper:
            results.length === 0 && TAMPERS.includes(o.tamper as Tamper) ? (o.tamper as Tamper) : undefined,
          log,
        }),
      );
      results.push(result);
      log(
        `scenario ${id} ${scenario.name}: ${result.ok ? 'PASS' : 'FAIL'} in ${result.durationS} s; fault: ${result.faultEvidence.summary}${result.failures.length ? `\n  ${result.failures.join('\n  ')}` : ''}`,
      );
    }
    // After the payment scenarios: a run claims the whole period, and their payments are settled.
    for (const id of o.scenarios) {
      const scenario = SETTLEMENT_SCENARIOS.find((s) => s.id === id);
      if (!scenario) continue;
      log(`scenario ${id} ${scenario.name}: ${scenario.fault}`);
      const t = settlementTiming;
      const result = await bounded(
        `scenario ${id} ${scenario.name}`,
        180_000 + t.faultBoundMs + 2 * t.settleMs,
        runSettlementScenario({
          scenario,
          topology,
          partners: o.partners,
          last: id === o.scenarios.filter((x) => SETTLEMENT_SCENARIOS.some((s) => s.id === x)).at(-1),
          // The first settlement scenario, when no payment scenario took it (no-fault is theirs only).
          tamper:
            settlements.length === 0 && (o.tamper === 'no-fault' || results.length === 0)
              ? (o.tamper as SettlementTamper | undefined)
              : undefined,
          seed: o.seed,
          runTag,
          timing: t,
          log,
        }),
      );
      settlements.push(result);
      log(
        `scenario ${id} ${scenario.name}: ${result.ok ? 'PASS' : 'FAIL'} in ${result.durationS} s; fault: ${result.faultEvidence.summary}${result.failures.length ? `\n  ${result.failures.join('\n  ')}` : ''}`,
      );
    }
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`error: ${error}`);
  } finally {
    if (topology) {
      const pids = topology.pids();
      await topology.stop().catch((e: unknown) => log(`stop: ${String(e)}`));
      leftBehind = pids.filter(alive);
    }
  }

  const ok =
    !error &&
    leftBehind.length === 0 &&
    o.scenarios.every((id) => [...results, ...settlements].find((r) => r.id === id)?.ok);
  const report = {
    ok,
    mode: o.quick ? 'quick' : 'full',
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 100) / 10,
    seed: o.seed,
    count: o.count,
    scenariosRequested: o.scenarios,
    timing,
    settlementTiming,
    machine: {
      os: `${osType()} ${release()} ${arch()}`,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    leftBehind,
    error,
    scenarios: results,
    settlements,
  };
  const file = join(o.outDir, `chaos-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(o.outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${results.length ? `${table(results)}\n\n` : ''}${settlements.length ? `${settlementTable(settlements)}\n\n` : ''}processes left behind: ${leftBehind.length}; ${ok ? 'PASS' : 'FAIL'}; JSON: ${file}\n`,
  );
  process.exit(ok ? 0 : 1);
}

main().catch((e: unknown) => {
  process.stderr.write(`[chaos] fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
