import type { Commission } from '../domain/commission.aggregate';

/** The commission ledger inside one unit of work. Reads for update: a transition holds its rows. */
export interface CommissionRepository {
  /**
   * Inserts the commissions whose externalRef is not taken yet and leaves the rest alone; answers
   * with the refs it inserted, so a concurrent duplicate is told apart from a fresh accrual.
   */
  insertNew(commissions: readonly Commission[]): Promise<Set<string>>;
  findByExternalRefs(refs: readonly string[]): Promise<Commission[]>;
  /** Every entry a payment carries (claimed for it by a settlement run), oldest first. */
  findByPayment(paymentId: string): Promise<Commission[]>;
  /** Inserts a new entry (version 1, e.g. a clawback) or updates one guarded by its version. */
  save(commission: Commission): Promise<void>;
}
