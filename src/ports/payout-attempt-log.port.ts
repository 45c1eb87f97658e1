/**
 * Every provider a payout was sent to, in order. An attempt is recorded *before* its provider is
 * asked, so whoever comes next (a retried activity, the janitor) asks that same provider under that
 * same key: a payout never moves to another provider on an unknown outcome.
 */
export type PayoutAttemptStatus = 'SENT' | 'PAID' | 'DECLINED' | 'CLOSED';

export interface PayoutAttempt {
  paymentId: string;
  /** 1-based; 0 is the janitor's tombstone (CLOSED: no provider was asked, and none may be). */
  attempt: number;
  /** The payout's own key (`payout:<id>`); each attempt's key derives from it. */
  baseKey: string;
  idempotencyKey: string;
  provider: string;
  status: PayoutAttemptStatus;
  reason: string | null;
  reference: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PayoutAttemptLog {
  /** The attempts of a payout by its base key, oldest first. */
  attemptsOf(baseKey: string): Promise<PayoutAttempt[]>;
  /**
   * Records the attempt unless one with its number exists; returns what is recorded under that number
   * (the caller's, or the one a concurrent caller recorded first).
   */
  record(
    attempt: Omit<PayoutAttempt, 'createdAt' | 'updatedAt' | 'reason' | 'reference'>,
  ): Promise<PayoutAttempt>;
  settle(
    idempotencyKey: string,
    outcome: { status: 'PAID' | 'DECLINED'; reason?: string; reference?: string },
  ): Promise<void>;
  /** The attempts shown with a payment (timeline, GET /payments/:id). */
  attemptsOfPayment(paymentId: string): Promise<PayoutAttempt[]>;
}
