/**
 * A place right after a step's effect is durable (its transaction committed, the bank answered, a
 * notice was signalled) and before the workflow has recorded it. The test suite's crash matrix
 * stops the worker process there (TEST_CRASH_PLAN); everywhere else it is absent and costs nothing.
 */
export type CrashPoint = (at: CrashPointSite) => void;

export interface CrashPointSite {
  /** The step: an activity's name (`recordPayment`, `payOut`, …) or `notice:<PaymentEventType>`. */
  step: string;
  partnerId: string;
  paymentId: string;
}
