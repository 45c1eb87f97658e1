import type { Payment } from '../domain/payment.aggregate';
import type { PaymentStatus } from '../domain/payment-status';
import type { PayoutMethodData } from '../domain/payout-method.value-object';

/** What a payment was approved to pay: the account, and the method it is a part of (null before methods). */
export interface FixedPayout {
  account: string;
  method: PayoutMethodData | null;
}

export interface PaymentRepository {
  findById(id: string): Promise<Payment | undefined>;
  save(payment: Payment): Promise<void>;
  /**
   * The account a payment was approved to pay (its own record, apart from the aggregate: it is
   * sensitive and never part of the payment's views or events). Fixing it again is a no-op.
   */
  fixPayoutAccount(paymentId: string, fixed: FixedPayout, at: Date): Promise<void>;
  fixedPayoutAccount(paymentId: string): Promise<FixedPayout | undefined>;
  /** Ids of payments in a status, longest there first (the janitor's work list). */
  idsInStatus(status: PaymentStatus, limit: number): Promise<string[]>;
}
