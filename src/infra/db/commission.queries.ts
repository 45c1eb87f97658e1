import type { Knex } from 'knex';
import { Commission } from '../../domain/commission.aggregate';
import type {
  CommissionBalance,
  CommissionListFilter,
  CommissionReads,
  CommissionView,
} from '../../ports/commission.port';
import { toCommissionSnapshot, type CommissionRow } from './commission.repository';
import { newestFirst } from './keyset-page.util';

const toView = (row: CommissionRow, now: Date): CommissionView => {
  const snapshot = toCommissionSnapshot(row);
  return { ...snapshot, status: Commission.fromSnapshot(snapshot).effectiveStatus(now) };
};

// Effective statuses in SQL, mirroring Commission.effectiveStatus (the hold elapses by the clock
// alone); `now` is the placeholder the instant is bound to.
const inHold = (now: string) => `status = 'PENDING' and hold_until > ${now}`;
const payable = (now: string) => `(status = 'PAYABLE' or (status = 'PENDING' and hold_until <= ${now}))`;

interface BalanceRow {
  currency: string;
  pending_minor: string;
  pending_count: string | number;
  payable_minor: string;
  payable_count: string | number;
  clawbacks_minor: string;
  clawback_count: string | number;
  net_payable_minor: string;
  settling_minor: string;
  settling_count: string | number;
}

/** Read side of the commission ledger: plain queries, sums done by PostgreSQL (exact numerics). */
export class CommissionQueries implements CommissionReads {
  constructor(private readonly db: Knex) {}

  async getByExternalRef(externalRef: string, now: Date): Promise<CommissionView | undefined> {
    const row = await this.db<CommissionRow>('commissions').where({ external_ref: externalRef }).first();
    return row ? toView(row, now) : undefined;
  }

  async list(f: CommissionListFilter): Promise<CommissionView[]> {
    const q = this.db<CommissionRow>('commissions');
    if (f.partnerId) q.where('partner_id', f.partnerId);
    if (f.currency) q.where('currency', f.currency);
    if (f.kind) q.where('kind', f.kind);
    if (f.occurredFrom) q.where('occurred_at', '>=', f.occurredFrom);
    if (f.occurredTo) q.where('occurred_at', '<', f.occurredTo);
    if (f.status === 'PENDING') q.whereRaw(inHold('?'), [f.now]);
    else if (f.status === 'PAYABLE') q.whereRaw(payable('?'), [f.now]);
    else if (f.status) q.where('status', f.status);
    newestFirst(q, f.after);
    return (await q.limit(f.limit)).map((r) => toView(r, f.now));
  }

  async balances(partnerId: string, now: Date): Promise<CommissionBalance[]> {
    return (await this.balancesOf([partnerId], now)).get(partnerId) ?? [];
  }

  async balancesOf(partnerIds: readonly string[], now: Date): Promise<Map<string, CommissionBalance[]>> {
    const byPartner = new Map<string, CommissionBalance[]>();
    if (partnerIds.length === 0) return byPartner;
    const sum = (where: string) => `cast(coalesce(sum(amount_minor) filter (where ${where}), 0) as text)`;
    const count = (where: string) => `count(*) filter (where ${where})`;
    const IN_HOLD = inHold(':now');
    const PAYABLE = payable(':now');
    const rows = (await this.db('commissions')
      .select(
        'partner_id',
        'currency',
        this.db.raw(
          `${sum(IN_HOLD)} as pending_minor, ${count(IN_HOLD)} as pending_count,
           ${sum(`kind = 'COMMISSION' and ${PAYABLE}`)} as payable_minor,
           ${count(`kind = 'COMMISSION' and ${PAYABLE}`)} as payable_count,
           ${sum(`kind = 'CLAWBACK' and ${PAYABLE}`)} as clawbacks_minor,
           ${count(`kind = 'CLAWBACK' and ${PAYABLE}`)} as clawback_count,
           ${sum(PAYABLE)} as net_payable_minor,
           ${sum(`status = 'SETTLING'`)} as settling_minor, ${count(`status = 'SETTLING'`)} as settling_count`,
          { now },
        ),
      )
      .whereIn('partner_id', [...partnerIds])
      .whereIn('status', ['PENDING', 'PAYABLE', 'SETTLING'])
      .groupBy('partner_id', 'currency')
      .orderBy(['partner_id', 'currency'])) as Array<BalanceRow & { partner_id: string }>;
    for (const r of rows) {
      const list = byPartner.get(r.partner_id) ?? [];
      list.push({
        currency: r.currency,
        pendingMinor: r.pending_minor,
        pendingCount: Number(r.pending_count),
        payableMinor: r.payable_minor,
        payableCount: Number(r.payable_count),
        clawbacksOutstandingMinor: r.clawbacks_minor,
        clawbackCount: Number(r.clawback_count),
        netPayableMinor: r.net_payable_minor,
        settlingMinor: r.settling_minor,
        settlingCount: Number(r.settling_count),
      });
      byPartner.set(r.partner_id, list);
    }
    return byPartner;
  }

  async existingPartnerIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db('partners')
      .whereIn('id', [...ids])
      .select<Array<{ id: string }>>('id');
    return new Set(rows.map((r) => r.id));
  }
}
