import { randomUUID } from 'node:crypto';
import {
  apiKeysWithPartners,
  eventually,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { seedPartnersBeforeStart } from './support/partner-seed';
import { startNotifyingSystem, type NotifyingSystem } from './support/notification-receivers';
import { untilSettled } from './support/settle-wait';
import {
  taxFormExpiryWorkflowType,
  type TaxFormExpiryWorkflow,
} from '../src/workflows/tax-form-expiry.messages';
import { describeWithPostgres } from './support/test-env';

/**
 * Tax forms and payability (issue 27 §2–3): a partner files its own form, an operator reviews it,
 * the tax id never leaves unmasked, and payability and the settlement planner give the same
 * reasons. Real API, worker, Temporal dev server and PostgreSQL.
 */
const OWN = randomUUID();
const OTHER = randomUUID();
const EXPIRED = randomUUID();
const NO_FORM = randomUUID();
const EXPIRING = randomUUID();
const NO_FORM_EMAIL = `no-form-${NO_FORM.slice(0, 8)}@example.com`;
const EXPIRING_EMAIL = `expiring-${EXPIRING.slice(0, 8)}@example.com`;
const OWN_KEY = 'test-own-tax-Vb3qL8xN2mKp7RtZ5wYc9HdF4gJs6AeU1oXi0nQr';
const OTHER_KEY = 'test-other-tax-Pz4kW9cM1nVb6TxQ3yLr8JdG5hFs2AeU7oXi0mNq';
/** Distinctive enough that a hit in any body or row can only be the leak. */
const RAW_TAX_ID = '98-7654321';
const RAW_OTHER_TAX_ID = 'DE987AB123456';
// A currency no other test file settles: the dry run below lists this file's partners only.
const CURRENCY = 'CHF';
const DAY = 86_400_000;
const day = (offset: number): string => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

const w9 = (taxId = RAW_TAX_ID) => ({
  formType: 'W-9',
  taxId,
  legalName: 'Own Media LLC',
  country: 'US',
  address: '1 Main St, Springfield, IL 62701',
  signedAt: day(-10),
});

describeWithPostgres('tax profiles and payability', (databaseUrl) => {
  let sys: TestSystem;
  let notifying: NotifyingSystem;
  /** Every response body this file saw: none may carry a raw tax id. */
  const seen: string[] = [];

  beforeAll(async () => {
    await seedPartnersBeforeStart(databaseUrl, [
      { id: OWN, name: 'Own Tax Partner' },
      { id: OTHER, name: 'Other Tax Partner' },
      { id: EXPIRED, name: 'Expired Tax Partner' },
      { id: NO_FORM, name: 'No Form Partner', email: NO_FORM_EMAIL },
      { id: EXPIRING, name: 'Expiring Tax Partner', email: EXPIRING_EMAIL },
    ]);
    // Partners are told for real (SMTP receiver, notifications worker): expiry and skip notices.
    notifying = await startNotifyingSystem({
      // Any form expiring this calendar year is in the window, whatever today's date.
      TAX_FORM_EXPIRY_NOTICE_DAYS: '365',
      NOTICE_RELAY_INTERVAL: '200ms',
      TAX_FORM_REQUIRED: 'true',
      COMMISSION_HOLD: '1ms',
      PAYOUT_MINIMUMS: JSON.stringify({ USD: 5_000, EUR: 5_000, [CURRENCY]: 5_000 }),
      ALPES_API_KEYS: apiKeysWithPartners([
        { key: OWN_KEY, name: 'own-tax-partner', partnerId: OWN },
        { key: OTHER_KEY, name: 'other-tax-partner', partnerId: OTHER },
      ]),
    });
    sys = notifying.sys;
  }, 60_000);
  afterAll(async () => {
    await notifying?.stop();
  });

  /** A partner's notifications of one type, once their count stops changing. */
  const settledNotices = (partnerId: string, type: string) =>
    untilSettled(
      async () =>
        (await sys
          .db('notifications')
          .where({ partner_id: partnerId, type })
          .orderBy('channel')
          .select('channel', 'status', 'subject', 'body')) as Array<{
          channel: string;
          status: string;
          subject: string;
          body: string;
        }>,
      { polls: 6, intervalMs: 250, timeoutMs: 30_000 },
    );
  const emailsTo = (email: string, subject: RegExp) =>
    notifying.smtp.messages.filter((m) => m.to.includes(email) && subject.test(m.subject));

  const call = async (method: string, path: string, body: unknown, key: string) => {
    const res = await sys.api(method, path, body, key);
    seen.push(JSON.stringify(res.body ?? null));
    return res;
  };
  const put = (partnerId: string, body: unknown, key: string) =>
    call('PUT', `/partners/${partnerId}/tax-profile`, body, key);
  const read = (partnerId: string, key: string = TEST_KEYS.viewer) =>
    call('GET', `/partners/${partnerId}/tax-profile`, undefined, key);
  const payability = (partnerId: string, key: string = TEST_KEYS.viewer) =>
    call('GET', `/partners/${partnerId}/payability`, undefined, key);
  const codes = (res: { body: { reasons: Array<{ code: string }> } }) => res.body.reasons.map((r) => r.code);

  it('a partner files its own form: SUBMITTED, tax id masked, not payable until reviewed', async () => {
    const filed = await put(OWN, w9(), OWN_KEY);
    expect(filed.status).toBe(200);
    expect(filed.body).toMatchObject({
      partnerId: OWN,
      formType: 'W-9',
      taxId: '****4321',
      country: 'US',
      status: 'SUBMITTED',
      expiresOn: null,
      submittedBy: 'own-tax-partner',
    });
    expect((await read(OWN, OWN_KEY)).body).toMatchObject({ taxId: '****4321', status: 'SUBMITTED' });
    const p = await payability(OWN, OWN_KEY);
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ partnerId: OWN, payable: false });
    expect(codes(p)).toEqual(['TAX_FORM_PENDING_REVIEW']);
  });

  it('another partner’s crafted requests get 404, and change nothing', async () => {
    expect((await read(OWN, OTHER_KEY)).status).toBe(404);
    expect((await put(OWN, w9(RAW_OTHER_TAX_ID), OTHER_KEY)).status).toBe(404);
    expect((await payability(OWN, OTHER_KEY)).status).toBe(404);
    // Nor may a partner review (its own or any form).
    expect((await call('POST', `/partners/${OWN}/tax-profile/approve`, undefined, OWN_KEY)).status).toBe(403);
    expect((await read(OWN)).body.taxId).toBe('****4321');
  });

  it('a rejection needs a reason; payability then says TAX_FORM_REJECTED and what to do', async () => {
    const noReason = await call(
      'POST',
      `/partners/${OWN}/tax-profile/reject`,
      { reason: ' ' },
      TEST_KEYS.alice,
    );
    expect(noReason.status).toBe(400);
    const rejected = await call(
      'POST',
      `/partners/${OWN}/tax-profile/reject`,
      { reason: 'Legal name does not match the bank account' },
      TEST_KEYS.alice,
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'Legal name does not match the bank account',
      reviewedBy: 'alice',
      taxId: '****4321',
    });
    const p = await payability(OWN, OWN_KEY);
    expect(p.body.payable).toBe(false);
    expect(p.body.reasons).toEqual([
      {
        code: 'TAX_FORM_REJECTED',
        blocking: true,
        whatToDo: expect.stringMatching(/submit it again/),
      },
    ]);
    // A decided form is not decided again: it is resubmitted first.
    const again = await call('POST', `/partners/${OWN}/tax-profile/approve`, undefined, TEST_KEYS.bob);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TAX_PROFILE.NOT_IN_REVIEW');
  });

  it('resubmitted and approved: payable, with the expected amount and no tax reason', async () => {
    expect((await put(OWN, w9(), OWN_KEY)).body.status).toBe('SUBMITTED');
    const approved = await call('POST', `/partners/${OWN}/tax-profile/approve`, undefined, TEST_KEYS.bob);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'APPROVED', reviewedBy: 'bob', rejectionReason: null });
    const accrued = await call(
      'POST',
      '/commissions',
      {
        externalRef: `tax-own-${randomUUID()}`,
        partnerId: OWN,
        currency: CURRENCY,
        amountMinor: 12_000,
        description: 'tax test',
        occurredAt: `${day(-3)}T12:00:00.000Z`,
      },
      TEST_KEYS.admin,
    );
    expect(accrued.status).toBe(201);
    const p = await payability(OWN, OWN_KEY);
    expect(p.body).toMatchObject({ payable: true, reasons: [] });
    expect(p.body.currencies).toEqual([
      { currency: CURRENCY, expectedMinor: '12000', minimumMinor: 5000, payable: true, nextPayoutAt: null },
    ]);
  });

  it('an approved W-8BEN past the end of the third calendar year after signing: TAX_FORM_EXPIRED', async () => {
    const filed = await put(
      EXPIRED,
      {
        formType: 'W-8BEN',
        taxId: RAW_OTHER_TAX_ID,
        legalName: 'Jana Schmidt',
        country: 'DE',
        address: 'Hauptstraße 1, 10115 Berlin',
        signedAt: '2020-05-04',
      },
      TEST_KEYS.admin,
    );
    expect(filed.status).toBe(200);
    expect(filed.body).toMatchObject({ expiresOn: '2023-12-31', taxId: '****3456', submittedBy: 'admin' });
    await call('POST', `/partners/${EXPIRED}/tax-profile/approve`, undefined, TEST_KEYS.alice);
    const p = await payability(EXPIRED);
    expect(p.body.payable).toBe(false);
    expect(codes(p)).toEqual(['TAX_FORM_EXPIRED']);
  });

  it('a partner without a form: TAX_FORM_MISSING in payability and in a dry run’s skips', async () => {
    expect((await read(NO_FORM)).status).toBe(404);
    expect(codes(await payability(NO_FORM))).toEqual(['TAX_FORM_MISSING']);
    for (const partnerId of [NO_FORM, EXPIRED]) {
      const res = await call(
        'POST',
        '/commissions',
        {
          externalRef: `tax-${randomUUID()}`,
          partnerId,
          currency: CURRENCY,
          amountMinor: 9_000,
          description: 'tax test',
          occurredAt: `${day(-3)}T12:00:00.000Z`,
        },
        TEST_KEYS.admin,
      );
      expect(res.status).toBe(201);
    }
    const dry = await call(
      'POST',
      '/settlements',
      { periodEnd: day(-1), currency: CURRENCY, dryRun: true },
      TEST_KEYS.alice,
    );
    expect(dry.status).toBe(200);
    const skipOf = (id: string) =>
      (dry.body.skipped as Array<{ partnerId: string; reason: string; detail: string }>).find(
        (s) => s.partnerId === id,
      );
    expect(skipOf(NO_FORM)).toMatchObject({ reason: 'TAX_FORM_MISSING', netMinor: '9000' });
    expect(skipOf(EXPIRED)).toMatchObject({ reason: 'TAX_FORM_EXPIRED' });
    // The approved partner is paid.
    expect(dry.body.payouts).toEqual(
      expect.arrayContaining([expect.objectContaining({ partnerId: OWN, netMinor: 12_000 })]),
    );
    // The preview counts the partners it leaves out, by reason.
    expect(dry.body.skippedPartners).toEqual({ TAX_FORM_MISSING: 1, TAX_FORM_EXPIRED: 1 });
  });

  it('the Partners list with include=payability: each row’s answer is the single route’s, in pages; never for a partner key', async () => {
    const rows = new Map<string, { payability?: Record<string, unknown> }>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(
        'GET',
        `/partners?limit=2&include=payability${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        undefined,
        TEST_KEYS.viewer,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const item of res.body.items) rows.set(item.id, item);
      cursor = res.body.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThan(1);
    for (const id of [OWN, OTHER, EXPIRED, NO_FORM]) {
      const single = await payability(id);
      const { asOf: _a, ...expected } = single.body;
      const { asOf: _b, ...listed } = rows.get(id)!.payability as Record<string, unknown>;
      expect(listed).toEqual(expected);
    }
    expect(codes({ body: rows.get(NO_FORM)!.payability as never })).toEqual(['TAX_FORM_MISSING']);
    expect(rows.get(OWN)!.payability).toMatchObject({ partnerId: OWN, payable: true });

    // Without the include, no payability (the list stays as cheap as before).
    const plainList = await call('GET', '/partners?limit=5', undefined, TEST_KEYS.viewer);
    expect(plainList.body.items.every((p: object) => !('payability' in p))).toBe(true);
    // A partner key lists no partners, so it reads no other partner's payability this way either.
    for (const key of [OWN_KEY, OTHER_KEY]) {
      expect((await call('GET', '/partners?include=payability', undefined, key)).status).toBe(403);
    }
    expect((await payability(OTHER, OWN_KEY)).status).toBe(404);
    expect((await payability(OWN, OWN_KEY)).status).toBe(200);
  });

  it('a settlement run tells each partner it skips for a reason they can fix, once, with what to do', async () => {
    const run = await call(
      'POST',
      '/settlements',
      { periodEnd: day(-1), currency: CURRENCY },
      TEST_KEYS.alice,
    );
    expect(run.status).toBe(202);
    const missing = await settledNotices(NO_FORM, 'PAYOUT_SKIPPED');
    expect(missing.map((n) => n.channel)).toEqual(['EMAIL', 'IN_APP']);
    expect(missing.every((n) => n.status === 'SENT')).toBe(true);
    expect(missing[0]!.body).toContain('Reason: TAX_FORM_MISSING');
    expect(missing[0]!.body).toContain(`What to do: Submit your tax form`);
    expect(missing[0]!.body).toContain(CURRENCY);
    expect((await settledNotices(EXPIRED, 'PAYOUT_SKIPPED')).map((n) => n.channel)).toEqual([
      'EMAIL',
      'IN_APP',
    ]);
    // The paid partner hears nothing of the kind; the notice went by email once.
    expect(await settledNotices(OWN, 'PAYOUT_SKIPPED')).toEqual([]);
    expect(emailsTo(NO_FORM_EMAIL, /not paid in this run/)).toHaveLength(1);
    const events = await sys
      .db('events')
      .where({ type: 'PartnerSkippedInSettlement', partner_id: NO_FORM })
      .select('data');
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({
      settlementId: `settlement:${day(-1)}:${CURRENCY}`,
      reason: 'TAX_FORM_MISSING',
      currencies: [CURRENCY],
    });
  }, 60_000);

  it('a form expiring soon notifies its partner once, however often the check runs', async () => {
    const signed = `${new Date().getUTCFullYear() - 3}-02-01`;
    const filed = await put(
      EXPIRING,
      {
        formType: 'W-8BEN-E',
        taxId: 'GB123456789',
        legalName: 'Expiring Ltd',
        country: 'GB',
        address: '1 High St, London',
        signedAt: signed,
      },
      TEST_KEYS.admin,
    );
    expect(filed.body.expiresOn).toBe(`${new Date().getUTCFullYear()}-12-31`);
    expect(
      (await call('POST', `/partners/${EXPIRING}/tax-profile/approve`, undefined, TEST_KEYS.alice)).status,
    ).toBe(200);
    const check = (n: number) =>
      sys.client.workflow.execute<TaxFormExpiryWorkflow>(taxFormExpiryWorkflowType, {
        taskQueue: sys.taskQueue,
        workflowId: `tax-form-expiry-test-${n}-${randomUUID()}`,
        args: [
          {
            settings: {
              activityStartToCloseMs: 10_000,
              retryInitialIntervalMs: 100,
              retryMaxIntervalMs: 500,
            },
          },
        ],
      });
    expect(await check(1)).toEqual({ expiring: 1, noticed: 1 });
    expect(await check(2)).toEqual({ expiring: 1, noticed: 0 });
    const notices = await settledNotices(EXPIRING, 'TAX_FORM_EXPIRING');
    expect(notices.map((n) => [n.channel, n.status])).toEqual([
      ['EMAIL', 'SENT'],
      ['IN_APP', 'SENT'],
    ]);
    expect(notices[0]!.subject).toContain(`expires on ${new Date().getUTCFullYear()}-12-31`);
    expect(emailsTo(EXPIRING_EMAIL, /expires on/)).toHaveLength(1);
  }, 60_000);

  it('the year-end export equals the sum of completed payouts per partner, refunds netted, in JSON and CSV', async () => {
    const pay = async (partnerId: string, currency: string, amountMinor: number): Promise<string> => {
      const res = await call(
        'POST',
        '/payments',
        {
          partnerId,
          currency,
          lines: [{ reference: `ye-${randomUUID()}`, amountMinor, description: 'year-end test' }],
        },
        TEST_KEYS.alice,
      );
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const statusOf = async (id: string) =>
      (await call('GET', `/payments/${id}`, undefined, TEST_KEYS.viewer)).body.status as string;
    const ids = [
      await pay(OWN, 'EUR', 3_000),
      await pay(OWN, 'EUR', 4_550),
      await pay(EXPIRED, 'EUR', 1_234),
    ];
    const refunded = await pay(OWN, 'USD', 2_000);
    for (const id of [...ids, refunded])
      await eventually(
        () => statusOf(id),
        (s) => s === 'COMPLETED',
        { timeoutMs: 30_000 },
      );
    expect(
      (await call('POST', `/payments/${refunded}/refund`, { reason: 'chargeback' }, TEST_KEYS.bob)).status,
    ).toBe(200);
    await eventually(
      () => statusOf(refunded),
      (s) => s === 'REFUNDED',
      { timeoutMs: 30_000 },
    );

    const year = new Date().getUTCFullYear();
    const res = await call('GET', `/tax/year-end?year=${year}`, undefined, TEST_KEYS.alice);
    expect(res.status).toBe(200);
    type Row = {
      partnerId: string;
      currency: string;
      paidMinor: string;
      refundedMinor: string;
      netMinor: string;
    };
    const rows = res.body.rows as Row[];
    // The oracle: every payout this file's database completed (all this year), summed per partner.
    const sums = (await sys
      .db('payments')
      .whereIn('status', ['COMPLETED', 'REFUNDED'])
      .groupBy('partner_id', 'currency')
      .select('partner_id', 'currency')
      .sum({ paid: 'total_minor' })
      .select(
        sys.db.raw("coalesce(sum(total_minor) filter (where status = 'REFUNDED'), 0) as refunded"),
      )) as Array<{
      partner_id: string;
      currency: string;
      paid: string;
      refunded: string;
    }>;
    expect(sums.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((r) => [r.partnerId, r.currency, r.paidMinor, r.refundedMinor]).sort()).toEqual(
      sums.map((s) => [s.partner_id, s.currency, String(s.paid), String(s.refunded)]).sort(),
    );
    const own = (currency: string) => rows.find((r) => r.partnerId === OWN && r.currency === currency);
    expect(own('EUR')).toMatchObject({
      partnerName: 'Own Tax Partner',
      formType: 'W-9',
      formStatus: 'APPROVED',
      taxCountry: 'US',
      legalName: 'Own Media LLC',
      paidMinor: '7550',
      refundedMinor: '0',
      netMinor: '7550',
      paymentCount: 2,
      refundCount: 0,
    });
    expect(own('USD')).toMatchObject({
      paidMinor: '2000',
      refundedMinor: '2000',
      netMinor: '0',
      refundCount: 1,
    });
    expect(rows.find((r) => r.partnerId === EXPIRED)).toMatchObject({ formType: 'W-8BEN', netMinor: '1234' });

    const csv = await fetch(`${sys.apiUrl}/tax/year-end?year=${year}&format=csv`, {
      headers: { authorization: `Bearer ${TEST_KEYS.alice}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    seen.push(lines.join('\n'));
    expect(lines[0]).toBe(
      'year,partner_id,partner_name,form_type,form_status,tax_country,legal_name,currency,paid_minor,refunded_minor,net_minor,payment_count,refund_count',
    );
    expect(lines).toContain(
      `${year},${OWN},Own Tax Partner,W-9,APPROVED,US,Own Media LLC,EUR,7550,0,7550,2,0`,
    );
    expect(lines).toHaveLength(rows.length + 1);
    // Another year has nothing; a viewer or a partner may not export.
    expect(
      (await call('GET', `/tax/year-end?year=${year - 1}`, undefined, TEST_KEYS.alice)).body.rows,
    ).toEqual([]);
    expect((await call('GET', `/tax/year-end?year=${year}`, undefined, TEST_KEYS.viewer)).status).toBe(403);
    expect((await call('GET', `/tax/year-end?year=${year}`, undefined, OWN_KEY)).status).toBe(403);
    const bad = await call('GET', '/tax/year-end?year=abc', undefined, TEST_KEYS.alice);
    expect(bad.status).toBe(400);
  }, 90_000);

  it('the raw tax ids are in no response, event or audit entry, and sealed in their table', async () => {
    for (const body of seen) {
      expect(body).not.toContain(RAW_TAX_ID);
      expect(body).not.toContain(RAW_OTHER_TAX_ID);
    }
    const rows = await sys.db('tax_profiles').whereIn('partner_id', [OWN, EXPIRED]).select('tax_id');
    expect(rows).toHaveLength(2);
    for (const r of rows as Array<{ tax_id: string }>) expect(r.tax_id).toMatch(/^taxenc:v1:/);
    const events = await sys.db('events').whereIn('partner_id', [OWN, EXPIRED]).select('type', 'data');
    expect(events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['TaxProfileSubmitted', 'TaxProfileRejected', 'TaxProfileApproved']),
    );
    const audit = await sys
      .db('audit_log')
      .where('action', 'like', 'partner.tax-profile.%')
      .select('before', 'after');
    expect(audit.length).toBeGreaterThanOrEqual(5);
    const stored = JSON.stringify([events, audit]);
    expect(stored).not.toContain(RAW_TAX_ID);
    expect(stored).not.toContain(RAW_OTHER_TAX_ID);
  });

  it('TAX_FORM_REQUIRED off: the same partners have no tax reasons', async () => {
    const off = await startTestSystem({}, ['api']);
    try {
      for (const id of [NO_FORM, EXPIRED]) {
        const res = await off.api('GET', `/partners/${id}/payability`, undefined, TEST_KEYS.viewer);
        seen.push(JSON.stringify(res.body));
        expect(res.body).toMatchObject({ payable: true, reasons: [] });
      }
    } finally {
      await off.stop();
    }
  }, 60_000);
});
