import { createPartner, eventually, startTestSystem, TEST_KEYS, type TestSystem } from './support/system';
import { describeWithPostgres } from './support/test-env';

/**
 * The audit entry commits with the change it records (issue 23, item 7): a use case writes it in
 * its own transaction, so no crash can leave a change without its entry. Checked the way
 * PostgreSQL sees it: the entry and the row it is about were written by one transaction (the same
 * `xmin`, the id of the transaction that wrote a row version). Refusals change nothing and are
 * written once their answer is out.
 */
describeWithPostgres('audit entries commit with their change', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({}, ['api']);
  }, 30_000);
  afterAll(async () => {
    await sys?.stop();
  }, 30_000);

  /** The transaction that wrote a row (its current version), as text. */
  const writer = async (table: string, where: Record<string, string>): Promise<string> => {
    const row = (await sys.db(table).where(where).first(sys.db.raw('xmin::text as xmin'))) as
      { xmin: string } | undefined;
    if (!row) throw new Error(`no ${table} row ${JSON.stringify(where)}`);
    return row.xmin;
  };
  const auditEntry = (action: string, targetId: string, outcome: number) =>
    eventually(
      () =>
        sys
          .db('audit_log')
          .where({ action, target_id: targetId, outcome_status: outcome })
          .first(sys.db.raw('xmin::text as xmin'), 'id'),
      (row) => row !== undefined,
      { timeoutMs: 5_000 },
    ) as Promise<{ xmin: string; id: string }>;

  it('a partner registered: the partner and its entry in one transaction', async () => {
    const { id } = await createPartner(sys.apiUrl);
    const entry = await auditEntry('partner.create', id, 201);
    expect(entry.xmin).toBe(await writer('partners', { id }));
  });

  it('a payout hold placed: the changed partner and its entry in one transaction', async () => {
    const { id } = await createPartner(sys.apiUrl);
    const held = await sys.api(
      'POST',
      `/partners/${id}/payout-hold`,
      { reason: 'KYC review' },
      TEST_KEYS.alice,
    );
    expect(held.status).toBe(200);
    const entry = await auditEntry('partner.payout-hold.place', id, 200);
    expect(entry.xmin).toBe(await writer('partners', { id }));
  });

  it('a commission accrued: the commission and its entry in one transaction', async () => {
    const { id: partnerId } = await createPartner(sys.apiUrl);
    const externalRef = `audit-${Date.now()}`;
    const body = {
      externalRef,
      partnerId,
      currency: 'USD',
      amountMinor: 1_250,
      occurredAt: new Date().toISOString(),
    };
    expect((await sys.api('POST', '/commissions', body, TEST_KEYS.alice)).status).toBe(201);
    const entry = await auditEntry('commission.create', externalRef, 201);
    expect(entry.xmin).toBe(await writer('commissions', { external_ref: externalRef }));
    // Sent again: nothing new, and the entry says what the caller got.
    expect((await sys.api('POST', '/commissions', body, TEST_KEYS.alice)).status).toBe(200);
    await auditEntry('commission.create', externalRef, 200);
  });

  it('a refusal changes nothing and is audited when its answer is out', async () => {
    const { id } = await createPartner(sys.apiUrl);
    expect(
      (await sys.api('POST', `/partners/${id}/payout-hold`, { reason: 'once' }, TEST_KEYS.alice)).status,
    ).toBe(200);
    const twice = await sys.api('POST', `/partners/${id}/payout-hold`, { reason: 'twice' }, TEST_KEYS.alice);
    expect(twice.status).toBe(409);
    const refused = await auditEntry('partner.payout-hold.place', id, 409);
    expect(refused.xmin).not.toBe(await writer('partners', { id }));
  });
});
