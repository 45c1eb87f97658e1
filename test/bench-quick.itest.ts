import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { BenchResult, LoopSection } from '../bench/lib/result';
import { runQuickHarness, type ScriptRun } from './support/script-process';
import { describeWithPostgres } from './support/test-env';

/**
 * `npm run bench -- --quick` as CI runs it: a real child process that starts its own dev server,
 * scratch databases and the system's processes, runs every section with a handful of units and
 * writes its JSON. Asserts the harness WORKS (every section produced numbers, every fan-out client
 * got every event, nothing is left behind) — never how fast anything was.
 */

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function expectLoop(section: LoopSection | undefined): void {
  expect(section).toBeDefined();
  const s = section!;
  expect(s.errors).toBe(0);
  expect(s.completed).toBe(s.count);
  expect(s.count).toBeGreaterThan(0);
  expect(s.throughputPerSec).toBeGreaterThan(0);
  for (const v of [s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99]) {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0);
  }
}

describeWithPostgres('benchmark harness (--quick)', (databaseUrl) => {
  let outDir: string;
  let run: ScriptRun;
  let result: BenchResult;
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';

  beforeAll(async () => {
    ({ run, outDir, result } = await runQuickHarness<BenchResult>(
      'bench/run-bench.ts',
      databaseUrl,
      'latest-quick.json',
    ));
  }, 180_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('exits 0, with no failed section and every harness check passed', () => {
    const detail = `${run.stderr}\n${run.stdout}`;
    expect({ code: run.code, failures: result.failures }).toEqual({ code: 0, failures: [] });
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.mode).toBe('quick');
    expect(existsSync(join(outDir, `bench-${result.runId}.json`))).toBe(true);
    expect(detail).toContain('JSON: ');
  });

  it('measured the baseline and the payment path side by side, with the ratios printed last', () => {
    expect(result.activityCount.baselineActivities).toBe(6);
    // The lean path (issue 15): only the payout is a regular activity; the database steps run as
    // local activities, recording a payment that needs no approval starts it, and the two steps the
    // partner hears of tell it themselves (no notice activity).
    expect(result.activityCount.counted).toEqual({ recordPayment: 1, payOut: 1, completePayment: 1 });
    expect(result.activityCount.local).toEqual({ recordPayment: 1, completePayment: 1 });
    expectLoop(result.baseline);
    expectLoop(result.payments);
    expect(result.baseline!.count).toBe(result.payments!.count);
    expect(result.baseline!.concurrency).toBe(result.payments!.concurrency);
    expect(Number.isFinite(result.ratios!.throughput)).toBe(true);
    expect(Number.isFinite(result.ratios!.p99)).toBe(true);
    // The table ends with the ratios (then the checks line and the JSON path).
    const table = run.stdout.slice(0, run.stdout.indexOf('all '));
    const lastSection = table
      .split('\n')
      .filter((l) => /^\d /.test(l))
      .pop();
    expect(lastSection).toMatch(/^3 ratios/);
    expect(result.profile.paymentHistory?.workflows).toBeGreaterThan(0);
    expect(result.profile.codec?.codecEncodeUs).toBeGreaterThan(0);
  });

  it('measured POST /payments at a fixed rate', () => {
    const { autocannon, paced } = result.rate!;
    expect(autocannon.requests).toBeGreaterThan(0);
    expect(autocannon.non2xx + autocannon.errors).toBe(0);
    expect(Number.isFinite(autocannon.latencyMs.p99)).toBe(true);
    expect(paced.ok2xx).toBe(paced.requests);
    expect(Number.isFinite(paced.latencyMs.p99)).toBe(true);
  });

  it('delivered every event to every fan-out client', () => {
    const f = result.fanout!;
    expect(f.connected).toBe(f.clients);
    expect(f.expectedPerClient).toBeGreaterThan(0);
    expect({ complete: f.complete, missing: f.missing, duplicates: f.duplicates }).toEqual({
      complete: f.clients,
      missing: 0,
      duplicates: 0,
    });
    expect(Number.isFinite(f.commitToClientMs.p99)).toBe(true);
    expectLoop(f.payments);
  });

  it('sampled the resident memory of every process, and of the all-in-one under load', () => {
    const mem = result.memory.peakRssMb;
    for (const name of [
      'temporal dev server',
      'worker',
      'api',
      'ui',
      'sandbox bank',
      'all-in-one (launcher)',
    ]) {
      expect(mem[name]).toBeGreaterThan(0);
    }
    expectLoop(result.embedded);
    expect(result.embedded!.peakRssMb).toBeGreaterThan(0);
  });

  it('imported commissions and paid every partner in one settlement run, followed to COMPLETED', () => {
    const st = result.settlement!;
    expect(st).toBeDefined();
    expect(st.partners).toBeGreaterThan(0);
    expect(st.import.accepted).toBe(st.partners * st.commissionsPerPartner);
    expect(st.import.commissionsPerSec).toBeGreaterThan(0);
    expect({ items: st.itemCount, skipped: st.skippedCount, finished: st.finishedCount }).toEqual({
      items: st.partners,
      skipped: 0,
      finished: st.partners,
    });
    expect(st.byStatus).toEqual({ COMPLETED: st.partners });
    expect(st.totals.match).toBe(true);
    expect(st.durationMs).toBeGreaterThan(0);
    expect(st.payoutsPerSec).toBeGreaterThan(0);
    expect(st.ratioToPayments).toBeGreaterThan(0);
    expect(st.quarters.map((q) => q.quarter)).toEqual([1, 2, 3, 4]);
    expect(st.workerRssMb.peak).toBeGreaterThan(0);
    // Quick mode pages by 10: the run continues as new, and the harness counts its executions.
    expect(st.temporal.runs).toBeGreaterThanOrEqual(2);
    expect(st.temporal.continuedAsNew).toBe(st.temporal.runs - 1);
    expect(st.temporal.maxHistoryEvents).toBeGreaterThan(0);
    // Payouts started by an activity, a page at a time: no child starts, so no refills.
    expect(st.temporal.starterPages.pages).toBeGreaterThan(0);
    expect(st.temporal.refills.batches).toBe(0);
    expect(st.payoutHistory.workflows).toBeGreaterThan(0);
    expect(result.goals.find((g) => g.name === 'settlement payouts/s ÷ payments/s')?.actual).toBe(
      st.ratioToPayments,
    );
    expect(run.stdout).toMatch(/^7 settlement run/m);
  });

  it('ran more payments through the same worker and compared its RSS at half and at the end', () => {
    const l = result.leak!;
    expect(l).toBeDefined();
    expect(l.completed).toBe(l.payments);
    const workers = Object.keys(l.rssAtEndMb).filter((k) => /^worker/.test(k));
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) {
      expect(l.rssAtHalfMb[w]).toBeGreaterThan(0);
      expect(l.growthPct[w]).toBeCloseTo(
        ((l.rssAtEndMb[w]! - l.rssAtHalfMb[w]!) / l.rssAtHalfMb[w]!) * 100,
        0,
      );
    }
    expect(result.goals.find((g) => g.name === 'worker RSS growth N/2→N')?.actual).not.toBeNull();
    expect(run.stdout).toMatch(/^8 leak/m);
  });

  it('left nothing behind: every child stopped, the scratch databases dropped', async () => {
    const pids = result.setup.processes.map((p) => Number(/pid (\d+)/.exec(p)?.[1]));
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.filter(alive)).toEqual([]);
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        'select datname from pg_database where datname like $1',
        [`alpes_bench_${result.runId.toLowerCase()}%`],
      );
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
