import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { encryptedDataConverter } from '../../src/infra/temporal/encryption-codec';
import { loadConfig, type AppConfig } from '../../src/infra/config';
import { createLogger, type Logger } from '../../src/shared/logger';
import {
  startSystem,
  type Component,
  type RunningSystem,
  type StartSystemOptions,
} from '../../src/processes/wiring/system';
import { ensureFileDatabase, testEnvironment } from './test-env';

/**
 * API keys of the test systems: an admin, two operators (for four-eyes) and a viewer. Like every
 * secret below they are 32 random bytes (drawn once, kept constant): config.ts refuses weak or
 * placeholder secrets in tests too, so the suite runs with what production accepts.
 */
export const TEST_KEYS = {
  admin: 'test-admin-9cmUGE1r6GJUxv9dNBficOceKhQ8Mq2j_jWw2rIhG8E',
  alice: 'test-alice-8MVKAAFypswnwy7nuLdXFhzXXJFewSwbVl2gSte869g',
  bob: 'test-bob-SMfbb8GmUoJn0-k2va5aw7qSFe7OGG-OY94-mVeWXAM',
  viewer: 'test-viewer-KiO528hjl7LIH_aMecF_Z1UStlqk35GtKmU9JMNicLU',
} as const;

/** The other secrets of the test systems (strong, constant). */
export const TEST_SECRETS = {
  wsTokenSecret: 'XNRJGhVyxDcOzjXhomw3wX81coc6nWJdXTDCirtqLVI',
  codecUiToken: 'K8ZV0P4YN1VL9fgz6yNCUAZP4UZJGBJ2xu87qAIpvhU',
  actorSigningKey: 'n0Gz/DwpPeGkLyLugblyhOtTYQyY2pCTp7us0cbGkI4=',
  webhookSecretKey: 'a5/TH4QOAVDtXDDOyfYzGW88rX+0KP2JzQcIGr+rA4c=',
} as const;

export const TEST_API_KEYS = [
  { key: TEST_KEYS.admin, name: 'admin', role: 'admin' },
  { key: TEST_KEYS.alice, name: 'alice', role: 'operator' },
  { key: TEST_KEYS.bob, name: 'bob', role: 'operator' },
  { key: TEST_KEYS.viewer, name: 'viewer', role: 'viewer' },
];

/** ALPES_API_KEYS with partner keys too: the staff keys above, then one per partner (a key or its SHA-256). */
export const apiKeysWithPartners = (
  partners: Array<{ name: string; partnerId: string } & ({ key: string } | { keySha256: string })>,
): string => JSON.stringify([...TEST_API_KEYS, ...partners.map((p) => ({ ...p, role: 'partner' }))]);

export const TEST_CODEC_KEYS = [{ id: 'test-2', key: 'bdlqO5nS1beX7WSWWj25O4IFxZIem+CwC8nBWPEaFpQ=' }];
/**
 * The key the recorded histories (test/fixtures/histories) were encrypted with, before config.ts
 * refused low-entropy keys: the test client still reads them; no system is configured with it.
 */
const RECORDED_HISTORIES_CODEC_KEY = { id: 'test-1', key: Buffer.alloc(32, 7).toString('base64') };
/** What the system's clients and workers use (strict): tests need it to read results and replay histories. */
export const testDataConverter: DataConverter = encryptedDataConverter([
  RECORDED_HISTORIES_CODEC_KEY,
  ...TEST_CODEC_KEYS,
]);
/**
 * The same keys, passing unencrypted payloads through: only for replaying the recorded histories
 * from before encryption, what CODEC_ACCEPT_PLAINTEXT is to a deployment.
 */
export const plainHistoriesDataConverter: DataConverter = encryptedDataConverter(
  [RECORDED_HISTORIES_CODEC_KEY, ...TEST_CODEC_KEYS],
  { acceptPlaintext: true },
);

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

export interface TestSystem extends RunningSystem {
  config: AppConfig;
  client: Client;
  apiUrl: string;
  taskQueue: string;
  /**
   * `http` against this system's API: with `key`, as `bearer(key)`; without, as `http` without
   * headers (the test admin).
   */
  api: (method: string, path: string, body?: unknown, key?: string) => ReturnType<typeof http>;
}

/**
 * Starts real components (worker, API) against the suite's Temporal dev server and PostgreSQL,
 * on a task queue of their own so test files never steal each other's tasks, and ports chosen by the OS.
 */
export async function startTestSystem(
  env: Record<string, string> = {},
  components: Component[] = ['bank', 'worker', 'api'],
  extra: Partial<StartSystemOptions> & { logger?: Logger } = {},
): Promise<TestSystem> {
  const te = testEnvironment();
  await ensureFileDatabase();
  const taskQueue = `test-${Math.random().toString(36).slice(2, 10)}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    DATABASE_URL: te.databaseUrl,
    TEMPORAL_ADDRESS: te.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    UI_PORT: '0',
    UI_HOST: '127.0.0.1',
    SANDBOX_BANK_PORT: '0',
    PROVIDER_HTTP_TIMEOUT: '2s',
    REFUND_WINDOW: '20s',
    ALPES_API_KEYS: JSON.stringify(TEST_API_KEYS),
    WS_TOKEN_SECRET: TEST_SECRETS.wsTokenSecret,
    CODEC_KEYS: JSON.stringify(TEST_CODEC_KEYS),
    CODEC_UI_TOKEN: TEST_SECRETS.codecUiToken,
    ACTOR_SIGNING_KEY: TEST_SECRETS.actorSigningKey,
    WEBHOOK_SECRET_KEYS: JSON.stringify([{ id: 'test-webhook-1', key: TEST_SECRETS.webhookSecretKey }]),
    RATE_LIMIT_PER_MINUTE: '100000',
    // Test files deliberately send wrong keys; the failed-authentication limit has its own tests.
    AUTH_FAILURES_PER_MINUTE: '100000',
    TEMPORAL_METRICS_PORT: '0',
    ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
    ACTIVITY_RETRY_MAX_INTERVAL: '500ms',
    ACTIVITY_START_TO_CLOSE_TIMEOUT: '10s',
    // One shared dev server: a test that needs the Schedule names its own.
    SETTLEMENT_SCHEDULE: 'off',
    JANITOR_SCHEDULE: 'off',
    TAX_FORM_EXPIRY_SCHEDULE: 'off',
    RECONCILIATION_SCHEDULE: 'off',
    ...env,
  });
  const { logger = createLogger({ level: 'warn', pretty: false }), ...options } = extra;
  const system = await startSystem(config, logger, {
    components,
    temporalAddress: te.temporalAddress,
    workflowBundlePath: te.workflowBundlePath,
    ...options,
  });
  const connection = await Connection.connect({ address: te.temporalAddress });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: testDataConverter,
  });
  const apiUrl = system.apiUrl ?? '';
  return {
    ...system,
    config,
    client,
    taskQueue,
    apiUrl,
    api: (method, path, body, key) =>
      http(apiUrl, method, path, body, key === undefined ? undefined : bearer(key)),
    stop: async () => {
      await connection.close();
      await system.stop();
    },
  };
}

let partnerSeq = 0;

/** Registers a partner through the API; `accountLast4` '0000' makes the sandbox bank decline payouts. */
export async function createPartner(
  apiUrl: string,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; [k: string]: unknown }> {
  partnerSeq += 1;
  const res = await http(apiUrl, 'POST', '/partners', {
    name: `Partner ${partnerSeq}`,
    email: `partner${partnerSeq}@example.com`,
    payoutAccount: 'DE89 3704 0044 0532 0130 00',
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`partner not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs}ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}

/** `http` without the test admin's key: for the sandbox bank (it takes none) and anonymous calls. */
export const httpWithoutKey = (
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): ReturnType<typeof http> => http(base, method, path, body, { authorization: '', ...headers });

export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  // Authenticated as the test admin unless the caller says otherwise (an empty value sends none).
  const auth = 'authorization' in headers ? { ...headers } : { ...bearer(TEST_KEYS.admin), ...headers };
  if (auth.authorization === '') delete auth.authorization;
  // POST /payments requires an Idempotency-Key: like our other clients, send a fresh one unless the
  // caller gave one (an empty value sends none, for the tests of the 400).
  const idempotencyKey = Object.keys(auth).find((h) => h.toLowerCase() === 'idempotency-key');
  if (idempotencyKey === undefined && method === 'POST' && /^\/payments\/?(\?|$)/i.test(path)) {
    auth['idempotency-key'] = globalThis.crypto.randomUUID();
  } else if (idempotencyKey !== undefined && auth[idempotencyKey] === '') delete auth[idempotencyKey];
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...auth },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
