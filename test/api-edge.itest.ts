import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { createApi } from '../src/api/create-api';
import { ApiKeyRegistry } from '../src/infra/auth/api-key-registry';
import { WsTokens } from '../src/infra/auth/ws-token';
import { createLogger } from '../src/shared/logger';
import { seedPartnersBeforeStart } from './support/partner-seed';
import { describeWithPostgres } from './support/test-env';
import {
  apiKeysWithPartners,
  bearer,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  TEST_SECRETS,
  type TestSystem,
} from './support/system';
import { documentedOperations, fullApi } from './support/contract-document';
import { historyText } from './support/history-text';

type Json = any;

/** Two partners with their own keys, created before the system starts so their keys can name them. */
const OWN_PARTNER = globalThis.crypto.randomUUID();
const OTHER_PARTNER = globalThis.crypto.randomUUID();
const PARTNER_KEY = 'test-own-partner-xJqzl8umVnJNaqSuAamiF-tClDEcyjqxMwzL89OoJTw';
const OTHER_PARTNER_KEY = 'test-other-partner-PcRNj0KZAEJzRSom5sZ1dKCMWodIZD6eQW4m5iVFyaY';

describeWithPostgres('API edge: keys, roles, problem+json, OpenAPI, codec, hostile input', (databaseUrl) => {
  let sys: TestSystem;

  beforeAll(async () => {
    await seedPartnersBeforeStart(databaseUrl, [
      { id: OWN_PARTNER, name: 'Own Partner', email: 'own@example.com', payoutAccount: '123456789' },
      { id: OTHER_PARTNER, name: 'Other Partner', email: 'other@example.com', payoutAccount: '123456789' },
    ]);
    sys = await startTestSystem({
      ALPES_API_KEYS: apiKeysWithPartners([
        { key: PARTNER_KEY, name: 'own-partner', partnerId: OWN_PARTNER },
        // Stored as a hash only, as an operator would configure it.
        {
          keySha256: createHash('sha256').update(OTHER_PARTNER_KEY).digest('hex'),
          name: 'other-partner',
          partnerId: OTHER_PARTNER,
        },
      ]),
      BODY_LIMIT: '8kb',
    });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  const as = (key: string | null) => (key === null ? { authorization: '' } : bearer(key));

  describe('contract', () => {
    it('serves a valid OpenAPI 3.1 document that lists every route', async () => {
      const res = await http(sys.apiUrl, 'GET', '/openapi.json', undefined, as(null));
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      // ESM-only package: loaded with a dynamic import.
      const { Validator } = await import('@seriousme/openapi-schema-validator');
      const result = await new Validator().validate(res.body);
      expect(result).toEqual({ valid: true });

      const documented = new Set<string>();
      for (const [path, ops] of Object.entries(res.body.paths as Record<string, object>)) {
        for (const method of Object.keys(ops)) documented.add(`${method} ${path}`);
      }
      // Every route the running API answers, read from the same table that mounts them.
      const api = createApi({
        commands: {} as never,
        reads: {} as never,
        partners: {} as never,
        useCases: {} as never,
        commissions: {} as never,
        logger: createLogger({ level: 'silent', pretty: false }),
        apiKeys: new ApiKeyRegistry([]),
        wsTokens: new WsTokens('x'.repeat(32)),
        probes: [],
        temporalUiUrl: '',
        namespace: 'default',
        publicUrl: '',
        corsOrigins: [],
        rateLimitPerMinute: 1,
        bodyLimit: '1kb',
      });
      const mounted = api.routes.routes().map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
      expect(mounted.length).toBeGreaterThan(10);
      for (const route of mounted) expect(documented).toContain(route);
      // The document the contract test lints (on stubs) is this one: same operations.
      expect(documentedOperations(res.body).sort()).toEqual(
        documentedOperations(fullApi('').openApi()).sort(),
      );
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await fetch(`${sys.apiUrl}/docs/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('swagger-ui');
    });

    it('answers /healthz and /readyz without a key', async () => {
      expect((await http(sys.apiUrl, 'GET', '/healthz', undefined, as(null))).status).toBe(200);
      const ready = await http(sys.apiUrl, 'GET', '/readyz', undefined, as(null));
      expect(ready).toMatchObject({
        status: 200,
        body: { status: 'ready', checks: { database: 'ok', temporal: 'ok' } },
      });
    });
  });

  describe('problem+json for every refusal', () => {
    const expectProblem = (res: { status: number; headers: Headers; body: Json }, status: number) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|node_modules|stack/);
    };

    it('400 for a well-formed cursor this API never issued (an id that is no UUID)', async () => {
      const forged = Buffer.from(JSON.stringify({ c: new Date().toISOString(), i: "x' or 1=1" })).toString(
        'base64url',
      );
      for (const path of ['/payments', '/partners', '/notifications', '/commissions']) {
        const res = await sys.api('GET', `${path}?cursor=${forged}`);
        expectProblem(res, 400);
        expect(res.body.errors).toEqual([{ field: 'cursor', message: 'not a cursor returned by this API' }]);
      }
    });

    it('401 without a key and with a wrong key', async () => {
      const none = await http(sys.apiUrl, 'GET', '/payments', undefined, as(null));
      expectProblem(none, 401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expectProblem(await sys.api('GET', '/payments', undefined, 'not-a-real-key-at-all'), 401);
    });

    it('403 when the role may not', async () => {
      expectProblem(
        await sys.api(
          'POST',
          '/payments',
          { partnerId: OWN_PARTNER, currency: 'USD', lines: [{ reference: 'a', amountMinor: 1 }] },
          TEST_KEYS.viewer,
        ),
        403,
      );
    });

    it('405 with Allow for a known path and the wrong method', async () => {
      const res = await sys.api('DELETE', '/payments');
      expectProblem(res, 405);
      expect(res.headers.get('allow')).toContain('POST');
    });

    it('413 for a body over the limit, 415 for a body that is not JSON, 400 for malformed JSON', async () => {
      const big = {
        partnerId: OWN_PARTNER,
        currency: 'USD',
        lines: [{ reference: 'a', amountMinor: 1, description: 'x'.repeat(20_000) }],
      };
      expectProblem(await sys.api('POST', '/payments', big), 413);
      expectProblem(
        await http(sys.apiUrl, 'POST', '/payments', 'partnerId=1', { 'content-type': 'text/plain' }),
        415,
      );
      expectProblem(
        await http(sys.apiUrl, 'POST', '/payments', '{"partnerId":', { 'content-type': 'application/json' }),
        400,
      );
    });

    it('404 for an unknown route', async () => {
      expectProblem(await sys.api('GET', '/nowhere'), 404);
    });
  });

  describe('authorisation matrix', () => {
    const ROLES = {
      none: null,
      wrong: 'definitely-not-a-configured-key',
      admin: TEST_KEYS.admin,
      operator: TEST_KEYS.alice,
      viewer: TEST_KEYS.viewer,
      partner: PARTNER_KEY,
      otherPartner: OTHER_PARTNER_KEY,
    } as const;
    type Who = keyof typeof ROLES;
    let paymentId: string;
    const commissionRef = `matrix-${globalThis.crypto.randomUUID()}`;

    beforeAll(async () => {
      const accrued = await sys.api(
        'POST',
        '/commissions',
        {
          externalRef: commissionRef,
          partnerId: OWN_PARTNER,
          currency: 'USD',
          amountMinor: 100,
          occurredAt: '2024-01-01T00:00:00Z',
        },
        TEST_KEYS.alice,
      );
      expect(accrued.status).toBe(201);
      const res = await sys.api(
        'POST',
        '/payments',
        {
          partnerId: OWN_PARTNER,
          currency: 'USD',
          lines: [{ reference: 'matrix', amountMinor: 500, description: 'x' }],
        },
        TEST_KEYS.alice,
      );
      paymentId = res.body.id;
      await eventually(
        () => sys.api('GET', `/payments/${paymentId}`),
        (r) => r.body?.status === 'COMPLETED',
      );
    });

    // Expected status per caller. Writes use bodies that are refused *after* authorisation (404/409/422/400),
    // so a 2xx/4xx other than 401/403 proves the caller got through and nothing was created.
    const cases: Array<[string, string, () => string, unknown, Record<Who, number>]> = [
      [
        'GET',
        '/partners',
        () => '',
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 403, otherPartner: 403 },
      ],
      [
        'GET',
        '/partners/:own',
        () => `/partners/${OWN_PARTNER}`,
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 404 },
      ],
      [
        'POST',
        '/partners',
        () => '/partners',
        { name: '' },
        { none: 401, wrong: 401, admin: 400, operator: 403, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'PATCH',
        '/partners/:own',
        () => `/partners/${OWN_PARTNER}`,
        { status: 'NOPE' },
        { none: 401, wrong: 401, admin: 400, operator: 403, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'GET',
        '/payments',
        () => '/payments',
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 200 },
      ],
      [
        'GET',
        '/payments/:id',
        () => `/payments/${paymentId}`,
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 404 },
      ],
      [
        'GET',
        '/pagos/:id',
        () => `/pagos/${paymentId}`,
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 404 },
      ],
      [
        'POST',
        '/payments',
        () => '/payments',
        {
          partnerId: globalThis.crypto.randomUUID(),
          currency: 'USD',
          lines: [{ reference: 'a', amountMinor: 1 }],
        },
        { none: 401, wrong: 401, admin: 422, operator: 422, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'POST',
        '/pagos',
        () => '/pagos',
        {
          id_socio: globalThis.crypto.randomUUID(),
          monto_total: 1,
          moneda: 'USD',
          comisiones: [{ id_referencia: 'a', monto: 1 }],
        },
        { none: 401, wrong: 401, admin: 422, operator: 422, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'POST',
        '/payments/:id/cancel',
        () => `/payments/${paymentId}/cancel`,
        undefined,
        { none: 401, wrong: 401, admin: 409, operator: 409, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'POST',
        '/payments/:id/approve',
        () => `/payments/${paymentId}/approve`,
        undefined,
        { none: 401, wrong: 401, admin: 409, operator: 409, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'POST',
        '/auth/ws-token',
        () => '/auth/ws-token',
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 200 },
      ],
      [
        'POST',
        '/codec/decode',
        () => '/codec/decode',
        { payloads: [] },
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 403, otherPartner: 403 },
      ],
      [
        'GET',
        '/commissions',
        () => '/commissions',
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 200 },
      ],
      [
        'GET',
        '/commissions/:ref',
        () => `/commissions/${commissionRef}`,
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 404 },
      ],
      [
        'POST',
        '/commissions',
        () => '/commissions',
        {
          externalRef: 'matrix-unknown-partner',
          partnerId: globalThis.crypto.randomUUID(),
          currency: 'USD',
          amountMinor: 1,
          occurredAt: '2024-01-01T00:00:00Z',
        },
        { none: 401, wrong: 401, admin: 422, operator: 422, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'POST',
        '/commissions/import',
        () => '/commissions/import',
        undefined,
        { none: 401, wrong: 401, admin: 415, operator: 415, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'POST',
        '/commissions/:ref/reverse',
        () => `/commissions/${commissionRef}/reverse`,
        {},
        { none: 401, wrong: 401, admin: 400, operator: 400, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'GET',
        '/partners/:own/balance',
        () => `/partners/${OWN_PARTNER}/balance`,
        undefined,
        { none: 401, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 404 },
      ],
      [
        'POST',
        '/partners/:own/payout-hold',
        () => `/partners/${OWN_PARTNER}/payout-hold`,
        { reason: '' },
        { none: 401, wrong: 401, admin: 400, operator: 400, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'DELETE',
        '/partners/:own/payout-hold',
        () => `/partners/${OWN_PARTNER}/payout-hold`,
        undefined,
        { none: 401, wrong: 401, admin: 409, operator: 409, viewer: 403, partner: 403, otherPartner: 403 },
      ],
      [
        'GET',
        '/healthz',
        () => '/healthz',
        undefined,
        { none: 200, wrong: 401, admin: 200, operator: 200, viewer: 200, partner: 200, otherPartner: 200 },
      ],
    ];

    it.each(cases)('%s %s', async (method, _label, path, body, expected) => {
      const actual: Partial<Record<Who, number>> = {};
      for (const who of Object.keys(ROLES) as Who[]) {
        actual[who] = (await http(sys.apiUrl, method, path() || '/partners', body, as(ROLES[who]))).status;
      }
      expect(actual).toEqual(expected);
    });

    it('a partner key lists only its own payments, and may not ask for another partner’s', async () => {
      const own = await sys.api('GET', '/payments', undefined, PARTNER_KEY);
      expect(own.body.items.length).toBeGreaterThan(0);
      expect(own.body.items.every((p: Json) => p.partnerId === OWN_PARTNER)).toBe(true);
      const other = await sys.api('GET', '/payments', undefined, OTHER_PARTNER_KEY);
      expect(other.body.items.some((p: Json) => p.partnerId === OWN_PARTNER)).toBe(false);
      expect(
        (await sys.api('GET', `/payments?partnerId=${OWN_PARTNER}`, undefined, OTHER_PARTNER_KEY)).status,
      ).toBe(403);
    });
  });

  describe('observability', () => {
    it('exposes Prometheus metrics: HTTP histograms by route and status, payments by status', async () => {
      await sys.api('GET', `/payments/${globalThis.crypto.randomUUID()}`);
      const res = await fetch(`${sys.apiUrl}/metrics`, { headers: bearer(TEST_KEYS.viewer) });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(
        /alpes_http_request_duration_seconds_count\{[^}]*route="\/payments\/:id"[^}]*status="404"[^}]*\} [1-9]/,
      );
      expect(text).toMatch(/alpes_payments\{status="COMPLETED",currency="USD"\} [1-9]/);
      expect(text).toContain('alpes_notification_deliveries');
      expect((await fetch(`${sys.apiUrl}/metrics`, { headers: bearer(PARTNER_KEY) })).status).toBe(403);
    });

    it('echoes a request id for correlation', async () => {
      const res = await fetch(`${sys.apiUrl}/healthz`, { headers: { 'x-request-id': 'trace-me-123' } });
      expect(res.headers.get('x-request-id')).toBe('trace-me-123');
    });
  });

  describe('payload encryption', () => {
    it('keeps payment data out of the Temporal server in plaintext, and the codec endpoint decodes it', async () => {
      const secretDescription = `private-commission-note-${Date.now()}`;
      const created = await sys.api(
        'POST',
        '/payments',
        {
          partnerId: OWN_PARTNER,
          currency: 'USD',
          lines: [{ reference: 'enc-1', amountMinor: 700, description: secretDescription }],
        },
        TEST_KEYS.alice,
      );
      const id = created.body.id;
      await eventually(
        () => sys.api('GET', `/payments/${id}`),
        (r) => r.body?.status === 'COMPLETED',
      );
      const history = await sys.client.workflow.getHandle(`payment:${id}`).fetchHistory();
      const raw = historyText(history);
      // Proof the decoding works: plain search attributes are readable.
      expect(raw).toContain('"PENDING"');
      // (The partner id does appear: it is the PartnerId search attribute, an opaque UUID, by design.)
      for (const plaintext of [secretDescription, 'Own Partner', 'own@example.com', '123456789']) {
        expect(raw).not.toContain(plaintext);
      }
      expect(raw).toContain('binary/encrypted');

      const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
      const payloads = started.workflowExecutionStartedEventAttributes!.input!.payloads!.map((p) => ({
        metadata: Object.fromEntries(
          Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
        ),
        data: Buffer.from(p.data!).toString('base64'),
      }));
      const decoded = await sys.api('POST', '/codec/decode', { payloads }, TEST_KEYS.viewer);
      expect(decoded.status).toBe(200);
      const input = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8'));
      expect(input.lines[0].description).toBe(secretDescription);

      // The Web UI's link-token route decodes too; a wrong token does not.
      const viaUi = await http(
        sys.apiUrl,
        'POST',
        `/codec/ui/${TEST_SECRETS.codecUiToken}/decode`,
        { payloads },
        as(null),
      );
      expect(viaUi.status).toBe(200);
      expect(
        (await http(sys.apiUrl, 'POST', '/codec/ui/wrong-token-0123456789/decode', { payloads }, as(null)))
          .status,
      ).toBe(401);
    });
  });

  describe('hostile input', () => {
    const paths = [
      '/partners',
      '/partners/:id',
      '/payments',
      '/payments/:id',
      '/payments/:id/approve',
      '/payments/:id/refund',
      '/pagos',
      '/pagos/:id',
      '/commissions',
      '/commissions/:id',
      '/commissions/:id/reverse',
      '/commissions/import',
      '/partners/:id/balance',
      '/partners/:id/payout-hold',
      '/auth/ws-token',
      '/codec/decode',
      '/readyz',
    ];
    const keys = [TEST_KEYS.admin, TEST_KEYS.alice, TEST_KEYS.viewer, PARTNER_KEY, 'wrong-key-x', null];

    it('never answers 5xx and never creates a payment from random requests', async () => {
      const before = await sys.api('GET', '/payments?limit=200');
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
          fc.constantFrom(...paths),
          fc.oneof(
            fc.uuid(),
            fc.string({ maxLength: 60 }),
            fc.constant('%00'),
            fc.constant('../../etc/passwd'),
          ),
          fc.oneof(
            fc.json({ maxDepth: 4 }),
            fc.string({ maxLength: 300 }),
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc
              .record({
                partnerId: fc.oneof(fc.uuid(), fc.string()),
                currency: fc.oneof(fc.constantFrom('USD', 'COP', 'JPY', 'XXX'), fc.string()),
                lines: fc.array(
                  fc.record({
                    reference: fc.string({ unit: 'binary', maxLength: 120 }),
                    amountMinor: fc.oneof(
                      fc.integer(),
                      fc.double(),
                      fc.bigInt().map(String),
                      fc.constant(Number.MAX_SAFE_INTEGER + 2),
                    ),
                    description: fc.string({ unit: 'binary', maxLength: 50 }),
                  }),
                  { maxLength: 3 },
                ),
              })
              .map((o) => JSON.stringify(o)),
          ),
          fc.constantFrom(...keys),
          fc.constantFrom(
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
            'text/csv',
            'application/x-ndjson',
          ),
          fc.string({ maxLength: 40 }),
          async (method, template, idPart, body, key, contentType, query) => {
            const path =
              template.replace(':id', encodeURIComponent(idPart)) +
              `?${encodeURIComponent(query)}=${encodeURIComponent(idPart)}`;
            const res = await fetch(`${sys.apiUrl}${path}`, {
              method,
              headers: {
                ...(key ? { authorization: `Bearer ${key}` } : {}),
                'content-type': contentType,
                'idempotency-key': idPart.slice(0, 40) || 'k',
              },
              body: method === 'GET' ? undefined : body,
            });
            await res.arrayBuffer();
            expect(res.status).toBeLessThan(500);
          },
        ),
        { numRuns: 300 },
      );
      const after = await sys.api('GET', '/payments?limit=200');
      expect(after.body.items.map((p: Json) => p.id).sort()).toEqual(
        before.body.items.map((p: Json) => p.id).sort(),
      );
    });
  });
});

describeWithPostgres('API edge: rate limiting', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ RATE_LIMIT_PER_MINUTE: '5' }, ['api']);
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('answers 429 with Retry-After once a key spends its budget, per key', async () => {
    const statuses: number[] = [];
    const remaining: Array<string | undefined> = [];
    let retryAfter: string | null = null;
    let refusedRateLimit: string | null = null;
    for (let i = 0; i < 7; i += 1) {
      const res = await sys.api('GET', '/partners', undefined, TEST_KEYS.viewer);
      statuses.push(res.status);
      // Every answer, refusals included, tells the quota and what is left of it (IETF RateLimit fields).
      expect(res.headers.get('ratelimit-policy')).toBe('"default";q=5;w=60');
      remaining.push(/^"default";r=(\d+);t=(\d+)$/.exec(res.headers.get('ratelimit') ?? '')?.[1]);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        refusedRateLimit = res.headers.get('ratelimit');
      }
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(remaining).toEqual(['4', '3', '2', '1', '0', '0', '0']);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refusedRateLimit).toBe(`"default";r=0;t=${retryAfter}`);
    const other = await sys.api('GET', '/partners', undefined, TEST_KEYS.alice);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/^"default";r=4;t=\d+$/);
  });

  it('lets the dashboard read the rate-limit fields cross-origin', async () => {
    const origin = sys.config.security.corsOrigins[0]!;
    const res = await http(sys.apiUrl, 'GET', '/healthz', undefined, { origin, authorization: '' });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/\bRateLimit\b.*\bRateLimit-Policy\b/);
  });
});
