import { setTimeout as sleep } from 'node:timers/promises';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { createPartner, eventually, http, startTestSystem, type TestSystem } from './support/system';
import { describeWithPostgres } from './support/test-env';
import { spawnWorkerProcess, workerProcessEnv, type WorkerProcess } from './support/worker-process';

/**
 * Short enough that the lost attempt is noticed quickly (heartbeat timeout = min(startToClose, 10s)),
 * and identical in the API (which puts them into the workflow's input) and the worker processes.
 */
const TIMEOUTS = {
  ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
  ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
  ACTIVITY_RETRY_MAX_INTERVAL: '500ms',
  // Lets the finished workflow close soon instead of lingering on the suite's dev server.
  REFUND_WINDOW: '1s',
};
/** Long enough that the payout is still inside the bank when its worker dies. */
const BANK_LATENCY_MS = 3_000;
/** PENDING_ACTIVITY_STATE_STARTED: a wire-protocol enum value, so stable (its package is not our dependency). */
const STARTED = 2;

interface LedgerEntry {
  id: string;
  kind: string;
  paymentId: string;
  amountMinor: number;
}

describeWithPostgres('crash recovery: a worker process killed in the middle of a payout', (databaseUrl) => {
  let sys: TestSystem;
  const workers: WorkerProcess[] = [];

  const startWorker = (): WorkerProcess => {
    const worker = spawnWorkerProcess({ ...workerProcessEnv(sys, databaseUrl), ...TIMEOUTS });
    workers.push(worker);
    return worker;
  };

  const ledger = async (paymentId: string): Promise<LedgerEntry[]> => {
    const res = await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${encodeURIComponent(paymentId)}`);
    if (res.status !== 200) throw new Error(`ledger answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.entries;
  };

  /** Child output is the only clue when the recovery stalls, so failures carry it. */
  const withWorkerOutput = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      const logs = workers.map((w, i) => `--- worker ${i + 1} (pid ${w.pid}) ---\n${w.output()}`).join('\n');
      throw new Error(`${what}: ${(e as Error).message}\n${logs}`);
    }
  };

  beforeAll(async () => {
    // No worker in this process: the only workers are the child processes the test kills and starts.
    sys = await startTestSystem(TIMEOUTS, ['bank', 'api']);
    sys.bank!.bank.setFaults({ latencyMs: BANK_LATENCY_MS });
  }, 30_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await sys?.stop();
  }, 30_000);

  it('completes the payment on a new worker with exactly one payout in the bank ledger', async () => {
    const first = startWorker();
    const { id: partnerId } = await createPartner(sys.apiUrl);
    const created = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId,
      currency: 'EUR',
      lines: [{ reference: 'crash-1', amountMinor: 42_000, description: 'Commission' }],
    });
    expect(created.status).toBe(202);
    const paymentId: string = created.body.id;
    const handle = sys.client.workflow.getHandle(paymentWorkflowId(paymentId));

    // The first worker bundles workflows from source before it polls: allow for that.
    await withWorkerOutput('payment never reached PROCESSING', () =>
      eventually(
        () => http(sys.apiUrl, 'GET', `/payments/${paymentId}`),
        (r) => r.status === 200 && r.body.status === 'PROCESSING',
        { timeoutMs: 30_000 },
      ),
    );
    // payOut heartbeats as it starts, just before its request leaves for the bank.
    const payOut = await withWorkerOutput('payOut never started', () =>
      eventually(
        async () =>
          (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'payOut'),
        (a) => a?.state === STARTED,
        { timeoutMs: 10_000 },
      ),
    );
    expect(payOut!.lastWorkerIdentity).toMatch(new RegExp(`^${first.pid}@`));
    await sleep(1_000);

    // Mid-payment: the request is inside the bank's injected latency, nothing is in the ledger yet.
    expect(await ledger(paymentId)).toEqual([]);
    await first.kill();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const second = startWorker();
    const done = await withWorkerOutput('payment never COMPLETED after the restart', () =>
      eventually(
        () => http(sys.apiUrl, 'GET', `/payments/${paymentId}`),
        (r) => r.status === 200 && ['COMPLETED', 'FAILED'].includes(r.body.status),
        { timeoutMs: 45_000, intervalMs: 250 },
      ),
    );
    expect(done.body.status).toBe('COMPLETED');
    expect(second.hasExited()).toBe(false);

    // The orphaned request still paid out; the retry with the same idempotency key was a replay.
    const entries = await ledger(paymentId);
    const payouts = entries.filter((e) => e.kind === 'PAYOUT');
    expect(payouts).toHaveLength(1);
    expect(entries).toHaveLength(1);
    expect(payouts[0]).toMatchObject({ paymentId, amountMinor: 42_000 });
    expect(done.body.payoutReference).toBe(payouts[0]!.id);

    // The payout that counted was a retry run by the second worker, not the first attempt.
    const history = await handle.fetchHistory();
    const scheduledPayOut = history.events?.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'payOut',
    );
    expect(scheduledPayOut).toBeDefined();
    const startedPayOut = history.events?.find(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(scheduledPayOut!.eventId),
    );
    expect(startedPayOut?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThanOrEqual(2);
    expect(startedPayOut?.activityTaskStartedEventAttributes?.identity).toMatch(
      new RegExp(`^${second.pid}@`),
    );
  }, 90_000);
});
