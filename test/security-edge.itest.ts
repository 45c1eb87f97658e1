import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { AUTH_FAILURES_TABLE } from '../src/infra/db/auth-failure-store';
import { ConfigError, loadConfig } from '../src/infra/config';
import { startDevServer, type DevServer } from '../src/infra/temporal/dev-server';
import { devServerOptions } from '../src/processes/wiring/dev-server-launch';
import { freePort } from './support/free-port';
import { describeWithPostgres, testEnvironment } from './support/test-env';
import {
  bearer,
  createPartner,
  http,
  startTestSystem,
  TEST_KEYS,
  TEST_SECRETS,
  type TestSystem,
} from './support/system';

/**
 * The security guards of the HTTP edge (issue 14: items 1, 5, 6, 7, 8, 11), each against a real
 * API over HTTP. Every test here fails when its guard is removed.
 */

const TOKEN = TEST_SECRETS.codecUiToken;
const PAYLOADS = {
  payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: 'e30=' }],
};

/** A client address, as a proxy on loopback reports it (the API trusts X-Forwarded-For from loopback only). */
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('secrets at start', () => {
  it('refuses to start a system on a placeholder, naming the variable', async () => {
    const attempt = startTestSystem({ WS_TOKEN_SECRET: 'change-me-ws-token-secret' }, ['api']);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/WS_TOKEN_SECRET: is a placeholder/);
  });

  it('refuses a key named like the engine’s own actor', async () => {
    await expect(
      startTestSystem(
        { ALPES_API_KEYS: JSON.stringify([{ key: TEST_KEYS.admin, name: 'system', role: 'admin' }]) },
        ['api'],
      ),
    ).rejects.toThrow(/"system" is reserved/);
  });
});

describeWithPostgres(
  'failed authentication is throttled per client address, across API replicas',
  (databaseUrl) => {
    let a: TestSystem;
    let b: TestSystem;
    beforeAll(async () => {
      a = await startTestSystem({ AUTH_FAILURES_PER_MINUTE: '3' }, ['api']);
      // A second replica of the same deployment: same database, same task queue (the limiter's scope).
      b = await startTestSystem({ AUTH_FAILURES_PER_MINUTE: '3', TEMPORAL_TASK_QUEUE: a.taskQueue }, ['api']);
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
    });

    const get = (sys: TestSystem, key: string, ip: string) =>
      http(sys.apiUrl, 'GET', '/partners', undefined, { ...bearer(key), ...from(ip) });

    it('answers 401 up to the limit, then 429 with Retry-After, and then refuses even the right key', async () => {
      const ip = '198.51.100.10';
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await get(a, `wrong-${i}`, ip));
      expect(answers.map((r) => r.status)).toEqual([401, 401, 401]);
      // Each refusal says which budget it was counted against and what is left of it.
      for (const r of answers) expect(r.headers.get('ratelimit-policy')).toBe('"auth-failures";q=3;w=60');
      expect(answers.map((r) => r.headers.get('ratelimit')?.replace(/t=\d+/, 't=T'))).toEqual([
        '"auth-failures";r=2;t=T',
        '"auth-failures";r=1;t=T',
        '"auth-failures";r=0;t=T',
      ]);
      const over = await get(a, 'wrong-3', ip);
      expect(over.status).toBe(429);
      expect(over.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(over.headers.get('ratelimit')).toBe(`"auth-failures";r=0;t=${over.headers.get('retry-after')}`);
      // A right guess now is not confirmed.
      expect((await get(a, TEST_KEYS.admin, ip)).status).toBe(429);
      // Everyone else is unaffected: their own window, their own count.
      expect((await get(a, TEST_KEYS.admin, '198.51.100.11')).status).toBe(200);
      expect((await get(a, 'wrong', '198.51.100.11')).status).toBe(401);
    });

    it('counts the failures of one address on every replica together, in PostgreSQL', async () => {
      const ip = '198.51.100.20';
      expect((await get(a, 'wrong-a1', ip)).status).toBe(401);
      expect((await get(a, 'wrong-a2', ip)).status).toBe(401);
      expect((await get(b, 'wrong-b1', ip)).status).toBe(401);
      // The fourth failure overall, on the replica that saw only one of them.
      expect((await get(b, 'wrong-b2', ip)).status).toBe(429);
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query(`select key, points from ${AUTH_FAILURES_TABLE} where key like $1`, [
          `%${a.taskQueue}%:${ip}`,
        ]);
        expect(rows).toEqual([{ key: expect.stringContaining(ip), points: 4 }]);
      } finally {
        await db.end();
      }
    });

    it('counts an IPv6 client by its /64: another address of the same network shares the count', async () => {
      for (const suffix of ['1', '2', '3'])
        expect((await get(a, 'wrong', `2001:db8:7:7::${suffix}`)).status).toBe(401);
      expect((await get(a, 'wrong', '2001:db8:7:7:ffff::9')).status).toBe(429);
      expect((await get(a, 'wrong', '2001:db8:7:8::1')).status).toBe(401);
    });

    it('counts wrong codec link tokens like wrong keys', async () => {
      const ip = '198.51.100.30';
      const decode = (token: string) =>
        http(a.apiUrl, 'POST', `/codec/ui/${token}/decode`, PAYLOADS, { authorization: '', ...from(ip) });
      for (let i = 0; i < 3; i += 1) expect((await decode(`wrong-token-${i}`)).status).toBe(401);
      const over = await decode('wrong-token-3');
      expect(over.status).toBe(429);
      // Counted under both: the request budget of the address and its failed authentications.
      expect(over.headers.get('ratelimit-policy')).toMatch(
        /^"default";q=\d+;w=60, "auth-failures";q=3;w=60$/,
      );
      expect(over.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+, "auth-failures";r=0;t=\d+$/);
      expect((await decode(TOKEN)).status).toBe(429);
    });
  },
);

/** What a system logs: its logger writes here (pino JSON lines). */
function capturedLog(level = 'warn') {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    logger: pino({ level }, sink),
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg?: string; setting?: string }),
  };
}

describeWithPostgres('the codec link token never leaves the request', () => {
  const exporter = new InMemorySpanExporter();
  const log = capturedLog('info');
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({}, ['api'], {
      spanProcessor: new SimpleSpanProcessor(exporter),
      logger: log.logger,
    });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('is masked in access logs, trace attributes and problem+json bodies', async () => {
    const answers = [
      // 400: a body the codec cannot read; 405: the wrong method; 404: no such route under the token.
      await http(sys.apiUrl, 'POST', `/codec/ui/${TOKEN}/decode`, { payloads: 'x' }, { authorization: '' }),
      await http(sys.apiUrl, 'GET', `/codec/ui/${TOKEN}/decode`, undefined, { authorization: '' }),
      await http(sys.apiUrl, 'POST', `/codec/ui/${TOKEN}/encode?x=1`, PAYLOADS, { authorization: '' }),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 405, 404]);
    for (const res of answers) {
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
      expect(res.body.instance).toMatch(/^\/codec\/ui\/\[redacted\]\//);
    }
    // The token still works: the mask is in what is recorded, not in the route.
    const encoded = await sys.api('POST', '/codec/encode', PAYLOADS, TEST_KEYS.alice);
    expect(
      (await http(sys.apiUrl, 'POST', `/codec/ui/${TOKEN}/decode`, encoded.body, { authorization: '' }))
        .status,
    ).toBe(200);

    expect(log.text()).toContain('/codec/ui/[redacted]/decode');
    expect(log.text()).not.toContain(TOKEN);

    const spans = exporter
      .getFinishedSpans()
      .filter((s) => String(s.attributes['http.target']).includes('/codec/ui/'));
    expect(spans.length).toBeGreaterThanOrEqual(4);
    for (const span of spans) {
      expect(JSON.stringify({ name: span.name, attributes: span.attributes })).not.toContain(TOKEN);
      expect(span.attributes['http.target']).toMatch(/^\/codec\/ui\/\[redacted\]/);
    }
  });
});

describeWithPostgres(
  'the codec refuses unencrypted payloads in every mode, unless CODEC_ACCEPT_PLAINTEXT',
  () => {
    const strictLog = capturedLog();
    const lenientLog = capturedLog();
    let strict: TestSystem;
    let lenient: TestSystem;
    beforeAll(async () => {
      strict = await startTestSystem({}, ['api'], { logger: strictLog.logger });
      lenient = await startTestSystem({ CODEC_ACCEPT_PLAINTEXT: 'true' }, ['api'], {
        logger: lenientLog.logger,
      });
    });
    afterAll(async () => {
      await strict?.stop();
      await lenient?.stop();
    });

    const decode = (sys: TestSystem, body: unknown) => [
      sys.api('POST', '/codec/decode', body, TEST_KEYS.viewer),
      http(sys.apiUrl, 'POST', `/codec/ui/${TOKEN}/decode`, body, { authorization: '' }),
    ];

    it('refuses a plain payload on /codec/decode and the Web UI route by default, outside production too', async () => {
      expect(strict.config.nodeEnv).toBe('test');
      for (const res of await Promise.all(decode(strict, PAYLOADS))) {
        expect(res.status).toBe(422);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.detail).toMatch(/not encrypted/);
      }
      // What our own codec encrypted still decodes.
      const encoded = await http(strict.apiUrl, 'POST', '/codec/encode', PAYLOADS, bearer(TEST_KEYS.alice));
      for (const res of await Promise.all(decode(strict, encoded.body))) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual(PAYLOADS);
      }
      expect(strictLog.lines().filter((l) => l.setting === 'CODEC_ACCEPT_PLAINTEXT')).toEqual([]);
    });

    it('passes it through with CODEC_ACCEPT_PLAINTEXT=true, and warns once at start, naming the setting', async () => {
      for (const res of await Promise.all(decode(lenient, PAYLOADS))) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual(PAYLOADS);
      }
      const warnings = lenientLog.lines().filter((l) => l.setting === 'CODEC_ACCEPT_PLAINTEXT');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toContain('CODEC_ACCEPT_PLAINTEXT=true');
    });
  },
);

describe('the codec link token stays off the Temporal dev server’s command line', () => {
  let dir: string;
  let server: DevServer | undefined;
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the Web UI through a 0600 file; `ps` shows only its path', async () => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-devserver-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const config = loadConfig({
      DATA_DIR: dir,
      TEMPORAL_PORT: String(port),
      TEMPORAL_UI_PORT: String(uiPort),
    });
    const token = 'K8ZV0P4YN1VL9fgz6yNCUAZP4UZJGBJ2xu87qAIpvhU-devserver';
    server = await startDevServer(
      devServerOptions(config, { cliPath: testEnvironment().temporalCli, codecUiToken: token }),
    );

    const cmdline = readFileSync(`/proc/${server.process.pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(cmdline).toContain('server start-dev');
    expect(cmdline).not.toContain(token);
    expect(cmdline).not.toContain('/codec/ui/');

    const settings = await eventuallyJson(`http://127.0.0.1:${uiPort}/api/v1/settings`);
    expect(settings.Codec.Endpoint).toBe(`${config.api.publicUrl}/codec/ui/${token}`);
  }, 90_000);
});

describeWithPostgres('roles, Idempotency-Key and listening address', () => {
  let sys: TestSystem;
  let relaxed: TestSystem;
  let partnerId: string;
  beforeAll(async () => {
    sys = await startTestSystem({}, ['bank', 'worker', 'api']);
    relaxed = await startTestSystem(
      { IDEMPOTENCY_KEY_REQUIRED: 'false', TEMPORAL_TASK_QUEUE: sys.taskQueue },
      ['api'],
    );
    partnerId = (await createPartner(sys.apiUrl)).id;
  });
  afterAll(async () => {
    await relaxed?.stop();
    await sys?.stop();
  });

  it('lets operators and admins encode, not viewers (who may still decode)', async () => {
    const encode = (key: string) => sys.api('POST', '/codec/encode', PAYLOADS, key);
    const viewer = await encode(TEST_KEYS.viewer);
    expect(viewer.status).toBe(403);
    expect(viewer.headers.get('content-type')).toContain('application/problem+json');
    const encoded = await encode(TEST_KEYS.alice);
    expect(encoded.status).toBe(200);
    expect((await encode(TEST_KEYS.admin)).status).toBe(200);
    const decoded = await sys.api('POST', '/codec/decode', encoded.body, TEST_KEYS.viewer);
    expect(decoded.status).toBe(200);
    expect(decoded.body).toEqual(PAYLOADS);
  });

  const payment = (reference: string) => ({
    partnerId,
    currency: 'USD',
    lines: [{ reference, amountMinor: 700, description: 'idempotency' }],
  });

  it('refuses POST /payments without an Idempotency-Key: 400 problem+json naming the header, nothing started', async () => {
    const before = (await sys.api('GET', `/payments?partnerId=${partnerId}`)).body.items.length;
    const res = await http(sys.apiUrl, 'POST', '/payments', payment('no-key'), { 'idempotency-key': '' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      status: 400,
      title: 'Idempotency-Key is missing',
      code: 'IDEMPOTENCY.KEY_REQUIRED',
      errors: [{ field: 'Idempotency-Key', message: expect.any(String) }],
    });
    expect((await sys.api('GET', `/payments?partnerId=${partnerId}`)).body.items.length).toBe(before);
    // With a key it goes through (the test helper sends a fresh one by default, as our clients do).
    expect((await sys.api('POST', '/payments', payment('with-key'))).status).toBe(202);
  });

  it('accepts a payment without a key where IDEMPOTENCY_KEY_REQUIRED=false', async () => {
    const res = await http(relaxed.apiUrl, 'POST', '/payments', payment('relaxed'), {
      'idempotency-key': '',
    });
    expect(res.status).toBe(202);
  });

  it('keeps /pagos working without a key: the same pago again names the same payment, another one a new one', async () => {
    const pago = (ref: string, amount: string) => ({
      id_socio: partnerId,
      monto_total: amount,
      moneda: 'USD',
      comisiones: [{ id_referencia: ref, monto: amount, descripcion: 'original client' }],
    });
    const first = await sys.api('POST', '/pagos', pago('pago-1', '12.50'));
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replay')).toBeNull();
    // The same pago (amounts written differently are the same amounts): a retry, not a second payout.
    const retry = await sys.api('POST', '/pagos', pago('pago-1', '12.5'));
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('idempotent-replay')).toBe('true');
    const other = await sys.api('POST', '/pagos', pago('pago-2', '12.50'));
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
    // Another caller's identical pago is its own payment.
    const bob = await sys.api('POST', '/pagos', pago('pago-1', '12.50'), TEST_KEYS.bob);
    expect(bob.body.id).not.toBe(first.body.id);
  });

  it('binds the API to loopback when API_HOST is not set', async () => {
    const local = await startTestSystem({ API_HOST: undefined as unknown as string }, ['api']);
    try {
      const port = Number(new URL(local.apiUrl).port);
      expect(await reachable('127.0.0.1', port)).toBe(true);
      const external = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i && i.family === 'IPv4' && !i.internal)
        .map((i) => i!.address);
      if (external.length === 0)
        console.warn('no non-loopback IPv4 interface: cannot show the API is unreachable on one');
      for (const address of external)
        expect({ address, reachable: await reachable(address, port) }).toEqual({ address, reachable: false });
    } finally {
      await local.stop();
    }
  });
});

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function eventuallyJson(url: string): Promise<any> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return await res.json();
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
