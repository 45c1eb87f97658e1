import type { Knex } from 'knex';
import { taxFormStanding, type TaxFormRequirement } from '../../domain/payability';
import type { TaxProfileStatus } from '../../domain/tax-profile.aggregate';
import { payoutMethodReturnStands } from '../../domain/partner.aggregate';
import type { RunApproval } from '../../domain/settlement-approval';
import type { PartnerBalance } from '../../domain/settlement-plan';
import { ALL_CURRENCIES } from '../../domain/settlement-run-id';
import type {
  SettlementCounters,
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
  counted?: boolean;
  approval?: RunApproval | string | null;
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
  counted: r.counted === true,
  approval: approvalOfRow(r.approval),
});

// PGlite and pg both parse jsonb; a driver that hands back text is parsed here.
const approvalOfRow = (v: SettlementRow['approval']): RunApproval | null =>
  typeof v === 'string' ? (JSON.parse(v) as RunApproval) : (v ?? null);

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
  ...(s.counted === undefined ? {} : { counted: s.counted }),
  ...(s.approval === undefined ? {} : { approval: s.approval === null ? null : JSON.stringify(s.approval) }),
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
         (p.payout_hold_at is not null) as payout_hold,
         p.payout_returned_at, p.pending_account_change->>'effectiveAt' as change_effective_at,
         t.status as tax_status, t.country as tax_country, t.expires_on as tax_expires_on
    from commissions c left join partners p on p.id = c.partner_id
         left join tax_profiles t on t.partner_id = c.partner_id`;

/** BALANCE_SELECT's grouping: the partner's standing and tax form are one row per partner. */
export const BALANCE_GROUP_BY = `group by c.partner_id, c.currency, p.status, p.payout_hold_at, p.payout_returned_at,
  p.pending_account_change->>'effectiveAt', t.status, t.country, t.expires_on`;

export interface BalanceRow {
  partner_id: string;
  currency: string;
  commissions: string;
  clawbacks: string;
  commission_count: number;
  clawback_count: number;
  partner_status: string;
  payout_hold: boolean | null;
  payout_returned_at: Date | string | null;
  change_effective_at: string | null;
  tax_status: string | null;
  tax_country: string | null;
  tax_expires_on: string | null;
}

/**
 * A balance row as the planner takes it. With TAX_FORM_REQUIRED (`taxForms`) the partner's tax form
 * is judged at `now` by payability's rule, so a run and GET /partners/:id/payability agree; so is
 * a returned payout (the partner aggregate's rule: a change effective after it clears it).
 */
export const toBalance = (
  r: BalanceRow,
  taxForms?: { requirement: TaxFormRequirement; now: Date },
  now: Date = taxForms?.now ?? new Date(),
): PartnerBalance => ({
  ...(payoutMethodReturnStands(
    r.payout_returned_at === null || r.payout_returned_at === undefined ? null : iso(r.payout_returned_at),
    r.change_effective_at,
    now,
  )
    ? { payoutMethodReturned: true }
    : {}),
  partnerId: r.partner_id,
  currency: r.currency,
  commissionsMinor: BigInt(r.commissions),
  clawbacksMinor: BigInt(r.clawbacks),
  commissionCount: r.commission_count,
  clawbackCount: r.clawback_count,
  partnerStatus: r.partner_status as PartnerBalance['partnerStatus'],
  payoutHold: Boolean(r.payout_hold),
  ...(taxForms
    ? {
        taxForm: taxFormStanding(
          taxForms.requirement,
          r.tax_status
            ? {
                status: r.tax_status as TaxProfileStatus,
                country: r.tax_country ?? '',
                expiresOn: r.tax_expires_on,
              }
            : null,
          taxForms.now,
        ),
      }
    : {}),
});

const INSERT_CHUNK = 1_000;

/** Counter rows per run, currency and status: concurrent payouts of one run rarely share a row. */
const COUNTER_SHARDS = 8;

/** A run's counters summed over their shards, by currency and status. */
export async function readCounters(db: Knex, settlementId: string): Promise<SettlementCounters> {
  const rows = (await db('settlement_counters')
    .where({ settlement_id: settlementId })
    .groupBy('currency', 'status')
    .select('currency', 'status')
    .sum({ n: 'payouts' })
    .sum({ amount: 'amount_minor' })) as Array<{
    currency: string;
    status: string;
    n: string | number;
    amount: string | number;
  }>;
  const out: SettlementCounters = {};
  for (const r of rows) {
    const n = Number(r.n);
    if (n === 0) continue;
    (out[r.currency] ??= {})[r.status] = { count: n, amountMinor: BigInt(String(r.amount)).toString() };
  }
  return out;
}

/** Knex adapter of a settlement run's set-based ledger operations, inside the unit of work's transaction. */
export class KnexSettlementRepository implements SettlementRepository {
  /** `taxForms`: TAX_FORM_REQUIRED, applied to the balances a run claims (absent: off). */
  constructor(
    private readonly db: Knex.Transaction,
    private readonly taxForms?: TaxFormRequirement,
  ) {}

  async approvalOf(settlementId: string): Promise<RunApproval | null> {
    const row = await this.db<SettlementRow>('settlements').where({ id: settlementId }).first('approval');
    return row ? approvalOfRow(row.approval) : null;
  }

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
        ${BALANCE_GROUP_BY}`,
      [settlementId],
    )) as { rows: BalanceRow[] };
    const taxForms = this.taxForms ? { requirement: this.taxForms, now: new Date() } : undefined;
    return rows.map((r) => toBalance(r, taxForms));
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
      .whereNull('released_at')
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

  async initCounters(settlementId: string): Promise<void> {
    await this.db.raw(
      `insert into settlement_counters (settlement_id, currency, status, shard, payouts, amount_minor)
       select i.settlement_id, i.currency,
              case when i.payment_id is null then 'SKIPPED' else 'NOT_RECORDED' end, 0,
              count(*), coalesce(sum(i.net_minor), 0)
         from settlement_items i
        where i.settlement_id = ?
        group by 1, 2, 3
       on conflict do nothing`,
      [settlementId],
    );
    await this.db('settlements').where({ id: settlementId }).update({ counted: true });
  }

  async countPayoutTransition(paymentId: string, from: string, to: string): Promise<void> {
    if (from === to) return;
    await this.db.raw(
      `insert into settlement_counters (settlement_id, currency, status, shard, payouts, amount_minor)
       select i.settlement_id, i.currency, v.status, abs(hashtext(i.payment_id::text)) % ${COUNTER_SHARDS},
              v.delta, v.delta * i.net_minor
         from settlement_items i
         join settlements s on s.id = i.settlement_id and s.counted
        cross join (values (?::text, -1), (?::text, 1)) as v(status, delta)
        where i.payment_id = ?
        -- Rows in one order for every writer: two transitions never wait on each other in a cycle.
        order by v.status
       on conflict (settlement_id, currency, status, shard) do update
          set payouts = settlement_counters.payouts + excluded.payouts,
              amount_minor = settlement_counters.amount_minor + excluded.amount_minor`,
      [from, to, paymentId],
    );
  }

  async claimPeriod(
    periodEnd: string,
    currency: string | null,
    settlementId: string,
    now: string,
  ): Promise<string> {
    // One claimant of a period at a time: the check and the insert below must not interleave.
    await this.db.raw('select pg_advisory_xact_lock(hashtext(?))', [`settlement-period:${periodEnd}`]);
    const scope = currency ?? ALL_CURRENCIES;
    const rivals = await this.db('settlement_period_claims')
      .where({ period_end: periodEnd })
      .modify((q) => {
        // A run of every currency meets any claim on the period; one currency meets its own and `*`.
        if (scope !== ALL_CURRENCIES) q.whereIn('scope', [scope, ALL_CURRENCIES]);
      })
      .orderBy('claimed_at')
      .select<Array<{ settlement_id: string }>>('settlement_id');
    if (rivals.length > 0)
      return rivals.find((r) => r.settlement_id === settlementId)?.settlement_id ?? rivals[0]!.settlement_id;
    await this.db('settlement_period_claims').insert({
      period_end: periodEnd,
      scope,
      settlement_id: settlementId,
      claimed_at: now,
    });
    return settlementId;
  }

  async releaseUnstarted(
    settlementId: string,
    now: string,
  ): Promise<{ payouts: number; commissions: number }> {
    // Lock first, then look for payments in a later statement: a payment recorded by a transaction
    // that held one of these rows has committed by then, and this statement's snapshot sees it.
    const locked = (await this.db('settlement_items')
      .where({ settlement_id: settlementId })
      .whereNotNull('payment_id')
      .whereNull('released_at')
      .forUpdate()
      .select('payment_id')) as Array<{ payment_id: string }>;
    if (locked.length === 0) return { payouts: 0, commissions: 0 };
    const { rows } = (await this.db.raw(
      `update settlement_items i set released_at = ?
        where i.settlement_id = ? and i.payment_id is not null and i.released_at is null
          and not exists (select 1 from payments p where p.id = i.payment_id)
       returning i.payment_id`,
      [now, settlementId],
    )) as { rows: Array<{ payment_id: string }> };
    const released = rows.map((r) => r.payment_id);
    if (released.length === 0) return { payouts: 0, commissions: 0 };
    for (const paymentId of released) await this.countPayoutTransition(paymentId, 'NOT_RECORDED', 'RELEASED');
    const back = (await this.db.raw(
      `update commissions c
          set status = 'PAYABLE', settlement_id = null, payment_id = null, updated_at = ?, version = c.version + 1
        where c.settlement_id = ? and c.status = 'SETTLING' and c.payment_id = any(?::uuid[])
       returning c.id`,
      [now, settlementId, released],
    )) as { rows: unknown[] };
    return { payouts: released.length, commissions: back.rows.length };
  }

  async lockPayoutForRecording(paymentId: string): Promise<boolean> {
    const row = (await this.db('settlement_items')
      .where({ payment_id: paymentId })
      .forUpdate()
      .first('released_at')) as { released_at: Date | string | null } | undefined;
    return row !== undefined && row.released_at !== null;
  }

  async startedCursor(settlementId: string): Promise<{ afterSeq: number; started: number }> {
    const row = (await this.db('settlements')
      .where({ id: settlementId })
      .first('started_after_seq', 'started_count')) as
      { started_after_seq: number; started_count: number } | undefined;
    return { afterSeq: row?.started_after_seq ?? 0, started: row?.started_count ?? 0 };
  }

  async recordStarted(settlementId: string, afterSeq: number, started: number): Promise<void> {
    await this.db('settlements')
      .where({ id: settlementId })
      .andWhere('started_after_seq', '<', afterSeq)
      .update({ started_after_seq: afterSeq, started_count: started });
  }

  counters(settlementId: string): Promise<SettlementCounters> {
    return readCounters(this.db, settlementId);
  }
}
