import { randomUUID } from 'node:crypto';
import { apiKeysWithPartners, startTestSystem, TEST_KEYS, type TestSystem } from './support/system';
import { seedPartnersBeforeStart } from './support/partner-seed';
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
  /** Every response body this file saw: none may carry a raw tax id. */
  const seen: string[] = [];

  beforeAll(async () => {
    await seedPartnersBeforeStart(databaseUrl, [
      { id: OWN, name: 'Own Tax Partner' },
      { id: OTHER, name: 'Other Tax Partner' },
      { id: EXPIRED, name: 'Expired Tax Partner' },
      { id: NO_FORM, name: 'No Form Partner' },
    ]);
    sys = await startTestSystem({
      TAX_FORM_REQUIRED: 'true',
      COMMISSION_HOLD: '1ms',
      PAYOUT_MINIMUMS: JSON.stringify({ USD: 5_000, EUR: 5_000, [CURRENCY]: 5_000 }),
      ALPES_API_KEYS: apiKeysWithPartners([
        { key: OWN_KEY, name: 'own-tax-partner', partnerId: OWN },
        { key: OTHER_KEY, name: 'other-tax-partner', partnerId: OTHER },
      ]),
    });
  }, 60_000);
  afterAll(async () => {
    await sys?.stop();
  });

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
