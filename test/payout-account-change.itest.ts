import { setTimeout as sleep } from 'node:timers/promises';
import {
  bearer,
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { describeWithPostgres } from './support/test-env';

/**
 * Redirecting money needs two people and time: one operator requests a new payout account, a
 * second approves it, it takes effect after PAYOUT_ACCOUNT_COOLOFF, and a payment always pays the
 * account that was in force when it was approved — never one swapped in afterwards.
 */
const COOLOFF_MS = 4_000;
const OLD_ACCOUNT = '0012345678';
const NEW_ACCOUNT = '0099887766';

describeWithPostgres('payout-account changes: four-eyes, cool-off, and the approved account is paid', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({
      PAYOUT_ACCOUNT_COOLOFF: `${COOLOFF_MS}ms`,
      APPROVAL_THRESHOLDS: '{"USD":100000}',
    });
  }, 30_000);
  afterAll(async () => {
    await sys?.stop();
  });

  const as = (key: string) => bearer(key);
  const ledgerAccountOf = async (paymentId: string): Promise<string[]> =>
    (
      (await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${paymentId}`)).body.entries as Array<{
        account: string;
      }>
    ).map((e) => e.account);
  const pay = async (partnerId: string, amountMinor: number): Promise<string> => {
    const res = await http(
      sys.apiUrl,
      'POST',
      '/payments',
      {
        partnerId,
        currency: 'USD',
        lines: [{ reference: `acc-${Math.random().toString(36).slice(2)}`, amountMinor, description: 'x' }],
      },
      as(TEST_KEYS.alice),
    );
    expect(res.status).toBe(202);
    return res.body.id;
  };
  const statusOf = (paymentId: string, status: string) =>
    eventually(
      () => http(sys.apiUrl, 'GET', `/payments/${paymentId}`),
      (r) => r.body?.status === status,
      { timeoutMs: 30_000 },
    );

  it('refuses a plain PATCH of the account, and the requester approving their own change', async () => {
    const partner = await createPartner(sys.apiUrl, { payoutAccount: OLD_ACCOUNT });
    const patched = await http(sys.apiUrl, 'PATCH', `/partners/${partner.id}`, {
      payoutAccount: NEW_ACCOUNT,
    });
    expect(patched.status).toBe(409);
    expect(patched.body.code).toBe('PARTNER.ACCOUNT_CHANGE_NEEDS_APPROVAL');

    const requested = await http(
      sys.apiUrl,
      'POST',
      `/partners/${partner.id}/payout-account-change`,
      { payoutAccount: NEW_ACCOUNT },
      as(TEST_KEYS.alice),
    );
    expect(requested.status).toBe(202);
    expect(requested.body.pendingAccountChange).toMatchObject({
      account: '****7766',
      requestedBy: 'alice',
      approvedBy: null,
    });
    expect(JSON.stringify(requested.body)).not.toContain(NEW_ACCOUNT);

    const self = await http(
      sys.apiUrl,
      'POST',
      `/partners/${partner.id}/payout-account-change/approve`,
      undefined,
      as(TEST_KEYS.alice),
    );
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('PARTNER.FOUR_EYES_VIOLATION');

    const withdrawn = await http(
      sys.apiUrl,
      'DELETE',
      `/partners/${partner.id}/payout-account-change`,
      undefined,
      as(TEST_KEYS.bob),
    );
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ payoutAccount: '****5678', pendingAccountChange: null });
  });

  it('pays the account in force at approval; the new one only after the cool-off', async () => {
    const partner = await createPartner(sys.apiUrl, { payoutAccount: OLD_ACCOUNT });
    // A large payment waits for approval while the change is requested and approved.
    const before = await pay(partner.id, 250_000);
    await statusOf(before, 'AWAITING_APPROVAL');
    expect(
      (
        await http(
          sys.apiUrl,
          'POST',
          `/partners/${partner.id}/payout-account-change`,
          { payoutAccount: NEW_ACCOUNT },
          as(TEST_KEYS.alice),
        )
      ).status,
    ).toBe(202);
    const approved = await http(
      sys.apiUrl,
      'POST',
      `/partners/${partner.id}/payout-account-change/approve`,
      undefined,
      as(TEST_KEYS.bob),
    );
    expect(approved.status).toBe(200);
    const effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
    expect(effectiveAt - Date.now()).toBeGreaterThan(COOLOFF_MS - 2_000);

    // Approved during the cool-off: it is fixed to the old account…
    expect(
      (await http(sys.apiUrl, 'POST', `/payments/${before}/approve`, {}, as(TEST_KEYS.bob))).status,
    ).toBe(200);
    await statusOf(before, 'COMPLETED');
    expect(await ledgerAccountOf(before)).toEqual(['****5678']);
    // …and a small one made during the cool-off too.
    const during = await pay(partner.id, 5_000);
    await statusOf(during, 'COMPLETED');
    expect(await ledgerAccountOf(during)).toEqual(['****5678']);

    // After the cool-off, money goes to the new account, and the partner shows it.
    await sleep(Math.max(0, effectiveAt - Date.now()) + 200);
    const after = await pay(partner.id, 5_000);
    await statusOf(after, 'COMPLETED');
    expect(await ledgerAccountOf(after)).toEqual(['****7766']);
    const shown = await http(sys.apiUrl, 'GET', `/partners/${partner.id}`);
    expect(shown.body).toMatchObject({ payoutAccount: '****7766', pendingAccountChange: null });

    // The trail, as events (accounts masked): requested, approved, and — written down on the next
    // change to the partner — the change itself.
    const held = await http(
      sys.apiUrl,
      'POST',
      `/partners/${partner.id}/payout-hold`,
      { reason: 'audit' },
      as(TEST_KEYS.alice),
    );
    expect(held.status).toBe(200);
    const events = await sys
      .db('events')
      .where({ aggregate_type: 'Partner', aggregate_id: partner.id })
      .orderBy('position');
    expect(events.map((e) => e.type)).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
      'PartnerPayoutAccountChanged',
      'PartnerPayoutHoldPlaced',
    ]);
    expect(JSON.stringify(events)).not.toMatch(new RegExp(`${NEW_ACCOUNT}|${OLD_ACCOUNT}`));
  }, 60_000);

  it('a payment approved before an account change completes to the approved account even after it', async () => {
    const partner = await createPartner(sys.apiUrl, { payoutAccount: OLD_ACCOUNT });
    const payment = await pay(partner.id, 250_000);
    await statusOf(payment, 'AWAITING_APPROVAL');
    // The bank refuses for a while (503s, retried): the payout reaches it after the change took effect.
    sys.bank!.bank.setFaults({ failNext: 20 });
    let effectiveAt = 0;
    try {
      expect(
        (await http(sys.apiUrl, 'POST', `/payments/${payment}/approve`, {}, as(TEST_KEYS.bob))).status,
      ).toBe(200);
      await http(
        sys.apiUrl,
        'POST',
        `/partners/${partner.id}/payout-account-change`,
        { payoutAccount: NEW_ACCOUNT },
        as(TEST_KEYS.alice),
      );
      const approved = await http(
        sys.apiUrl,
        'POST',
        `/partners/${partner.id}/payout-account-change/approve`,
        undefined,
        as(TEST_KEYS.bob),
      );
      effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
      await statusOf(payment, 'COMPLETED');
    } finally {
      sys.bank!.bank.setFaults({ failNext: 0 });
    }
    const [entry] = (await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${payment}`)).body.entries as Array<{
      createdAt: string;
    }>;
    // Paid after the new account took effect — to the account that was approved.
    expect(Date.parse(entry!.createdAt)).toBeGreaterThan(effectiveAt);
    expect(await ledgerAccountOf(payment)).toEqual(['****5678']);
  }, 60_000);
});
