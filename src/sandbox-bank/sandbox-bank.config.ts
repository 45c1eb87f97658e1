import { z } from 'zod';
import { optionalString, port } from '../shared/env-parsers';

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
});

export interface SandboxBankConfig {
  log: { level: string; pretty: boolean };
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
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
  return {
    log: {
      level: e.LOG_LEVEL,
      pretty: e.LOG_PRETTY ? e.LOG_PRETTY === 'true' : e.NODE_ENV === 'development',
    },
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    port: e.SANDBOX_BANK_PORT,
    host: e.SANDBOX_BANK_HOST,
  };
}
