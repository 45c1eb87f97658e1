import { z } from 'zod';
import { PayoutMinimums } from '../../domain/payout-minimums.value-object';
import { duration } from '../../shared/env-parsers';

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

const minimums = z
  .string()
  .optional()
  .transform((v, ctx): PayoutMinimums => {
    if (v === undefined || v.trim() === '') return PayoutMinimums.create(PayoutMinimums.DEFAULTS);
    try {
      return PayoutMinimums.create(JSON.parse(v) as Record<string, number>);
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a JSON object of currency → minimum minor units (${e instanceof Error ? e.message : 'not JSON'})`,
      });
      return z.NEVER;
    }
  });

export const settlementEnvSchema = z.object({
  /** How long a commission stays PENDING after its conversion before a run may pay it. */
  COMMISSION_HOLD: duration('30d'),
  PAYOUT_MINIMUMS: minimums,
  SETTLEMENT_SCHEDULE: scheduleSpec,
  SETTLEMENT_SCHEDULE_ID: z.string().min(1).max(200).default('alpes-settlements'),
  /** Payments of one run in flight at once (recorded, approved or paying); sized for 2 cores. */
  SETTLEMENT_CONCURRENCY: count(40, 5_000),
  /** Payments started per workflow run before it continues as new (keeps each history short). */
  SETTLEMENT_PAGE_SIZE: count(500, 2_000),
  SETTLEMENT_POLL_INTERVAL: duration('1s'),
});

export type SettlementEnv = z.output<typeof settlementEnvSchema>;

export interface SettlementConfig {
  commissionHoldMs: number;
  minimums: PayoutMinimums;
  schedule: SettlementScheduleSpec;
  scheduleId: string;
  concurrency: number;
  pageSize: number;
  pollIntervalMs: number;
}

export const toSettlementConfig = (e: SettlementEnv): SettlementConfig => ({
  commissionHoldMs: e.COMMISSION_HOLD,
  minimums: e.PAYOUT_MINIMUMS,
  schedule: e.SETTLEMENT_SCHEDULE,
  scheduleId: e.SETTLEMENT_SCHEDULE_ID,
  concurrency: e.SETTLEMENT_CONCURRENCY,
  pageSize: e.SETTLEMENT_PAGE_SIZE,
  pollIntervalMs: e.SETTLEMENT_POLL_INTERVAL,
});
