import { isValidBIC, isValidIBAN } from 'ibantools';
import { z } from 'zod';
import { duration, optionalString } from '../../shared/env-parsers';

/**
 * Payout rails: which provider pays what (PAYOUT_ROUTES) and how the ISO 20022 file rail batches,
 * sends and hears back (BANK_FILE_*). A zod fragment spread into config.ts's schema, and the typed
 * result (`AppConfig.rails`).
 */

export const PAYOUT_PROVIDER_NAMES = ['sandbox-bank', 'iso20022-file', 'stripe'] as const;
export type PayoutProviderName = (typeof PAYOUT_PROVIDER_NAMES)[number];

const providerEntry = z.union([
  z.enum(PAYOUT_PROVIDER_NAMES),
  z
    .object({
      name: z.enum(PAYOUT_PROVIDER_NAMES),
      /** Larger payouts skip this provider for the next one (integer minor units of the route's currency). */
      maxAmountMinor: z.number().int().positive().optional(),
    })
    .strict(),
]);

const routeSchema = z
  .object({
    method: z.enum(['BANK_TRANSFER', 'STRIPE_CONNECT', '*']).default('*'),
    currency: z
      .string()
      .regex(/^([A-Z]{3}|\*)$/, 'an ISO 4217 code such as EUR, or *')
      .default('*'),
    country: z
      .string()
      .regex(/^([A-Z]{2}|\*)$/, 'an ISO 3166 alpha-2 code such as ES, or *')
      .default('*'),
    providers: z.array(providerEntry).min(1, 'a route names at least one provider'),
  })
  .strict();

export interface PayoutRouteProvider {
  name: PayoutProviderName;
  maxAmountMinor: number | undefined;
}

export interface PayoutRoute {
  method: 'BANK_TRANSFER' | 'STRIPE_CONNECT' | '*';
  currency: string;
  country: string;
  /** Tried in order; the next only after a definite refusal by the one before. */
  providers: PayoutRouteProvider[];
}

/** Today's behaviour: every payout through the sandbox bank's API. */
export const DEFAULT_PAYOUT_ROUTES = '[{"providers":["sandbox-bank"]}]';

const routes = z
  .string()
  .default(DEFAULT_PAYOUT_ROUTES)
  .transform((text, ctx): PayoutRoute[] => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of routes' });
      return z.NEVER;
    }
    const parsed = z.array(routeSchema).min(1).safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || 'routes'}: ${issue.message}` });
      return z.NEVER;
    }
    return parsed.data.map((r) => ({
      ...r,
      providers: r.providers.map((p) =>
        typeof p === 'string'
          ? { name: p, maxAmountMinor: undefined }
          : { name: p.name, maxAmountMinor: p.maxAmountMinor },
      ),
    }));
  });

const interval = (fallback: string) =>
  duration(fallback).refine((ms) => ms >= 1_000, 'an interval must be at least 1s');

export const payoutRailsEnvSchema = z.object({
  PAYOUT_ROUTES: routes,
  /** `http`: the bank's host-to-host API at SANDBOX_BANK_URL; `folder`: files in BANK_FILE_OUTBOX, reports from BANK_FILE_INBOX. */
  BANK_FILE_TRANSPORT: z.enum(['http', 'folder']).default('http'),
  BANK_FILE_OUTBOX: optionalString,
  BANK_FILE_INBOX: optionalString,
  BANK_FILE_DEBTOR_NAME: z.string().trim().min(1).max(140).default('Alpes Partners SL'),
  BANK_FILE_DEBTOR_IBAN: z
    .string()
    .default('ES9121000418450200051332')
    .transform((v) => v.replace(/\s+/g, '').toUpperCase())
    .refine((v) => isValidIBAN(v), 'must be a valid IBAN'),
  BANK_FILE_DEBTOR_BIC: z
    .string()
    .default('CAIXESBBXXX')
    .refine((v) => isValidBIC(v), 'must be a valid BIC'),
  /** How often files are closed and sent and reports read (the bank-file cycle's Schedule). */
  BANK_FILE_SCHEDULE: interval('1m'),
  BANK_FILE_SCHEDULE_ID: z.string().min(1).max(200).default('alpes-bank-file-cycle'),
  /** How long one payout attempt waits for its file's report before it lets go (and retries). */
  BANK_FILE_WAIT: duration('30s'),
  BANK_FILE_MAX_TRANSACTIONS: z.coerce.number().int().min(1).max(100_000).default(1_000),
});

export interface PayoutRailsConfig {
  routes: PayoutRoute[];
  bankFiles: {
    transport: { kind: 'http' } | { kind: 'folder'; outbox: string; inbox: string };
    debtor: { name: string; iban: string; bic: string };
    scheduleId: string;
    everyMs: number;
    waitMs: number;
    maxTransactions: number;
  };
}

type Env = z.infer<typeof payoutRailsEnvSchema>;

/** Settings that parse one by one but cannot work together: each line names the variable. */
export function payoutRailsConfigProblems(e: Env): string[] {
  if (e.BANK_FILE_TRANSPORT === 'folder' && (!e.BANK_FILE_OUTBOX || !e.BANK_FILE_INBOX))
    return ['BANK_FILE_OUTBOX and BANK_FILE_INBOX: required with BANK_FILE_TRANSPORT=folder'];
  return [];
}

export function toPayoutRailsConfig(e: Env): PayoutRailsConfig {
  return {
    routes: e.PAYOUT_ROUTES,
    bankFiles: {
      transport:
        e.BANK_FILE_TRANSPORT === 'folder'
          ? { kind: 'folder', outbox: e.BANK_FILE_OUTBOX!, inbox: e.BANK_FILE_INBOX! }
          : { kind: 'http' },
      debtor: { name: e.BANK_FILE_DEBTOR_NAME, iban: e.BANK_FILE_DEBTOR_IBAN, bic: e.BANK_FILE_DEBTOR_BIC },
      scheduleId: e.BANK_FILE_SCHEDULE_ID,
      everyMs: e.BANK_FILE_SCHEDULE,
      waitMs: e.BANK_FILE_WAIT,
      maxTransactions: e.BANK_FILE_MAX_TRANSACTIONS,
    },
  };
}

/** The providers some route names: only those are built and started. */
export const providersInUse = (config: PayoutRailsConfig): Set<PayoutProviderName> =>
  new Set(config.routes.flatMap((r) => r.providers.map((p) => p.name)));
