import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firedMarkerPath, type CrashPlanFile } from '../src/infra/testing/crash-plan';
import {
  payoutJanitorWorkflowType,
  type PayoutJanitorResult,
  type PayoutJanitorSettings,
  type PayoutJanitorWorkflow,
} from '../src/workflows/payout-janitor.messages';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import {
  createPartner,
  eventually,
  httpWithoutKey,
  startTestSystem,
  TEST_KEYS,
  testDataConverter,
  type TestSystem,
} from './support/system';
import { ensureFixture } from './support/history-fixtures';
import { describeWithPostgres, testEnvironment } from './support/test-env';
import { spawnWorkerProcess, workerProcessEnv, type WorkerProcess } from './support/worker-process';

/**
 * Orphans (issue 22): a payment whose workflow has ended while the payment has not. Five kinds are
 * made for real — awaiting approval, approved (the approval committed, then its worker died),
 * processing (the bank paid, then the worker died), payout unknown, completed in its refund window —
 * each by terminating the payment's workflow at that point. The janitor finds them (gauge, error
 * log, list), an operator recovers each, and each reaches its scripted end, paid once.
 */

const ENV = {
  TEMPORAL_WORKFLOW_TASK_TIMEOUT: '3s',
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
  ACTIVITY_RETRY_MAX_INTERVAL: '500ms',
  // The bank's lost answers become PAYOUT_UNKNOWN quickly.
  PAYOUT_TIMEOUT: '3s',
  REFUND_WINDOW: '5m',
};
const JANITOR_SETTINGS: PayoutJanitorSettings = {
  batchSize: 200,
  activityStartToCloseMs: 10_000,
  retryInitialIntervalMs: 100,
  retryMaxIntervalMs: 500,
  bankAttempts: 3,
};
const JANITOR_FIXTURES_DIR = join(__dirname, 'fixtures/histories/janitor');
const LARGE = 2_500_000;
const SMALL = 12_000;

type Kind = 'awaiting-approval' | 'approved' | 'processing' | 'payout-unknown' | 'completed';

describeWithPostgres('orphaned payments: found by the janitor, recovered by an operator', (databaseUrl) => {
  let sys: TestSystem;
  let dir: string;
  let planPath: string;
  const plan: CrashPlanFile = { faults: [] };
  let worker: WorkerProcess | undefined;
  const outputs: string[] = [];
  const orphans = new Map<Kind, string>();

  const startWorker = (): void => {
    if (worker) outputs.push(worker.output());
    worker = spawnWorkerProcess({
      ...workerProcessEnv(sys, databaseUrl),
      ...ENV,
      WORKFLOW_BUNDLE_PATH: testEnvironment().workflowBundlePath,
      TEST_CRASH_PLAN: planPath,
    });
  };
  const allOutput = (): string => [...outputs, worker?.output() ?? ''].join('\n');

  const pay = async (partnerId: string, amountMinor: number): Promise<string> => {
    const res = await sys.api('POST', '/payments', {
      partnerId,
      currency: 'USD',
      lines: [{ reference: `orphan-${randomUUID().slice(0, 8)}`, amountMinor, description: 'orphan test' }],
    });
    if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const payment = async (id: string) => (await sys.api('GET', `/payments/${id}`)).body;
  const until = (id: string, accept: (p: any) => boolean, timeoutMs = 45_000) =>
    eventually(() => payment(id), accept, { timeoutMs, intervalMs: 200 }).catch((e: Error) => {
      throw new Error(`${e.message}\n--- worker output ---\n${allOutput().slice(-6_000)}`);
    });
  const ledger = async (id: string): Promise<{ kind: string; id: string }[]> =>
    (await httpWithoutKey(sys.bankUrl!, 'GET', `/ledger?paymentId=${id}`)).body.entries;
  const terminate = (id: string) =>
    sys.client.workflow.getHandle(paymentWorkflowId(id)).terminate('orphan test: the workflow is lost');
  /** The janitor run that found the orphans: its history is the orphan check's replay baseline. */
  let finding: History | undefined;
  const runJanitor = async (): Promise<PayoutJanitorResult> => {
    const workflowId = `payout-janitor:test-${randomUUID()}`;
    const result = await sys.client.workflow.execute<PayoutJanitorWorkflow>(payoutJanitorWorkflowType, {
      taskQueue: sys.taskQueue,
      workflowId,
      args: [{ settings: JANITOR_SETTINGS }],
    });
    if ((result.orphaned ?? 0) > 0) finding = await sys.client.workflow.getHandle(workflowId).fetchHistory();
    return result;
  };
  const metric = async (name: string): Promise<number> => {
    const text: string = (await sys.api('GET', '/metrics')).body;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ').at(-1) ?? NaN);
  };
  /**
   * Kills the worker right after `step` commits for this partner; resolves once it has, with the
   * act still in flight (wrapped, so awaiting this does not wait for its answer).
   */
  const dieAfter = async <T>(partnerId: string, step: string, act: () => Promise<T>) => {
    plan.faults.push({ partnerId, step, mode: 'exit' });
    const index = plan.faults.length - 1;
    writeFileSync(planPath, JSON.stringify(plan));
    const acting = act();
    await eventually(
      async () => existsSync(firedMarkerPath(planPath, index)) && worker!.hasExited(),
      (done) => done,
      { timeoutMs: 30_000 },
    );
    return { acting };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-orphans-'));
    planPath = join(dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify(plan));
    sys = await startTestSystem(ENV, ['bank', 'api']);
    startWorker();
  }, 60_000);

  afterAll(async () => {
    await worker?.kill();
    await sys?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('makes five orphans for real: a payment left in each state with its workflow terminated', async () => {
    const partner = async () => (await createPartner(sys.apiUrl)).id as string;

    // Payout unknown: every answer of the bank lost after it paid, until PAYOUT_TIMEOUT.
    sys.bank!.bank.setFaults({ failAfterCommitRate: 1, failAfterCommitMode: 'reset' });
    const unknown = await pay(await partner(), SMALL);
    await until(unknown, (p) => p.status === 'PAYOUT_UNKNOWN');
    sys.bank!.bank.setFaults({ failAfterCommitRate: 0 });
    orphans.set('payout-unknown', unknown);

    const awaiting = await pay(await partner(), LARGE);
    await until(awaiting, (p) => p.status === 'AWAITING_APPROVAL');
    orphans.set('awaiting-approval', awaiting);

    const completed = await pay(await partner(), SMALL);
    await until(completed, (p) => p.status === 'COMPLETED');
    orphans.set('completed', completed);

    // Approved: the approval committed, its worker died before the workflow recorded it.
    const approvedPartner = await partner();
    const approved = await pay(approvedPartner, LARGE);
    await until(approved, (p) => p.status === 'AWAITING_APPROVAL');
    const approving = await dieAfter(approvedPartner, 'approvePayment', () =>
      sys.api('POST', `/payments/${approved}/approve`, {}, TEST_KEYS.bob),
    );
    await terminate(approved);
    startWorker();
    // The approver was waiting when the workflow was lost: an answer, never a 500.
    expect((await approving.acting).status).not.toBe(500);
    orphans.set('approved', approved);

    // Processing: the bank paid, the worker died before the workflow heard.
    const processingPartner = await partner();
    const paying = await dieAfter(processingPartner, 'payOut', () => pay(processingPartner, SMALL));
    const processing = await paying.acting;
    await terminate(processing);
    startWorker();
    orphans.set('processing', processing);

    for (const id of [unknown, awaiting, completed]) await terminate(id);

    const states = Object.fromEntries(
      await Promise.all(
        [...orphans].map(async ([kind, id]) => {
          const p = await payment(id);
          return [
            kind,
            { status: p.status, approved: p.approvedBy !== null, payouts: (await ledger(id)).length },
          ];
        }),
      ),
    );
    expect(states).toEqual({
      'payout-unknown': { status: 'PAYOUT_UNKNOWN', approved: false, payouts: 1 },
      'awaiting-approval': { status: 'AWAITING_APPROVAL', approved: false, payouts: 0 },
      completed: { status: 'COMPLETED', approved: false, payouts: 1 },
      approved: { status: 'AWAITING_APPROVAL', approved: true, payouts: 0 },
      processing: { status: 'PROCESSING', approved: false, payouts: 1 },
    });
  }, 180_000);

  it('the janitor finds them: listed, counted by the gauge, logged at error', async () => {
    const ids = [...orphans.values()];
    // Visibility catches up with the terminations on its own time: look again until all are there.
    const run = await eventually(
      () => runJanitor(),
      (r) => (r.orphaned ?? 0) >= ids.length,
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );
    expect(run.orphaned).toBe(ids.length);
    const listed = await sys.api('GET', '/payments/orphans');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { paymentId: string }) => o.paymentId).sort()).toEqual([...ids].sort());
    expect(
      listed.body.items.every((o: { workflowStatus: string }) => o.workflowStatus === 'TERMINATED'),
    ).toBe(true);
    expect(await metric('alpes_payments_orphaned')).toBe(ids.length);
    expect(await metric('alpes_payments_orphaned_oldest_seconds')).toBeGreaterThan(0);
    for (const id of ids)
      expect(allOutput()).toMatch(new RegExp(`payment orphaned.*${id}|${id}.*payment orphaned`));
  }, 60_000);

  it('recovery is an operator’s, audited, and only for orphans', async () => {
    const id = orphans.get('awaiting-approval')!;
    expect((await sys.api('POST', `/payments/${id}/recover`, undefined, TEST_KEYS.viewer)).status).toBe(403);
    const first = await sys.api('POST', `/payments/${id}/recover`, undefined, TEST_KEYS.bob);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      paymentId: id,
      status: 'AWAITING_APPROVAL',
      workflowId: paymentWorkflowId(id),
    });
    const again = await sys.api('POST', `/payments/${id}/recover`, undefined, TEST_KEYS.bob);
    expect({ status: again.status, code: again.body.code }).toEqual({
      status: 409,
      code: 'PAYMENT.NOT_ORPHANED',
    });
    // A call whose change a workflow carries out is audited once its answer is out: wait for it.
    const outcomes = await eventually(
      async () =>
        (await sys.api('GET', `/audit?action=payment.recover&targetId=${id}`)).body.items.map(
          (e: { outcomeStatus: number }) => e.outcomeStatus,
        ) as number[],
      (seen) => seen.includes(202) && seen.includes(409),
      { timeoutMs: 5_000 },
    );
    expect(outcomes).toEqual(expect.arrayContaining([202, 409]));
  }, 60_000);

  it('each recovered payment reaches its scripted end, paid once', async () => {
    for (const kind of ['approved', 'processing', 'payout-unknown', 'completed'] as const) {
      const res = await sys.api('POST', `/payments/${orphans.get(kind)}/recover`, undefined, TEST_KEYS.bob);
      expect({ kind, status: res.status }).toEqual({ kind, status: 202 });
    }
    const of = (kind: Kind): string => orphans.get(kind)!;
    const [awaiting, approved, processing, unknown, completed] = [
      of('awaiting-approval'),
      of('approved'),
      of('processing'),
      of('payout-unknown'),
      of('completed'),
    ];

    // Still waiting for a decision: the second operator approves, and it is paid.
    await eventually(
      () => sys.api('POST', `/payments/${awaiting}/approve`, {}, TEST_KEYS.bob),
      (r) => r.status === 200,
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    await until(awaiting, (p) => p.status === 'COMPLETED');
    // Approved before it was lost: paid without asking again.
    await until(approved, (p) => p.status === 'COMPLETED');
    // The bank had paid: asked again under the same key, it answers with that payout.
    const done = await until(processing, (p) => p.status === 'COMPLETED');
    expect(done.payoutReference).toBe((await ledger(processing))[0]!.id);
    // Unknown: the janitor asks the bank, which paid.
    await eventually(
      async () => (await runJanitor(), payment(unknown)),
      (p) => p.status === 'COMPLETED',
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    // Completed: its refund window is open again.
    const refunded = await sys.api(
      'POST',
      `/payments/${completed}/refund`,
      { reason: 'after recovery' },
      TEST_KEYS.bob,
    );
    expect(refunded.status).toBe(200);
    await until(completed, (p) => p.status === 'REFUNDED');

    const money = Object.fromEntries(
      await Promise.all(
        [awaiting, approved, processing, unknown, completed].map(async (id) => {
          const entries = await ledger(id);
          return [
            id,
            entries
              .map((e) => e.kind)
              .sort()
              .join(','),
          ];
        }),
      ),
    );
    expect(money).toEqual({
      [awaiting]: 'PAYOUT',
      [approved]: 'PAYOUT',
      [processing]: 'PAYOUT',
      [unknown]: 'PAYOUT',
      [completed]: 'PAYOUT,REFUND',
    });

    // Nothing is orphaned any more: the janitor closes what it sees recovered or ended.
    const after = await runJanitor();
    expect(after.orphaned).toBe(0);
    expect(await metric('alpes_payments_orphaned')).toBe(0);
    expect((await sys.api('GET', '/payments/orphans')).body.items).toEqual([]);
  }, 180_000);

  it('the janitor with its orphan check replays: recorded once, with the runs before it', async () => {
    ensureFixture(join(JANITOR_FIXTURES_DIR, 'payout-janitor-orphans.json'), () => finding!);
    const files = readdirSync(JANITOR_FIXTURES_DIR).filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['payout-janitor-run.json', 'payout-janitor-orphans.json']));
    const errors: string[] = [];
    for await (const r of Worker.runReplayHistories(
      {
        workflowBundle: { codePath: testEnvironment().workflowBundlePath },
        dataConverter: testDataConverter,
        replayName: 'janitor-replay',
      },
      files.map((f) => ({
        workflowId: `fixture:${f}`,
        history: JSON.parse(readFileSync(join(JANITOR_FIXTURES_DIR, f), 'utf8')),
      })) as never,
    )) {
      if (r.error) errors.push(`${r.workflowId}: ${String(r.error)}`);
    }
    expect(errors).toEqual([]);
  }, 60_000);
});
