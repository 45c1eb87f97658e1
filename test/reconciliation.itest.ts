/**
 * Reconciliation end to end (issue 26 §1–3), with no mock: payouts run as real workflows and are
 * paid by ISO 20022 bank files to the sandbox bank; the bank's own camt.054 notices and camt.053
 * statements (XSD-checked on the way in) are fetched over HTTP by POST /reconciliation/fetch and
 * matched. The system's bank books on today; a day's statement comes only once the day is over,
 * so a second sandbox bank over the same database, its clock two days ahead, serves them
 * (RECONCILIATION_BANK_URL). Discrepancies are switched on at the bank that books (faults), the
 * balance break at the one that serves statements.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { migrateSandboxBank } from '../src/sandbox-bank/sandbox-bank.migrations';
import { createSandboxBank, type SandboxBank } from '../src/sandbox-bank/sandbox-bank.server';
import { openDatabase } from '../src/shared/db/knex-database';
import type { PaymentWorkflowResult } from '../src/workflows/payment.messages';
import { paymentWorkflowId } from '../src/workflows/workflow-ids';
import { signaturesOf, startNotifyingSystem, type NotifyingSystem } from './support/notification-receivers';
import { iso20022Schemas, xmllintAvailable, type Iso20022Schemas } from './support/iso20022-schemas';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import { createPartner, eventually, http, TEST_KEYS, type TestSystem } from './support/system';
import { describeUnavailable, describeWithPostgres } from './support/test-env';

const TITLE = 'reconciliation: bank statements matched to payouts, returns, exceptions once';
const ROUTES = [
  { method: 'BANK_TRANSFER', currency: 'EUR', providers: ['iso20022-file'] },
  { providers: ['sandbox-bank'] },
];
const FOUR_EYES_ABOVE = 500;
const RECONCILIATION_SCHEDULE_ID = `test-recon-fetch-${randomUUID()}`;
const REFUND_WINDOW_MS = 15_000;
const DAY = 86_400_000;
// A run's id is its period (settlement:<day>[:<currency>]) on the dev server every test file
// shares: this file's periods are days no other file settles.
const RUN_COUNTS_DAYS_AGO = 50;
const RETURN_DAYS_AGO = 45;

const schemasOrMissing = iso20022Schemas();
if (!xmllintAvailable()) {
  describeUnavailable(TITLE, 'xmllint (Debian libxml2-utils: make xmllint)', () => {
    it('needs xmllint', () => undefined);
  });
} else if ('missing' in schemasOrMissing) {
  describeUnavailable(TITLE, schemasOrMissing.missing, () => {
    it('needs the XSDs', () => undefined);
  });
} else {
  const schemas = schemasOrMissing.schemas;
  describeWithPostgres(TITLE, (sharedUrl) => suite(schemas, sharedUrl));
}

interface Exception {
  id: number;
  kind: string;
  status: string;
  reference: string | null;
  amountMinor: number | null;
  paymentId: string | null;
}

function suite(schemas: Iso20022Schemas, sharedUrl: string): void {
  let scratch: ScratchDatabase | undefined;
  let sys: TestSystem;
  let notifying: NotifyingSystem | undefined;
  let db: Knex;
  let later: SandboxBank;
  let laterUrl: string;
  let partnerId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(sharedUrl, 'alpes_reconciliation');
    db = openDatabase({ kind: 'postgres', url: scratch.url });
    await migrateSandboxBank(db);
    later = createSandboxBank({ db, clock: () => new Date(Date.now() + 2 * 86_400_000) });
    laterUrl = await later.start(0, '127.0.0.1');
    // Partners are told for real (SMTP and webhook receivers): a return is news for them.
    notifying = await startNotifyingSystem({
      DATABASE_URL: scratch.url,
      // Long enough for a return to reach a payment's open workflow; short enough to see one close.
      REFUND_WINDOW: `${REFUND_WINDOW_MS}ms`,
      PAYOUT_ACCOUNT_COOLOFF: '1s',
      COMMISSION_HOLD: '1d',
      PAYOUT_MINIMUMS: JSON.stringify({ EUR: 1_000, USD: 1_000 }),
      PAYOUT_ROUTES: JSON.stringify(ROUTES),
      BANK_FILE_SCHEDULE: '1s',
      BANK_FILE_SCHEDULE_ID: `test-recon-bank-files-${randomUUID()}`,
      BANK_FILE_WAIT: '2s',
      PAYOUT_TIMEOUT: '25s',
      ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
      RECONCILIATION_BANK_URL: laterUrl,
      RECONCILIATION_GRACE: '3s',
      RECONCILIATION_WRITE_OFF_FOUR_EYES_MINOR: String(FOUR_EYES_ABOVE),
      RECONCILIATION_CAMT053_XSD: schemas.camt053,
      RECONCILIATION_CAMT054_XSD: schemas.camt054,
      // Never due while the suite runs (1 January): the test triggers it.
      RECONCILIATION_SCHEDULE: '0 0 1 1 *',
      RECONCILIATION_SCHEDULE_ID,
    });
    sys = notifying.sys;
    partnerId = (await createPartner(sys.apiUrl)).id;
  }, 90_000);

  afterAll(async () => {
    // Both Schedules live on the shared dev server: they must not outlive this file.
    for (const id of [sys?.config.rails.bankFiles.scheduleId, RECONCILIATION_SCHEDULE_ID])
      await sys?.client.schedule
        .getHandle(id!)
        .delete()
        .catch(() => undefined);
    await notifying?.stop();
    await later?.stop();
    await db?.destroy();
    await scratch?.drop();
  });

  const bankFaults = async (url: string, faults: Record<string, unknown>) => {
    const res = await http(url, 'PUT', '/admin/faults', faults, { authorization: '' });
    expect(res.status).toBe(200);
  };
  const pay = async (amountMinor: number): Promise<string> => {
    const res = await sys.api('POST', '/payments', {
      partnerId,
      currency: 'EUR',
      lines: [
        { reference: `recon-${randomUUID().slice(0, 8)}`, amountMinor, description: 'reconciliation test' },
      ],
    });
    if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const payment = async (id: string) => (await sys.api('GET', `/payments/${id}`)).body;
  const completed = async (ids: string[]) => {
    for (const id of ids) {
      const p = await eventually(
        () => payment(id),
        (x) => ['COMPLETED', 'FAILED'].includes(x?.status),
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect(p.status).toBe('COMPLETED');
      expect(p.payout.provider).toBe('iso20022-file');
    }
  };
  const fetchStatements = async (key: string = TEST_KEYS.alice) => {
    const res = await sys.api('POST', '/reconciliation/fetch', undefined, key);
    expect(res.status).toBe(200);
    return res.body as { notices: unknown[]; statements: Array<{ applied: boolean }>; notBooked: number };
  };
  const exceptions = async (query = ''): Promise<Exception[]> => {
    const res = await sys.api('GET', `/reconciliation/exceptions${query}`, undefined, TEST_KEYS.viewer);
    expect(res.status).toBe(200);
    return res.body.items as Exception[];
  };
  const upload = (xml: string, key: string = TEST_KEYS.alice) =>
    http(sys.apiUrl, 'POST', '/reconciliation/statements', xml, {
      authorization: `Bearer ${key}`,
      'content-type': 'application/xml',
    });
  const today = () => new Date().toISOString().slice(0, 10);
  const debtor = () => sys.config.rails.bankFiles.debtor.iban;
  const statementXml = async (): Promise<string> => {
    const res = await fetch(`${laterUrl}/statements?account=${debtor()}&date=${today()}`);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** The exceptions added by `act`: exactly the new ones. */
  const newExceptions = async (act: () => Promise<void>): Promise<Exception[]> => {
    const before = new Set((await exceptions()).map((e) => e.id));
    await act();
    return (await exceptions()).filter((e) => !before.has(e.id));
  };

  it('pays by bank file and every payout is BOOKED from the bank’s notices and statement; nothing else', async () => {
    const ids = await Promise.all([pay(10_001), pay(20_002), pay(30_003)]);
    for (const id of ids)
      expect((await payment(id)).reconciliation ?? 'AWAITING_STATEMENT').toBe('AWAITING_STATEMENT');
    await completed(ids);
    const added = await newExceptions(async () => {
      const first = await fetchStatements();
      expect(first.statements.some((s) => s.applied)).toBe(true);
      // Fetched again: every document is the same MsgId, applied before.
      const again = await fetchStatements();
      expect(again.statements.every((s) => !s.applied)).toBe(true);
    });
    expect(added).toEqual([]);
    for (const id of ids) expect((await payment(id)).reconciliation).toBe('BOOKED');
  }, 120_000);

  it('the Schedule (RECONCILIATION_SCHEDULE) fetches on its own: triggered, its run imports the statements and books the payouts', async () => {
    const ids = await Promise.all([pay(11_011), pay(12_012)]);
    await completed(ids);
    for (const id of ids) expect((await payment(id)).reconciliation).toBe('AWAITING_STATEMENT');
    const schedule = sys.client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID);
    const described = await schedule.describe();
    expect(described.action).toMatchObject({ workflowType: 'reconciliationFetchWorkflow' });
    expect(described.policies.overlap).toBe('SKIP');
    expect(described.info.recentActions).toEqual([]);
    const added = await newExceptions(async () => {
      await schedule.trigger();
      const [action] = await eventually(
        async () => (await schedule.describe()).info.recentActions,
        (a) => a.length === 1,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const run = sys.client.workflow.getHandle(
        action!.action.workflow.workflowId,
        action!.action.workflow.firstExecutionRunId,
      );
      const result = await run.result();
      expect(result.applied).toBeGreaterThanOrEqual(1);
      expect(result.booked).toBeGreaterThanOrEqual(ids.length);
      expect(result.exceptions).toBe(0);
    });
    expect(added).toEqual([]);
    for (const id of ids) expect((await payment(id)).reconciliation).toBe('BOOKED');
    const bySchedule = await db('reconciliation_statements')
      .where({ received_by: 'schedule', source: 'fetch' })
      .count({ n: '*' })
      .first();
    expect(Number(bySchedule!.n)).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it.each([
    ['offByOneNextEntry', 'AMOUNT_MISMATCH'],
    ['unorderedNextEntry', 'UNMATCHED_ENTRY'],
    ['duplicateNextEntry', 'DUPLICATE_BOOKING'],
  ])(
    '%s gives one %s exception, once (the same statement twice changes nothing)',
    async (fault, kind) => {
      await bankFaults(sys.bankUrl!, { [fault]: 1 });
      try {
        const id = await pay(4_321);
        await completed([id]);
        const added = await newExceptions(async () => {
          await fetchStatements();
          await fetchStatements();
          const again = await upload(await statementXml());
          expect(again.status).toBe(200);
          expect(again.body.applied).toBe(false);
        });
        expect(added.map((e) => e.kind)).toEqual([kind]);
        expect(added[0]!.status).toBe('OPEN');
        if (kind === 'AMOUNT_MISMATCH') {
          expect(added[0]).toMatchObject({ paymentId: id, amountMinor: 4_322 });
          expect((await payment(id)).reconciliation).toBe('AWAITING_STATEMENT');
        } else if (kind === 'UNMATCHED_ENTRY') {
          expect(added[0]).toMatchObject({ paymentId: null, amountMinor: 1_234 });
          expect((await payment(id)).reconciliation).toBe('BOOKED');
        } else {
          expect(added[0]).toMatchObject({ paymentId: id, amountMinor: 4_321 });
          expect((await payment(id)).reconciliation).toBe('BOOKED');
        }
      } finally {
        await bankFaults(sys.bankUrl!, { [fault]: 0 });
      }
    },
    120_000,
  );

  it('an entry the bank left off: NOT_BOOKED once the grace is over, once', async () => {
    await bankFaults(sys.bankUrl!, { omitNextEntry: 1 });
    try {
      const id = await pay(5_555);
      await completed([id]);
      const early = await newExceptions(async () => void (await fetchStatements()));
      expect(early).toEqual([]);
      await new Promise((r) => setTimeout(r, 3_500));
      const added = await newExceptions(async () => {
        await fetchStatements();
        await fetchStatements();
      });
      expect(added.map((e) => [e.kind, e.paymentId])).toEqual([['NOT_BOOKED', id]]);
      expect((await payment(id)).reconciliation).toBe('AWAITING_STATEMENT');
    } finally {
      await bankFaults(sys.bankUrl!, { omitNextEntry: 0 });
    }
  }, 120_000);

  it('a statement whose balances do not add up: one BALANCE_BREAK, once', async () => {
    await bankFaults(laterUrl, { statementBalanceOffsetMinor: 77 });
    try {
      const added = await newExceptions(async () => {
        await fetchStatements();
        await fetchStatements();
      });
      expect(added.map((e) => e.kind)).toEqual(['BALANCE_BREAK']);
    } finally {
      await bankFaults(laterUrl, { statementBalanceOffsetMinor: 0 });
    }
    expect(await newExceptions(async () => void (await fetchStatements()))).toEqual([]);
  }, 60_000);

  it('a malformed statement is refused whole with the reason; nothing of it applied; the intact one then applies', async () => {
    const id = await pay(6_066);
    await completed([id]);
    const xml = await statementXml();
    const statementsBefore = await db('reconciliation_statements').count({ n: '*' }).first();
    // Not valid against camt.053.001.08: the first entry loses its CdtDbtInd.
    const broken = xml.replace(/(<Ntry>[\s\S]*?)<CdtDbtInd>DBIT<\/CdtDbtInd>/, '$1');
    expect(broken).not.toBe(xml);
    const refused = await upload(broken);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toMatch(/^BANK_FILE\./);
    expect(refused.body.detail).toBeTruthy();
    const notXml = await upload('<not-a-statement');
    expect(notXml.status).toBe(422);
    expect(await db('reconciliation_statements').count({ n: '*' }).first()).toEqual(statementsBefore);
    expect((await payment(id)).reconciliation).toBe('AWAITING_STATEMENT');
    const ok = await upload(xml);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ kind: 'camt.053', applied: true });
    expect((await payment(id)).reconciliation).toBe('BOOKED');
    const twice = await upload(xml);
    expect(twice.body.applied).toBe(false);
  }, 120_000);

  /** The bank sends the payout back with an ISO reason (a camt.054 now, the day's camt.053 later). */
  const bankReturns = async (paymentId: string, reason: string) => {
    const res = await http(
      sys.bankUrl!,
      'POST',
      '/admin/returns',
      { endToEndId: paymentId.replace(/-/g, ''), reason },
      { authorization: '' },
    );
    expect(res.status).toBe(201);
  };
  const workflowResult = (paymentId: string): Promise<PaymentWorkflowResult> =>
    sys.client.workflow.getHandle(paymentWorkflowId(paymentId)).result();
  const returnedEvents = (p: { events: Array<{ type: string; data: Record<string, unknown> }> }) =>
    p.events.filter((e) => e.type === 'PaymentReturned');

  it('a return while the refund window is open: RETURNED once (notice and statement), the workflow ends RETURNED, a refund is refused', async () => {
    const id = await pay(7_070);
    await completed([id]);
    await fetchStatements();
    expect((await payment(id)).reconciliation).toBe('BOOKED');
    await bankReturns(id, 'AC04');
    const added = await newExceptions(async () => {
      await fetchStatements();
      await fetchStatements();
    });
    expect(added).toEqual([]);
    const p = await payment(id);
    expect(p).toMatchObject({ status: 'RETURNED', reconciliation: 'RETURNED' });
    expect(p.reason).toMatch(/^AC04/);
    const events = returnedEvents(p);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ paymentId: id, status: 'RETURNED', returnCode: 'AC04' });
    // Signalled after the commit: the refund window closed with RETURNED, long before its timer.
    expect(await workflowResult(id)).toMatchObject({ status: 'RETURNED' });
    const refund = await sys.api('POST', `/payments/${id}/refund`, { reason: 'too late' }, TEST_KEYS.bob);
    expect(refund.status).toBe(409);
    expect(refund.body.code).toBe('PAYMENT.RETURNED');
    expect((await payment(id)).status).toBe('RETURNED');

    // The same return re-issued under another entry and message: applied, and nothing happens twice.
    const blocks = (await statementXml()).split('<Ntry>');
    const at = blocks.findIndex((b) => b.includes('<RtrInf>') && b.includes(id.replace(/-/g, '')));
    expect(at).toBeGreaterThan(0);
    const ref = /<AcctSvcrRef>([^<]+)<\/AcctSvcrRef>/.exec(blocks[at]!)![1]!;
    blocks[at] = blocks[at]!.split(ref).join(`${ref.slice(0, 30)}R2`);
    const reissued = blocks
      .join('<Ntry>')
      .replace(/<MsgId>[^<]+<\/MsgId>/, `<MsgId>${randomUUID().replace(/-/g, '')}</MsgId>`);
    const again = await newExceptions(async () => {
      const res = await upload(reissued);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ applied: true, returned: 0 });
    });
    expect(again).toEqual([]);
    expect(returnedEvents(await payment(id))).toHaveLength(1);
  }, 120_000);

  it('a settlement run’s page counts its payouts by statement: awaiting, then booked, then one returned (one grouped read)', async () => {
    const partners = [(await createPartner(sys.apiUrl)).id, (await createPartner(sys.apiUrl)).id];
    // Past the hold, above the minimum, below the approval threshold. The USD payout
    // goes through the bank's API: no statement names it, so it is not counted.
    const occurredAt = new Date(Date.now() - 52 * DAY).toISOString();
    const byApi = (await createPartner(sys.apiUrl)).id;
    const accrued = await sys.api('POST', '/commissions', [
      ...partners.map((p, i) => ({
        externalRef: `recon-run-${randomUUID().slice(0, 8)}`,
        partnerId: p,
        currency: 'EUR',
        amountMinor: 8_080 + i,
        description: 'reconciliation run',
        occurredAt,
      })),
      {
        externalRef: `recon-run-${randomUUID().slice(0, 8)}`,
        partnerId: byApi,
        currency: 'USD',
        amountMinor: 9_090,
        description: 'reconciliation run, by the bank API',
        occurredAt,
      },
    ]);
    expect(accrued.status).toBe(201);
    const periodEnd = new Date(Date.now() - RUN_COUNTS_DAYS_AGO * DAY).toISOString().slice(0, 10);
    const started = await sys.api('POST', '/settlements', { periodEnd }, TEST_KEYS.admin);
    expect(started.status).toBe(202);
    const runId = started.body.settlementId as string;
    const run = async () => (await sys.api('GET', `/settlements/${encodeURIComponent(runId)}`)).body;
    const done = await eventually(run, (r) => r?.status === 'COMPLETED', {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    const items = done.items as Array<{ paymentId: string; currency: string }>;
    expect(items).toHaveLength(3);
    const payouts = items.filter((i) => i.currency === 'EUR').map((i) => i.paymentId);
    for (const id of payouts) expect((await payment(id)).payout.provider).toBe('iso20022-file');
    const usd = items.find((i) => i.currency === 'USD')!.paymentId;
    expect((await payment(usd)).payout.provider).toBe('sandbox-bank');
    expect(done.reconciliation).toEqual({ booked: 0, returned: 0, awaitingStatement: 2 });

    await fetchStatements();
    expect((await run()).reconciliation).toEqual({ booked: 2, returned: 0, awaitingStatement: 0 });

    const returned = await http(
      sys.bankUrl!,
      'POST',
      '/admin/returns',
      { endToEndId: payouts[0]!.replace(/-/g, ''), reason: 'AC06' },
      { authorization: '' },
    );
    expect(returned.status).toBe(201);
    await fetchStatements();
    expect((await run()).reconciliation).toEqual({ booked: 1, returned: 1, awaitingStatement: 0 });
  }, 150_000);
  it('a return whose signal was lost (recorded, the workflow not told): the refund is still refused before money moves', async () => {
    const id = await pay(7_171);
    await completed([id]);
    // As a crash between the return's commit and its signal leaves it: RETURNED in the database only.
    await db('payments').where({ id, status: 'COMPLETED' }).update({ status: 'RETURNED' });
    const refund = await sys.api('POST', `/payments/${id}/refund`, { reason: 'chargeback' }, TEST_KEYS.bob);
    expect(refund.status).toBe(409);
    expect(refund.body.code).toBe('PAYMENT.RETURNED');
    expect(await workflowResult(id)).toMatchObject({ status: 'RETURNED' });
    const p = await payment(id);
    expect(p.status).toBe('RETURNED');
    expect(p.events.map((e: { type: string }) => e.type)).not.toContain('PaymentRefunded');
    const ledger = async (ref: string) =>
      (await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${ref}`, undefined, { authorization: '' })).body
        .entries as Array<{ kind: string }>;
    const entries = [...(await ledger(id)), ...(await ledger(id.replace(/-/g, '')))];
    expect(entries.map((e) => e.kind)).toContain('PAYOUT');
    expect(entries.map((e) => e.kind)).not.toContain('REFUND');
  }, 60_000);

  it('a returned settlement payout: commissions PAYABLE, the partner told why, skipped until the method changes, then paid once', async () => {
    const { smtp, receiver } = notifying!;
    const partner = await createPartner(sys.apiUrl, { webhookUrl: receiver.url() });
    const rotated = await sys.api('POST', `/partners/${partner.id}/webhook-secret`);
    expect(rotated.status).toBe(200);
    const secret = rotated.body.secret as string;
    const refs = [`ret-${randomUUID()}`, `ret-${randomUUID()}`];
    const accrued = await sys.api(
      'POST',
      '/commissions',
      refs.map((externalRef, i) => ({
        externalRef,
        partnerId: partner.id,
        currency: 'EUR',
        amountMinor: [3_000, 4_500][i],
        description: 'returned and paid again',
        occurredAt: new Date(Date.now() - (RETURN_DAYS_AGO + 1) * DAY).toISOString(),
      })),
    );
    expect(accrued.status).toBe(201);
    const statusOf = async (ref: string) =>
      (await sys.api('GET', `/commissions/${ref}`)).body.status as string;
    const paymentsOf = async () =>
      (await sys.api('GET', `/payments?partnerId=${partner.id}&limit=10`)).body.items as Array<{
        id: string;
      }>;
    /** One run over the period ending `daysAgo` days ago (one run per period: each call its own). */
    const settle = async (daysAgo: number) => {
      const periodEnd = new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
      const started = await sys.api('POST', '/settlements', { periodEnd, currency: 'EUR' });
      expect(started.status).toBe(202);
      return eventually(
        async () =>
          (await sys.api('GET', `/settlements/${encodeURIComponent(started.body.settlementId)}`)).body,
        (r) => r?.status === 'COMPLETED',
        { timeoutMs: 90_000, intervalMs: 500 },
      ) as Promise<{
        items: Array<{ partnerId: string; paymentId: string | null; netMinor: string }>;
        skipped: Array<{ partnerId: string; skipReason: string; netMinor: string }>;
      }>;
    };

    const first = await settle(RETURN_DAYS_AGO);
    expect(first.items.filter((i) => i.partnerId === partner.id)).toMatchObject([{ netMinor: '7500' }]);
    const [paid] = await paymentsOf();
    await completed([paid!.id]);
    for (const ref of refs) expect(await statusOf(ref)).toBe('SETTLED');
    // Returns after the refund window still work: the payout's workflow has closed.
    expect(await workflowResult(paid!.id)).toMatchObject({ status: 'COMPLETED' });
    await fetchStatements();
    expect((await payment(paid!.id)).reconciliation).toBe('BOOKED');

    await bankReturns(paid!.id, 'AC04');
    const added = await newExceptions(async () => {
      await fetchStatements();
      await fetchStatements();
    });
    expect(added).toEqual([]);
    const p = await payment(paid!.id);
    expect(p).toMatchObject({ status: 'RETURNED', reconciliation: 'RETURNED' });
    expect(returnedEvents(p).map((e) => e.data.commissionsReleased)).toEqual([2]);
    for (const ref of refs) expect(await statusOf(ref)).toBe('PAYABLE');

    // Told by email and by signed webhook, in words a partner understands.
    const email = await eventually(
      async () =>
        smtp.messages.find((m) => m.to.includes(partner.email as string) && /returned/.test(m.subject)),
      (m) => m !== undefined,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(email!.subject).toBe('Alpes Partners: Payment of €75.00 returned by your bank');
    expect(email!.text).toContain(
      'Reason: Your bank reports the account closed: add a new payout method (AC04).',
    );
    const hook = await eventually(
      async () =>
        receiver.requests.find(
          (w) => w.body?.partnerId === partner.id && w.body?.type === 'PAYMENT_RETURNED',
        ),
      (w) => w !== undefined,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(hook!.body.data).toMatchObject({ paymentId: paid!.id, amountMinor: 7_500, currency: 'EUR' });
    expect(hook!.body.data.reason).toMatch(/^AC04/);
    const { t, v1 } = signaturesOf(String(hook!.headers['x-alpes-signature']));
    expect(v1[0]).toBe(createHmac('sha256', secret).update(`${t}.${hook!.rawBody}`).digest('hex'));

    const payability = async () =>
      (await sys.api('GET', `/partners/${partner.id}/payability`)).body as {
        payable: boolean;
        reasons: Array<{ code: string; blocking: boolean }>;
      };
    expect(await payability()).toMatchObject({
      payable: false,
      reasons: expect.arrayContaining([
        expect.objectContaining({ code: 'PAYOUT_METHOD_RETURNED', blocking: true }),
      ]),
    });
    const second = await settle(RETURN_DAYS_AGO - 1);
    expect(second.items.filter((i) => i.partnerId === partner.id)).toEqual([]);
    expect(second.skipped.filter((i) => i.partnerId === partner.id)).toMatchObject([
      { skipReason: 'PAYOUT_METHOD_RETURNED', netMinor: '7500' },
    ]);
    expect(await paymentsOf()).toHaveLength(1);

    // The partner gives a new account; once it is in force the flag is gone.
    const requested = await sys.api(
      'POST',
      `/partners/${partner.id}/payout-methods`,
      { currency: '*', method: { type: 'BANK_TRANSFER', iban: 'NL91ABNA0417164300', bic: 'ABNANL2A' } },
      TEST_KEYS.alice,
    );
    expect(requested.status).toBe(202);
    const approved = await sys.api(
      'POST',
      `/partners/${partner.id}/payout-account-change/approve`,
      undefined,
      TEST_KEYS.bob,
    );
    expect(approved.status).toBe(200);
    const effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
    await new Promise((r) => setTimeout(r, Math.max(0, effectiveAt - Date.now()) + 100));
    expect((await payability()).reasons.map((r) => r.code)).not.toContain('PAYOUT_METHOD_RETURNED');

    const third = await settle(RETURN_DAYS_AGO - 2);
    const again = third.items.filter((i) => i.partnerId === partner.id);
    expect(again).toMatchObject([{ netMinor: '7500' }]);
    await completed([again[0]!.paymentId!]);
    const repaid = await payment(again[0]!.paymentId!);
    expect(repaid.totalMinor).toBe(7_500);
    expect(await paymentsOf()).toHaveLength(2);
    for (const ref of refs) expect(await statusOf(ref)).toBe('SETTLED');
    // Exactly once: a later run finds nothing of it left to pay.
    const fourth = await settle(RETURN_DAYS_AGO - 3);
    expect([...fourth.items, ...fourth.skipped].filter((i) => i.partnerId === partner.id)).toEqual([]);
  }, 240_000);

  it('resolving: with a reason, audited; a write-off above the threshold needs a second operator', async () => {
    const [big] = await exceptions('?kind=UNMATCHED_ENTRY&status=OPEN');
    expect(big!.amountMinor).toBeGreaterThan(FOUR_EYES_ABOVE);
    const path = `/reconciliation/exceptions/${big!.id}/resolve`;
    const proposed = await sys.api(
      'POST',
      path,
      { resolution: 'WRITE_OFF', reason: 'bank fee, agreed' },
      TEST_KEYS.alice,
    );
    expect(proposed.status).toBe(202);
    expect(proposed.body.status).toBe('AWAITING_SECOND_APPROVAL');
    const self = await sys.api(
      'POST',
      path,
      { resolution: 'WRITE_OFF', reason: 'me again' },
      TEST_KEYS.alice,
    );
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('RECONCILIATION.FOUR_EYES_VIOLATION');
    const confirmed = await sys.api(
      'POST',
      path,
      { resolution: 'WRITE_OFF', reason: 'confirmed' },
      TEST_KEYS.bob,
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('RESOLVED');
    const again = await sys.api(
      'POST',
      path,
      { resolution: 'EXPLAINED', reason: 'once more' },
      TEST_KEYS.bob,
    );
    expect(again.status).toBe(409);
    const [resolved] = (await exceptions('?kind=UNMATCHED_ENTRY')).filter((e) => e.id === big!.id);
    expect(resolved).toMatchObject({ status: 'RESOLVED', proposedBy: 'alice', resolvedBy: 'bob' });

    const [mismatch] = await exceptions('?kind=AMOUNT_MISMATCH&status=OPEN');
    const explained = await sys.api(
      'POST',
      `/reconciliation/exceptions/${mismatch!.id}/resolve`,
      { resolution: 'WRITE_OFF', reason: 'one cent, bank rounding' },
      TEST_KEYS.alice,
    );
    expect(explained.status).toBe(200);
    const audit = await sys.api('GET', '/audit?action=reconciliation.resolve', undefined, TEST_KEYS.admin);
    expect(audit.status).toBe(200);
    const entries = audit.body.items as Array<{
      actor: { name: string };
      targetId: string;
      outcomeStatus: number;
    }>;
    expect(
      entries
        .filter((e) => e.targetId === String(big!.id))
        .map((e) => [e.actor.name, e.outcomeStatus])
        .sort(),
    ).toEqual(
      [
        ['alice', 202],
        ['alice', 409],
        ['bob', 200],
        ['bob', 409],
      ].sort(),
    );
  }, 60_000);

  it('the day’s report: every payout and entry with how it matched, as JSON and CSV (numbers stay numbers)', async () => {
    const json = await sys.api('GET', `/reconciliation/report?date=${today()}`, undefined, TEST_KEYS.viewer);
    expect(json.status).toBe(200);
    const rows = json.body.rows as Array<{ source: string; matchedAs: string; amountMinor: number }>;
    expect(rows.filter((r) => r.source === 'PAYOUT').length).toBeGreaterThanOrEqual(8);
    expect(rows.some((r) => r.matchedAs === 'RETURNED')).toBe(true);
    const csv = await sys.api(
      'GET',
      `/reconciliation/report?date=${today()}&format=csv`,
      undefined,
      TEST_KEYS.viewer,
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe(
      'source,paymentId,endToEndId,entryRef,batchRef,account,bookingDate,creditDebit,amountMinor,currency,matchedAs',
    );
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines.some((l) => /,10001,EUR,BOOKED$/.test(l))).toBe(true);
    const metrics = await sys.api('GET', '/metrics', undefined, TEST_KEYS.admin);
    expect(metrics.body).toMatch(/alpes_reconciliation_exceptions\{kind="NOT_BOOKED"\} 1/);
    expect(metrics.body).toMatch(/alpes_reconciliation_exceptions_oldest_seconds \d/);
    expect(metrics.body).toMatch(/alpes_reconciliation_awaiting_statement [1-9]/);
  }, 30_000);
}
