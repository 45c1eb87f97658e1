import type { Knex } from 'knex';
import type { PartnerBalance } from '../../domain/settlement-plan';
import type {
  SettlementItem,
  SettlementRepository,
  SettlementRun,
  SettlementStatus,
  SettlementTrigger,
} from '../../ports/settlement-repository.port';
import { iso, OptimisticConcurrencyError } from './payment.repository';

export interface SettlementRow {
  id: string;
  period_end: string;
  currency: string | null;
  status: string;
  trigger: string;
  started_by: string;
  item_count: number;
  skipped_count: number;
  created_at: Date | string;
  updated_at: Date | string;
  completed_at: Date | string | null;
}

export interface SettlementItemRow {
  settlement_id: string;
  seq: number;
  partner_id: string;
  currency: string;
  payment_id: string | null;
  net_minor: string | number;
  commission_count: number;
  clawback_count: number;
  skip_reason: string | null;
  skip_detail: string | null;
}

export const toSettlementRun = (r: SettlementRow): SettlementRun => ({
  id: r.id,
  periodEnd: r.period_end,
  currency: r.currency,
  status: r.status as SettlementStatus,
  trigger: r.trigger as SettlementTrigger,
  startedBy: r.started_by,
  itemCount: r.item_count,
  skippedCount: r.skipped_count,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  completedAt: r.completed_at === null ? null : iso(r.completed_at),
});

export const toSettlementItem = (r: SettlementItemRow): SettlementItem => ({
  seq: r.seq,
  partnerId: r.partner_id,
  currency: r.currency,
  paymentId: r.payment_id,
  netMinor: String(r.net_minor),
  commissionCount: r.commission_count,
  clawbackCount: r.clawback_count,
  skipReason: r.skip_reason as SettlementItem['skipReason'],
  skipDetail: r.skip_detail,
});

const runRow = (s: SettlementRun) => ({
  id: s.id,
  period_end: s.periodEnd,
  currency: s.currency,
  status: s.status,
  trigger: s.trigger,
  started_by: s.startedBy,
  item_count: s.itemCount,
  skipped_count: s.skippedCount,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
  completed_at: s.completedAt,
});

/**
 * What counts as payable at `now`: PAYABLE, or PENDING whose hold has elapsed (nobody writes the
 * hold's end), not yet in a run. Shared by the claim and the dry run so both see the same ledger.
 */
export const PAYABLE_SQL = `(c.status = 'PAYABLE' or (c.status = 'PENDING' and c.hold_until <= ?))`;

/** Per partner + currency sums of the given commission rows, with each partner's standing. */
export const BALANCE_SELECT = `
  select c.partner_id, c.currency,
         coalesce(sum(case when c.kind = 'COMMISSION' then c.amount_minor end), 0)::text as commissions,
         coalesce(sum(case when c.kind = 'CLAWBACK' then c.amount_minor end), 0)::text as clawbacks,
         count(*) filter (where c.kind = 'COMMISSION')::int as commission_count,
         count(*) filter (where c.kind = 'CLAWBACK')::int as clawback_count,
         coalesce(p.status, 'MISSING') as partner_status,
         (p.payout_hold_at is not null) as payout_hold
    from commissions c left join partners p on p.id = c.partner_id`;

export interface BalanceRow {
  partner_id: string;
  currency: string;
  commissions: string;
  clawbacks: string;
  commission_count: number;
  clawback_count: number;
  partner_status: string;
  payout_hold: boolean | null;
}

export const toBalance = (r: BalanceRow): PartnerBalance => ({
  partnerId: r.partner_id,
  currency: r.currency,
  commissionsMinor: BigInt(r.commissions),
  clawbacksMinor: BigInt(r.clawbacks),
  commissionCount: r.commission_count,
  clawbackCount: r.clawback_count,
  partnerStatus: r.partner_status as PartnerBalance['partnerStatus'],
  payoutHold: Boolean(r.payout_hold),
});

const INSERT_CHUNK = 1_000;

/** Knex adapter of a settlement run's set-based ledger operations, inside the unit of work's transaction. */
export class KnexSettlementRepository implements SettlementRepository {
  constructor(private readonly db: Knex.Transaction) {}

  async find(id: string): Promise<SettlementRun | undefined> {
    const row = await this.db<SettlementRow>('settlements').where({ id }).forUpdate().first();
    return row ? toSettlementRun(row) : undefined;
  }

  async create(run: SettlementRun): Promise<void> {
    await this.db('settlements').insert(runRow(run));
  }

  async update(run: SettlementRun): Promise<void> {
    const updated = await this.db('settlements').where({ id: run.id }).update(runRow(run));
    if (updated !== 1) throw new OptimisticConcurrencyError(`settlement ${run.id} not found`);
  }

  async claimPayable(q: {
    settlementId: string;
    cutoff: string;
    currency: string | null;
    now: string;
  }): Promise<number> {
    const { rowCount } = (await this.db.raw(
      `update commissions c
          set status = 'SETTLING', settlement_id = ?, updated_at = ?, version = c.version + 1
        where ${PAYABLE_SQL} and c.settlement_id is null and (c.kind = 'CLAWBACK' or c.occurred_at < ?)
          and (?::text is null or c.currency = ?)`,
      [q.settlementId, q.now, q.now, q.cutoff, q.currency, q.currency],
    )) as { rowCount: number };
    return rowCount;
  }

  async claimedBalances(settlementId: string): Promise<PartnerBalance[]> {
    const { rows } = (await this.db.raw(
      `${BALANCE_SELECT}
        where c.settlement_id = ? and c.status = 'SETTLING'
        group by c.partner_id, c.currency, p.status, p.payout_hold_at`,
      [settlementId],
    )) as { rows: BalanceRow[] };
    return rows.map(toBalance);
  }

  async release(
    settlementId: string,
    keys: ReadonlyArray<{ partnerId: string; currency: string }>,
    now: string,
  ): Promise<void> {
    for (let i = 0; i < keys.length; i += INSERT_CHUNK) {
      const chunk = keys.slice(i, i + INSERT_CHUNK);
      await this.db.raw(
        `update commissions c
            set status = 'PAYABLE', settlement_id = null, payment_id = null, updated_at = ?, version = c.version + 1
           from (select * from unnest(?::uuid[], ?::text[]) as k(partner_id, currency)) k
          where c.settlement_id = ? and c.status = 'SETTLING'
            and c.partner_id = k.partner_id and c.currency = k.currency`,
        [now, chunk.map((k) => k.partnerId), chunk.map((k) => k.currency), settlementId],
      );
    }
  }

  async recordItems(settlementId: string, items: readonly SettlementItem[], now: string): Promise<void> {
    for (let i = 0; i < items.length; i += INSERT_CHUNK) {
      await this.db('settlement_items').insert(
        items.slice(i, i + INSERT_CHUNK).map((it) => ({
          settlement_id: settlementId,
          seq: it.seq,
          partner_id: it.partnerId,
          currency: it.currency,
          payment_id: it.paymentId,
          net_minor: it.netMinor,
          commission_count: it.commissionCount,
          clawback_count: it.clawbackCount,
          skip_reason: it.skipReason,
          skip_detail: it.skipDetail,
        })),
      );
    }
    await this.db.raw(
      `update commissions c
          set payment_id = i.payment_id, updated_at = ?
         from settlement_items i
        where i.settlement_id = ? and i.payment_id is not null
          and c.settlement_id = i.settlement_id and c.status = 'SETTLING'
          and c.partner_id = i.partner_id and c.currency = i.currency`,
      [now, settlementId],
    );
  }

  async payoutPage(settlementId: string, afterSeq: number, limit: number): Promise<SettlementItem[]> {
    const rows = await this.db<SettlementItemRow>('settlement_items')
      .where({ settlement_id: settlementId })
      .whereNotNull('payment_id')
      .andWhere('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit);
    return rows.map(toSettlementItem);
  }

  async payoutStatusCounts(settlementId: string): Promise<Record<string, number>> {
    const { rows } = (await this.db.raw(
      `select coalesce(p.status, 'NOT_RECORDED') as status, count(*)::int as n
         from settlement_items i left join payments p on p.id = i.payment_id
        where i.settlement_id = ? and i.payment_id is not null
        group by 1`,
      [settlementId],
    )) as { rows: Array<{ status: string; n: number }> };
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}
