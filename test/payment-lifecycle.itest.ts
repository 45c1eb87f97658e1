import { describeWithPostgres } from './support/test-env';
import {
  bearer,
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';

type Json = any;

describeWithPostgres(
  'payment lifecycle: approval, payout, cancel, refund, idempotency (real Temporal, PostgreSQL, sandbox bank)',
  () => {
    let sys: TestSystem;
    let bankUrl: string;
    const createdIds: string[] = [];

    beforeAll(async () => {
      sys = await startTestSystem({
        APPROVAL_THRESHOLDS: '{"USD": 100000, "COP": 5000000000}',
        APPROVAL_TIMEOUT: '30s',
        REFUND_WINDOW: '60s',
      });
      bankUrl = sys.bankUrl!;
    });
    afterAll(async () => {
      await sys?.stop();
    });

    const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      http(sys.apiUrl, 'POST', path, body, headers);
    const get = (path: string) => sys.api('GET', path);

    async function pay(
      partnerId: string,
      amountMinor: number,
      opts: { actor?: string; currency?: string; key?: string } = {},
    ) {
      const headers: Record<string, string> = bearer(TEST_KEYS[(opts.actor ?? 'alice') as 'alice' | 'bob']);
      if (opts.key) headers['idempotency-key'] = opts.key;
      const res = await post(
        '/payments',
        {
          partnerId,
          currency: opts.currency ?? 'USD',
          lines: [
            {
              reference: `ref-${Math.random().toString(36).slice(2)}`,
              amountMinor,
              description: 'commission',
            },
          ],
        },
        headers,
      );
      if (res.status !== 202)
        throw new Error(`payment not accepted: ${res.status} ${JSON.stringify(res.body)}`);
      createdIds.push(res.body.id);
      return res.body.id as string;
    }

    const until = (id: string, status: string) =>
      eventually(
        () => get(`/payments/${id}`),
        (r) => r.status === 200 && r.body.status === status,
        { timeoutMs: 30_000 },
      ).then((r) => r.body as Json);

    const ledgerFor = async (id: string): Promise<Json[]> => {
      const res = await fetch(`${bankUrl}/ledger?paymentId=${id}`);
      return ((await res.json()) as { entries: Json[] }).entries;
    };

    it('pays a small payment out through the bank: COMPLETED with exactly one payout in the ledger', async () => {
      const partner = await createPartner(sys.apiUrl);
      const id = await pay(partner.id, 5_000);
      const done = await until(id, 'COMPLETED');
      expect(done.events.map((e: Json) => e.type)).toEqual([
        'PaymentCreated',
        'PaymentProcessing',
        'PaymentCompleted',
      ]);
      const ledger = await ledgerFor(id);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ kind: 'PAYOUT', amountMinor: 5_000, currency: 'USD' });
      expect(done.payoutReference).toBe(ledger[0].id);
    });

    it('holds a large payment for approval, refuses the creator (four-eyes), and pays once another actor approves', async () => {
      const partner = await createPartner(sys.apiUrl);
      const id = await pay(partner.id, 250_000, { actor: 'alice' });
      await until(id, 'AWAITING_APPROVAL');

      const self = await post(`/payments/${id}/approve`, undefined, bearer(TEST_KEYS.alice));
      expect(self.status).toBe(409);
      expect(self.headers.get('content-type')).toContain('application/problem+json');
      expect(self.body.code).toBe('PAYMENT.FOUR_EYES_VIOLATION');
      expect(await ledgerFor(id)).toHaveLength(0);

      const approved = await post(`/payments/${id}/approve`, undefined, bearer(TEST_KEYS.bob));
      expect(approved.status).toBe(200);
      const done = await until(id, 'COMPLETED');
      expect(done.approvedBy).toBe('bob');
      expect(done.events.map((e: Json) => e.type)).toEqual([
        'PaymentCreated',
        'PaymentAwaitingApproval',
        'PaymentApproved',
        'PaymentProcessing',
        'PaymentCompleted',
      ]);
      expect(await ledgerFor(id)).toHaveLength(1);

      const twice = await post(`/payments/${id}/approve`, undefined, bearer(TEST_KEYS.admin));
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('PAYMENT.NOT_AWAITING_APPROVAL');
    });

    it('rejects a large payment when an approver says no: nothing is paid', async () => {
      const partner = await createPartner(sys.apiUrl);
      const id = await pay(partner.id, 300_000);
      await until(id, 'AWAITING_APPROVAL');
      const res = await post(
        `/payments/${id}/reject`,
        { reason: 'duplicate invoice' },
        bearer(TEST_KEYS.bob),
      );
      expect(res.status).toBe(200);
      const done = await until(id, 'REJECTED');
      expect(done.reason).toBe('duplicate invoice');
      expect(await ledgerFor(id)).toHaveLength(0);
    });

    it('cancels before the payout, and refuses to cancel after it', async () => {
      const partner = await createPartner(sys.apiUrl);
      const waiting = await pay(partner.id, 400_000);
      await until(waiting, 'AWAITING_APPROVAL');
      const cancelled = await post(
        `/payments/${waiting}/cancel`,
        { reason: 'partner asked' },
        bearer(TEST_KEYS.admin),
      );
      expect(cancelled.status).toBe(200);
      expect((await until(waiting, 'CANCELLED')).reason).toBe('partner asked');
      expect(await ledgerFor(waiting)).toHaveLength(0);

      const paid = await pay(partner.id, 1_000);
      await until(paid, 'COMPLETED');
      const late = await post(`/payments/${paid}/cancel`, undefined, bearer(TEST_KEYS.admin));
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('PAYMENT.NOT_CANCELLABLE');
    });

    it('refunds a completed payment through the bank with its own idempotency key', async () => {
      const partner = await createPartner(sys.apiUrl);
      const id = await pay(partner.id, 7_700);
      await until(id, 'COMPLETED');
      const res = await post(`/payments/${id}/refund`, { reason: 'chargeback' }, bearer(TEST_KEYS.bob));
      expect(res.status).toBe(200);
      const done = await until(id, 'REFUNDED');
      const ledger = await ledgerFor(id);
      expect(ledger.map((e: Json) => e.kind).sort()).toEqual(['PAYOUT', 'REFUND']);
      expect(done.refundReference).toBe(ledger.find((e: Json) => e.kind === 'REFUND').id);

      const again = await post(`/payments/${id}/refund`, undefined, bearer(TEST_KEYS.bob));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('PAYMENT.NOT_REFUNDABLE');
    });

    it('fails the payment when the bank declines (non-retryable PAYOUT_DECLINED)', async () => {
      const partner = await createPartner(sys.apiUrl, { payoutAccount: '12345670000' });
      const id = await pay(partner.id, 2_000);
      const done = await until(id, 'FAILED');
      expect(done.reason).toContain('PAYOUT_DECLINED');
      expect((await ledgerFor(id)).filter((e: Json) => e.kind === 'PAYOUT')).toHaveLength(0);
    });

    it('retries through two bank 5xx answers and pays exactly once', async () => {
      const partner = await createPartner(sys.apiUrl);
      sys.bank!.bank.setFaults({ failNext: 2 });
      try {
        const id = await pay(partner.id, 3_300);
        await until(id, 'COMPLETED');
        expect(await ledgerFor(id)).toHaveLength(1);
        expect(sys.bank!.bank.getFaults().failNext).toBe(0);
      } finally {
        sys.bank!.bank.setFaults({ failNext: 0 });
      }
    });

    it('turns 20 concurrent POSTs with one Idempotency-Key into one payment and one payout', async () => {
      const partner = await createPartner(sys.apiUrl);
      const key = `key-${Date.now()}`;
      const body = {
        partnerId: partner.id,
        currency: 'USD',
        lines: [{ reference: 'inv-1', amountMinor: 4_200, description: 'x' }],
      };
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          post('/payments', body, { 'idempotency-key': key, ...bearer(TEST_KEYS.alice) }),
        ),
      );
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
      const replays = answers.filter((a) => a.status === 200);
      expect(replays).toHaveLength(19);
      expect(replays.every((a) => a.headers.get('idempotent-replay') === 'true')).toBe(true);
      const [id] = [...ids] as string[];
      createdIds.push(id!);
      await until(id!, 'COMPLETED');
      expect(await ledgerFor(id!)).toHaveLength(1);

      const replay = await post('/payments', body, { 'idempotency-key': key, ...bearer(TEST_KEYS.alice) });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ id, status: 'COMPLETED' });

      const changed = await post(
        '/payments',
        { ...body, currency: 'EUR' },
        { 'idempotency-key': key, ...bearer(TEST_KEYS.alice) },
      );
      expect(changed.status).toBe(422);
      expect(changed.body.code).toBe('IDEMPOTENCY.KEY_REUSED');
    });

    it('refuses payments to unknown or suspended partners with a clear 422', async () => {
      const unknown = await post('/payments', {
        partnerId: globalThis.crypto.randomUUID(),
        currency: 'USD',
        lines: [{ reference: 'a', amountMinor: 1 }],
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.code).toBe('PARTNER.NOT_FOUND');

      const partner = await createPartner(sys.apiUrl);
      const suspended = await sys.api('PATCH', `/partners/${partner.id}`, { status: 'SUSPENDED' });
      expect(suspended.body.status).toBe('SUSPENDED');
      const refused = await post('/payments', {
        partnerId: partner.id,
        currency: 'USD',
        lines: [{ reference: 'a', amountMinor: 1 }],
      });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('PARTNER.SUSPENDED');
    });

    it('refuses domain rule violations before starting anything (422 with the domain code)', async () => {
      const partner = await createPartner(sys.apiUrl);
      const dup = await post('/payments', {
        partnerId: partner.id,
        currency: 'USD',
        lines: [
          { reference: 'same', amountMinor: 1 },
          { reference: 'same', amountMinor: 2 },
        ],
      });
      expect(dup.status).toBe(422);
      expect(dup.body.code).toBe('PAYMENT.DUPLICATE_LINE_REFERENCE');
      const unknownCurrency = await post('/payments', {
        partnerId: partner.id,
        currency: 'XYZ',
        lines: [{ reference: 'a', amountMinor: 1 }],
      });
      expect(unknownCurrency.status).toBe(422);
      expect(unknownCurrency.body.code).toBe('MONEY.UNKNOWN_CURRENCY');
    });

    it('keeps the seed contract: POST /pagos/ with decimals, GET /pagos/:id in the original shape', async () => {
      const partner = await createPartner(sys.apiUrl);
      const res = await post('/pagos/', {
        id_socio: partner.id,
        monto_total: 150.5,
        moneda: 'COP',
        comisiones: [
          { id_referencia: 'c-1', monto: '100.25', moneda: 'COP', descripcion: 'uno' },
          { id_referencia: 'c-2', monto: 50.25, moneda: 'COP', descripcion: 'dos' },
        ],
      });
      expect(res.status).toBe(202);
      const id = res.body.id;
      createdIds.push(id);
      const done = await until(id, 'COMPLETED');
      expect(done.totalMinor).toBe(15_050);
      const pago = await get(`/pagos/${id}`);
      expect(pago.body).toMatchObject({
        id,
        id_socio: partner.id,
        monto_total: 150.5,
        moneda: 'COP',
        estado: 'PROCESADO',
        comisiones: [
          { id_referencia: 'c-1', monto: 100.25, moneda: 'COP', descripcion: 'uno' },
          { id_referencia: 'c-2', monto: 50.25, moneda: 'COP', descripcion: 'dos' },
        ],
      });

      const tooPrecise = await post('/pagos/', {
        id_socio: partner.id,
        monto_total: '10.005',
        moneda: 'COP',
        comisiones: [{ id_referencia: 'x', monto: '10.005', descripcion: '' }],
      });
      expect(tooPrecise.status).toBe(400);
      const mismatch = await post('/pagos/', {
        id_socio: partner.id,
        monto_total: 10,
        moneda: 'COP',
        comisiones: [{ id_referencia: 'x', monto: 9.99, descripcion: '' }],
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors[0].field).toBe('monto_total');
      const badUuid = await post('/pagos/', {
        id_socio: 'nope',
        monto_total: 1,
        moneda: 'COP',
        comisiones: [{ id_referencia: 'x', monto: 1 }],
      });
      expect(badUuid.status).toBe(400);
    });

    it('lists payments with filters and cursor pagination', async () => {
      const partner = await createPartner(sys.apiUrl);
      const ids = [await pay(partner.id, 100), await pay(partner.id, 200), await pay(partner.id, 300)];
      for (const id of ids) await until(id, 'COMPLETED');
      const first = await get(`/payments?partnerId=${partner.id}&status=COMPLETED&limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await get(
        `/payments?partnerId=${partner.id}&status=COMPLETED&limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const seen = [...first.body.items, ...second.body.items].map((p: Json) => p.id);
      expect(seen.sort()).toEqual([...ids].sort());
      expect((await get(`/payments?status=NOPE`)).status).toBe(400);
      expect((await get(`/payments?cursor=garbage`)).status).toBe(400);
    });

    it('reconciles: per currency, the bank ledger net equals the sum of COMPLETED payments', async () => {
      const payments = await Promise.all(
        createdIds.map(async (id) => (await get(`/payments/${id}`)).body as Json),
      );
      const expected: Record<string, number> = {};
      for (const p of payments) {
        if (p.status === 'COMPLETED') expected[p.currency] = (expected[p.currency] ?? 0) + p.totalMinor;
      }
      const net: Record<string, number> = {};
      for (const p of payments) {
        for (const e of await ledgerFor(p.id)) {
          net[e.currency] = (net[e.currency] ?? 0) + (e.kind === 'PAYOUT' ? e.amountMinor : -e.amountMinor);
        }
      }
      for (const c of Object.keys(net)) if (net[c] === 0 && !expected[c]) delete net[c];
      expect(Object.keys(expected).length).toBeGreaterThan(0);
      expect(net).toEqual(expected);
    });
  },
);

describeWithPostgres('payment approval timeout', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ APPROVAL_THRESHOLDS: '{"USD": 100}', APPROVAL_TIMEOUT: '1s' });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('rejects with reason approval_timeout when nobody decides in time, and a currency without a threshold always needs approval', async () => {
    const partner = await createPartner(sys.apiUrl);
    const res = await sys.api('POST', '/payments', {
      partnerId: partner.id,
      currency: 'JPY',
      lines: [{ reference: 'tiny', amountMinor: 1, description: 'below any sensible threshold' }],
    });
    expect(res.status).toBe(202);
    const done = await eventually(
      () => sys.api('GET', `/payments/${res.body.id}`),
      (r) => r.body?.status === 'REJECTED',
    );
    expect(done.body).toMatchObject({ reason: 'approval_timeout', decidedBy: 'system' });
    expect(done.body.events.map((e: Json) => e.type)).toEqual([
      'PaymentCreated',
      'PaymentAwaitingApproval',
      'PaymentRejected',
    ]);
    const late = await sys.api('POST', `/payments/${res.body.id}/approve`, undefined, TEST_KEYS.bob);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('PAYMENT.NOT_AWAITING_APPROVAL');
  });
});
