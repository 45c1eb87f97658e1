import { z } from 'zod';
import { scheduleSetting, type ScheduleSetting } from '../../shared/env-parsers';

/**
 * The payout janitor and the test-only payment faults: a zod fragment of environment variables
 * spread into config.ts's schema, and the typed result (`AppConfig.payoutJanitor`).
 */

/** Every 5 minutes: an unknown payout outcome is an operator's worry for minutes, not hours. */
export const DEFAULT_JANITOR_SCHEDULE = '5m';

export type JanitorScheduleSpec = ScheduleSetting;

const scheduleSpec = scheduleSetting(DEFAULT_JANITOR_SCHEDULE);

/** Test-only faults of the payment activities; see TestFaults. */
const TEST_FAULT_NAMES = [
  'complete-payment',
  'compensation',
  'notify-partner',
  'notify-partner-unavailable',
] as const;
const testFaults = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const names = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(TEST_FAULT_NAMES as readonly string[]).includes(n));
    if (unknown.length) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown fault ${unknown.join(', ')} (known: ${TEST_FAULT_NAMES.join(', ')})`,
      });
      return z.NEVER;
    }
    return names;
  });

export const janitorEnvSchema = z.object({
  JANITOR_SCHEDULE: scheduleSpec,
  JANITOR_SCHEDULE_ID: z.string().min(1).max(200).default('alpes-payout-janitor'),
  /** Payments one janitor run looks at; the next run takes the rest. */
  JANITOR_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
  /**
   * Comma-separated faults injected into the payment activities so the integration tests can
   * exercise the saga; refused unless NODE_ENV=test, so no deployed configuration can reach them.
   */
  TEST_FAULTS: testFaults,
  /**
   * A JSON file of faults that stop the worker process right after a chosen step committed
   * (src/infra/testing/crash-plan.ts): the crash matrix's switch. Refused unless NODE_ENV=test.
   */
  TEST_CRASH_PLAN: z.string().min(1).optional(),
});

export type JanitorEnv = z.output<typeof janitorEnvSchema>;

export interface TestFaults {
  /** `completePayment` fails non-retryably after the payout: the saga gives the payout back. */
  failCompletePayment: boolean;
  /** `notifyPartner` fails non-retryably: the payment records the notice it gave up on. */
  failNotifyPartner: boolean;
  /** `compensatePayout` fails non-retryably: the payment ends COMPENSATION_FAILED. */
  failCompensation: boolean;
  /** Every notice fails retryably (the partner's workflow unreachable): the payout must not wait on it. */
  noticesUnavailable: boolean;
  /** TEST_CRASH_PLAN: where the crash matrix writes the faults that stop this worker after a step. */
  crashPlanPath?: string;
}

export interface PayoutJanitorConfig {
  schedule: JanitorScheduleSpec;
  scheduleId: string;
  batchSize: number;
  testFaults: TestFaults;
}

export const toPayoutJanitorConfig = (e: JanitorEnv & { NODE_ENV: string }): PayoutJanitorConfig => {
  for (const [name, set] of [
    ['TEST_FAULTS', e.TEST_FAULTS.length > 0],
    ['TEST_CRASH_PLAN', e.TEST_CRASH_PLAN !== undefined],
  ] as const) {
    if (set && e.NODE_ENV !== 'test') {
      throw new Error(
        `invalid configuration:\n  ${name}: only for the test suite (NODE_ENV=test), not ${e.NODE_ENV}`,
      );
    }
  }
  return {
    schedule: e.JANITOR_SCHEDULE,
    scheduleId: e.JANITOR_SCHEDULE_ID,
    batchSize: e.JANITOR_BATCH_SIZE,
    testFaults: {
      failCompletePayment: e.TEST_FAULTS.includes('complete-payment'),
      failCompensation: e.TEST_FAULTS.includes('compensation'),
      failNotifyPartner: e.TEST_FAULTS.includes('notify-partner'),
      noticesUnavailable: e.TEST_FAULTS.includes('notify-partner-unavailable'),
      ...(e.TEST_CRASH_PLAN ? { crashPlanPath: e.TEST_CRASH_PLAN } : {}),
    },
  };
};
