import type { Knex } from 'knex';
import { Payment, type PaymentSnapshot } from '../../domain/payment.aggregate';
import type { PaymentStatus } from '../../domain/payment-status';
import type { FixedPayout, PaymentRepository } from '../../ports/payment-repository.port';
import type { PayoutMethodData } from '../../domain/payout-method.value-object';

export class OptimisticConcurrencyError extends Error {
  readonly code = 'PAYMENT.CONCURRENT_MODIFICATION';
}

export interface PaymentRow {
  id: string;
  partner_id: string;
  currency: string;
  total_minor: number | string;
  status: string;
  created_by: string;
  approved_by: string | null;
  decided_by: string | null;
  reason: string | null;
  payout_reference: string | null;
  refund_reference: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

export interface LineRow {
  payment_id: string;
  position: number;
  reference: string;
  amount_minor: number | string;
  description: string;
}

export const iso = (v: Date | string): string => new Date(v).toISOString();

export function toSnapshot(row: PaymentRow, lines: LineRow[]): PaymentSnapshot {
  return {
    id: row.id,
    partnerId: row.partner_id,
    currency: row.currency,
    totalMinor: Number(row.total_minor),
    lines: [...lines]
      .sort((a, b) => a.position - b.position)
      .map((l) => ({
        reference: l.reference,
        amountMinor: Number(l.amount_minor),
        description: l.description,
      })),
    status: row.status as PaymentStatus,
    createdBy: row.created_by,
    approvedBy: row.approved_by,
    decidedBy: row.decided_by,
    reason: row.reason,
    payoutReference: row.payout_reference,
    refundReference: row.refund_reference,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: row.version,
  };
}

/** Knex adapter of the payment repository; works on a transaction handed in by the unit of work. */
export class KnexPaymentRepository implements PaymentRepository {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async findById(id: string): Promise<Payment | undefined> {
    const row = await this.db<PaymentRow>('payments').where({ id }).forUpdate().first();
    if (!row) return undefined;
    const lines = await this.db<LineRow>('payment_lines').where({ payment_id: id });
    return Payment.fromSnapshot(toSnapshot(row, lines));
  }

  async fixPayoutAccount(paymentId: string, fixed: FixedPayout, at: Date): Promise<void> {
    await this.db('payment_payout_accounts')
      .insert({
        payment_id: paymentId,
        payout_account: fixed.account,
        payout_method: fixed.method ? JSON.stringify(fixed.method) : null,
        fixed_at: at,
      })
      .onConflict('payment_id')
      .ignore();
  }

  async fixedPayoutAccount(paymentId: string): Promise<FixedPayout | undefined> {
    const row = (await this.db('payment_payout_accounts').where({ payment_id: paymentId }).first()) as
      { payout_account: string; payout_method: PayoutMethodData | string | null } | undefined;
    if (!row) return undefined;
    const method = typeof row.payout_method === 'string' ? JSON.parse(row.payout_method) : row.payout_method;
    return { account: row.payout_account, method: method ?? null };
  }

  async idsInStatus(status: PaymentStatus, limit: number): Promise<string[]> {
    const rows = await this.db<PaymentRow>('payments')
      .where({ status })
      .orderBy([
        { column: 'updated_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(limit)
      .select('id');
    return rows.map((r) => r.id);
  }

  async save(payment: Payment): Promise<void> {
    const s = payment.toSnapshot();
    const row = {
      id: s.id,
      partner_id: s.partnerId,
      currency: s.currency,
      total_minor: s.totalMinor,
      status: s.status,
      created_by: s.createdBy,
      approved_by: s.approvedBy,
      decided_by: s.decidedBy,
      reason: s.reason,
      payout_reference: s.payoutReference,
      refund_reference: s.refundReference,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      version: s.version,
    };
    if (s.version === 1) {
      await this.db('payments').insert(row);
      await this.db('payment_lines').insert(
        s.lines.map((l, position) => ({
          payment_id: s.id,
          position,
          reference: l.reference,
          amount_minor: l.amountMinor,
          description: l.description,
        })),
      );
      return;
    }
    // Lines never change after creation; only the header moves, guarded by the version it was loaded at.
    const updated = await this.db('payments')
      .where({ id: s.id, version: s.version - 1 })
      .update(row);
    if (updated !== 1) throw new OptimisticConcurrencyError(`payment ${s.id} was changed concurrently`);
  }
}
