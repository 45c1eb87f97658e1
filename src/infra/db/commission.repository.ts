import type { Knex } from 'knex';
import {
  Commission,
  type CommissionKind,
  type CommissionSnapshot,
  type CommissionStatus,
} from '../../domain/commission.aggregate';
import type { CommissionRepository } from '../../ports/commission-repository.port';
import { iso, OptimisticConcurrencyError } from './payment.repository';

export interface CommissionRow {
  id: string;
  external_ref: string;
  partner_id: string;
  kind: string;
  currency: string;
  amount_minor: number | string;
  description: string;
  occurred_at: Date | string;
  hold_until: Date | string;
  status: string;
  settlement_id: string | null;
  payment_id: string | null;
  reversal_reason: string | null;
  reversed_by: string | null;
  reversed_at: Date | string | null;
  reversal_pending: boolean;
  clawback_of: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

export const toCommissionSnapshot = (r: CommissionRow): CommissionSnapshot => ({
  id: r.id,
  externalRef: r.external_ref,
  partnerId: r.partner_id,
  kind: r.kind as CommissionKind,
  currency: r.currency,
  amountMinor: Number(r.amount_minor),
  description: r.description,
  occurredAt: iso(r.occurred_at),
  holdUntil: iso(r.hold_until),
  status: r.status as CommissionStatus,
  settlementId: r.settlement_id,
  paymentId: r.payment_id,
  reversalReason: r.reversal_reason,
  reversedBy: r.reversed_by,
  reversedAt: r.reversed_at === null ? null : iso(r.reversed_at),
  reversalPending: r.reversal_pending,
  clawbackOf: r.clawback_of,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  version: r.version,
});

const toRow = (s: CommissionSnapshot): CommissionRow => ({
  id: s.id,
  external_ref: s.externalRef,
  partner_id: s.partnerId,
  kind: s.kind,
  currency: s.currency,
  amount_minor: s.amountMinor,
  description: s.description,
  occurred_at: s.occurredAt,
  hold_until: s.holdUntil,
  status: s.status,
  settlement_id: s.settlementId,
  payment_id: s.paymentId,
  reversal_reason: s.reversalReason,
  reversed_by: s.reversedBy,
  reversed_at: s.reversedAt,
  reversal_pending: s.reversalPending,
  clawback_of: s.clawbackOf,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
  version: s.version,
});

/** Knex adapter of the commission ledger; works on a transaction handed in by the unit of work. */
export class KnexCommissionRepository implements CommissionRepository {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async insertNew(commissions: readonly Commission[]): Promise<Set<string>> {
    if (commissions.length === 0) return new Set();
    const rows = (await this.db('commissions')
      .insert(commissions.map((c) => toRow(c.toSnapshot())))
      .onConflict('external_ref')
      .ignore()
      .returning('external_ref')) as Array<{ external_ref: string }>;
    return new Set(rows.map((r) => r.external_ref));
  }

  async findByExternalRefs(refs: readonly string[]): Promise<Commission[]> {
    if (refs.length === 0) return [];
    const rows = await this.db<CommissionRow>('commissions')
      .whereIn('external_ref', [...refs])
      .forUpdate();
    return rows.map((r) => Commission.fromSnapshot(toCommissionSnapshot(r)));
  }

  async findByPayment(paymentId: string): Promise<Commission[]> {
    const rows = await this.db<CommissionRow>('commissions')
      .where({ payment_id: paymentId })
      .orderBy([{ column: 'occurred_at' }, { column: 'external_ref' }])
      .forUpdate();
    return rows.map((r) => Commission.fromSnapshot(toCommissionSnapshot(r)));
  }

  async save(commission: Commission): Promise<void> {
    const s = commission.toSnapshot();
    if (s.version === 1) {
      await this.db('commissions').insert(toRow(s));
      return;
    }
    const updated = await this.db('commissions')
      .where({ id: s.id, version: s.version - 1 })
      .update(toRow(s));
    if (updated !== 1) throw new OptimisticConcurrencyError(`commission ${s.id} was changed concurrently`);
  }
}
