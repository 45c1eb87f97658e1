import { z } from 'zod';
import { PayoutMaximums } from '../../domain/payout-maximums.value-object';
import { PayoutMinimums } from '../../domain/payout-minimums.value-object';
import { DEFAULT_TIME_ZONE, parseTimeZone } from '../../domain/settlement-period';
import type { RunApprovalPolicy } from '../../domain/settlement-approval';
import { duration, flag } from '../../shared/env-parsers';

/**
 * Commissions and settlement runs: a zod fragment of environment variables spread into
 * config.ts's schema, and the typed result (`AppConfig.settlements`).
 */

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** Monthly, on the 1st at 06:00 UTC: the previous month's commissions, once their hold has passed. */
export const DEFAULT_SETTLEMENT_SCHEDULE = '0 6 1 * *';

export type SettlementScheduleSpec =
  | { kind: 'off' }
  | { kind: 'cron'; expression: string }
  | { kind: 'calendar'; calendar: Record<string, unknown> };

const scheduleSpec = z
  .string()
  .default(DEFAULT_SETTLEMENT_SCHEDULE)
  .transform((v, ctx): SettlementScheduleSpec => {
    const text = v.trim();
    if (text === '' || text.toLowerCase() === 'off') return { kind: 'off' };
    if (text.startsWith('{')) {
      try {
        const calendar = z.record(z.string(), z.unknown()).parse(JSON.parse(text));
        return { kind: 'calendar', calendar };
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'a calendar spec must be a JSON object (Temporal CalendarSpec)',
        });
        return z.NEVER;
      }
    }
    // Five fields (minute hour day-of-month month day-of-week), or one of Temporal's @-shortcuts.
    if (!/^(@\w+|(\S+\s+){4}\S+)$/.test(text)) {
      ctx.addIssue({
        code: 'custom',
        message: 'use a 5-field cron expression such as "0 6 1 * *", a JSON calendar or "off"',
      });
      return z.NEVER;
    }
    return { kind: 'cron', expression: text };
  });

/** A JSON object of currency → minor units, checked by the domain's value object (errors name the key). */
const currencyMap = <T>(create: (record: Record<string, number>) => T, fallback: () => T) =>
  z
    .string()
    .optional()
    .transform((v, ctx): T => {
      if (v === undefined || v.trim() === '') return fallback();
      try {
        return create(JSON.parse(v) as Record<string, number>);
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a JSON object of currency → minor units (${e instanceof Error ? e.message : 'not JSON'})`,
        });
        return z.NEVER;
      }
    });

/** Only the currencies listed are paid (and may accrue): there is no fallback minimum. */
const minimums = currencyMap(
  (record) => PayoutMinimums.create(record),
  () => PayoutMinimums.create(PayoutMinimums.DEFAULTS),
);
/** The record as given; PAYMENT_MAX_AMOUNT_MINOR becomes its fallback in toSettlementConfig. */
const maximums = currencyMap(
  (record) => PayoutMaximums.create(record).toJSON().maximums,
  (): Record<string, number> => ({}),
);

/** Currency → minor units, as exact decimal strings (a run's total may exceed a JS number). */
const runThresholds = z
  .string()
  .optional()
  .transform((v, ctx): Record<string, string> => {
    if (v === undefined || v.trim() === '') return {};
    try {
      const record = z
        .record(
          z.string().regex(/^[A-Z]{3}$/),
          z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
        )
        .parse(JSON.parse(v));
      return Object.fromEntries(Object.entries(record).map(([c, n]) => [c, BigInt(n).toString()]));
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a JSON object of currency → minor units, e.g. {"EUR": 5000000}',
      });
      return z.NEVER;
    }
  });

const timeZone = z
  .string()
  .default(DEFAULT_TIME_ZONE)
  .transform((v, ctx): string => {
    try {
      return parseTimeZone(v.trim() === '' ? DEFAULT_TIME_ZONE : v.trim());
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : 'not an IANA time zone' });
      return z.NEVER;
    }
  });

export const settlementEnvSchema = z.object({
  /** How long a commission stays PENDING after its conversion before a run may pay it. */
  COMMISSION_HOLD: duration('30d'),
  PAYOUT_MINIMUMS: minimums,
  PAYOUT_MAXIMUMS: maximums,
  SETTLEMENT_SCHEDULE: scheduleSpec,
  /** Where a period (a calendar day) ends, and the zone the Schedule's cron is read in. */
  SETTLEMENT_TIME_ZONE: timeZone,
  SETTLEMENT_SCHEDULE_ID: z.string().min(1).max(200).default('alpes-settlements'),
  /** Payments of one run in flight at once (recorded, approved or paying); sized for 2 cores. */
  SETTLEMENT_CONCURRENCY: count(40, 5_000),
  /** Payments started per workflow run before it continues as new (keeps each history short). */
  SETTLEMENT_PAGE_SIZE: count(500, 2_000),
  SETTLEMENT_POLL_INTERVAL: duration('1s'),
  /** A run paying more than this in any currency waits for a second operator (empty: none waits). */
  SETTLEMENT_APPROVAL_THRESHOLDS: runThresholds,
  /** Every scheduled run waits for a second operator, whatever its total. */
  SETTLEMENT_APPROVAL_SCHEDULED: flag,
  /** Undecided this long, a waiting run is released: its commissions PAYABLE for the next run. */
  SETTLEMENT_APPROVAL_TIMEOUT: duration('72h'),
});

export type SettlementEnv = z.output<typeof settlementEnvSchema> & {
  /** config.ts's one maximum for every currency: the fallback of PAYOUT_MAXIMUMS. */
  PAYMENT_MAX_AMOUNT_MINOR?: number | undefined;
};

export interface SettlementConfig {
  commissionHoldMs: number;
  minimums: PayoutMinimums;
  /** PAYOUT_MAXIMUMS, PAYMENT_MAX_AMOUNT_MINOR for the currencies it does not list. */
  maximums: PayoutMaximums;
  schedule: SettlementScheduleSpec;
  /** IANA name (SETTLEMENT_TIME_ZONE): periods end at its midnight; the Schedule runs on its clock. */
  timeZone: string;
  scheduleId: string;
  concurrency: number;
  pageSize: number;
  pollIntervalMs: number;
  /** When a run waits for a second operator (SETTLEMENT_APPROVAL_*). */
  approval: RunApprovalPolicy;
}

export const toSettlementConfig = (e: SettlementEnv): SettlementConfig => ({
  commissionHoldMs: e.COMMISSION_HOLD,
  minimums: e.PAYOUT_MINIMUMS,
  maximums: PayoutMaximums.create(e.PAYOUT_MAXIMUMS, e.PAYMENT_MAX_AMOUNT_MINOR ?? null),
  schedule: e.SETTLEMENT_SCHEDULE,
  timeZone: e.SETTLEMENT_TIME_ZONE,
  scheduleId: e.SETTLEMENT_SCHEDULE_ID,
  concurrency: e.SETTLEMENT_CONCURRENCY,
  pageSize: e.SETTLEMENT_PAGE_SIZE,
  pollIntervalMs: e.SETTLEMENT_POLL_INTERVAL,
  approval: {
    thresholds: e.SETTLEMENT_APPROVAL_THRESHOLDS,
    scheduledRuns: e.SETTLEMENT_APPROVAL_SCHEDULED,
    timeoutMs: e.SETTLEMENT_APPROVAL_TIMEOUT,
  },
});

/**
 * Settings that are fine alone but not together: a minimum above its currency's PAYOUT_MAXIMUMS
 * entry would pay nothing. Against PAYMENT_MAX_AMOUNT_MINOR (one number for every currency) it is
 * not refused: configurations that started before PAYOUT_MAXIMUMS existed still start.
 */
export function settlementConfigProblems(e: SettlementEnv): string[] {
  return Object.entries(e.PAYOUT_MAXIMUMS).flatMap(([currency, maximum]) => {
    const minimum = e.PAYOUT_MINIMUMS.minimumFor(currency);
    return minimum !== undefined && minimum > maximum
      ? [
          `PAYOUT_MAXIMUMS: ${currency} ${maximum} is below its minimum ${minimum} (PAYOUT_MINIMUMS): no balance could be paid`,
        ]
      : [];
  });
}
