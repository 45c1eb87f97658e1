import { join } from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import { STEPS_TAKE_TURNS } from '../src/workflows/payment.workflow';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { ensureFixture, replayErrors } from './support/history-fixtures';
import {
  createPartner,
  eventually,
  httpWithoutKey,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { describeWithPostgres, testEnvironment } from './support/test-env';
import { spawnWorkerProcess, workerProcessEnv, type WorkerProcess } from './support/worker-process';

/**
 * Decisions that reach one workflow task together. The full chaos run found it: approvals sent
 * again while a worker was lost all arrived in the next task, every handler found the workflow's
 * turn free at once, their local steps ran side by side and finished out of order — and the next
 * worker's replay of that task failed for good (a nondeterminism error), leaving the payment
 * PROCESSING with its payout made. Here the only payments worker is frozen while three approvals
 * arrive, so the task that carries them is handed over only when it is resumed.
 */
const ENV = {
  // The API re-sends a decision for three workflow task timeouts while a task is lost: long enough
  // to cover the freeze below (the task waits on the frozen worker's sticky queue, ~10 s).
  TEMPORAL_WORKFLOW_TASK_TIMEOUT: '10s',
  APPROVAL_THRESHOLDS: '{"USD":100000}',
  REFUND_WINDOW: '2s',
};

const FIXTURES_DIR = join(__dirname, 'fixtures/histories');

/** The plain JSON a history's markers carry: patch ids and local activities' descriptions. */
const markerTexts = (history: History): string[] =>
  (history.events ?? []).flatMap((e) =>
    Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) =>
      (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString('utf8')),
    ),
  );

describeWithPostgres('decisions that arrive together', (databaseUrl) => {
  let sys: TestSystem;
  let worker: WorkerProcess;
  const notificationsQueue = `test-together-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    sys = await startTestSystem({ ...ENV, NOTIFICATIONS_TASK_QUEUE: notificationsQueue }, [
      'bank',
      'api',
      'notifications',
    ]);
    worker = spawnWorkerProcess({
      ...workerProcessEnv(sys, databaseUrl),
      ...ENV,
      NOTIFICATIONS_TASK_QUEUE: notificationsQueue,
      WORKFLOW_BUNDLE_PATH: testEnvironment().workflowBundlePath,
    });
  }, 60_000);

  afterAll(async () => {
    if (worker) {
      process.kill(worker.pid, 'SIGCONT');
      await worker.kill();
    }
    await sys?.stop();
  }, 60_000);

  it('take turns: one approval takes, the others are refused, the payout is made once, the history replays', async () => {
    const partner = await createPartner(sys.apiUrl);
    const created = await sys.api('POST', '/payments', {
      partnerId: partner.id,
      currency: 'USD',
      lines: [{ reference: `together-${Date.now()}`, amountMinor: 250_000, description: 'bonus' }],
    });
    expect(created.status).toBe(202);
    const paymentId: string = created.body.id;
    await eventually(
      () => sys.api('GET', `/payments/${paymentId}`),
      (r) => r.body.status === 'AWAITING_APPROVAL',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const handle = sys.client.workflow.getHandle(paymentWorkflowId(paymentId));
    const timedOutTasks = async () =>
      ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskTimedOutEventAttributes)
        .length;
    const before = await timedOutTasks();

    process.kill(worker.pid, 'SIGSTOP');
    const approvals = [TEST_KEYS.alice, TEST_KEYS.alice, TEST_KEYS.alice].map((key) =>
      sys.api('POST', `/payments/${paymentId}/approve`, {}, key),
    );
    // The task that carries them goes to the frozen worker and times out there; once it has, the
    // worker is resumed and gets all three in one task.
    await eventually(timedOutTasks, (n) => n > before, { timeoutMs: 60_000, intervalMs: 250 });
    process.kill(worker.pid, 'SIGCONT');

    const answers = await Promise.all(approvals);
    const statuses = answers.map((a) => a.status).sort();
    if (!statuses.includes(200))
      throw new Error(`no approval took: ${JSON.stringify(answers.map((a) => a.body))}`);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);

    await eventually(
      () => sys.api('GET', `/payments/${paymentId}`),
      (r) => r.body.status === 'COMPLETED',
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const ledger = await httpWithoutKey(sys.bankUrl!, 'GET', `/ledger?paymentId=${paymentId}`);
    expect(ledger.body.entries.filter((e: { kind: string }) => e.kind === 'PAYOUT')).toHaveLength(1);

    // The whole history (the refund window closes the run), as a fixture must be.
    expect(await handle.result()).toMatchObject({ status: 'COMPLETED' });
    const history = await handle.fetchHistory();
    const markers = markerTexts(history);
    // They did arrive together (the turn was taken), and only one of them ran its step.
    expect(markers.some((m) => m.includes(STEPS_TAKE_TURNS))).toBe(true);
    expect(markers.filter((m) => m.includes('"activity_type":"approvePayment"'))).toHaveLength(1);
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    expect(failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);

    const fixture = ensureFixture(join(FIXTURES_DIR, 'payment-concurrent-approvals.json'), () => history);
    expect(
      await replayErrors([
        { workflowId: `fresh:${paymentId}`, history },
        { workflowId: 'fixture:payment-concurrent-approvals', history: fixture },
      ]),
    ).toEqual([]);
  }, 240_000);
});
