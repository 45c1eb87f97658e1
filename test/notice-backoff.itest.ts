import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { createPartner, eventually, http, startTestSystem, type TestSystem } from './support/system';
import { describeWithPostgres } from './support/test-env';

/**
 * A partner notice that keeps failing retryably (its workflow unreachable) must not hold the
 * payment: the notice is a local activity, and a local activity retries inside its workflow task
 * unless told otherwise, which would keep the payout from being scheduled until the notice gives
 * up (and, for many payments at once, hold every workflow-task slot of the worker). It backs off on
 * a timer instead. TEST_FAULTS=notify-partner-unavailable (refused outside NODE_ENV=test); the test
 * system retries activities from 100 ms to 500 ms, 20 attempts for a notice: about 9 s in place.
 */
describeWithPostgres('a failing partner notice does not hold the payout', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({ TEST_FAULTS: 'notify-partner-unavailable', REFUND_WINDOW: '1s' }, [
      'bank',
      'worker',
      'api',
    ]);
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('pays out while the notices retry on a timer, and the workflow still completes', async () => {
    const partner = await createPartner(sys.apiUrl);
    const started = Date.now();
    const created = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId: partner.id,
      currency: 'EUR',
      lines: [{ reference: 'notice-backoff-1', amountMinor: 4_200, description: 'notice backoff' }],
    });
    expect(created.status).toBe(202);
    const paymentId = created.body.id as string;

    await eventually(
      async () => (await http(sys.apiUrl, 'GET', `/payments/${paymentId}`)).body.status as string,
      (s) => s === 'COMPLETED',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // Well under the ~9 s the created notice would hold the first workflow task retrying in place.
    expect(Date.now() - started).toBeLessThan(4_000);

    const history = await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).fetchHistory();
    expect(history.events?.some((e) => e.timerStartedEventAttributes)).toBe(true);
    const result = await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).result();
    expect(result.status).toBe('COMPLETED');
  }, 60_000);
});
