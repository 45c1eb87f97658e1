import { join } from 'node:path';
import {
  InterceptingCall,
  ListenerBuilder,
  RequesterBuilder,
  status as grpcStatus,
  type Interceptor,
} from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { DecisionSigner } from '../src/infra/auth/actor-assertion';
import { TemporalPaymentCommands } from '../src/infra/temporal/payment-workflow.client';
import { workflowSettings } from '../src/processes/wiring/workflow-settings';
import { PATCHES_AT_START } from '../src/workflows/payment.workflow';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { ensureFixture, paymentFixtureName, replayErrors } from './support/history-fixtures';
import {
  createPartner,
  eventually,
  httpWithoutKey,
  startTestSystem,
  TEST_KEYS,
  TEST_SECRETS,
  testDataConverter,
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

/** One UpdateWorkflowExecution request as it went to the server, and the gRPC status it got. */
interface SentUpdate {
  workflowId?: string;
  updateId?: string;
  code?: number;
}

/** Records every UpdateWorkflowExecution request on the wire (each gRPC retry too), passing it on unchanged. */
const recordUpdates =
  (sent: SentUpdate[]): Interceptor =>
  (options, nextCall) => {
    if (!options.method_definition.path.endsWith('/UpdateWorkflowExecution')) {
      return new InterceptingCall(nextCall(options));
    }
    const attempt: SentUpdate = {};
    sent.push(attempt);
    return new InterceptingCall(
      nextCall(options),
      new RequesterBuilder()
        .withStart((metadata, listener, next) =>
          next(
            metadata,
            new ListenerBuilder()
              .withOnReceiveStatus((status, nextStatus) => {
                attempt.code = status.code;
                nextStatus(status);
              })
              .build(),
          ),
        )
        .withSendMessage((message: Uint8Array, next) => {
          const req = temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest.decode(message);
          attempt.workflowId = req.workflowExecution?.workflowId ?? undefined;
          attempt.updateId = req.request?.meta?.updateId ?? undefined;
          next(message);
        })
        .build(),
    );
  };

/**
 * A worker that takes the queue's workflow tasks and fails them until it has failed one of attempt
 * 3 or more, then stops polling: the server counts the task failing and refuses updates to the
 * workflow (FAILED_PRECONDITION) until a worker completes the next attempt. It stops there so
 * that the next attempts stay short (their start-to-close timeout grows with the attempt).
 */
function failingWorker(client: Client, namespace: string, taskQueue: string) {
  const abort = new AbortController();
  const identity = 'test: a worker that fails every task';
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const task = await client.withAbortSignal(abort.signal, () =>
          client.withDeadline(Date.now() + 70_000, () =>
            client.workflowService.pollWorkflowTaskQueue({
              namespace,
              taskQueue: {
                name: taskQueue,
                kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
              },
              identity,
            }),
          ),
        );
        if (!task.taskToken?.length) continue;
        await client.workflowService.respondWorkflowTaskFailed({
          namespace,
          taskToken: task.taskToken,
          cause:
            temporal.api.enums.v1.WorkflowTaskFailedCause
              .WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
          failure: { message: 'this worker fails every task', source: 'test' },
          identity,
        });
        if ((task.attempt ?? 0) >= 3) return;
      } catch (e) {
        if (!abort.signal.aborted) throw e;
      }
    }
  })();
  loop.catch(() => undefined);
  return {
    stop: async (): Promise<void> => {
      abort.abort();
      await loop;
    },
  };
}

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
    // They did arrive together (more than one was let through), and only one of them ran its step;
    // turns are taken on the path every new run decides in its first task.
    expect(markers.some((m) => m.includes(PATCHES_AT_START))).toBe(true);
    const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(markers.filter((m) => m.includes('"activity_type":"approvePayment"'))).toHaveLength(1);
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    expect(failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);

    const fixture = ensureFixture(
      join(FIXTURES_DIR, paymentFixtureName('concurrent-approvals')),
      () => history,
    );
    expect(
      await replayErrors([
        { workflowId: `fresh:${paymentId}`, history },
        { workflowId: 'fixture:payment-concurrent-approvals', history: fixture },
      ]),
    ).toEqual([]);
  }, 240_000);

  it('a decision re-sent while its workflow task is lost keeps one update id, and the server takes it once', async () => {
    const partner = await createPartner(sys.apiUrl);
    const created = await sys.api('POST', '/payments', {
      partnerId: partner.id,
      currency: 'USD',
      lines: [{ reference: `resent-${Date.now()}`, amountMinor: 250_000, description: 'bonus' }],
    });
    expect(created.status).toBe(202);
    const paymentId: string = created.body.id;
    const workflowId = paymentWorkflowId(paymentId);
    await eventually(
      () => sys.api('GET', `/payments/${paymentId}`),
      (r) => r.body.status === 'AWAITING_APPROVAL',
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    // The API's own commands, on a connection that records what goes on the wire. They re-send for
    // up to two minutes here (the API: three task timeouts, 30 s): the approval is admitted before
    // the task fails, and its first refusal comes only when the client polls it again (every 20 s).
    const sent: SentUpdate[] = [];
    const connection = await Connection.connect({
      address: testEnvironment().temporalAddress,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), recordUpdates(sent)],
    });
    try {
      const commands = new TemporalPaymentCommands(
        new Client({
          connection,
          namespace: sys.config.temporal.namespace,
          dataConverter: testDataConverter,
        }),
        sys.taskQueue,
        workflowSettings(sys.config),
        new DecisionSigner(TEST_SECRETS.actorSigningKey, sys.config.security.actorAssertionTtlMs),
        sys.config.temporal.workflowTaskTimeoutMs,
        120_000,
      );
      const handle = sys.client.workflow.getHandle(workflowId);
      const ours = () => sent.filter((a) => a.workflowId === workflowId);

      // The payments worker is frozen and another one fails the task that carries the approval,
      // until the server refuses the approval's requests (FAILED_PRECONDITION): decide() sends it
      // again, and again until the worker is back. Two refusals: at least one was decide()'s own
      // re-send (the first may be the client's poll of the admitted update).
      process.kill(worker.pid, 'SIGSTOP');
      const failing = failingWorker(sys.client, sys.config.temporal.namespace, sys.taskQueue);
      let decided: Promise<unknown>;
      try {
        decided = commands.decide(paymentId, 'approve', { actor: 'alice' });
        decided.catch(() => undefined);
        await eventually(
          async () => ours().filter((a) => a.code === grpcStatus.FAILED_PRECONDITION).length,
          (n) => n >= 2,
          { timeoutMs: 90_000, intervalMs: 250 },
        );
      } finally {
        await failing.stop();
        process.kill(worker.pid, 'SIGCONT');
      }
      expect(await decided).toMatchObject({ approvedBy: 'alice' });

      const requests = ours();
      const refused = requests.filter((a) => a.code === grpcStatus.FAILED_PRECONDITION);
      expect(refused.length).toBeGreaterThanOrEqual(2);
      expect(requests.at(-1)?.code).toBe(grpcStatus.OK);
      // Every request of the one decision, the refused ones and the one that took, has one update id.
      const ids = new Set(requests.map((a) => a.updateId));
      expect(ids.size).toBe(1);
      const [updateId] = [...ids];
      expect(updateId).toMatch(/^[0-9a-f-]{36}$/);

      // The workflow accepted one update, that one.
      const events = (await handle.fetchHistory()).events ?? [];
      expect(
        events
          .filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
          .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId),
      ).toEqual([updateId]);
      expect(events.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes)).toHaveLength(1);

      await eventually(
        () => sys.api('GET', `/payments/${paymentId}`),
        (r) => r.body.status === 'COMPLETED',
        { timeoutMs: 90_000, intervalMs: 250 },
      );
      const ledger = await httpWithoutKey(sys.bankUrl!, 'GET', `/ledger?paymentId=${paymentId}`);
      expect(ledger.body.entries.filter((e: { kind: string }) => e.kind === 'PAYOUT')).toHaveLength(1);
    } finally {
      await connection.close();
    }
  }, 240_000);
});
