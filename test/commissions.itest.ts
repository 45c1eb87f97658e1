import type { Knex } from 'knex';
import { request } from 'node:http';
import { nameBasedUuid } from '../src/shared/name-based-uuid';
import { openDatabase } from '../src/shared/db/knex-database';
import { seedPartner } from './support/partner-seed';
import { untilSettled } from './support/settle-wait';
import { describeWithPostgres } from './support/test-env';
import {
  apiKeysWithPartners,
  bearer,
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';

type Json = any;

/** Partners with keys of their own: created before the system starts so the keys can name them. */
const OWN_PARTNER = globalThis.crypto.randomUUID();
const OTHER_PARTNER = globalThis.crypto.randomUUID();
const OWN_KEY = 'test-cown-partner-3gPAJqGhR-o__Oo36RWJk_P0iG46f0K0wk4pjWTK3lI';
const OTHER_KEY = 'test-cother-partner-mMXgSGHped9awJ9pV92atJxpa16A1VUOyS5z3-0r7b0';

const CSV_HEADER = 'externalRef,partnerId,currency,amountMinor,description,occurredAt\n';
/** Long past: with the 1 s test hold such a commission is PAYABLE at once. */
const PAST = '2024-01-15T10:00:00Z';

let refSeq = 0;
const newRef = (prefix = 'conv'): string =>
  `${prefix}-${Date.now().toString(36)}-${(refSeq += 1)}-${Math.random().toString(36).slice(2, 8)}`;

describeWithPostgres(
  'commission ledger: accrual, import, hold, reversal, balance, payout holds',
  (databaseUrl) => {
    let sys: TestSystem;
    let db: Knex;

    beforeAll(async () => {
      db = openDatabase({ kind: 'postgres', url: databaseUrl });
      for (const [id, name] of [
        [OWN_PARTNER, 'Own Commission Partner'],
        [OTHER_PARTNER, 'Other Commission Partner'],
      ] as const) {
        await seedPartner(db, { id, name, payoutAccount: '123456789' });
      }
      sys = await startTestSystem({
        ALPES_API_KEYS: apiKeysWithPartners([
          { key: OWN_KEY, name: 'own-commission-partner', partnerId: OWN_PARTNER },
          { key: OTHER_KEY, name: 'other-commission-partner', partnerId: OTHER_PARTNER },
        ]),
        COMMISSION_HOLD: '1s',
      });
    });
    afterAll(async () => {
      await sys?.stop();
      await db?.destroy();
    });

    const post = (path: string, body?: unknown, key: string = TEST_KEYS.alice) =>
      sys.api('POST', path, body, key);
    const get = (path: string, key: string = TEST_KEYS.viewer) => sys.api('GET', path, undefined, key);
    const commission = (partnerId: string, overrides: Record<string, unknown> = {}) => ({
      externalRef: newRef(),
      partnerId,
      currency: 'USD',
      amountMinor: 1250,
      description: 'March conversions',
      occurredAt: PAST,
      ...overrides,
    });
    const expectProblem = (
      res: { status: number; headers: Headers; body: Json },
      status: number,
      code?: string,
    ) => {
      expect({ status: res.status, code: res.body?.code }).toEqual({ status, code: code ?? res.body?.code });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    };
    /** Streams or sends a raw body to the import endpoint. */
    const importBody = async (body: string | ReadableStream<Uint8Array>, contentType = 'text/csv') => {
      const res = await fetch(`${sys.apiUrl}/commissions/import`, {
        method: 'POST',
        headers: { ...bearer(TEST_KEYS.alice), 'content-type': contentType },
        body,
        duplex: 'half',
      } as RequestInit);
      return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
    };
    /** A body produced chunk by chunk as it is sent: the whole file never exists on either side. */
    const generated = (
      count: number,
      row: (i: number) => string,
      header = '',
    ): ReadableStream<Uint8Array> => {
      const encoder = new TextEncoder();
      let next = 0;
      return new ReadableStream({
        pull(controller) {
          const lines: string[] = next === 0 && header ? [header] : [];
          for (const end = Math.min(count, next + 1000); next < end; next += 1) lines.push(row(next));
          if (lines.length > 0) controller.enqueue(encoder.encode(lines.join('')));
          if (next >= count) controller.close();
        },
      });
    };
    const eventsOf = async (aggregateId: string) =>
      (
        await db('events')
          .where({ aggregate_id: aggregateId })
          .orderBy('position')
          .select<Array<{ type: string; data: Json; partner_id: string }>>('type', 'data', 'partner_id')
      ).map((e) => ({ ...e, data: typeof e.data === 'string' ? JSON.parse(e.data) : e.data }));

    describe('POST /commissions', () => {
      it('accrues one commission (201 + Location); the same body again is 200, another body 422', async () => {
        const body = commission(OWN_PARTNER);
        const created = await post('/commissions', body);
        expect(created.status).toBe(201);
        expect(created.headers.get('location')).toBe(`/commissions/${body.externalRef}`);
        expect(created.body).toMatchObject({
          externalRef: body.externalRef,
          partnerId: OWN_PARTNER,
          kind: 'COMMISSION',
          amountMinor: 1250,
          status: 'PAYABLE',
          holdUntil: '2024-01-15T10:00:01.000Z',
        });

        // Same commission, occurredAt written with another offset: still the same instant.
        const again = await post('/commissions', { ...body, occurredAt: '2024-01-15T11:00:00+01:00' });
        expect(again.status).toBe(200);
        expect(again.body.id).toBe(created.body.id);

        for (const change of [
          { amountMinor: 1251 },
          { currency: 'EUR' },
          { description: 'other' },
          { occurredAt: '2024-01-16T10:00:00Z' },
        ]) {
          expectProblem(
            await post('/commissions', { ...body, ...change }),
            422,
            'COMMISSION.EXTERNAL_REF_CONFLICT',
          );
        }
        expect((await get(`/commissions/${body.externalRef}`)).body).toMatchObject({
          amountMinor: 1250,
          currency: 'USD',
          version: 1,
        });
      });

      it('makes one commission of concurrent submissions of one ref: one 201, the rest 200 (same body) or 422 (other body)', async () => {
        const same = commission(OWN_PARTNER);
        const statuses = (await Promise.all(Array.from({ length: 8 }, () => post('/commissions', same)))).map(
          (r) => r.status,
        );
        expect(statuses.sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);

        const ref = newRef();
        const racing = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            post('/commissions', commission(OWN_PARTNER, { externalRef: ref, amountMinor: 100 + i })),
          ),
        );
        expect(racing.map((r) => r.status).sort()).toEqual([201, 422, 422, 422, 422, 422, 422, 422]);
        const winner = racing.find((r) => r.status === 201)!;
        expect((await get(`/commissions/${ref}`)).body.amountMinor).toBe(winner.body.amountMinor);
      });

      it('refuses invalid commissions with 4xx problem+json and stores nothing', async () => {
        const cases: Array<[Record<string, unknown>, number, string?]> = [
          [{ amountMinor: -5 }, 400],
          [{ amountMinor: 0 }, 400],
          [{ amountMinor: 12.5 }, 400],
          [{ amountMinor: '1250' }, 400],
          [{ amountMinor: Number.MAX_SAFE_INTEGER + 2 }, 400],
          [{ currency: 'usd' }, 400],
          [{ currency: 'ABC' }, 422, 'MONEY.UNKNOWN_CURRENCY'],
          // A real currency without a payout minimum (PAYOUT_MINIMUMS): no run could ever pay it.
          [{ currency: 'CHF' }, 422, 'COMMISSION.CURRENCY_NOT_CONFIGURED'],
          [{ occurredAt: '2024-01-15T10:00:00' }, 400],
          [{ occurredAt: '2024-02-30T10:00:00Z' }, 400],
          [
            { occurredAt: new Date(Date.now() + 3 * 86_400_000).toISOString() },
            422,
            'COMMISSION.INVALID_OCCURRED_AT',
          ],
          [{ partnerId: globalThis.crypto.randomUUID() }, 422, 'PARTNER.NOT_FOUND'],
          [{ partnerId: 'not-a-uuid' }, 400],
          [{ externalRef: `${newRef()}:clawback` }, 422, 'COMMISSION.INVALID_REFERENCE'],
          [{ externalRef: '   ' }, 400],
          [{ externalRef: 'x'.repeat(91) }, 400],
          [{ unexpected: true }, 400],
        ];
        for (const [change, status, code] of cases) {
          const body = { ...commission(OWN_PARTNER), ...change };
          const res = await post('/commissions', body);
          expectProblem(res, status, code);
          if (status === 400) expect(res.body.errors.length).toBeGreaterThan(0);
          if (
            typeof body.externalRef === 'string' &&
            body.externalRef.trim() &&
            body.externalRef.length <= 90
          ) {
            expect((await get(`/commissions/${encodeURIComponent(body.externalRef)}`)).status).toBe(404);
          }
        }
        expectProblem(await post('/commissions', undefined), 400);
        expectProblem(await post('/commissions', []), 400);
        expectProblem(await post('/commissions', 'not json', TEST_KEYS.alice), 400);
      });

      it('accrues a batch all-or-nothing: every failing item listed by index, nothing written; then 201, then 200', async () => {
        const partner = await createPartner(sys.apiUrl);
        const stored = commission(partner.id);
        expect((await post('/commissions', stored)).status).toBe(201);

        const fresh = commission(partner.id);
        const dupRef = newRef();
        const bad = await post('/commissions', [
          fresh, // 0: fine
          stored, // 1: already there, same body: fine
          { ...stored, amountMinor: 9 }, // 2: conflicts with the stored one
          commission(partner.id, { amountMinor: -5 }), // 3: schema
          commission(globalThis.crypto.randomUUID()), // 4: unknown partner
          commission(partner.id, { externalRef: dupRef }), // 5: fine
          commission(partner.id, { externalRef: dupRef, amountMinor: 7 }), // 6: conflicts with item 5
          commission(partner.id, { currency: 'ABC' }), // 7: domain rule
          'not an object', // 8: schema
        ]);
        expectProblem(bad, 422, 'COMMISSION.BATCH_REFUSED');
        expect(bad.body.errors.map((e: Json) => [e.index, e.code])).toEqual([
          [2, 'COMMISSION.EXTERNAL_REF_CONFLICT'],
          [3, 'COMMISSION.INVALID_INPUT'],
          [4, 'PARTNER.NOT_FOUND'],
          [6, 'COMMISSION.EXTERNAL_REF_CONFLICT'],
          [7, 'MONEY.UNKNOWN_CURRENCY'],
          [8, 'COMMISSION.INVALID_INPUT'],
        ]);
        expect(bad.body.errors[0]).toMatchObject({ externalRef: stored.externalRef, field: '[2]' });
        expect(bad.body.errors[1].message).toContain('amountMinor');
        for (const ref of [fresh.externalRef, dupRef])
          expect((await get(`/commissions/${ref}`)).status).toBe(404);

        const good = [
          fresh,
          stored,
          commission(partner.id, { externalRef: dupRef }),
          commission(partner.id, { externalRef: dupRef }),
        ];
        const created = await post('/commissions', good);
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({ created: 2, existing: 2 });
        expect(created.body.items.map((i: Json) => [i.index, i.outcome])).toEqual([
          [0, 'created'],
          [1, 'existing'],
          [2, 'created'],
          [3, 'existing'],
        ]);
        const replay = await post('/commissions', good);
        expect(replay.status).toBe(200);
        expect(replay.body).toMatchObject({ created: 0, existing: 4 });
        expect(replay.body.items[0].commission.id).toBe(created.body.items[0].commission.id);
      });

      it('takes a 1,000-item batch (~700 KB) under its own body limit without raising it elsewhere; 1,001 is 400', async () => {
        const partner = await createPartner(sys.apiUrl);
        const items = Array.from({ length: 1000 }, () =>
          commission(partner.id, { description: 'd'.repeat(500) }),
        );
        expect(JSON.stringify(items).length).toBeGreaterThan(600_000);
        const res = await post('/commissions', items);
        expect(res.status).toBe(201);
        expect(res.body.created).toBe(1000);
        expectProblem(await post('/commissions', [...items, commission(partner.id)]), 400);

        const bigPayment = {
          partnerId: partner.id,
          currency: 'USD',
          lines: [{ reference: 'big', amountMinor: 1, description: 'x'.repeat(300_000) }],
        };
        expectProblem(await post('/payments', bigPayment), 413);
      });
    });

    describe('POST /commissions/import', () => {
      it('CSV: refuses bad rows by number and reason, keeps the good ones; a re-import reports them alreadyPresent', async () => {
        const partner = await createPartner(sys.apiUrl);
        const taken = commission(partner.id, { amountMinor: 999 });
        expect((await post('/commissions', taken)).status).toBe(201);
        const refs = Array.from({ length: 8 }, () => newRef('csv'));
        const p = partner.id;
        const csv =
          CSV_HEADER +
          `${refs[0]},${p},USD,1000,first,${PAST}\n` +
          `${refs[1]},${p},USD,-5,negative,${PAST}\n` +
          `${refs[2]},${p},EUR,2000,"Spring sale, EU ""VIP""",${PAST}\n` +
          `${refs[3]},${globalThis.crypto.randomUUID()},USD,1000,unknown partner,${PAST}\n` +
          `${refs[4]},${p},USD,1000,no zone,2024-01-15T10:00:00\n` +
          `${refs[5]},${p},USD,1000\n` +
          `${taken.externalRef},${p},USD,1000,conflict,${PAST}\n` +
          `${refs[7]},${p},USD,12.5,float,${PAST}\n` +
          `${newRef('csv')},${p},USD,3000,,${PAST}\n`;

        const first = await importBody(csv);
        expect(first.status).toBe(200);
        expect(first.body).toMatchObject({
          rows: 9,
          accepted: 3,
          alreadyPresent: 0,
          refusedCount: 6,
          truncated: false,
        });
        expect(first.body.refused.map((r: Json) => [r.row, r.code])).toEqual([
          [2, 'COMMISSION.INVALID_INPUT'],
          [4, 'PARTNER.NOT_FOUND'],
          [5, 'COMMISSION.INVALID_INPUT'],
          [6, 'IMPORT.RECORD_INCONSISTENT_COLUMNS'],
          [7, 'COMMISSION.EXTERNAL_REF_CONFLICT'],
          [8, 'COMMISSION.INVALID_INPUT'],
        ]);
        expect(first.body.refused[0]).toMatchObject({
          externalRef: refs[1],
          reason: expect.stringContaining('amountMinor'),
        });
        expect(first.body.refused[2].reason).toContain('occurredAt');
        expect((await get(`/commissions/${refs[2]}`)).body).toMatchObject({
          description: 'Spring sale, EU "VIP"',
          currency: 'EUR',
        });
        expect((await get(`/commissions/${taken.externalRef}`)).body.amountMinor).toBe(999);

        const again = await importBody(csv);
        expect(again.body).toMatchObject({ rows: 9, accepted: 0, alreadyPresent: 3, refusedCount: 6 });
      });

      it('CSV: quoted commas, quotes and line breaks, CRLF, a BOM, any column order, blank lines', async () => {
        const partner = await createPartner(sys.apiUrl);
        const [a, b] = [newRef('quoted'), newRef('quoted')];
        const csv =
          '\uFEFFoccurredAt,externalRef,amountMinor,currency,partnerId,description\r\n' +
          `${PAST},${a},150000,COP,${partner.id},"Bogotá, Medellín and Cali"\r\n` +
          '\r\n' +
          `${PAST},"${b}",700,USD,${partner.id},"two\r\nlines"\r\n`;
        const res = await importBody(csv, 'text/csv; charset=utf-8');
        expect(res.body).toMatchObject({ rows: 2, accepted: 2, refusedCount: 0 });
        expect((await get(`/commissions/${a}`)).body).toMatchObject({
          description: 'Bogotá, Medellín and Cali',
          amountMinor: 150000,
          currency: 'COP',
        });
        expect((await get(`/commissions/${b}`)).body.description).toBe('two\r\nlines');
      });

      it('CSV: stops at a quote that is never closed with a 400 naming the row; the rows before it are kept', async () => {
        const partner = await createPartner(sys.apiUrl);
        const refs = Array.from({ length: 4 }, () => newRef('unclosed'));
        const csv =
          CSV_HEADER +
          `${refs[0]},${partner.id},USD,100,ok,${PAST}\n` +
          `${refs[1]},"${partner.id}",USD,100,"a ""bad"" one",${PAST}\n` +
          `${refs[2]},${partner.id},USD,100,"never closed,${PAST}\n` +
          `${refs[3]},${partner.id},USD,100,swallowed,${PAST}\n`;
        const res = await importBody(csv);
        expectProblem(res, 400, 'IMPORT.MALFORMED_CSV');
        expect(res.body.row).toBe(3);
        expect(res.body.detail).toMatch(/quote/i);
        expect(res.body.report).toMatchObject({ rows: 2, accepted: 2 });
        expect((await get(`/commissions/${refs[1]}`)).status).toBe(200);
        for (const ref of refs.slice(2)) expect((await get(`/commissions/${ref}`)).status).toBe(404);
      });

      it('CSV: a header that does not name the columns is 400 and nothing is written', async () => {
        const ref = newRef('header');
        for (const header of [
          'externalRef,partnerId,currency,amount,occurredAt\n',
          'externalRef,partnerId,currency,amountMinor\n',
        ]) {
          const res = await importBody(`${header}${ref},${OWN_PARTNER},USD,100,${PAST}\n`);
          expectProblem(res, 400, 'IMPORT.INVALID_HEADER');
        }
        expect((await get(`/commissions/${ref}`)).status).toBe(404);
      });

      it('NDJSON: one object per line; malformed lines are refused rows, blank lines are not rows', async () => {
        const partner = await createPartner(sys.apiUrl);
        const good = [commission(partner.id), commission(partner.id, { currency: 'JPY', amountMinor: 500 })];
        const body = [
          JSON.stringify(good[0]),
          '',
          '{"externalRef": "broken", ',
          JSON.stringify(commission(partner.id, { amountMinor: 0 })),
          '[1, 2]',
          JSON.stringify(commission(partner.id, { description: 'x'.repeat(70_000) })),
          `${JSON.stringify(good[1])}\r`,
        ].join('\n');
        const res = await importBody(body, 'application/x-ndjson');
        expect(res.body).toMatchObject({ rows: 6, accepted: 2, alreadyPresent: 0, refusedCount: 4 });
        expect(res.body.refused.map((r: Json) => [r.row, r.code])).toEqual([
          [2, 'IMPORT.MALFORMED_JSON'],
          [3, 'COMMISSION.INVALID_INPUT'],
          [4, 'COMMISSION.INVALID_INPUT'],
          [5, 'IMPORT.LINE_TOO_LONG'],
        ]);
        expect((await get(`/commissions/${good[1]!.externalRef}`)).body).toMatchObject({
          currency: 'JPY',
          amountMinor: 500,
        });
        expect((await importBody(body, 'application/x-ndjson')).body).toMatchObject({
          accepted: 0,
          alreadyPresent: 2,
        });
      });

      it('refuses a row in a currency without a payout minimum, by number and code; keeps the rest', async () => {
        const kept = newRef();
        const chf = newRef();
        const res = await importBody(
          `${CSV_HEADER}${kept},${OWN_PARTNER},KWD,15000,x,${PAST}\n${chf},${OWN_PARTNER},CHF,5000,y,${PAST}\n`,
        );
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          rows: 2,
          accepted: 1,
          refusedCount: 1,
          refused: [{ row: 2, externalRef: chf, code: 'COMMISSION.CURRENCY_NOT_CONFIGURED' }],
        });
        expect((await get(`/commissions/${chf}`)).status).toBe(404);
        expect((await get(`/commissions/${kept}`)).body).toMatchObject({
          currency: 'KWD',
          amountMinor: 15000,
        });
      });

      it('415 for any other content type', async () => {
        const csv = `${CSV_HEADER}${newRef()},${OWN_PARTNER},USD,100,x,${PAST}\n`;
        for (const type of [
          'application/json',
          'text/plain',
          'text/csv; charset=latin1',
          'application/octet-stream',
        ]) {
          expectProblem(await importBody(csv, type), 415);
        }
        const res = await fetch(`${sys.apiUrl}/commissions/import`, {
          method: 'POST',
          headers: bearer(TEST_KEYS.alice),
        });
        expect(res.status).toBe(415);
        expectProblem(await post('/commissions/import', [commission(OWN_PARTNER)]), 415);
      });

      it('keeps serving when a client disconnects mid-upload; the batches committed before stay', async () => {
        const partner = await createPartner(sys.apiUrl);
        const prefix = newRef('abort');
        const req = request(new URL('/commissions/import', sys.apiUrl), {
          method: 'POST',
          headers: { ...bearer(TEST_KEYS.alice), 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
        });
        req.on('error', () => undefined);
        req.write(CSV_HEADER);
        for (let i = 0; i < 1_200; i += 1) req.write(`${prefix}-${i},${partner.id},USD,100,x,${PAST}\n`);
        const stored = () =>
          db('commissions')
            .where({ partner_id: partner.id })
            .count<Array<{ n: string }>>({ n: '*' })
            .then((r) => Number(r[0]!.n));
        // Two full batches of 500 are written while the upload is still open; the last 200 rows wait.
        await eventually(stored, (n) => n === 1_000);
        req.destroy();
        // The 200 rows of the unfinished batch never arrive: the count settles where it was.
        expect(await untilSettled(stored)).toBe(1_000);
        expect((await get('/healthz')).status).toBe(200);
        const again = await importBody(`${CSV_HEADER}${prefix}-0,${partner.id},USD,100,x,${PAST}\n`);
        expect(again.body).toMatchObject({ rows: 1, alreadyPresent: 1 });
      });

      it('streams a 20,000-row CSV in batches of 500 rows per transaction', async () => {
        const partner = await createPartner(sys.apiUrl);
        const prefix = newRef('bulk');
        const res = await importBody(
          generated(
            20_000,
            (i) => `${prefix}-${i},${partner.id},USD,${(i % 97) + 1},"row ${i}, bulk",${PAST}\n`,
            CSV_HEADER,
          ),
        );
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          rows: 20_000,
          accepted: 20_000,
          alreadyPresent: 0,
          refusedCount: 0,
          truncated: false,
        });
        let expected = 0;
        for (let i = 0; i < 20_000; i += 1) expected += (i % 97) + 1;
        const balance = await get(`/partners/${partner.id}/balance`);
        expect(balance.body.currencies).toEqual([
          expect.objectContaining({ currency: 'USD', payableMinor: String(expected), payableCount: 20_000 }),
        ]);
        // Each transaction stamps its rows with its own instant: 40 instants = 40 batches of 500.
        const batches = await db('commissions')
          .where({ partner_id: partner.id })
          .countDistinct<Array<{ count: string }>>({ count: 'created_at' });
        expect(Number(batches[0]!.count)).toBe(40);
      }, 120_000);

      it('reads at most 100,000 rows: the report says it was truncated; the refused list is capped, its count is not', async () => {
        const res = await importBody(
          generated(
            100_050,
            (i) =>
              JSON.stringify(commission(OWN_PARTNER, { externalRef: `zero-${i}`, amountMinor: 0 })) + '\n',
          ),
          'application/x-ndjson',
        );
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          rows: 100_000,
          accepted: 0,
          refusedCount: 100_000,
          truncated: true,
        });
        expect(res.body.truncatedReason).toContain('100001');
        expect(res.body.refused).toHaveLength(1000);
        expect([res.body.refused[0].row, res.body.refused[999].row]).toEqual([1, 1000]);
      }, 120_000);
    });

    describe('hold, reversal, clawback, balance', () => {
      it('a commission is PENDING for COMMISSION_HOLD (1 s), then PAYABLE: in the list filter and in the balance', async () => {
        const partner = await createPartner(sys.apiUrl);
        // Two seconds ahead (allowed: clock skew), so the hold outlasts the first reads even on a busy machine.
        const fresh = commission(partner.id, {
          occurredAt: new Date(Date.now() + 2_000).toISOString(),
          amountMinor: 4200,
        });
        const accrued = await post('/commissions', fresh);
        expect(accrued.body.status).toBe('PENDING');
        const refsWith = async (status: string) =>
          (await get(`/commissions?partnerId=${partner.id}&status=${status}`)).body.items.map(
            (c: Json) => c.externalRef,
          );

        expect(await refsWith('PENDING')).toEqual([fresh.externalRef]);
        expect(await refsWith('PAYABLE')).toEqual([]);
        expect((await get(`/partners/${partner.id}/balance`)).body).toMatchObject({
          partnerId: partner.id,
          nextSettlementAt: null,
          payoutHold: null,
          currencies: [
            {
              currency: 'USD',
              pendingMinor: '4200',
              pendingCount: 1,
              payableMinor: '0',
              netPayableMinor: '0',
              minimumMinor: '5000',
            },
          ],
        });

        await new Promise((r) => setTimeout(r, Date.parse(accrued.body.holdUntil) - Date.now() + 100));
        expect(await refsWith('PENDING')).toEqual([]);
        expect(await refsWith('PAYABLE')).toEqual([fresh.externalRef]);
        expect((await get(`/commissions/${fresh.externalRef}`)).body.status).toBe('PAYABLE');
        expect((await get(`/partners/${partner.id}/balance`)).body.currencies[0]).toMatchObject({
          pendingMinor: '0',
          payableMinor: '4200',
          payableCount: 1,
          netPayableMinor: '4200',
        });
      });

      it('lists newest first with filters and cursor pages', async () => {
        const partner = await createPartner(sys.apiUrl);
        const refs: string[] = [];
        for (const [currency, occurredAt] of [
          ['USD', '2024-01-01T00:00:00Z'],
          ['EUR', '2024-02-01T00:00:00Z'],
          ['USD', '2024-03-01T00:00:00Z'],
        ]) {
          const body = commission(partner.id, { currency, occurredAt });
          refs.push(body.externalRef);
          expect((await post('/commissions', body)).status).toBe(201);
        }
        const first = await get(`/commissions?partnerId=${partner.id}&limit=2`);
        expect(first.body.items.map((c: Json) => c.externalRef)).toEqual([refs[2], refs[1]]);
        const second = await get(
          `/commissions?partnerId=${partner.id}&limit=2&cursor=${first.body.nextCursor}`,
        );
        expect(second.body).toEqual({
          items: [expect.objectContaining({ externalRef: refs[0] })],
          nextCursor: null,
        });
        const usd = await get(
          `/commissions?partnerId=${partner.id}&currency=USD&occurredFrom=2024-02-01T00:00:00Z`,
        );
        expect(usd.body.items.map((c: Json) => c.externalRef)).toEqual([refs[2]]);
        const kinds = await get(`/commissions?partnerId=${partner.id}&kind=CLAWBACK`);
        expect(kinds.body.items).toEqual([]);
        for (const query of [
          'status=LOST',
          'limit=0',
          'occurredFrom=yesterday',
          `cursor=${Buffer.from('{"c":"2024-01-01T00:00:00Z","i":"x"}').toString('base64url')}`,
        ]) {
          expectProblem(await get(`/commissions?${query}`), 400);
        }
      });

      it('reverses before settlement: REVERSED, out of the balance, an event logged; twice is 409, unknown 404', async () => {
        const partner = await createPartner(sys.apiUrl);
        const body = commission(partner.id, { amountMinor: 800 });
        const created = await post('/commissions', body);
        const reversed = await post(`/commissions/${body.externalRef}/reverse`, { reason: 'order refunded' });
        expect(reversed.status).toBe(200);
        expect(reversed.body).toMatchObject({
          commission: {
            status: 'REVERSED',
            reversalReason: 'order refunded',
            reversedBy: 'alice',
            version: 2,
          },
          clawback: null,
        });
        expect((await get(`/partners/${partner.id}/balance`)).body.currencies).toEqual([]);
        expect((await get(`/commissions?partnerId=${partner.id}&status=REVERSED`)).body.items).toHaveLength(
          1,
        );
        expect(await eventsOf(created.body.id)).toEqual([
          expect.objectContaining({
            type: 'CommissionReversed',
            partner_id: partner.id,
            data: expect.objectContaining({
              externalRef: body.externalRef,
              actor: 'alice',
              reason: 'order refunded',
            }),
          }),
        ]);

        expectProblem(
          await post(`/commissions/${body.externalRef}/reverse`, { reason: 'again' }),
          409,
          'COMMISSION.ALREADY_REVERSED',
        );
        expectProblem(await post(`/commissions/${newRef()}/reverse`, { reason: 'x' }), 404);
        expectProblem(await post(`/commissions/${body.externalRef}/reverse`, {}), 400);
        expectProblem(
          await post(`/commissions/${body.externalRef}/reverse`, { reason: 'x' }, TEST_KEYS.viewer),
          403,
        );
      });

      it('reversing a SETTLED commission creates a clawback, shown outstanding in the balance', async () => {
        const partner = await createPartner(sys.apiUrl);
        const paid = commission(partner.id, { amountMinor: 3000 });
        const open = commission(partner.id, { amountMinor: 1000 });
        for (const c of [paid, open]) expect((await post('/commissions', c)).status).toBe(201);
        // As if a settlement run had paid it.
        await db('commissions')
          .where({ external_ref: paid.externalRef })
          .update({
            status: 'SETTLED',
            settlement_id: 'settlement:test',
            payment_id: globalThis.crypto.randomUUID(),
            version: db.raw('version + 1'),
          });

        const res = await post(`/commissions/${paid.externalRef}/reverse`, { reason: 'chargeback' });
        expect(res.status).toBe(200);
        const clawbackRef = `${paid.externalRef}:clawback`;
        expect(res.body).toMatchObject({
          commission: { status: 'SETTLED', reversalReason: 'chargeback' },
          clawback: {
            id: nameBasedUuid('commission-clawback', paid.externalRef),
            externalRef: clawbackRef,
            kind: 'CLAWBACK',
            amountMinor: -3000,
            status: 'PAYABLE',
            clawbackOf: paid.externalRef,
          },
        });
        expect((await get(`/partners/${partner.id}/balance`)).body.currencies).toEqual([
          expect.objectContaining({
            payableMinor: '1000',
            payableCount: 1,
            clawbacksOutstandingMinor: '-3000',
            clawbackCount: 1,
            netPayableMinor: '-2000',
          }),
        ]);
        expect((await get(`/commissions/${encodeURIComponent(clawbackRef)}`)).body.kind).toBe('CLAWBACK');
        expect((await eventsOf(res.body.commission.id)).map((e) => e.type)).toEqual([
          'CommissionClawbackCreated',
        ]);

        expectProblem(
          await post(`/commissions/${paid.externalRef}/reverse`, { reason: 'again' }),
          409,
          'COMMISSION.ALREADY_REVERSED',
        );
        expectProblem(
          await post(`/commissions/${encodeURIComponent(clawbackRef)}/reverse`, { reason: 'x' }),
          409,
          'COMMISSION.NOT_REVERSIBLE',
        );
      });

      it('sums exactly past 2^53, as decimal strings', async () => {
        const partner = await createPartner(sys.apiUrl);
        const big = 9_000_000_000_000_000;
        for (let i = 0; i < 2; i += 1) {
          expect(
            (await post('/commissions', commission(partner.id, { currency: 'JPY', amountMinor: big })))
              .status,
          ).toBe(201);
        }
        expect((await get(`/partners/${partner.id}/balance`)).body.currencies[0]).toMatchObject({
          currency: 'JPY',
          payableMinor: '18000000000000000',
          netPayableMinor: '18000000000000000',
        });
      });
    });

    describe('partner scoping', () => {
      it('a partner key sees its own commissions and balance only', async () => {
        const own = commission(OWN_PARTNER);
        const other = commission(OTHER_PARTNER);
        for (const c of [own, other]) expect((await post('/commissions', c)).status).toBe(201);

        const list = await get('/commissions?limit=200', OWN_KEY);
        expect(list.status).toBe(200);
        const refs = list.body.items.map((c: Json) => c.externalRef);
        expect(refs).toContain(own.externalRef);
        expect(refs).not.toContain(other.externalRef);
        expect(list.body.items.every((c: Json) => c.partnerId === OWN_PARTNER)).toBe(true);
        expect((await get(`/commissions?partnerId=${OTHER_PARTNER}`, OWN_KEY)).status).toBe(403);

        expect((await get(`/commissions/${own.externalRef}`, OWN_KEY)).status).toBe(200);
        expectProblem(await get(`/commissions/${other.externalRef}`, OWN_KEY), 404);
        expect((await get(`/commissions/${other.externalRef}`, OTHER_KEY)).status).toBe(200);

        expect((await get(`/partners/${OWN_PARTNER}/balance`, OWN_KEY)).status).toBe(200);
        expectProblem(await get(`/partners/${OTHER_PARTNER}/balance`, OWN_KEY), 404);

        expectProblem(await post('/commissions', commission(OWN_PARTNER), OWN_KEY), 403);
        expectProblem(await post(`/commissions/${own.externalRef}/reverse`, { reason: 'x' }, OWN_KEY), 403);
        expectProblem(await post(`/partners/${OWN_PARTNER}/payout-hold`, { reason: 'x' }, OWN_KEY), 403);
      });
    });

    describe('payout holds', () => {
      it('places and releases a hold through the partner, logs both, and refuses payments meanwhile (422 PARTNER.PAYOUT_HOLD)', async () => {
        const partner = await createPartner(sys.apiUrl);
        const payment = {
          partnerId: partner.id,
          currency: 'USD',
          lines: [{ reference: 'held-1', amountMinor: 1500, description: 'held' }],
        };

        const held = await post(`/partners/${partner.id}/payout-hold`, { reason: ' tax form missing ' });
        expect(held.status).toBe(200);
        expect(held.body.payoutHold).toEqual({
          reason: 'tax form missing',
          by: 'alice',
          at: expect.any(String),
        });
        expect((await get(`/partners/${partner.id}`)).body.payoutHold).toMatchObject({
          reason: 'tax form missing',
        });
        expect((await get(`/partners/${partner.id}/balance`)).body.payoutHold).toMatchObject({ by: 'alice' });

        expectProblem(
          await post(`/partners/${partner.id}/payout-hold`, { reason: 'again' }, TEST_KEYS.bob),
          409,
          'PARTNER.ALREADY_ON_HOLD',
        );
        expectProblem(await post('/payments', payment), 422, 'PARTNER.PAYOUT_HOLD');
        // Accrual goes on: only payouts stop.
        expect((await post('/commissions', commission(partner.id))).status).toBe(201);

        const released = await sys.api(
          'DELETE',
          `/partners/${partner.id}/payout-hold`,
          undefined,
          TEST_KEYS.bob,
        );
        expect(released.status).toBe(200);
        expect(released.body.payoutHold).toBeNull();
        expectProblem(
          await sys.api('DELETE', `/partners/${partner.id}/payout-hold`, undefined, TEST_KEYS.bob),
          409,
          'PARTNER.NOT_ON_HOLD',
        );
        expect((await post('/payments', payment)).status).toBe(202);

        expect(await eventsOf(partner.id)).toEqual([
          expect.objectContaining({
            type: 'PartnerPayoutHoldPlaced',
            partner_id: partner.id,
            data: expect.objectContaining({ actor: 'alice', reason: 'tax form missing' }),
          }),
          expect.objectContaining({
            type: 'PartnerPayoutHoldReleased',
            data: expect.objectContaining({ actor: 'bob', reason: null }),
          }),
        ]);
      });

      it('404 for an unknown partner, 400 without a reason', async () => {
        const unknown = globalThis.crypto.randomUUID();
        expectProblem(await post(`/partners/${unknown}/payout-hold`, { reason: 'x' }), 404);
        expectProblem(
          await sys.api('DELETE', `/partners/${unknown}/payout-hold`, undefined, TEST_KEYS.alice),
          404,
        );
        expectProblem(await post(`/partners/${OWN_PARTNER}/payout-hold`, { reason: '  ' }), 400);
        expectProblem(await get(`/partners/${unknown}/balance`), 404);
      });

      it('two concurrent holds: one is placed, the other is refused as a hold twice', async () => {
        const partner = await createPartner(sys.apiUrl);
        const results = await Promise.all(
          [TEST_KEYS.alice, TEST_KEYS.bob].map((key) =>
            post(`/partners/${partner.id}/payout-hold`, { reason: 'review' }, key),
          ),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        expect((await eventsOf(partner.id)).map((e) => e.type)).toEqual(['PartnerPayoutHoldPlaced']);
      });

      it('a hold placed after approval still stops the money: the payment fails with PARTNER.PAYOUT_HOLD', async () => {
        const partner = await createPartner(sys.apiUrl);
        // Above the USD approval threshold: it waits for a second person.
        const created = await post('/payments', {
          partnerId: partner.id,
          currency: 'USD',
          lines: [{ reference: `held-${newRef()}`, amountMinor: 2_000_000, description: 'Q1 bonus' }],
        });
        expect(created.status).toBe(202);
        const paymentId: string = created.body.id;
        await eventually(
          () => get(`/payments/${paymentId}`),
          (r) => r.body?.status === 'AWAITING_APPROVAL',
          { timeoutMs: 20_000 },
        );
        expect((await post(`/partners/${partner.id}/payout-hold`, { reason: 'fraud review' })).status).toBe(
          200,
        );
        expect((await post(`/payments/${paymentId}/approve`, {}, TEST_KEYS.bob)).status).toBe(200);
        const done = await eventually(
          () => get(`/payments/${paymentId}`),
          (r) => ['COMPLETED', 'FAILED'].includes(r.body?.status),
          { timeoutMs: 30_000 },
        );
        expect(done.body.status).toBe('FAILED');
        expect(done.body.reason).toMatch(/^PARTNER\.PAYOUT_HOLD: .*fraud review/);
        const ledger = await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${paymentId}`);
        expect(ledger.body.entries).toEqual([]);
      });
    });

    describe('remittance statements', () => {
      it('a partner key reads its own payout’s statement only', async () => {
        const created = await post('/payments', {
          partnerId: OWN_PARTNER,
          currency: 'EUR',
          lines: [{ reference: `st-${newRef()}`, amountMinor: 4_200, description: 'April' }],
        });
        expect(created.status).toBe(202);
        const paymentId: string = created.body.id;
        await eventually(
          () => get(`/payments/${paymentId}`),
          (r) => r.body?.status === 'COMPLETED',
          { timeoutMs: 20_000 },
        );
        const own = await get(`/payments/${paymentId}/statement`, OWN_KEY);
        expect(own.status).toBe(200);
        expect(own.body).toMatchObject({
          paymentId,
          netMinor: 4_200,
          commissionsMinor: 4_200,
          clawbacksMinor: 0,
        });
        expectProblem(await get(`/payments/${paymentId}/statement`, OTHER_KEY), 404);
        expectProblem(await get(`/payments/${globalThis.crypto.randomUUID()}/statement`), 404);
        expectProblem(await get(`/payments/${paymentId}/statement?format=pdf`), 400);
      });
    });
  },
);
