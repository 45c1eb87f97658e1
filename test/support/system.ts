import { Client, Connection } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../../src/infra/config';
import { createLogger } from '../../src/infra/logger';
import { startSystem, type Component, type RunningSystem } from '../../src/infra/system';
import { testEnvironment } from './test-env';

export interface TestSystem extends RunningSystem {
  config: AppConfig;
  client: Client;
  apiUrl: string;
  taskQueue: string;
}

/**
 * Starts real components (worker, API) against the suite's Temporal dev server and PostgreSQL,
 * on a task queue of their own so test files never steal each other's tasks, and ports chosen by the OS.
 */
export async function startTestSystem(
  env: Record<string, string> = {},
  components: Component[] = ['bank', 'worker', 'api'],
): Promise<TestSystem> {
  const te = testEnvironment();
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
    ACTIVITY_RETRY_INITIAL_INTERVAL: '100ms',
    ACTIVITY_RETRY_MAX_INTERVAL: '500ms',
    ACTIVITY_START_TO_CLOSE_TIMEOUT: '10s',
    ...env,
  });
  const logger = createLogger({ level: 'warn', pretty: false });
  const system = await startSystem(config, logger, {
    components,
    temporalAddress: te.temporalAddress,
    workflowBundlePath: te.workflowBundlePath,
  });
  const connection = await Connection.connect({ address: te.temporalAddress });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    ...system,
    config,
    client,
    taskQueue,
    apiUrl: system.apiUrl ?? '',
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

export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
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
