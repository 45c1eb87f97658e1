import { z } from 'zod';
import { duration, optionalString, port } from '../shared/env-parsers';

/**
 * The sandbox bank stands in for another company's system, so it reads its own settings rather
 * than the service's configuration: the variable names match the service's where they mean the
 * same thing (one `.env` drives both in development).
 */
const bankEnvSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['true', 'false']).optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  SANDBOX_BANK_PORT: port(5100),
  // Loopback by default: the admin endpoints change the bank's behaviour and have no authentication.
  SANDBOX_BANK_HOST: z.string().default('127.0.0.1'),
  // Bank files: the official pain.001.001.10 XSD (`$(bash scripts/ensure-iso20022-xsd.sh)/docs/
  // specifications/payments_initiation_11/pain.001.001.10_1.xsd`); unset, files are read unchecked.
  SANDBOX_BANK_PAIN001_XSD: optionalString,
  // Comma-separated accounts (IBANs or other ids) the bank treats as closed (AC04).
  SANDBOX_BANK_CLOSED_ACCOUNTS: optionalString,
  // Host-to-host folders, off unless both are set: pain.001 in, pain.002 out.
  SANDBOX_BANK_FILE_INBOX: optionalString,
  SANDBOX_BANK_FILE_OUTBOX: optionalString,
  SANDBOX_BANK_FILE_POLL: duration('1s'),
  // Statements (camt.053) and notices (camt.054) as files, in a folder of their own (never the
  // pain.002 outbox, whose reader takes every file there for a status report). Off unless set.
  SANDBOX_BANK_STATEMENT_OUTBOX: optionalString,
});

export interface SandboxBankConfig {
  log: { level: string; pretty: boolean };
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  files: {
    pain001Xsd: string | undefined;
    closedAccounts: string[];
    folder: { inbox: string; outbox: string; pollMs: number } | undefined;
  };
  statements: { folder: { outbox: string; pollMs: number } | undefined };
}

export function loadSandboxBankConfig(
  env: Record<string, string | undefined> = process.env,
): SandboxBankConfig {
  const parsed = bankEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid sandbox bank configuration:\n${lines}`);
  }
  const e = parsed.data;
  if ((e.SANDBOX_BANK_FILE_INBOX === undefined) !== (e.SANDBOX_BANK_FILE_OUTBOX === undefined)) {
    throw new Error(
      'invalid sandbox bank configuration:\n  SANDBOX_BANK_FILE_INBOX and SANDBOX_BANK_FILE_OUTBOX go together (both or neither)',
    );
  }
  return {
    log: {
      level: e.LOG_LEVEL,
      pretty: e.LOG_PRETTY ? e.LOG_PRETTY === 'true' : e.NODE_ENV === 'development',
    },
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    port: e.SANDBOX_BANK_PORT,
    host: e.SANDBOX_BANK_HOST,
    files: {
      pain001Xsd: e.SANDBOX_BANK_PAIN001_XSD,
      closedAccounts: (e.SANDBOX_BANK_CLOSED_ACCOUNTS ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
      folder:
        e.SANDBOX_BANK_FILE_INBOX && e.SANDBOX_BANK_FILE_OUTBOX
          ? {
              inbox: e.SANDBOX_BANK_FILE_INBOX,
              outbox: e.SANDBOX_BANK_FILE_OUTBOX,
              pollMs: e.SANDBOX_BANK_FILE_POLL,
            }
          : undefined,
    },
    statements: {
      folder: e.SANDBOX_BANK_STATEMENT_OUTBOX
        ? { outbox: e.SANDBOX_BANK_STATEMENT_OUTBOX, pollMs: e.SANDBOX_BANK_FILE_POLL }
        : undefined,
    },
  };
}
