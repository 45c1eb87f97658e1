import { createHmac } from 'node:crypto';
import { partnerNotificationsWorkflowId } from '../src/workflows/workflow-ids';
import { PartnerIdKey } from '../src/workflows/search-attributes';
import {
  attachmentsOf,
  startNotifyingSystem,
  type NotifyingSystem,
  type SmtpReceiver,
  type WebhookReceiver,
} from './support/notification-receivers';
import { bearer, createPartner, eventually, http, TEST_KEYS, type TestSystem } from './support/system';
import { untilSettled } from './support/settle-wait';
import { describeWithPostgres } from './support/test-env';

type Json = any;

/** The whole path: a payment through the API tells its partner by email, signed webhook and in-app. */
describeWithPostgres('payments notify their partner (payments worker → notifications worker)', () => {
  let notifying: NotifyingSystem;
  let sys: TestSystem;
  let smtp: SmtpReceiver;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    notifying = await startNotifyingSystem({ REFUND_WINDOW: '1s' });
    ({ sys, smtp, receiver } = notifying);
  });
  afterAll(async () => {
    await notifying?.stop();
  });

  it('a completed payment reaches the partner once per channel, with the amount formatted and a valid signature', async () => {
    const partner = await createPartner(sys.apiUrl, {
      email: 'ana.notify@example.com',
      webhookUrl: receiver.url(),
    });
    const { body: rotated } = await http(sys.apiUrl, 'POST', `/partners/${partner.id}/webhook-secret`);
    // The API stored it sealed with WEBHOOK_SECRET_KEYS, and the notifications worker opens it to sign.
    const stored = await sys.db('partners').where({ id: partner.id }).first('webhook_secret');
    expect(stored.webhook_secret).toMatch(/^whenc:v1:test-webhook-1:/);
    expect(stored.webhook_secret).not.toContain(rotated.secret);
    const created = await http(sys.apiUrl, 'POST', '/payments', {
      partnerId: partner.id,
      currency: 'USD',
      lines: [{ reference: 'n-1', amountMinor: 123_456, description: 'March' }],
    });
    expect(created.status).toBe(202);
    const paymentId = created.body.id;

    const forPayment = () =>
      receiver.requests.filter((r) => r.body?.data?.paymentId === paymentId || r.rawBody.includes(paymentId));
    await eventually(
      async () => ({
        hooks: forPayment().length,
        mails: smtp.messages.filter((m) => m.to.includes('ana.notify@example.com')).length,
      }),
      (c) => c.hooks >= 2 && c.mails >= 1,
      { timeoutMs: 30_000 },
    );
    // Before counting: until nothing more arrives, so a late duplicate is seen.
    await untilSettled(() => smtp.messages.length + receiver.requests.length);

    const mails = smtp.messages.filter((m) => m.to.includes('ana.notify@example.com'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/completed/i);
    expect(mails[0]!.text).toContain('1,234.56');
    // The completed payout's email carries its remittance advice, as the API serves it.
    const attached = attachmentsOf(mails[0]!.raw);
    expect(attached.map((a) => [a.filename, a.contentType])).toEqual([
      [`remittance-${paymentId}.html`, 'text/html'],
      [`remittance-${paymentId}.csv`, 'text/csv'],
    ]);
    const csv = await fetch(`${sys.apiUrl}/payments/${paymentId}/statement?format=csv`, {
      headers: bearer(TEST_KEYS.admin),
    });
    expect(attached[1]!.content.trim()).toBe((await csv.text()).trim());
    expect(attached[1]!.content).toContain(
      `${paymentId},${partner.id},n-1,COMMISSION,,March,USD,123456,1234.56`,
    );
    expect(attached[0]!.content).toContain('Remittance advice');
    expect(attached[0]!.content).toContain('$1,234.56');

    const hooks = forPayment();
    expect(hooks.map((h) => h.body.type).sort()).toEqual(['PAYMENT_COMPLETED', 'PAYMENT_CREATED']);
    for (const hook of hooks) {
      const header = String(hook.headers['x-alpes-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
      expect(createHmac('sha256', rotated.secret).update(`${t}.${hook.rawBody}`).digest('hex')).toBe(v1);
      expect(hook.headers['x-alpes-event-id']).toEqual(expect.any(String));
    }

    const list = await http(sys.apiUrl, 'GET', `/notifications?partnerId=${partner.id}&limit=50`);
    const rows = list.body.items.map((n: Json) => `${n.type}/${n.channel}/${n.status}`).sort();
    expect(rows).toEqual([
      'PAYMENT_COMPLETED/EMAIL/SENT',
      'PAYMENT_COMPLETED/IN_APP/SENT',
      'PAYMENT_COMPLETED/WEBHOOK/SENT',
      'PAYMENT_CREATED/IN_APP/SENT',
      'PAYMENT_CREATED/WEBHOOK/SENT',
    ]);

    const wf = await sys.client.workflow.getHandle(partnerNotificationsWorkflowId(partner.id)).describe();
    expect(wf.typedSearchAttributes.get(PartnerIdKey)).toBe(partner.id);
  });
});
