import { localActivityMarker } from '../src/infra/temporal/local-activity-marker';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { createPartner, http, startTestSystem, type TestSystem } from './support/system';
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
    const created = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId: partner.id,
      currency: 'EUR',
      lines: [{ reference: 'notice-backoff-1', amountMinor: 4_200, description: 'notice backoff' }],
    });
    expect(created.status).toBe(202);
    const handle = sys.client.workflow.getHandle(paymentWorkflowId(created.body.id as string));
    const result = await handle.result();
    expect(result.status).toBe('COMPLETED');

    // What the backoff changes is the history's shape (not its timing, which a busy machine stretches):
    // retried in place, a notice leaves one marker, written once it gave up (attempt 20), and the
    // payout waits for it; on a timer, every attempt leaves its own marker followed by the timer.
    const events = (await handle.fetchHistory()).events ?? [];
    const notices = events.flatMap((event, index) => {
      const marker = localActivityMarker(event);
      return marker?.activityType === 'notifyPartner' ? [{ index, attempt: marker.attempt }] : [];
    });
    expect(notices.slice(0, 3).map((n) => n.attempt)).toEqual([1, 2, 3]);
    for (const k of [1, 2]) {
      const between = events.slice(notices[k - 1]!.index + 1, notices[k]!.index);
      expect({ attempt: k + 1, timer: between.some((e) => e.timerStartedEventAttributes) }).toEqual({
        attempt: k + 1,
        timer: true,
      });
    }
    // The payout was scheduled before the first notice's second attempt: it never waited on it.
    const payout = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'payOut',
    );
    expect(payout).toBeGreaterThanOrEqual(0);
    expect(payout).toBeLessThan(notices[1]!.index);
  }, 90_000);
});
