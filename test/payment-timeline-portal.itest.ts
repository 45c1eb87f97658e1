import { randomUUID } from 'node:crypto';
import { TemporalPaymentTimelineReader } from '../src/infra/temporal/payment-timeline.reader';
import { seedPartnersBeforeStart } from './support/partner-seed';
import { describeWithPostgres } from './support/test-env';
import {
  apiKeysWithPartners,
  bearer,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';

type Json = any;

/** Two partners with their own keys, created before the system starts so the keys can name them. */
const OWN_PARTNER = randomUUID();
const OTHER_PARTNER = randomUUID();
const OWN_KEY = 'test-timeline-own-Xv3q8yKJc2m0NwPq7bR1sT4uV6wY9zA2dF5gH8jK1mN';
const OTHER_KEY = 'test-timeline-other-Lp0oI9uY8tR7eW6qA5sD4fG3hJ2kL1zX0cV9bN8mQ2w';

describeWithPostgres('payment timeline and partner-portal scoping', (databaseUrl) => {
  let sys: TestSystem;

  beforeAll(async () => {
    await seedPartnersBeforeStart(databaseUrl, [
      { id: OWN_PARTNER, name: 'Timeline Own', email: 'own@example.com', payoutAccount: '123456789' },
      { id: OTHER_PARTNER, name: 'Timeline Other', email: 'other@example.com', payoutAccount: '123456789' },
    ]);
    sys = await startTestSystem({
      ALPES_API_KEYS: apiKeysWithPartners([
        { key: OWN_KEY, name: 'timeline-own', partnerId: OWN_PARTNER },
        { key: OTHER_KEY, name: 'timeline-other', partnerId: OTHER_PARTNER },
      ]),
      // Closed workflows are part of the contract: completed payments close within seconds here.
      REFUND_WINDOW: '3s',
    });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const pay = async (partnerId: string, amountMinor: number, currency = 'USD'): Promise<string> => {
    const res = await sys.api('POST', '/payments', {
      partnerId,
      currency,
      lines: [{ reference: `tl-${randomUUID().slice(0, 8)}`, amountMinor, description: 'timeline' }],
    });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const statusOf = async (id: string) => (await sys.api('GET', `/payments/${id}`)).body.status;
  const timeline = (id: string, key: string | null = TEST_KEYS.viewer) =>
    http(sys.apiUrl, 'GET', `/payments/${id}/timeline`, undefined, key ? bearer(key) : { authorization: '' });

  describe('GET /payments/:id/timeline', () => {
    let paymentId: string;

    beforeAll(async () => {
      const faults = await http(sys.bankUrl!, 'PUT', '/admin/faults', { failNext: 2 });
      expect(faults.status).toBe(200);
      paymentId = await pay(OWN_PARTNER, 4_200);
      await eventually(
        () => statusOf(paymentId),
        (s) => s === 'COMPLETED',
      );
    });

    it('shows the bank’s two failed attempts, the last failure and the success, with our events, in order', async () => {
      // The read model says COMPLETED when the last activity commits; the workflow starts the refund
      // window's timer a moment later.
      const res = await eventually(
        () => timeline(paymentId),
        (r) => r.body.entries?.some((e: Json) => e.kind === 'timer-started'),
      );
      expect(res.status).toBe(200);
      const body: Json = res.body;
      expect(body).toMatchObject({ paymentId, status: 'COMPLETED', history: 'available', message: null });
      expect(body.temporalUiUrl).toContain(encodeURIComponent(`payment:${paymentId}`));
      const payOut = body.entries.filter((e: Json) => e.name === 'payOut');
      expect(payOut.map((e: Json) => [e.kind, e.attempt ?? null])).toEqual([
        ['activity-scheduled', null],
        ['activity-failed', 1],
        ['activity-failed', 2],
        ['activity-started', 3],
        ['activity-completed', null],
      ]);
      expect(payOut[2].failure).toMatch(/503|injected|unavailable/i);
      expect(payOut[2].label).toBe('Pay out through the bank: attempt 2 failed');
      const kinds = body.entries.map((e: Json) => e.name ?? e.kind);
      expect(kinds.indexOf('PaymentCreated')).toBeGreaterThanOrEqual(0);
      expect(kinds.indexOf('PaymentCompleted')).toBeGreaterThan(kinds.indexOf('payOut'));
      expect(body.entries.some((e: Json) => e.kind === 'timer-started' && e.name === 'Refund window')).toBe(
        true,
      );
      const times = body.entries.map((e: Json) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('still works once the workflow has closed (the refund window ended)', async () => {
      const closed = await eventually(
        () => timeline(paymentId),
        (r) => r.body.workflowStatus === 'COMPLETED',
      );
      expect(closed.status).toBe(200);
      expect(closed.body.entries.map((e: Json) => e.label)).toEqual(
        expect.arrayContaining(['Refund window reached', 'Workflow closed']),
      );
    });

    it('shows an approval as an update received from its approver', async () => {
      const id = await pay(OWN_PARTNER, 2_500_000);
      await eventually(
        () => statusOf(id),
        (s) => s === 'AWAITING_APPROVAL',
      );
      // The Web UI's user metadata: a static summary from the start, current details as it moves.
      const handle = sys.client.workflow.getHandle(`payment:${id}`);
      expect(await (await handle.describe()).staticSummary()).toBe(
        `Payout 25000.00 USD to partner ${OWN_PARTNER}`,
      );
      const metadata = await eventually(
        () => handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata'),
        (m) => !!m.currentDetails,
      );
      expect(metadata.currentDetails).toMatch(/Awaiting approval/);
      expect((await sys.api('POST', `/payments/${id}/approve`, {}, TEST_KEYS.alice)).status).toBe(200);
      const res = await eventually(
        () => timeline(id),
        (r) => r.body.entries.some((e: Json) => e.name === 'PaymentCompleted'),
      );
      const labels = res.body.entries.map((e: Json) => e.label);
      expect(labels).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^Approval deadline: /),
          'Approval received from alice',
          'Approval applied',
          'Approval deadline no longer needed',
        ]),
      );
    });

    it('says so when the workflow history is gone (retention): NotFound is not an error', async () => {
      // Deleting a history in the dev server is asynchronous and not bounded in time; an id the server
      // has never seen is the same answer (NotFound) without the wait.
      const reader = new TemporalPaymentTimelineReader(sys.client);
      expect(await reader.read(randomUUID())).toEqual({ history: 'deleted', entries: [] });
    });

    it('is for viewers, operators, admins and the payment’s own partner key only', async () => {
      expect((await timeline(paymentId, null)).status).toBe(401);
      for (const key of [TEST_KEYS.viewer, TEST_KEYS.alice, TEST_KEYS.admin, OWN_KEY]) {
        expect((await timeline(paymentId, key)).status).toBe(200);
      }
      const crafted = await timeline(paymentId, OTHER_KEY);
      expect(crafted.status).toBe(404);
      expect(crafted.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect((await timeline(randomUUID())).status).toBe(404);
      const bad = await timeline('not-a-uuid');
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    });
  });

  describe('partner portal scoping', () => {
    const prefs = { preferences: { PAYMENT_CREATED: ['EMAIL'] } };

    it('lets a partner key change its own notification preferences, nobody else’s', async () => {
      const own = await sys.api('PUT', `/partners/${OWN_PARTNER}/notification-preferences`, prefs, OWN_KEY);
      expect(own.status).toBe(200);
      expect(own.body.overrides).toMatchObject({ PAYMENT_CREATED: ['EMAIL'] });
      const other = await sys.api(
        'PUT',
        `/partners/${OTHER_PARTNER}/notification-preferences`,
        prefs,
        OWN_KEY,
      );
      expect(other.status).toBe(404);
      for (const key of [TEST_KEYS.viewer, TEST_KEYS.alice]) {
        expect(
          (await sys.api('PUT', `/partners/${OWN_PARTNER}/notification-preferences`, prefs, key)).status,
        ).toBe(403);
      }
      expect((await sys.api('PUT', `/partners/${OWN_PARTNER}/notification-preferences`, prefs)).status).toBe(
        200,
      );
    });

    it('lets a partner key rotate its own webhook secret, nobody else’s', async () => {
      const own = await sys.api('POST', `/partners/${OWN_PARTNER}/webhook-secret`, undefined, OWN_KEY);
      expect(own.status).toBe(200);
      expect(own.body.secret).toMatch(/^whsec_/);
      expect(own.headers.get('cache-control')).toBe('no-store');
      expect(
        (await sys.api('POST', `/partners/${OTHER_PARTNER}/webhook-secret`, undefined, OWN_KEY)).status,
      ).toBe(404);
      expect(
        (await sys.api('POST', `/partners/${OWN_PARTNER}/webhook-secret`, undefined, TEST_KEYS.alice)).status,
      ).toBe(403);
    });

    it('lets a partner key set its own webhook endpoint (validated), nobody else’s', async () => {
      const path = (id: string) => `/partners/${id}/webhook-endpoint`;
      const url = 'https://hooks.example.com/alpes';
      const own = await sys.api('PUT', path(OWN_PARTNER), { webhookUrl: url }, OWN_KEY);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ id: OWN_PARTNER, webhookUrl: url });
      expect((await sys.api('PUT', path(OTHER_PARTNER), { webhookUrl: url }, OWN_KEY)).status).toBe(404);
      expect((await sys.api('PUT', path(OWN_PARTNER), { webhookUrl: url }, TEST_KEYS.viewer)).status).toBe(
        403,
      );
      const bad = await sys.api('PUT', path(OWN_PARTNER), { webhookUrl: 'ftp://x' }, OWN_KEY);
      expect(bad.status).toBeGreaterThanOrEqual(400);
      expect(bad.status).toBeLessThan(500);
      expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const extra = await sys.api(
        'PUT',
        path(OWN_PARTNER),
        { webhookUrl: url, payoutAccount: '987654321' },
        OWN_KEY,
      );
      expect(extra.status).toBe(400);
      const cleared = await sys.api('PUT', path(OWN_PARTNER), { webhookUrl: null }, OWN_KEY);
      expect(cleared.body.webhookUrl).toBeNull();
    });

    it('audits the portal’s changes under the partner key', async () => {
      const entries = await sys.api('GET', `/audit?actor=timeline-own&targetId=${OWN_PARTNER}&limit=50`);
      expect(entries.status).toBe(200);
      expect(entries.body.items.map((e: Json) => e.action)).toEqual(
        expect.arrayContaining([
          'partner.notification-preferences.update',
          'partner.webhook-secret.rotate',
          'partner.webhook-endpoint.update',
        ]),
      );
    });

    it('documents the new routes in OpenAPI', async () => {
      const doc = (await sys.api('GET', '/openapi.json')).body;
      expect(doc.paths['/payments/{id}/timeline'].get.description).toMatch(/partner/);
      expect(doc.paths['/partners/{id}/webhook-endpoint'].put).toBeDefined();
    });
  });
});
