/**
 * Payout rails end to end (issue 25 §2–3), with no mock: PAYOUT_ROUTES sends EUR bank transfers to
 * the ISO 20022 file rail first and the sandbox bank's API second, USD ones to the file rail only.
 * Payments run as real workflows on the Temporal dev server; the bank-file cycle runs on its own
 * Schedule, batches pain.001 files (checked here against the official XSD), sends them to the
 * sandbox bank over HTTP, and applies its pain.002 reports. PostgreSQL is a scratch database: the
 * cycle and the janitor look at every transfer of their database.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankFileStore } from '../src/infra/rails/iso20022/bank-file.store';
import { parsePain002 } from '../src/infra/rails/iso20022/pain002.parser';
import { buildPain002 } from '../src/sandbox-bank/pain002.builder';
import { openDatabase } from '../src/shared/db/knex-database';
import {
  payoutJanitorWorkflowType,
  type PayoutJanitorResult,
  type PayoutJanitorWorkflow,
} from '../src/workflows/payout-janitor.messages';
import { startStripeMock, stripeMockAvailable, type StripeMock } from './support/stripe-mock';
import { iso20022Schemas, xmllint, xmllintAvailable, type Iso20022Schemas } from './support/iso20022-schemas';
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database';
import {
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { describeUnavailable, describeWithPostgres } from './support/test-env';

const TITLE = 'payout rails: routes, the ISO 20022 file rail, fallback only on a definite refusal';
const METHOD_IBAN = 'NL91ABNA0417164300';
const WEBHOOK_SECRET = 'whsec_railsTestSecret0123456789';
const METHOD_BIC = 'ABNANL2A';

const ROUTES = [
  // British accounts go straight to the sandbox bank's API; Stripe methods to Stripe (stripe-mock).
  { method: 'BANK_TRANSFER', currency: 'EUR', country: 'GB', providers: ['sandbox-bank'] },
  { method: 'STRIPE_CONNECT', providers: ['stripe'] },
  { method: 'BANK_TRANSFER', currency: 'EUR', providers: ['iso20022-file', 'sandbox-bank'] },
  { method: 'BANK_TRANSFER', currency: 'USD', providers: ['iso20022-file'] },
  { providers: ['sandbox-bank'] },
];

interface LedgerEntry {
  kind: 'PAYOUT' | 'REFUND';
  amountMinor: number;
}

const schemasOrMissing = iso20022Schemas();
if (!xmllintAvailable()) {
  describeUnavailable(TITLE, 'xmllint (Debian libxml2-utils: make xmllint)', () => {
    it('needs xmllint', () => undefined);
  });
} else if (!stripeMockAvailable()) {
  describeUnavailable(TITLE, 'stripe-mock (make stripe-mock)', () => {
    it('needs stripe-mock', () => undefined);
  });
} else if ('missing' in schemasOrMissing) {
  describeUnavailable(TITLE, schemasOrMissing.missing, () => {
    it('needs the XSDs', () => undefined);
  });
} else {
  const schemas = schemasOrMissing.schemas;
  describeWithPostgres(TITLE, (sharedUrl) => suite(schemas, sharedUrl));
}

function suite(schemas: Iso20022Schemas, sharedUrl: string): void {
  let scratch: ScratchDatabase | undefined;
  let sys: TestSystem;
  let dir: string;
  let stripe: StripeMock | undefined;

  beforeAll(async () => {
    stripe = await startStripeMock();
    scratch = await createScratchDatabase(sharedUrl, 'alpes_payout_rails');
    dir = mkdtempSync(join(tmpdir(), 'alpes-rails-'));
    sys = await startTestSystem({
      DATABASE_URL: scratch.url,
      PAYOUT_ROUTES: JSON.stringify(ROUTES),
      // The bank checks every file we send against the official XSD: accepted means valid.
      SANDBOX_BANK_PAIN001_XSD: schemas.pain001,
      BANK_FILE_SCHEDULE: '1s',
      BANK_FILE_SCHEDULE_ID: `test-bank-files-${randomUUID()}`,
      BANK_FILE_WAIT: '2s',
      PAYOUT_TIMEOUT: '25s',
      PAYOUT_ACCOUNT_COOLOFF: '1s',
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      COMMISSION_HOLD: '1d',
      PAYOUT_MINIMUMS: JSON.stringify({ EUR: 1_000, USD: 1_000 }),
      ACTIVITY_START_TO_CLOSE_TIMEOUT: '5s',
    });
  }, 90_000);

  afterAll(async () => {
    // The cycle's Schedule lives on the shared dev server: it must not outlive this file.
    await sys?.client.schedule
      .getHandle(sys.config.rails.bankFiles.scheduleId)
      .delete()
      .catch(() => undefined);
    await sys?.stop();
    await scratch?.drop();
    await stripe?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const bank = (method: string, path: string, body?: unknown) =>
    http(sys.bankUrl!, method, path, body, { authorization: '' });
  const setBankFaults = async (faults: Record<string, unknown>) => {
    const res = await bank('PUT', '/admin/faults', faults);
    expect(res.status).toBe(200);
  };
  /** Every booking of a payment at the bank: by its id (the API) and by its EndToEndId (files). */
  const bookings = async (paymentId: string): Promise<LedgerEntry[]> => {
    const byId = (await bank('GET', `/ledger?paymentId=${paymentId}`)).body.entries as LedgerEntry[];
    const byE2e = (await bank('GET', `/ledger?paymentId=${paymentId.replace(/-/g, '')}`)).body
      .entries as LedgerEntry[];
    return [...byId, ...byE2e].filter((e) => e.kind === 'PAYOUT');
  };
  const pay = async (partnerId: string, currency: string, amountMinor: number): Promise<string> => {
    const res = await sys.api('POST', '/payments', {
      partnerId,
      currency,
      lines: [{ reference: `rail-${randomUUID().slice(0, 8)}`, amountMinor, description: 'rails test' }],
    });
    if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const payment = async (id: string) => (await sys.api('GET', `/payments/${id}`)).body;
  const untilStatus = (id: string, statuses: string[], timeoutMs = 60_000) =>
    eventually(
      () => payment(id),
      (p) => statuses.includes(p?.status),
      { timeoutMs, intervalMs: 200 },
    );
  const fileXml = async (msgId: string): Promise<string> => {
    const res = await sys.api('GET', `/bank-files/${msgId}/pain.001`, undefined, TEST_KEYS.alice);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/xml/);
    return res.body as string;
  };
  const validPain001 = (xml: string): void => {
    const file = join(dir, `pain001-${randomUUID()}.xml`);
    writeFileSync(file, xml);
    const { valid, output } = xmllint(schemas.pain001, file);
    if (!valid) throw new Error(`not a valid pain.001.001.10: ${output}`);
  };

  it('pays EUR by bank file to the method in force: one valid pain.001, ACCP completes it, booked once', async () => {
    // One partner paid by an IBAN method (through the four-eyes change flow), one by its legacy account.
    const withMethod = (await createPartner(sys.apiUrl)).id;
    const requested = await sys.api(
      'POST',
      `/partners/${withMethod}/payout-methods`,
      {
        currency: 'EUR',
        method: {
          type: 'BANK_TRANSFER',
          iban: METHOD_IBAN,
          bic: METHOD_BIC,
          accountHolder: 'Method Holder BV',
        },
      },
      TEST_KEYS.alice,
    );
    expect(requested.status).toBe(202);
    const approved = await sys.api(
      'POST',
      `/partners/${withMethod}/payout-account-change/approve`,
      undefined,
      TEST_KEYS.bob,
    );
    expect(approved.status).toBe(200);
    const effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
    await new Promise((r) => setTimeout(r, Math.max(0, effectiveAt - Date.now()) + 200));
    const methods = await sys.api(
      'GET',
      `/partners/${withMethod}/payout-methods`,
      undefined,
      TEST_KEYS.viewer,
    );
    expect(methods.body).toMatchObject({ methods: [{ currency: 'EUR' }], pendingChange: null });
    const legacy = (await createPartner(sys.apiUrl)).id;

    const [a, b] = await Promise.all([pay(withMethod, 'EUR', 12_345), pay(legacy, 'EUR', 6_789)]);
    const [pa, pb] = await Promise.all([
      untilStatus(a, ['COMPLETED', 'FAILED']),
      untilStatus(b, ['COMPLETED', 'FAILED']),
    ]);
    expect([pa.status, pb.status]).toEqual(['COMPLETED', 'COMPLETED']);
    for (const p of [pa, pb]) {
      expect(p.payout.provider).toBe('iso20022-file');
      expect(p.payout.attempts).toEqual([
        expect.objectContaining({ attempt: 1, provider: 'iso20022-file', status: 'PAID' }),
      ]);
      expect(p.payoutReference).toMatch(new RegExp(`^[0-9a-f]{32}/${p.id.replace(/-/g, '')}$`));
    }
    // Booked once each, by the file (EndToEndId), and nothing through the API.
    expect((await bookings(a)).map((e) => e.amountMinor)).toEqual([12_345]);
    expect((await bookings(b)).map((e) => e.amountMinor)).toEqual([6_789]);

    const files = (await sys.api('GET', '/bank-files', undefined, TEST_KEYS.viewer)).body.items as Array<{
      msgId: string;
      status: string;
      numberOfTransactions: number;
      controlSumMinor: number;
      items: Record<string, number>;
      reports: number;
      currency: string;
    }>;
    const held = files.filter((f) => f.currency === 'EUR');
    expect(held.reduce((n, f) => n + (f.items.ACCEPTED ?? 0), 0)).toBe(2);
    let sum = 0;
    for (const f of held) {
      expect(f.status).toBe('ACCEPTED');
      expect(f.reports).toBeGreaterThanOrEqual(1);
      const xml = await fileXml(f.msgId);
      validPain001(xml);
      expect(xml).toContain(`<MsgId>${f.msgId}</MsgId>`);
      sum += f.controlSumMinor;
    }
    expect(sum).toBe(12_345 + 6_789);
    const all = (await Promise.all(held.map((f) => fileXml(f.msgId)))).join('\n');
    // The method's IBAN and holder, not the partner's legacy account, for the partner with a method.
    expect(all).toContain(`<IBAN>${METHOD_IBAN}</IBAN>`);
    expect(all).toContain('Method Holder BV');
    expect(all).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(all).toContain(`<EndToEndId>${a.replace(/-/g, '')}</EndToEndId>`);
    expect(all).toContain(`<Ref>AP-${a.replace(/-/g, '')}</Ref>`);

    // The bank's report, as received, is a valid pain.002 that accepted both.
    const reports = (
      await sys.api('GET', `/bank-files/${held[0]!.msgId}/reports`, undefined, TEST_KEYS.viewer)
    ).body.items;
    expect(reports.length).toBeGreaterThanOrEqual(1);
    const report = await sys.api(
      'GET',
      `/bank-files/${held[0]!.msgId}/reports/${encodeURIComponent(reports[0].id)}/pain.002`,
      undefined,
      TEST_KEYS.alice,
    );
    expect(report.status).toBe(200);
    expect(parsePain002(report.body as string).originalMessageId).toBe(held[0]!.msgId);
    // Viewers see the list, not the documents (they name accounts).
    expect(
      (await sys.api('GET', `/bank-files/${held[0]!.msgId}/pain.001`, undefined, TEST_KEYS.viewer)).status,
    ).toBe(403);
  }, 120_000);

  it('a definite rejection (pain.002 RJCT AC04) moves the payout to the next provider, which pays it once', async () => {
    const partner = (await createPartner(sys.apiUrl)).id;
    await setBankFaults({ rejectNext: 1, rejectReason: 'AC04' });
    const id = await pay(partner, 'EUR', 4_321);
    const p = await untilStatus(id, ['COMPLETED', 'FAILED']);
    expect(p.status).toBe('COMPLETED');
    expect(p.payout.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        provider: 'iso20022-file',
        status: 'DECLINED',
        reason: expect.stringContaining('AC04'),
      }),
      expect.objectContaining({ attempt: 2, provider: 'sandbox-bank', status: 'PAID' }),
    ]);
    expect(p.payout.provider).toBe('sandbox-bank');
    // Paid once: the API's payout, not the rejected file transfer.
    expect((await bookings(id)).map((e) => e.amountMinor)).toEqual([4_321]);
  }, 120_000);

  it('with no provider left, the rejection fails the payment with the bank’s reason', async () => {
    const partner = (await createPartner(sys.apiUrl)).id;
    await setBankFaults({ rejectNext: 1, rejectReason: 'AC01' });
    const id = await pay(partner, 'USD', 2_500);
    const p = await untilStatus(id, ['COMPLETED', 'FAILED']);
    expect(p.status).toBe('FAILED');
    expect(p.reason).toContain('AC01');
    expect(p.payout.attempts).toEqual([
      expect.objectContaining({ provider: 'iso20022-file', status: 'DECLINED' }),
    ]);
    expect(await bookings(id)).toEqual([]);
  }, 120_000);

  it('an unknown outcome (the file lost, no report) never falls back: PAYOUT_UNKNOWN, and the janitor asks the file rail', async () => {
    const partner = (await createPartner(sys.apiUrl)).id;
    await setBankFaults({ loseNextFile: 1 });
    const id = await pay(partner, 'EUR', 7_777);
    const p = await untilStatus(id, ['PAYOUT_UNKNOWN', 'COMPLETED', 'FAILED'], 90_000);
    expect(p.status).toBe('PAYOUT_UNKNOWN');
    expect(p.payout.attempts).toEqual([
      expect.objectContaining({ provider: 'iso20022-file', status: 'SENT' }),
    ]);
    expect(await bookings(id)).toEqual([]);

    // The janitor asks the file rail, which cannot answer before the bank reports: nothing moves.
    const result: PayoutJanitorResult = await sys.client.workflow.execute<PayoutJanitorWorkflow>(
      payoutJanitorWorkflowType,
      {
        taskQueue: sys.taskQueue,
        workflowId: `payout-janitor:test-${randomUUID()}`,
        args: [
          {
            settings: {
              batchSize: 50,
              activityStartToCloseMs: 5_000,
              retryInitialIntervalMs: 100,
              retryMaxIntervalMs: 500,
              bankAttempts: 2,
            },
          },
        ],
      },
    );
    expect(result).toMatchObject({ looked: 1, paid: 0, notPaid: 0, unresolved: 1 });
    const after = await payment(id);
    expect(after.status).toBe('PAYOUT_UNKNOWN');
    expect(after.payout.attempts).toHaveLength(1);
    expect(await bookings(id)).toEqual([]);
  }, 150_000);

  it('a settlement run pays over the three rails at once: bank file, the bank’s API, Stripe', async () => {
    const byFile = (await createPartner(sys.apiUrl)).id; // DE IBAN: the file rail
    const byApi = (await createPartner(sys.apiUrl, { payoutAccount: 'GB82 WEST 1234 5698 7654 32' })).id;
    const byStripe = (await createPartner(sys.apiUrl)).id;
    const requested = await sys.api(
      'POST',
      `/partners/${byStripe}/payout-methods`,
      { currency: '*', method: { type: 'STRIPE_CONNECT', accountId: 'acct_1Nv0FGQ9RKHgCVdK' } },
      TEST_KEYS.alice,
    );
    expect(requested.status).toBe(202);
    const approved = await sys.api(
      'POST',
      `/partners/${byStripe}/payout-account-change/approve`,
      undefined,
      TEST_KEYS.bob,
    );
    expect(approved.status).toBe(200);
    const effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
    await new Promise((r) => setTimeout(r, Math.max(0, effectiveAt - Date.now()) + 200));

    const day = 86_400_000;
    const occurredAt = new Date(Date.now() - 3 * day).toISOString();
    const periodEnd = new Date(Date.now() - day).toISOString().slice(0, 10);
    const amounts = new Map([
      [byFile, 5_100],
      [byApi, 5_200],
      [byStripe, 5_300],
    ]);
    const accrued = await sys.api(
      'POST',
      '/commissions',
      [...amounts].map(([partnerId, amountMinor]) => ({
        externalRef: `rails-${randomUUID()}`,
        partnerId,
        currency: 'EUR',
        amountMinor,
        description: 'three rails',
        occurredAt,
      })),
    );
    expect(accrued.status).toBe(201);
    const started = await sys.api('POST', '/settlements', { periodEnd, currency: 'EUR' });
    expect(started.status).toBe(202);
    const run = await eventually(
      async () =>
        (await sys.api('GET', `/settlements/${encodeURIComponent(started.body.settlementId)}`)).body,
      (r) => r?.status === 'COMPLETED',
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(run).toMatchObject({ itemCount: 3, finishedCount: 3 });

    const paymentOfPartner = async (partnerId: string) => {
      const list = (await sys.api('GET', `/payments?partnerId=${partnerId}&limit=10`)).body.items as Array<{
        id: string;
      }>;
      expect(list).toHaveLength(1);
      return payment(list[0]!.id);
    };
    const [file, api, card] = await Promise.all([byFile, byApi, byStripe].map(paymentOfPartner));
    for (const [p, provider] of [
      [file, 'iso20022-file'],
      [api, 'sandbox-bank'],
      [card, 'stripe'],
    ] as const) {
      expect(p.status).toBe('COMPLETED');
      expect(p.totalMinor).toBe(amounts.get(p.partnerId));
      expect(p.payout).toMatchObject({
        provider,
        attempts: [expect.objectContaining({ provider, status: 'PAID' })],
      });
    }
    expect(card.payoutReference).toMatch(/^tr_/);
    // The bank booked the file's and the API's payouts once each, and nothing of Stripe's.
    expect((await bookings(file.id)).map((e) => e.amountMinor)).toEqual([5_100]);
    expect((await bookings(api.id)).map((e) => e.amountMinor)).toEqual([5_200]);
    expect(await bookings(card.id)).toEqual([]);

    // Stripe reverses the transfer later: its signed webhook is recorded on the payment, once.
    const reversal = JSON.stringify({
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'transfer.reversed',
      api_version: '2024-06-20',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: card.payoutReference,
          object: 'transfer',
          amount: 5_300,
          amount_reversed: 5_300,
          currency: 'eur',
          metadata: { paymentId: card.id },
        },
      },
    });
    const deliver = (payload: string, signature: string) =>
      fetch(`${sys.apiUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
      });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: reversal, secret: WEBHOOK_SECRET });
    expect((await deliver(reversal, signature)).status).toBe(200);
    expect((await deliver(reversal, signature)).status).toBe(200); // Stripe redelivers
    const forged = Stripe.webhooks.generateTestHeaderString({
      payload: reversal,
      secret: 'whsec_notOurs123',
    });
    const refused = await deliver(reversal, forged);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const reversals = (
      (await payment(card.id)).events as Array<{ type: string; data: Record<string, unknown> }>
    ).filter((e) => e.type === 'PayoutReversedByProvider');
    expect(reversals).toHaveLength(1);
    expect(reversals[0]!.data).toMatchObject({
      provider: 'stripe',
      transferId: card.payoutReference,
      reversedMinor: 5_300,
      currency: 'EUR',
    });
  }, 150_000);

  it('a report contradicting an earlier one, or naming a transfer never sent, is kept as an anomaly; the first status stands', async () => {
    const db = openDatabase({ kind: 'postgres', url: scratch!.url });
    try {
      const store = new BankFileStore(db);
      const accepted = (await store.files({ limit: 50 })).find((f) => f.status === 'ACCEPTED')!;
      expect(accepted).toBeDefined();
      const xml = await store.fileXml(accepted.msgId);
      const e2e = /<EndToEndId>([0-9a-f]{32})<\/EndToEndId>/.exec(xml!)![1]!;
      const contradicting = buildPain002({ pain001: xml!, createdAt: new Date(), reject: { [e2e]: 'AC04' } });
      const forged = buildPain002({
        pain001: xml!.replace(
          `<EndToEndId>${e2e}</EndToEndId>`,
          `<EndToEndId>${'f'.repeat(32)}</EndToEndId>`,
        ),
        createdAt: new Date(),
      });
      let served = false;
      const transport = {
        submit: async () => {
          throw new Error('not used');
        },
        fetchReports: async () => {
          if (served) return { reports: [], cursor: null };
          served = true;
          return {
            reports: [
              { id: `contradicting-${randomUUID()}`, xml: contradicting.xml },
              { id: `forged-${randomUUID()}`, xml: forged.xml },
            ],
            cursor: null,
          };
        },
      };
      const counts = await store.applyReports(transport);
      expect(counts).toMatchObject({ reports: 2, accepted: 0, rejected: 0 });
      expect(counts.anomalies).toBeGreaterThanOrEqual(2);
      const anomalies = (await sys.api('GET', '/bank-files/anomalies', undefined, TEST_KEYS.viewer)).body
        .items;
      expect(anomalies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: 'CONTRADICTORY_STATUS',
            originalMsgId: accepted.msgId,
            endToEndId: e2e,
          }),
          expect.objectContaining({ kind: 'UNKNOWN_TRANSACTION', endToEndId: 'f'.repeat(32) }),
        ]),
      );
      // The transfer the bank accepted stays accepted, and its payment completed.
      const paymentId = e2e.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      expect((await payment(paymentId)).status).toBe('COMPLETED');
      const again = (await store.files({ limit: 50 })).find((f) => f.msgId === accepted.msgId)!;
      expect(again.status).toBe('ACCEPTED');

      // Operators see the rails in the metrics: attempts per provider and status, anomalies by kind.
      const metrics: string = (await http(sys.apiUrl, 'GET', '/metrics')).body;
      const sample = (name: string, labels: string): number =>
        Number(
          metrics
            .split('\n')
            .find((l) => l.startsWith(`${name}{${labels}}`))
            ?.split(' ')
            .at(-1) ?? NaN,
        );
      expect(sample('alpes_payout_attempts', 'provider="iso20022-file",status="DECLINED"')).toBe(2);
      expect(sample('alpes_payout_attempts', 'provider="sandbox-bank",status="PAID"')).toBe(2);
      expect(sample('alpes_payout_attempts', 'provider="stripe",status="PAID"')).toBe(1);
      expect(sample('alpes_payout_attempts', 'provider="iso20022-file",status="SENT"')).toBe(1);
      expect(sample('alpes_bank_file_anomalies', 'kind="CONTRADICTORY_STATUS"')).toBe(1);
      expect(sample('alpes_bank_file_transfers', 'status="ACCEPTED"')).toBeGreaterThanOrEqual(2);
    } finally {
      await db.destroy();
    }
  }, 60_000);
}
