import { z } from 'zod';
import {
  optionalString,
  parseDurationMs,
  scheduleSetting,
  type ScheduleSetting,
} from '../../shared/env-parsers';

/**
 * Reconciliation of payouts with the bank's statements (issue 26): how long a payout may wait for
 * its booking, who must approve a large write-off, where statements come from and which XSDs check
 * an upload. A zod fragment spread into config.ts's schema, and the typed result
 * (`AppConfig.reconciliation`).
 */

/** Banking days (`3`, `3bd`) or, for tests and demos, a duration (`30s`, `2h`). */
export type ReconciliationGrace = { kind: 'banking-days'; days: number } | { kind: 'duration'; ms: number };

const grace = z
  .string()
  .default('3bd')
  .transform((v, ctx): ReconciliationGrace => {
    const days = /^(\d{1,3})(bd)?$/.exec(v.trim());
    if (days) return { kind: 'banking-days', days: Number(days[1]) };
    try {
      return { kind: 'duration', ms: parseDurationMs(v) };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'banking days (3, 3bd) or a duration with a unit (30s, 2h)' });
      return z.NEVER;
    }
  });

export const reconciliationEnvSchema = z.object({
  RECONCILIATION_GRACE: grace,
  /** A write-off above this (integer minor units of the exception's currency) needs a second operator. */
  RECONCILIATION_WRITE_OFF_FOUR_EYES_MINOR: z.coerce.number().int().min(0).default(10_000),
  /** Where statements are fetched (GET /statements, /notifications); the sandbox bank by default. */
  RECONCILIATION_BANK_URL: optionalString,
  /** The official camt.053.001.08 / camt.054.001.08 XSDs: uploads are schema-checked when set. */
  RECONCILIATION_CAMT053_XSD: optionalString,
  RECONCILIATION_CAMT054_XSD: optionalString,
  /**
   * How often the bank's notices and closed days' statements are fetched and matched (a Temporal
   * Schedule; only while a route names the file rail): an interval, a 5-field cron in UTC, or `off`.
   */
  RECONCILIATION_SCHEDULE: scheduleSetting('15m'),
  RECONCILIATION_SCHEDULE_ID: z.string().min(1).max(200).default('alpes-reconciliation-fetch'),
});

export interface ReconciliationConfig {
  grace: ReconciliationGrace;
  writeOffFourEyesMinor: number;
  bankUrl: string | undefined;
  xsd: { camt053: string | undefined; camt054: string | undefined };
  schedule: ScheduleSetting;
  scheduleId: string;
}

type Env = z.infer<typeof reconciliationEnvSchema>;

export const toReconciliationConfig = (e: Env): ReconciliationConfig => ({
  grace: e.RECONCILIATION_GRACE,
  writeOffFourEyesMinor: e.RECONCILIATION_WRITE_OFF_FOUR_EYES_MINOR,
  bankUrl: e.RECONCILIATION_BANK_URL,
  xsd: { camt053: e.RECONCILIATION_CAMT053_XSD, camt054: e.RECONCILIATION_CAMT054_XSD },
  schedule: e.RECONCILIATION_SCHEDULE,
  scheduleId: e.RECONCILIATION_SCHEDULE_ID,
});
