import { resolve } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../src/shared/db/knex-database';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { createPartner, http, startTestSystem, type TestSystem } from './support/system';
import { describeWithPostgres } from './support/test-env';
import { ensureFixture, paymentFixtureName, replayErrors } from './support/history-fixtures';

/**
 * A partner notice the payment workflow gives up on (the notification activity failed for good) is
 * counted and visible — an event in the log and the `alpes_partner_notices_undelivered` gauge — not
 * only a log line, and the payment itself goes on. TEST_FAULTS=notify-partner makes every notice
 * fail non-retryably (refused outside NODE_ENV=test).
 */
describeWithPostgres('a partner notice the payment gave up on is recorded and counted', (databaseUrl) => {
  let sys: TestSystem;
  let db: Knex;

  beforeAll(async () => {
    sys = await startTestSystem({ TEST_FAULTS: 'notify-partner', REFUND_WINDOW: '1s' }, [
      'bank',
      'worker',
      'api',
    ]);
    db = openDatabase({ kind: 'postgres', url: databaseUrl });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
    await db?.destroy();
  });

  it('completes the payment, records each undelivered notice once, counts them, and replays', async () => {
    const partner = await createPartner(sys.apiUrl);
    const created = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId: partner.id,
      currency: 'EUR',
      lines: [{ reference: 'undelivered-1', amountMinor: 4_200, description: 'notice test' }],
    });
    expect(created.status).toBe(202);
    const paymentId = created.body.id as string;

    const result = await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).result();
    expect(result.status).toBe('COMPLETED');

    const rows = (await db('events')
      .where({ type: 'PartnerNoticeUndelivered', aggregate_id: paymentId })
      .orderBy('position')) as Array<{ partner_id: string; data: unknown }>;
    const data = rows.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data)) as Array<{
      eventType: string;
      reason: string;
    }>;
    expect(data.map((d) => d.eventType)).toEqual(['PaymentCreated', 'PaymentCompleted']);
    expect(data.every((d) => /injected fault/.test(d.reason))).toBe(true);
    expect(rows.every((r) => r.partner_id === partner.id)).toBe(true);

    const metrics: string = (await http(sys.apiUrl, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^alpes_partner_notices_undelivered 2$/m);

    // The new path's history is a replay fixture; fresh and recorded both replay.
    const history = await sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).fetchHistory();
    const file = resolve(__dirname, 'fixtures/histories', paymentFixtureName('notice-undelivered'));
    const recorded = ensureFixture(file, () => history);
    expect(
      await replayErrors(
        [
          { workflowId: 'fresh', history },
          { workflowId: 'fixture', history: recorded },
        ],
        { replayName: 'undelivered-notice' },
      ),
    ).toEqual([]);
  }, 60_000);
});
