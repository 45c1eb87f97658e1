import type { History } from '@temporalio/common/lib/proto-utils';
import type { ReplayResult } from '@temporalio/worker';
import { join, resolve } from 'node:path';
import {
  getStateQuery,
  payoutReturnedSignal,
  type PaymentState,
  type PaymentWorkflowResult,
} from '../src/workflows/payment.messages';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import {
  createPartner,
  eventually,
  startTestSystem,
  plainHistoriesDataConverter,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { describeWithPostgres } from './support/test-env';
import {
  ensureFixture,
  paymentFixtureName,
  readFixtureDir,
  replayHistories,
} from './support/history-fixtures';

/**
 * Determinism guard. Histories recorded from an earlier version of the workflow code (committed
 * under test/fixtures/histories) must replay against today's bundle: a change that would break
 * payments already in flight fails here instead of in production. Histories finished in this run
 * are replayed too, so the replay set can never be empty and the fixtures can be re-recorded.
 *
 * A missing fixture fails the test. Re-recording is explicit: delete the fixture files and run
 * `make fixtures`; it writes one history per shape and says so loudly. Commit the result.
 */
const FIXTURES_DIR = resolve(__dirname, 'fixtures/histories');
const MIN_FIXTURES = 7;

/** Big enough that decisions reliably land before the timeout, small enough to keep the run short. */
const APPROVAL_TIMEOUT_MS = 4_000;
const SYSTEM_ENV = {
  APPROVAL_THRESHOLDS: '{"USD":100000}',
  APPROVAL_TIMEOUT: `${APPROVAL_TIMEOUT_MS}ms`,
  // Every completed payment keeps its workflow open this long: short so the shapes close soon.
  REFUND_WINDOW: '3s',
};
const SMALL_USD = 5_000;
const LARGE_USD = 150_000;
/** Two operators' API keys: the key names the actor, and four-eyes needs two different ones. */
const CREATOR = TEST_KEYS.alice;
const APPROVER = TEST_KEYS.bob;
/** The sandbox bank declines every payout to an account ending in 0000. */
const DECLINING_ACCOUNT = '12345670000';

interface Shape {
  name: string;
  amountMinor: number;
  declining?: boolean;
  /** What an operator does while the workflow runs (after it was started). */
  steer?: (sys: TestSystem, paymentId: string) => Promise<void>;
  expected: { status: string; reason?: string | RegExp };
}

interface Finished {
  shape: string;
  workflowId: string;
  result: PaymentWorkflowResult;
  history: History;
}

/** The workflow's own state (not the read model): updates are validated against it. */
const waitForState = (sys: TestSystem, paymentId: string, status: string): Promise<PaymentState> =>
  eventually(
    () => sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).query(getStateQuery),
    (s) => s.status === status,
    { timeoutMs: 20_000, intervalMs: 50 },
  );

/** A steer: once the workflow is in `status`, `actorKey` takes `action` on the payment (with a reason). */
const decideWhen =
  (status: string, action: string, actorKey: string, reason?: string) =>
  async (sys: TestSystem, paymentId: string): Promise<void> => {
    await waitForState(sys, paymentId, status);
    const body = reason ? { reason } : undefined;
    const res = await sys.api('POST', `/payments/${paymentId}/${action}`, body, actorKey);
    if (res.status !== 200) throw new Error(`${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
  };

const SHAPES: Shape[] = [
  { name: 'completed', amountMinor: SMALL_USD, expected: { status: 'COMPLETED' } },
  {
    name: 'approved',
    amountMinor: LARGE_USD,
    steer: decideWhen('AWAITING_APPROVAL', 'approve', APPROVER),
    expected: { status: 'COMPLETED' },
  },
  {
    name: 'rejected',
    amountMinor: LARGE_USD,
    steer: decideWhen('AWAITING_APPROVAL', 'reject', APPROVER, 'not in the contract'),
    expected: { status: 'REJECTED', reason: 'not in the contract' },
  },
  {
    name: 'approval-timeout',
    amountMinor: LARGE_USD,
    expected: { status: 'REJECTED', reason: 'approval_timeout' },
  },
  {
    name: 'cancelled',
    amountMinor: LARGE_USD,
    steer: decideWhen('AWAITING_APPROVAL', 'cancel', CREATOR, 'sent twice'),
    expected: { status: 'CANCELLED', reason: 'sent twice' },
  },
  {
    name: 'refunded',
    amountMinor: SMALL_USD,
    steer: decideWhen('COMPLETED', 'refund', APPROVER, 'partner returned the goods'),
    expected: { status: 'REFUNDED', reason: 'partner returned the goods' },
  },
  {
    // Reconciliation's signal (issue 26): the bank returned the payout while the refund window was open.
    name: 'payout-returned',
    amountMinor: SMALL_USD,
    steer: async (sys, paymentId) => {
      await waitForState(sys, paymentId, 'COMPLETED');
      await sys.client.workflow
        .getHandle(paymentWorkflowId(paymentId))
        .signal(payoutReturnedSignal, { returnCode: 'AC04', reason: 'AC04 account closed' });
    },
    expected: { status: 'RETURNED', reason: 'AC04 account closed' },
  },
  {
    name: 'declined',
    amountMinor: SMALL_USD,
    declining: true,
    expected: { status: 'FAILED', reason: /PAYOUT_DECLINED/ },
  },
];

const failures = (results: ReplayResult[]) =>
  results.filter((r) => r.error).map((r) => ({ workflowId: r.workflowId, error: String(r.error) }));

describeWithPostgres(
  'workflow determinism: recorded and fresh histories replay against the current code',
  () => {
    // Explicit timeouts: jest ignores `testTimeout` inside a project's config, so the default is 5 s.
    let sys: TestSystem;
    const finished: Finished[] = [];

    beforeAll(async () => {
      sys = await startTestSystem(SYSTEM_ENV);
    }, 30_000);
    afterAll(async () => {
      await sys?.stop();
    }, 30_000);

    it('runs one payment of every shape to the end of its workflow', async () => {
      const [payee, declining] = await Promise.all([
        createPartner(sys.apiUrl),
        createPartner(sys.apiUrl, { payoutAccount: DECLINING_ACCOUNT }),
      ]);
      // In parallel: the shapes wait on timers (approval timeout, refund window), not on each other.
      const runs = await Promise.all(
        SHAPES.map(async (shape): Promise<Finished> => {
          const created = await sys.api(
            'POST',
            '/payments',
            {
              partnerId: shape.declining ? declining.id : payee.id,
              currency: 'USD',
              lines: [
                {
                  reference: `replay-${shape.name}`,
                  amountMinor: shape.amountMinor,
                  description: shape.name,
                },
              ],
            },
            CREATOR,
          );
          if (created.status !== 202) {
            throw new Error(
              `${shape.name}: payment not accepted: ${created.status} ${JSON.stringify(created.body)}`,
            );
          }
          const paymentId: string = created.body.id;
          await shape.steer?.(sys, paymentId);
          const handle = sys.client.workflow.getHandle<(i: unknown) => Promise<PaymentWorkflowResult>>(
            paymentWorkflowId(paymentId),
          );
          const result = await handle.result();
          return {
            shape: shape.name,
            workflowId: handle.workflowId,
            result,
            history: await handle.fetchHistory(),
          };
        }),
      );
      finished.push(...runs);

      for (const [i, shape] of SHAPES.entries()) {
        const run = runs[i]!;
        expect({ shape: run.shape, status: run.result.status }).toEqual({
          shape: shape.name,
          status: shape.expected.status,
        });
        if (shape.expected.reason !== undefined) expect(run.result.reason).toMatch(shape.expected.reason);
        expect(lastEventType(run.history)).toBe('WorkflowExecutionCompleted');
      }
    }, 60_000);

    it('replays the committed fixture histories without a determinism error', async () => {
      for (const shape of SHAPES) {
        ensureFixture(join(FIXTURES_DIR, paymentFixtureName(shape.name)), () => {
          const run = finished.find((r) => r.shape === shape.name);
          if (!run) throw new Error(`no fresh history of the ${shape.name} shape to record`);
          return run.history;
        });
      }

      // Read back from disk even right after recording, so the JSON round trip itself is tested.
      const histories = readFixtureDir(FIXTURES_DIR);
      expect(histories.length).toBeGreaterThanOrEqual(MIN_FIXTURES);
      for (const { workflowId, history } of histories) {
        // A truncated or foreign file would replay "successfully" and prove nothing.
        expect({ workflowId, last: lastJsonEventType(history), type: jsonWorkflowType(history) }).toEqual({
          workflowId,
          last: 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
          type: 'paymentWorkflow',
        });
      }

      // The older fixtures are from before encryption: read them, explicitly.
      const results = await replayHistories(histories, {
        dataConverter: plainHistoriesDataConverter,
        replayName: 'payment-replay',
      });
      expect(results).toHaveLength(histories.length);
      expect(failures(results)).toEqual([]);
    }, 60_000);

    it("replays this run's histories without a determinism error", async () => {
      expect(finished).toHaveLength(SHAPES.length);
      // Fresh histories replay through the system's strict codec.
      const results = await replayHistories(
        finished.map((f) => ({ workflowId: f.workflowId, history: f.history })),
        { replayName: 'payment-replay' },
      );
      expect(results.map((r) => r.workflowId)).toEqual(finished.map((f) => f.workflowId));
      expect(failures(results)).toEqual([]);
    }, 60_000);
  },
);

/** Enum name of the history's last event, e.g. `WorkflowExecutionCompleted`. */
function lastEventType(history: History): string | undefined {
  const last = history.events?.at(-1);
  if (!last) return undefined;
  return last.workflowExecutionCompletedEventAttributes
    ? 'WorkflowExecutionCompleted'
    : String(last.eventType);
}

function lastJsonEventType(history: unknown): unknown {
  return (history as { events?: Array<{ eventType?: unknown }> }).events?.at(-1)?.eventType;
}

function jsonWorkflowType(history: unknown): unknown {
  const first = (
    history as {
      events?: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: unknown } } }>;
    }
  ).events?.[0];
  return first?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}
