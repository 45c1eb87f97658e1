import { createHash } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { z } from 'zod';
import { duration, flag, optionalString, port } from '../shared/env-parsers';
import {
  isPlaceholderHash,
  placeholderReason,
  weakKeyReason,
  weakSecretReason,
} from './auth/secret-strength';
import {
  notificationEnvSchema,
  toNotificationConfig,
  type NotificationConfig,
} from './notifications/notification-config';
import {
  settlementConfigProblems,
  settlementEnvSchema,
  toSettlementConfig,
  type SettlementConfig,
} from './settlements/settlement-config';
import { janitorEnvSchema, toPayoutJanitorConfig, type PayoutJanitorConfig } from './payout/janitor-config';
import {
  stripeConfigProblems,
  stripeEnvSchema,
  toStripeConfig,
  type StripeConfig,
} from './rails/stripe/stripe-config';
import {
  payoutRailsConfigProblems,
  payoutRailsEnvSchema,
  toPayoutRailsConfig,
  type PayoutRailsConfig,
} from './rails/payout-rails-config';
import { taxEnvSchema, toTaxConfig, type TaxConfig } from './tax/tax-config';
import {
  reconciliationEnvSchema,
  toReconciliationConfig,
  type ReconciliationConfig,
} from './rails/reconciliation-config';

export { parseDurationMs } from '../shared/env-parsers';

/**
 * The only place that reads `process.env`. Every process parses it once at start and passes the
 * typed result down, so a bad setting fails fast with a message naming the variable.
 */

const jsonRecordOfInts = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return z.record(z.string().regex(/^[A-Z]{3}$/), z.number().int().nonnegative()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object of currency → integer minor units' });
        return z.NEVER;
      }
    });

const apiKeyEntry = z
  .object({
    key: z.string().min(16).optional(),
    keySha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i)
      .optional(),
    name: z.string().min(1).max(100),
    role: z.enum(['admin', 'operator', 'viewer', 'partner']),
    partnerId: z.uuid().optional(),
  })
  .refine((k) => Boolean(k.key) !== Boolean(k.keySha256), { message: 'give exactly one of key or keySha256' })
  .refine((k) => (k.role === 'partner') === Boolean(k.partnerId), {
    message: 'partnerId is required for (and only for) the partner role',
  });
export type ApiKeyEntry = z.infer<typeof apiKeyEntry>;

const base64Key32 = z
  .string()
  .refine((k) => Buffer.from(k, 'base64').length === 32, { message: 'must be 32 bytes, base64' });

const codecKeyEntry = z.object({ id: z.string().min(1).max(64), key: base64Key32 });
export type CodecKeyEntry = z.infer<typeof codecKeyEntry>;

const jsonArrayOf = <T extends z.ZodType>(item: T, what: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx): z.infer<T>[] | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      try {
        return z.array(item).min(1).parse(JSON.parse(v));
      } catch (e) {
        const detail =
          e instanceof z.ZodError
            ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
            : 'not JSON';
        ctx.addIssue({ code: 'custom', message: `must be a JSON array of ${what} (${detail})` });
        return z.NEVER;
      }
    });

const csv = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
  );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('payments'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_UI_URL: optionalString,
  TEMPORAL_CLI: optionalString,
  // Workflows a worker keeps in memory between tasks; a miss costs a replay of the history. The
  // SDK's default grows with the heap limit (about 2,000 on a 4 GB heap) and so does the worker's RSS.
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).default(100),
  // How long a worker may hold a payment's workflow task before the server gives it to another:
  // Temporal's default; the crash tests shorten it so a lost worker is noticed sooner.
  TEMPORAL_WORKFLOW_TASK_TIMEOUT: duration('10s'),
  // How every client and worker connects to TEMPORAL_ADDRESS (src/infra/temporal/connection-options.ts):
  // mTLS files (PEM) and/or a Temporal Cloud API key.
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
  TEMPORAL_TLS_CA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,
  // Loopback unless said otherwise (containers set 0.0.0.0 explicitly): the embedded default is not
  // reachable from the network.
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port(5000),
  API_PUBLIC_URL: optionalString,
  UI_HOST: z.string().default('127.0.0.1'),
  UI_PORT: port(5678),
  APPROVAL_THRESHOLDS: jsonRecordOfInts('{"COP": 5000000000, "USD": 1000000, "EUR": 1000000}'),
  APPROVAL_TIMEOUT: duration('72h'),
  /** The largest payment in any currency PAYOUT_MAXIMUMS does not list. */
  PAYMENT_MAX_AMOUNT_MINOR: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  REFUND_WINDOW: duration('30d'),
  PAYOUT_TIMEOUT: duration('24h'),
  SANDBOX_BANK_URL: optionalString,
  SANDBOX_BANK_PORT: port(5100),
  SANDBOX_BANK_HOST: z.string().default('127.0.0.1'),
  // The in-process bank checks the bank files it receives against this XSD (the standalone bank
  // reads the same variable); unset, it reads them unchecked. `make start` sets it when it can.
  SANDBOX_BANK_PAIN001_XSD: optionalString,
  WORKFLOW_BUNDLE_PATH: optionalString,
  NOTIFICATIONS_WORKFLOW_BUNDLE_PATH: optionalString,
  PROVIDER_HTTP_TIMEOUT: duration('10s'),
  ALPES_API_KEYS: jsonArrayOf(apiKeyEntry, '{ key | keySha256, name, role, partnerId? }'),
  WS_TOKEN_SECRET: z.string().min(16).optional(),
  WS_TOKEN_TTL: duration('5m'),
  CODEC_KEYS: jsonArrayOf(codecKeyEntry, '{ id, key (base64, 32 bytes) } — the last one encrypts'),
  CODEC_UI_TOKEN: z.string().min(16).optional(),
  /**
   * Lets the codec read payloads not encrypted with CODEC_KEYS (histories from before encryption).
   * Off in every mode, tests included: a plain payload otherwise came from outside our system.
   */
  CODEC_ACCEPT_PLAINTEXT: flag,
  CORS_ORIGINS: csv,
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Failed authentications per client IP per minute before 429 (before any 401). */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /**
   * Ed25519 private key (32-byte seed, base64) the API signs operator decisions with; workers check
   * the signature with its public half (ACTOR_VERIFY_KEY, derived from this when unset).
   */
  ACTOR_SIGNING_KEY: base64Key32.optional(),
  ACTOR_VERIFY_KEY: base64Key32.optional(),
  ACTOR_ASSERTION_TTL: duration('2m'),
  /** Encrypts partners' webhook secrets at rest: like CODEC_KEYS, the last one encrypts. */
  WEBHOOK_SECRET_KEYS: jsonArrayOf(codecKeyEntry, '{ id, key (base64, 32 bytes) } — the last one encrypts'),
  IDEMPOTENCY_KEY_REQUIRED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** A requested payout-account change takes effect this long after its approval. */
  PAYOUT_ACCOUNT_COOLOFF: duration('24h'),
  WS_MAX_CONNECTIONS_PER_PRINCIPAL: z.coerce.number().int().positive().default(20),
  WS_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().positive().default(50),
  WS_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(120),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('256kb'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString,
  TEMPORAL_METRICS_PORT: port(9464),
  ACTIVITY_START_TO_CLOSE_TIMEOUT: duration('30s'),
  ...notificationEnvSchema.shape,
  ...settlementEnvSchema.shape,
  ...janitorEnvSchema.shape,
  ...stripeEnvSchema.shape,
  ...payoutRailsEnvSchema.shape,
  ...taxEnvSchema.shape,
  ...reconciliationEnvSchema.shape,
  ACTIVITY_RETRY_INITIAL_INTERVAL: duration('1s'),
  ACTIVITY_RETRY_MAX_INTERVAL: duration('1m'),
});

export type Env = Record<string, string | undefined>;

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  log: { level: string; pretty: boolean };
  dataDir: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string };
  temporal: {
    /** Undefined → the launcher starts a dev server on `port`. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    port: number;
    uiPort: number;
    uiUrl: string;
    cli: string | undefined;
    /** A prebuilt payments workflow bundle (images); unset → bundled from source at start. */
    workflowBundlePath: string | undefined;
    /** Workflows each worker keeps cached between tasks. */
    maxCachedWorkflows: number;
    /** A payment workflow task's start-to-close timeout (TEMPORAL_WORKFLOW_TASK_TIMEOUT). */
    workflowTaskTimeoutMs: number;
    /** TLS and API-key settings for `address` (never for the launcher's own dev server). */
    security: TemporalSecurity;
  };
  api: { host: string; port: number; publicUrl: string };
  ui: {
    host: string;
    port: number;
    /** Bounds on the event stream: sockets per principal and per IP, client messages per minute. */
    ws: { maxConnectionsPerPrincipal: number; maxConnectionsPerIp: number; messagesPerMinute: number };
  };
  security: {
    /** Undefined → the embedded default: keys and secrets generated once under `dataDir`. */
    apiKeys: ApiKeyEntry[] | undefined;
    wsTokenSecret: string | undefined;
    wsTokenTtlMs: number;
    codecKeys: CodecKeyEntry[] | undefined;
    codecUiToken: string | undefined;
    /** CODEC_ACCEPT_PLAINTEXT: the codec passes unencrypted payloads through instead of refusing them. */
    codecAcceptPlaintext: boolean;
    corsOrigins: string[];
    rateLimitPerMinute: number;
    authFailuresPerMinute: number;
    bodyLimit: string;
    /** Undefined → the embedded default (generated under `dataDir`). */
    actorSigningKey: string | undefined;
    actorVerifyKey: string | undefined;
    actorAssertionTtlMs: number;
    webhookSecretKeys: CodecKeyEntry[] | undefined;
  };
  telemetry: { otlpEndpoint: string | undefined; temporalMetricsPort: number };
  notifications: NotificationConfig;
  settlements: SettlementConfig;
  /** The payout janitor (unknown payout outcomes) and the test-only payment faults. */
  payoutJanitor: PayoutJanitorConfig;
  /** Undefined url → the launcher runs the sandbox bank in-process on `port`. */
  sandboxBank: {
    url: string | undefined;
    port: number;
    host: string;
    timeoutMs: number;
    pain001Xsd: string | undefined;
  };
  /** Stripe Connect (the `stripe` rail); its calls share PROVIDER_HTTP_TIMEOUT with the bank's. */
  stripe: StripeConfig;
  /** Which provider pays what (PAYOUT_ROUTES), and the ISO 20022 file rail (BANK_FILE_*). */
  rails: PayoutRailsConfig;
  /** Tax forms (TAX_FORM_REQUIRED). */
  tax: TaxConfig;
  reconciliation: ReconciliationConfig;
  payments: {
    approvalThresholds: Record<string, number>;
    approvalTimeoutMs: number;
    maxAmountMinor: number | undefined;
    refundWindowMs: number;
    payoutScheduleToCloseMs: number;
    activityStartToCloseMs: number;
    retryInitialIntervalMs: number;
    retryMaxIntervalMs: number;
    /** `POST /payments` without an Idempotency-Key is refused (400) unless false. */
    idempotencyKeyRequired: boolean;
    payoutAccountCooloffMs: number;
  };
}

export class ConfigError extends Error {}

/**
 * How to reach an external Temporal server securely: mTLS with files (a self-hosted cluster), an
 * API key (Temporal Cloud; TLS is then on, with the system's roots unless `caFile` says otherwise),
 * or both. Paths only: src/infra/temporal/connection-options.ts reads them.
 */
export interface TemporalSecurity {
  /** Undefined → plaintext (unless an API key is set: Cloud needs TLS). */
  tls:
    | {
        /** TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY: the client certificate pair (both or neither). */
        certFile: string | undefined;
        keyFile: string | undefined;
        /** TEMPORAL_TLS_CA: the CA that signed the server's certificate (else the system's roots). */
        caFile: string | undefined;
        /** TEMPORAL_TLS_SERVER_NAME: the name to verify the server's certificate against (and SNI). */
        serverName: string | undefined;
      }
    | undefined;
  /** TEMPORAL_API_KEY: sent as `Authorization: Bearer …` (Temporal Cloud API-key authentication). */
  apiKey: string | undefined;
}

/** The variable each TLS file comes from: for messages that name it. */
export const TEMPORAL_TLS_FILE_VARIABLES = {
  certFile: 'TEMPORAL_TLS_CERT',
  keyFile: 'TEMPORAL_TLS_KEY',
  caFile: 'TEMPORAL_TLS_CA',
} as const;

export interface LoadConfigOptions {
  /**
   * Check that the TEMPORAL_TLS_* files exist and are readable (default true). Off only where the
   * paths belong to another filesystem (the deployment test reads the compose file's container paths).
   */
  checkFiles?: boolean;
}

function temporalSecurity(e: z.infer<typeof envSchema>, checkFiles: boolean): TemporalSecurity {
  const problems: string[] = [];
  const anyTls = Boolean(
    e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_KEY || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME,
  );
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    problems.push(
      e.TEMPORAL_TLS_CERT
        ? 'TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT (the client certificate needs its private key)'
        : 'TEMPORAL_TLS_CERT: required with TEMPORAL_TLS_KEY (the private key needs its certificate)',
    );
  }
  if ((anyTls || e.TEMPORAL_API_KEY) && !e.TEMPORAL_ADDRESS) {
    problems.push(
      'TEMPORAL_ADDRESS: required with TEMPORAL_TLS_* / TEMPORAL_API_KEY (they secure the connection to an external ' +
        'server; the launcher’s own dev server speaks plaintext on loopback)',
    );
  }
  if (e.TEMPORAL_API_KEY) {
    const reason = placeholderReason(e.TEMPORAL_API_KEY);
    if (reason) problems.push(`TEMPORAL_API_KEY: ${reason}`);
  }
  if (checkFiles) {
    for (const variable of Object.values(TEMPORAL_TLS_FILE_VARIABLES)) {
      const path = e[variable];
      if (!path) continue;
      const problem = unreadableFile(path);
      if (problem) problems.push(`${variable}: ${problem} (${path})`);
    }
  }
  if (problems.length) {
    throw new ConfigError(
      `invalid Temporal connection settings:\n${problems.map((l) => `  ${l}`).join('\n')}`,
    );
  }
  return {
    tls: anyTls
      ? {
          certFile: e.TEMPORAL_TLS_CERT,
          keyFile: e.TEMPORAL_TLS_KEY,
          caFile: e.TEMPORAL_TLS_CA,
          serverName: e.TEMPORAL_TLS_SERVER_NAME,
        }
      : undefined,
    apiKey: e.TEMPORAL_API_KEY,
  };
}

function unreadableFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'not a file';
    accessSync(path, fsConstants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'not readable by this process'
        : `unreadable (${code})`;
  }
}

/** Names no API key may take: the engine's own actors (audit trails and four-eyes use names). */
export const RESERVED_ACTOR_NAMES: readonly string[] = ['system', 'schedule'];

/**
 * Every secret given explicitly must be strong (src/infra/auth/secret-strength.ts has the rule);
 * unset ones are generated by the embedded default. Also: API key names are unique (they are the
 * identities of four-eyes approval), not reserved, and no key is listed twice; key ids are unique.
 * NODE_ENV does not relax any of this, tests included. Each line names the variable, never the value.
 */
function secretProblems(e: z.infer<typeof envSchema>): string[] {
  const out: string[] = [];
  const check = (name: string, reason: string | undefined) => {
    if (reason) out.push(`${name}: ${reason}`);
  };
  if (e.ALPES_API_KEYS) {
    const names = new Map<string, number>();
    const hashes = new Map<string, number>();
    e.ALPES_API_KEYS.forEach((k, i) => {
      const where = `ALPES_API_KEYS[${i}] (name "${k.name}")`;
      if (k.key) check(`${where}.key`, weakSecretReason(k.key));
      if (k.keySha256 && isPlaceholderHash(k.keySha256))
        out.push(`${where}.keySha256: is the hash of a placeholder from .env.example`);
      const name = k.name.trim().toLowerCase();
      if (RESERVED_ACTOR_NAMES.includes(name))
        out.push(`${where}.name: "${k.name}" is reserved (${RESERVED_ACTOR_NAMES.join(', ')})`);
      if (names.has(name))
        out.push(`${where}.name: "${k.name}" is already the name of ALPES_API_KEYS[${names.get(name)}]`);
      else names.set(name, i);
      const hash = (k.keySha256 ?? createHash('sha256').update(k.key!, 'utf8').digest('hex')).toLowerCase();
      if (hashes.has(hash)) out.push(`${where}: the same key as ALPES_API_KEYS[${hashes.get(hash)}]`);
      else hashes.set(hash, i);
    });
  }
  if (e.WS_TOKEN_SECRET !== undefined) check('WS_TOKEN_SECRET', weakSecretReason(e.WS_TOKEN_SECRET));
  if (e.CODEC_UI_TOKEN !== undefined) check('CODEC_UI_TOKEN', weakSecretReason(e.CODEC_UI_TOKEN));
  for (const [variable, keys] of [
    ['CODEC_KEYS', e.CODEC_KEYS],
    ['WEBHOOK_SECRET_KEYS', e.WEBHOOK_SECRET_KEYS],
  ] as const) {
    const ids = new Set<string>();
    keys?.forEach((k, i) => {
      check(`${variable}[${i}] (id "${k.id}").key`, weakKeyReason(k.key));
      if (ids.has(k.id)) out.push(`${variable}[${i}]: the id "${k.id}" is listed twice`);
      ids.add(k.id);
    });
  }
  if (e.ACTOR_SIGNING_KEY !== undefined) check('ACTOR_SIGNING_KEY', weakKeyReason(e.ACTOR_SIGNING_KEY));
  // A public key is no secret, but a placeholder there means the file was never filled in.
  if (e.ACTOR_VERIFY_KEY !== undefined) check('ACTOR_VERIFY_KEY', weakKeyReason(e.ACTOR_VERIFY_KEY));
  if (e.DATABASE_URL) {
    const password = databasePassword(e.DATABASE_URL);
    if (password) check('DATABASE_URL (its password)', placeholderReason(password));
  }
  return out;
}

function databasePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${lines}`);
  }
  const e = parsed.data;
  const inconsistent = [
    ...settlementConfigProblems(e),
    ...stripeConfigProblems(e),
    ...payoutRailsConfigProblems(e),
  ];
  if (inconsistent.length) {
    throw new ConfigError(`invalid configuration:\n${inconsistent.map((l) => `  ${l}`).join('\n')}`);
  }
  const weak = secretProblems(e);
  if (weak.length) {
    throw new ConfigError(
      `refusing to start with weak or placeholder secrets:\n${weak.map((l) => `  ${l}`).join('\n')}\n` +
        'Generate a complete .env with `npm run env:generate`, or leave them unset for the embedded default.',
    );
  }
  const security = temporalSecurity(e, options.checkFiles ?? true);
  const dataDir = e.DATA_DIR;
  return {
    nodeEnv: e.NODE_ENV,
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY ?? e.NODE_ENV === 'development' },
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dir: `${dataDir}/pglite` },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`,
      cli: e.TEMPORAL_CLI,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      maxCachedWorkflows: e.TEMPORAL_MAX_CACHED_WORKFLOWS,
      workflowTaskTimeoutMs: e.TEMPORAL_WORKFLOW_TASK_TIMEOUT,
      security,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      publicUrl: e.API_PUBLIC_URL ?? `http://localhost:${e.API_PORT}`,
    },
    ui: {
      host: e.UI_HOST,
      port: e.UI_PORT,
      ws: {
        maxConnectionsPerPrincipal: e.WS_MAX_CONNECTIONS_PER_PRINCIPAL,
        maxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
        messagesPerMinute: e.WS_MESSAGES_PER_MINUTE,
      },
    },
    security: {
      apiKeys: e.ALPES_API_KEYS,
      wsTokenSecret: e.WS_TOKEN_SECRET,
      wsTokenTtlMs: e.WS_TOKEN_TTL,
      codecKeys: e.CODEC_KEYS,
      codecUiToken: e.CODEC_UI_TOKEN,
      codecAcceptPlaintext: e.CODEC_ACCEPT_PLAINTEXT,
      // The dashboard's origin and the Temporal Web UI's (for the codec endpoint) by default.
      corsOrigins: e.CORS_ORIGINS ?? [
        `http://localhost:${e.UI_PORT}`,
        `http://127.0.0.1:${e.UI_PORT}`,
        `http://localhost:${e.TEMPORAL_UI_PORT}`,
        `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
      ],
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
      actorSigningKey: e.ACTOR_SIGNING_KEY,
      actorVerifyKey: e.ACTOR_VERIFY_KEY,
      actorAssertionTtlMs: e.ACTOR_ASSERTION_TTL,
      webhookSecretKeys: e.WEBHOOK_SECRET_KEYS,
      bodyLimit: e.BODY_LIMIT,
    },
    telemetry: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, temporalMetricsPort: e.TEMPORAL_METRICS_PORT },
    notifications: {
      ...toNotificationConfig(e, dataDir),
      workflowBundlePath: e.NOTIFICATIONS_WORKFLOW_BUNDLE_PATH,
    },
    settlements: toSettlementConfig(e),
    payoutJanitor: toPayoutJanitorConfig(e),
    sandboxBank: {
      url: e.SANDBOX_BANK_URL,
      port: e.SANDBOX_BANK_PORT,
      host: e.SANDBOX_BANK_HOST,
      timeoutMs: e.PROVIDER_HTTP_TIMEOUT,
      pain001Xsd: e.SANDBOX_BANK_PAIN001_XSD,
    },
    stripe: toStripeConfig(e, e.PROVIDER_HTTP_TIMEOUT),
    rails: toPayoutRailsConfig(e),
    tax: toTaxConfig(e),
    reconciliation: toReconciliationConfig(e),
    payments: {
      approvalThresholds: e.APPROVAL_THRESHOLDS,
      approvalTimeoutMs: e.APPROVAL_TIMEOUT,
      maxAmountMinor: e.PAYMENT_MAX_AMOUNT_MINOR,
      refundWindowMs: e.REFUND_WINDOW,
      payoutScheduleToCloseMs: e.PAYOUT_TIMEOUT,
      activityStartToCloseMs: e.ACTIVITY_START_TO_CLOSE_TIMEOUT,
      retryInitialIntervalMs: e.ACTIVITY_RETRY_INITIAL_INTERVAL,
      retryMaxIntervalMs: e.ACTIVITY_RETRY_MAX_INTERVAL,
      idempotencyKeyRequired: e.IDEMPOTENCY_KEY_REQUIRED,
      payoutAccountCooloffMs: e.PAYOUT_ACCOUNT_COOLOFF,
    },
  };
}
