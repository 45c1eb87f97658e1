import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ScenarioResult } from '../scripts/chaos/chaos-scenarios';
import type { SettlementScenarioResult } from '../scripts/chaos/chaos-settlement';
import { inheritedChildEnv } from './support/child-env';
import { describeWithPostgres, testEnvironment } from './support/test-env';

/**
 * `npm run chaos -- --quick` as make test runs it: a real child process that starts the split
 * topology (its own dev server on a state file, two payments workers, notifications, API, UI,
 * bank, Toxiproxy in front of PostgreSQL and the bank, the receivers) and runs all six payment
 * scenarios with a couple of dozen payments each, then two settlement runs: one while the worker
 * holding its work is killed, one whose bank answers are lost until the janitor must resolve its
 * payouts. Asserts its JSON: nothing lost, nothing paid twice, the bank reconciled with our read
 * model, every notification delivered, each partner paid once and no commission left SETTLING,
 * nothing left running — and that each fault took effect, since a fault that never bit would pass
 * all of that vacuously.
 */

const ROOT = resolve(__dirname, '..');

interface ChaosReport {
  ok: boolean;
  mode: string;
  leftBehind: number[];
  error?: string;
  scenarios: ScenarioResult[];
  settlements: SettlementScenarioResult[];
}

/** The harness, while it runs: stopped by afterAll if the test gave up on it first. */
let running: ChildProcess | undefined;

function runQuickChaos(
  adminUrl: string,
  outDir: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = (running = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/chaos.ts',
        '--quick',
        '--out',
        outDir,
        '--pg-admin-url',
        adminUrl,
        '--temporal-cli',
        testEnvironment().temporalCli,
      ],
      // Only PATH/HOME: no DATABASE_URL or NODE_OPTIONS leaks in from the test runner.
      { cwd: ROOT, env: inheritedChildEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    ));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
    child.on('error', rej);
    child.on('exit', (code) => {
      running = undefined;
      res({ code, stdout, stderr });
    });
  });
}

describeWithPostgres('chaos harness (--quick)', (databaseUrl) => {
  let outDir: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let report: ChaosReport;
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'alpes-chaos-test-'));
    run = await runQuickChaos(admin.toString(), outDir);
    const file = join(outDir, 'latest.json');
    if (!existsSync(file))
      throw new Error(`no JSON written (exit ${run.code})\n${run.stderr}\n${run.stdout}`);
    report = JSON.parse(readFileSync(file, 'utf8')) as ChaosReport;
  }, 720_000);

  afterAll(() => {
    // SIGTERM: the harness kills every process it started before it exits.
    running?.kill('SIGTERM');
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('ran every scenario and exited 0 with a PASS table', () => {
    const detail = `exit ${run.code}\n${run.stdout}\n${run.stderr.slice(-6_000)}`;
    expect({
      code: run.code,
      ok: report.ok,
      error: report.error,
      detail: run.code === 0 ? '' : detail,
    }).toEqual({
      code: 0,
      ok: true,
      error: undefined,
      detail: '',
    });
    expect(report.mode).toBe('quick');
    expect(report.scenarios.map((s) => s.name)).toEqual([
      'worker-kill',
      'temporal-kill',
      'postgres-outage',
      'bank-commit-reset',
      'bank-outage',
      'receivers-flaky',
    ]);
    expect(run.stdout).toMatch(/\| verdict \|/);
  });

  it('lost nothing, paid nothing twice and reconciled the bank with the read model', () => {
    for (const s of report.scenarios) {
      expect({
        scenario: s.name,
        accepted: s.accepted,
        lost: s.lost,
        wrongState: s.wrongState,
        doublePayouts: s.doublePayouts,
        doubleRefunds: s.doubleRefunds,
        ledgerMismatches: s.ledgerMismatches,
        reconciled: s.reconciled,
        stuck: s.stuck,
        endedBy: s.drive.endedBy,
        failures: s.failures,
      }).toEqual({
        scenario: s.name,
        accepted: s.payments,
        lost: 0,
        wrongState: 0,
        doublePayouts: 0,
        doubleRefunds: 0,
        ledgerMismatches: 0,
        reconciled: true,
        stuck: [],
        endedBy: 'settled',
        failures: [],
      });
      expect(s.payments).toBeGreaterThan(0);
      for (const r of Object.values(s.reconciliation)) expect(r.bankNet).toBe(r.completed);
    }
  });

  it('delivered every notification at least once, once per event id, and left no process behind', () => {
    for (const s of report.scenarios) {
      for (const t of [s.webhook, s.email]) {
        expect(t.notifications).toBeGreaterThan(0);
        expect({
          scenario: s.name,
          missing: t.missing,
          unknown: t.unknown,
          failed: t.failed,
          split: t.splitEvents,
        }).toEqual({ scenario: s.name, missing: 0, unknown: 0, failed: 0, split: 0 });
        expect(t.unique).toBe(t.notifications);
        expect(t.raw).toBe(t.unique + t.duplicates);
      }
      expect(s.missingNotices).toBe(0);
    }
    expect(report.leftBehind).toEqual([]);
  });

  it('saw each fault take effect: kills hit workers holding work, outages refused connections', () => {
    const evidence = Object.fromEntries(report.scenarios.map((s) => [s.name, s.faultEvidence]));
    for (const s of report.scenarios) {
      expect({
        scenario: s.name,
        tookEffect: s.faultEvidence.tookEffect,
        summary: s.faultEvidence.summary,
      }).toEqual({
        scenario: s.name,
        tookEffect: true,
        summary: s.faultEvidence.summary,
      });
    }
    // What each fault must have left: a figure at least 1, or a probe that said so.
    const required: Record<string, string[]> = {
      // Some kill found its worker in the middle of a workflow task, and some came while large
      // payments were waiting for (or going through) their approval.
      'worker-kill': ['killsHoldingWork', 'killsWithApprovalsOutstanding'],
      'temporal-kill': ['probeRefused', 'answersAgain', 'paymentsInFlightAtKill'],
      'postgres-outage': ['probeRefused', 'answersAgain', 'refusedLines'],
      'bank-commit-reset': ['answersLost', 'callsRetriedAfterReset'],
      'bank-outage': ['probeRefused', 'answersAgain', 'callsRefused'],
      'receivers-flaky': ['webhookHangs', 'webhookRedeliveries'],
    };
    for (const [name, figures] of Object.entries(required)) {
      const seen = evidence[name]?.figures ?? {};
      const missing = figures.filter(
        (k) => !(seen[k] === true || (typeof seen[k] === 'number' && seen[k] >= 1)),
      );
      expect({ scenario: name, missing, seen }).toEqual({ scenario: name, missing: [], seen });
    }
  });

  it('paid every partner of each settlement run exactly once, stranded nothing, and its counters agree', () => {
    expect(report.settlements.map((s) => s.name)).toEqual(['settlement-worker-kill', 'settlement-janitor']);
    for (const s of report.settlements) {
      expect({
        scenario: s.name,
        runStatus: s.runStatus,
        paidOnce: s.paidOnce,
        lost: s.lost,
        double: s.double,
        wrongAmount: s.wrongAmount,
        unattributedPayouts: s.unattributedPayouts,
        commissionsNotSettled: s.commissionsNotSettled,
        settlingAnywhere: s.settlingAnywhere,
        strandedGauge: s.strandedGauge,
        countersAgree: s.countersAgree,
        failures: s.failures,
      }).toEqual({
        scenario: s.name,
        runStatus: 'COMPLETED',
        paidOnce: s.partners,
        lost: 0,
        double: 0,
        wrongAmount: 0,
        unattributedPayouts: 0,
        commissionsNotSettled: 0,
        settlingAnywhere: 0,
        strandedGauge: 0,
        countersAgree: true,
        failures: [],
      });
      expect(s.partners).toBeGreaterThan(0);
      // Bigint sums as decimal strings: the plan, the bank, the read model and the run's counters.
      for (const r of Object.values(s.reconciliation)) {
        expect(r.bankNet).toBe(r.planned);
        expect(r.completed).toBe(r.planned);
      }
    }
  });

  it('saw each settlement fault bite: the killed worker held the run’s work, the janitor resolved lost answers', () => {
    const byName = Object.fromEntries(report.settlements.map((s) => [s.name, s]));
    const kill = byName['settlement-worker-kill']!;
    expect({ tookEffect: kill.faultEvidence.tookEffect, summary: kill.faultEvidence.summary }).toEqual({
      tookEffect: true,
      summary: kill.faultEvidence.summary,
    });
    expect(kill.kills.length).toBeGreaterThan(0);
    for (const k of kill.kills) expect(k.held.length).toBeGreaterThan(0);
    const janitor = byName['settlement-janitor']!;
    expect(janitor.faultEvidence.tookEffect).toBe(true);
    expect(janitor.faultEvidence.figures.answersLost).toBeGreaterThan(0);
    // The "unknown→janitor" column: payouts really went PAYOUT_UNKNOWN, and the janitor resolved each.
    expect(janitor.payoutUnknownSeen).toBeGreaterThan(0);
    expect(janitor.janitorResolved).toBe(janitor.payoutUnknownSeen);
  });
});
