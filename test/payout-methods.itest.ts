import { setTimeout as sleep } from 'node:timers/promises';
import {
  apiKeysWithPartners,
  httpWithoutKey,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { seedPartnersBeforeStart } from './support/partner-seed';
import { describeWithPostgres } from './support/test-env';

/**
 * Payout methods per currency (issue 25 §1): requested by one operator, approved by another, in
 * force after PAYOUT_ACCOUNT_COOLOFF, and only ever shown masked. Real API, worker, Temporal dev
 * server and PostgreSQL.
 */
const COOLOFF_MS = 2_000;
const IBAN = 'GB82WEST12345698765432';
const BIC = 'NWBKGB2L';
const STRIPE_ACCOUNT = 'acct_1Nv0FGQ9RKHgCVdK';
const OWN_PARTNER = globalThis.crypto.randomUUID();
const OTHER_PARTNER = globalThis.crypto.randomUUID();
const OWN_KEY = 'test-own-methods-Qm7xV2pL9sRk4TzN8bWc3HdJ6fYg1AeU5oXi0nKr';
const SELF_PARTNER = globalThis.crypto.randomUUID();
const SELF_KEY = 'test-self-methods-Vb3nR8kW1qZp6TxL4mJc9HsD2fYg7AeU5oXi0nKa';
/** Sandbox bank only (the test system's one provider), in shapes that show every field. */
const ROUTES = [
  {
    method: 'BANK_TRANSFER',
    currency: 'EUR',
    country: 'GB',
    providers: [{ name: 'sandbox-bank', maxAmountMinor: 500_000 }],
  },
  { providers: ['sandbox-bank'] },
];

describeWithPostgres(
  'partner payout methods: request, four-eyes approval, cool-off, masked',
  (databaseUrl) => {
    let sys: TestSystem;
    /** Every response body this file saw: none may carry a full IBAN or Stripe account id. */
    const seen: string[] = [];

    beforeAll(async () => {
      await seedPartnersBeforeStart(databaseUrl, [
        { id: OWN_PARTNER, name: 'Own Methods Partner', payoutAccount: '0012345678' },
        { id: OTHER_PARTNER, name: 'Other Methods Partner', payoutAccount: '0012345679' },
        { id: SELF_PARTNER, name: 'Self-service Methods Partner', payoutAccount: '0012345670' },
      ]);
      sys = await startTestSystem({
        PAYOUT_ACCOUNT_COOLOFF: `${COOLOFF_MS}ms`,
        ALPES_API_KEYS: apiKeysWithPartners([
          { key: OWN_KEY, name: 'own-methods-partner', partnerId: OWN_PARTNER },
          { key: SELF_KEY, name: 'self-methods-partner', partnerId: SELF_PARTNER },
        ]),
        PAYOUT_ROUTES: JSON.stringify(ROUTES),
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
    const requestMethod = (partnerId: string, body: unknown, key: string = TEST_KEYS.alice) =>
      call('POST', `/partners/${partnerId}/payout-methods`, body, key);
    const approve = (partnerId: string, key: string = TEST_KEYS.bob) =>
      call('POST', `/partners/${partnerId}/payout-account-change/approve`, undefined, key);
    const methodsOf = (partnerId: string, key: string = TEST_KEYS.viewer) =>
      call('GET', `/partners/${partnerId}/payout-methods`, undefined, key);
    const untilEffective = async (effectiveAt: string) =>
      sleep(Math.max(0, Date.parse(effectiveAt) - Date.now()) + 200);

    it('an IBAN + BIC method for EUR: the requester cannot approve, a second operator does, in force after the cool-off', async () => {
      const requested = await requestMethod(OWN_PARTNER, {
        currency: 'EUR',
        method: {
          type: 'BANK_TRANSFER',
          iban: 'gb82 west 1234 5698 7654 32',
          bic: BIC,
          accountHolder: 'Own Ltd',
        },
      });
      expect(requested.status).toBe(202);
      expect(requested.body.pendingAccountChange).toMatchObject({
        account: '****5432',
        currency: 'EUR',
        method: {
          type: 'BANK_TRANSFER',
          scheme: 'IBAN',
          iban: 'GB82…5432',
          bic: BIC,
          accountHolder: 'Own Ltd',
        },
        requestedBy: 'alice',
        approvedBy: null,
      });

      const self = await approve(OWN_PARTNER, TEST_KEYS.alice);
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('PARTNER.FOUR_EYES_VIOLATION');

      const approved = await approve(OWN_PARTNER);
      expect(approved.status).toBe(200);
      const effectiveAt: string = approved.body.pendingAccountChange.effectiveAt;
      expect(Date.parse(effectiveAt) - Date.now()).toBeGreaterThan(COOLOFF_MS - 1_500);

      // During the cool-off: nothing in force yet, the change pending.
      const during = await methodsOf(OWN_PARTNER);
      expect(during.status).toBe(200);
      expect(during.body).toMatchObject({
        partnerId: OWN_PARTNER,
        methods: [],
        legacyAccount: '****5678',
        pendingChange: { currency: 'EUR', approvedBy: 'bob', effectiveAt },
      });

      await untilEffective(effectiveAt);
      const after = await methodsOf(OWN_PARTNER);
      expect(after.body).toEqual({
        partnerId: OWN_PARTNER,
        methods: [
          {
            currency: 'EUR',
            method: {
              type: 'BANK_TRANSFER',
              scheme: 'IBAN',
              iban: 'GB82…5432',
              bic: BIC,
              accountHolder: 'Own Ltd',
            },
          },
        ],
        legacyAccount: '****5678',
        pendingChange: null,
      });
      // The partner reads its own methods the same way.
      expect((await methodsOf(OWN_PARTNER, OWN_KEY)).body).toEqual(after.body);

      // Written down on the next change, with its event; events carry masked values only.
      const stripe = await requestMethod(OWN_PARTNER, {
        currency: 'USD',
        method: { type: 'STRIPE_CONNECT', accountId: STRIPE_ACCOUNT },
      });
      expect(stripe.status).toBe(202);
      const events = await sys
        .db('events')
        .where({ aggregate_type: 'Partner', aggregate_id: OWN_PARTNER })
        .orderBy('position');
      expect(events.map((e) => e.type)).toEqual([
        'PartnerPayoutAccountChangeRequested',
        'PartnerPayoutAccountChangeApproved',
        'PartnerPayoutAccountChanged',
        'PartnerPayoutAccountChangeRequested',
      ]);
      expect(events[2].data).toMatchObject({
        currency: 'EUR',
        fromAccount: '****5678',
        toAccount: '****5432',
      });
      expect(JSON.stringify(events)).not.toMatch(new RegExp(`${IBAN}|${STRIPE_ACCOUNT}`));
    }, 60_000);

    it('a Stripe Connect account as the default for every currency', async () => {
      const requested = await requestMethod(OTHER_PARTNER, {
        currency: '*',
        method: { type: 'STRIPE_CONNECT', accountId: STRIPE_ACCOUNT },
      });
      expect(requested.status).toBe(202);
      expect(requested.body.pendingAccountChange).toMatchObject({
        account: '****CVdK',
        currency: '*',
        method: { type: 'STRIPE_CONNECT', accountId: 'acct_…CVdK' },
      });
      const approved = await approve(OTHER_PARTNER);
      expect(approved.status).toBe(200);
      await untilEffective(approved.body.pendingAccountChange.effectiveAt);
      const shown = await methodsOf(OTHER_PARTNER, TEST_KEYS.alice);
      expect(shown.body.methods).toEqual([
        { currency: '*', method: { type: 'STRIPE_CONNECT', accountId: 'acct_…CVdK' } },
      ]);
    }, 60_000);

    it('refuses an invalid IBAN, BIC, Stripe id or currency as problem+json with a code, never a 500', async () => {
      const cases: Array<[unknown, number, string | undefined]> = [
        [
          { currency: 'EUR', method: { type: 'BANK_TRANSFER', iban: 'GB82WEST12345698765433', bic: BIC } },
          422,
          'PAYOUT_METHOD.INVALID_IBAN',
        ],
        [
          { currency: 'EUR', method: { type: 'BANK_TRANSFER', iban: IBAN, bic: 'NWBK' } },
          422,
          'PAYOUT_METHOD.INVALID_BIC',
        ],
        [
          { currency: 'EUR', method: { type: 'BANK_TRANSFER', iban: IBAN } },
          422,
          'PAYOUT_METHOD.INVALID_BIC',
        ],
        [
          {
            currency: 'USD',
            method: {
              type: 'BANK_TRANSFER',
              accountNumber: '000123456789',
              bankCode: '021000021',
              country: 'XX',
            },
          },
          422,
          'PAYOUT_METHOD.INVALID_COUNTRY',
        ],
        [
          { currency: 'USD', method: { type: 'STRIPE_CONNECT', accountId: 'acct_12-34' } },
          422,
          'PAYOUT_METHOD.INVALID_STRIPE_ACCOUNT',
        ],
        [
          { currency: 'XYZ', method: { type: 'STRIPE_CONNECT', accountId: STRIPE_ACCOUNT } },
          422,
          'PARTNER.INVALID_METHOD_CURRENCY',
        ],
        [{ currency: 'euro', method: { type: 'STRIPE_CONNECT', accountId: STRIPE_ACCOUNT } }, 400, undefined],
        [{ currency: 'EUR', method: { type: 'PAYPAL', email: 'x@y.z' } }, 400, undefined],
        [{ currency: 'EUR' }, 400, undefined],
      ];
      for (const [body, status, code] of cases) {
        const res = await requestMethod(OTHER_PARTNER, body);
        expect({ body, status: res.status, code: res.body?.code }).toEqual({ body, status, code });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }, 60_000);

    it('who may: a partner reads only its own methods (another’s is 404); viewers never request one', async () => {
      expect((await methodsOf(OTHER_PARTNER, OWN_KEY)).status).toBe(404);
      expect((await methodsOf(globalThis.crypto.randomUUID())).status).toBe(404);
      const byViewer = await requestMethod(
        OWN_PARTNER,
        { currency: 'GBP', method: { type: 'STRIPE_CONNECT', accountId: STRIPE_ACCOUNT } },
        TEST_KEYS.viewer,
      );
      expect(byViewer.status).toBe(403);
    }, 30_000);

    it('a partner requests a method for itself (another partner’s id is 404); only an operator approves it', async () => {
      const body = {
        currency: 'EUR',
        method: { type: 'BANK_TRANSFER', iban: IBAN, bic: BIC, accountHolder: 'Self Ltd' },
      };
      const forAnother = await requestMethod(OTHER_PARTNER, body, SELF_KEY);
      expect(forAnother.status).toBe(404);
      expect((await methodsOf(OTHER_PARTNER, TEST_KEYS.alice)).body.pendingChange).toBeNull();

      const requested = await requestMethod(SELF_PARTNER, body, SELF_KEY);
      expect(requested.status).toBe(202);
      expect(requested.body.pendingAccountChange).toMatchObject({
        currency: 'EUR',
        method: { type: 'BANK_TRANSFER', scheme: 'IBAN', iban: 'GB82…5432', bic: BIC },
        requestedBy: 'self-methods-partner',
        approvedBy: null,
      });
      const audit = await sys
        .db('audit_log')
        .where({ target_id: SELF_PARTNER })
        .select('action', 'actor_name', 'actor_role');
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'partner.payout-method-change.request',
            actor_name: 'self-methods-partner',
            actor_role: 'partner',
          }),
        ]),
      );

      // The partner can neither approve its own request nor withdraw it; a second request waits.
      expect((await approve(SELF_PARTNER, SELF_KEY)).status).toBe(403);
      expect(
        (await call('DELETE', `/partners/${SELF_PARTNER}/payout-account-change`, undefined, SELF_KEY)).status,
      ).toBe(403);
      const again = await requestMethod(SELF_PARTNER, body, SELF_KEY);
      expect(again.status).toBe(409);
      expect((await methodsOf(SELF_PARTNER, SELF_KEY)).body.pendingChange).toMatchObject({
        requestedBy: 'self-methods-partner',
        approvedBy: null,
      });

      const approved = await approve(SELF_PARTNER, TEST_KEYS.alice);
      expect(approved.status).toBe(200);
      await untilEffective(approved.body.pendingAccountChange.effectiveAt);
      expect((await methodsOf(SELF_PARTNER, SELF_KEY)).body.methods).toEqual([
        {
          currency: 'EUR',
          method: {
            type: 'BANK_TRANSFER',
            scheme: 'IBAN',
            iban: 'GB82…5432',
            bic: BIC,
            accountHolder: 'Self Ltd',
          },
        },
      ]);
    }, 60_000);

    it('GET /payout-routes: the configured routes, for operators and viewers only', async () => {
      const expected = {
        items: [
          {
            method: 'BANK_TRANSFER',
            currency: 'EUR',
            country: 'GB',
            providers: [{ name: 'sandbox-bank', maxAmountMinor: 500_000 }],
          },
          {
            method: '*',
            currency: '*',
            country: '*',
            providers: [{ name: 'sandbox-bank', maxAmountMinor: null }],
          },
        ],
      };
      for (const key of [TEST_KEYS.viewer, TEST_KEYS.alice]) {
        const res = await call('GET', '/payout-routes', undefined, key);
        expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: expected });
      }
      expect((await call('GET', '/payout-routes', undefined, SELF_KEY)).status).toBe(403);
      expect((await httpWithoutKey(sys.apiUrl, 'GET', '/payout-routes')).status).toBe(401);
    }, 30_000);

    afterAll(() => {
      // No response body of this file carried a full IBAN or Stripe account id.
      for (const body of seen) expect(body).not.toMatch(new RegExp(`${IBAN}|${STRIPE_ACCOUNT}`, 'i'));
    });
  },
);
