import type { Knex } from 'knex';

/** The bank's tables: its ledger of money movements and the first answer given for each idempotency key. */
const LEDGER = 'sandbox_bank_ledger';
const IDEMPOTENCY = 'sandbox_bank_idempotency';
/** First key of the two-key advisory locks: keeps the bank's locks apart from the service's. */
const IDEMPOTENCY_LOCK_SPACE = 0x53_42_49_44;
const PAYOUT_LOCK_SPACE = 0x53_42_50_4f;

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface LedgerEntry {
  id: string;
  kind: 'PAYOUT' | 'REFUND';
  payoutId: string | null;
  amountMinor: number;
  currency: string;
  account: string;
  paymentId: string;
  createdAt: string;
  /** A transfer booked from a bank file: its EndToEndId (absent for the JSON payouts). */
  endToEndId?: string;
}

export interface CurrencySummary {
  payoutsMinor: number;
  refundsMinor: number;
  netMinor: number;
  payoutCount: number;
  refundCount: number;
}

interface LedgerRow {
  id: string;
  kind: 'PAYOUT' | 'REFUND';
  payout_id: string | null;
  amount_minor: number | string;
  currency: string;
  account: string;
  payment_reference: string;
  created_at: Date | string;
  end_to_end_id?: string | null;
}

interface IdempotencyRow {
  key: string;
  operation: string;
  request_hash: string;
  status_code: number;
  response: Record<string, unknown> | string;
}

export type IdempotentOutcome =
  | { kind: 'fresh'; answer: Answer }
  | { kind: 'replay'; answer: Answer }
  | { kind: 'conflict' }
  /** The key was closed by a lookup that found nothing: it can never move money any more. */
  | { kind: 'voided' };

/** The first answer stored under an idempotency key, with the operation it answered. */
export interface StoredAnswer {
  operation: 'PAYOUT' | 'REFUND' | 'VOID';
  answer: Answer;
}

/** The bank's persistence: what the HTTP layer decides is written here, one transaction per request. */
export class SandboxBankStore {
  constructor(private readonly db: Knex) {}

  async ping(): Promise<void> {
    await this.db.raw('select 1');
  }

  /**
   * The first answer for a key is the answer for ever. The transaction-scoped advisory lock makes
   * concurrent requests with one key queue behind each other, so "look up, then insert" cannot
   * race; the primary key on `key` is only the last line of defence.
   */
  once(
    operation: 'PAYOUT' | 'REFUND',
    key: string,
    requestHash: string,
    execute: (trx: Knex.Transaction) => Promise<Answer>,
  ): Promise<IdempotentOutcome> {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?::int, hashtext(?))', [IDEMPOTENCY_LOCK_SPACE, key]);
      const stored = await trx<IdempotencyRow>(IDEMPOTENCY).where({ key }).first();
      if (stored) {
        if (stored.operation === 'VOID') return { kind: 'voided' };
        if (stored.request_hash !== requestHash || stored.operation !== operation)
          return { kind: 'conflict' };
        return { kind: 'replay', answer: toStored(stored).answer };
      }
      const answer = await execute(trx);
      await trx(IDEMPOTENCY).insert({
        key,
        operation,
        request_hash: requestHash,
        status_code: answer.status,
        response: JSON.stringify(answer.body),
      });
      return { kind: 'fresh', answer };
    });
  }

  /**
   * What was answered under a key, if anything. Taken under the key's lock, so a request with that
   * key that is writing right now is seen once it has committed, never half-way.
   */
  lookup(key: string): Promise<StoredAnswer | undefined> {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?::int, hashtext(?))', [IDEMPOTENCY_LOCK_SPACE, key]);
      const stored = await trx<IdempotencyRow>(IDEMPOTENCY).where({ key }).first();
      return stored ? toStored(stored) : undefined;
    });
  }

  /**
   * Closes a key nothing was done under: from then on a request with it moves no money (a request
   * that was sent long ago and arrives late included). A key already used keeps its first answer,
   * which is returned instead, so the caller learns the true outcome either way.
   */
  closeKey(key: string, answer: Answer): Promise<StoredAnswer> {
    return this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?::int, hashtext(?))', [IDEMPOTENCY_LOCK_SPACE, key]);
      const stored = await trx<IdempotencyRow>(IDEMPOTENCY).where({ key }).first();
      if (stored) return toStored(stored);
      await trx(IDEMPOTENCY).insert({
        key,
        operation: 'VOID',
        request_hash: '-',
        status_code: answer.status,
        response: JSON.stringify(answer.body),
      });
      return { operation: 'VOID', answer };
    });
  }

  async record(trx: Knex.Transaction, entry: LedgerEntry): Promise<void> {
    await trx(LEDGER).insert({
      id: entry.id,
      kind: entry.kind,
      payout_id: entry.payoutId,
      amount_minor: entry.amountMinor,
      currency: entry.currency,
      account: entry.account,
      payment_reference: entry.paymentId,
      created_at: new Date(entry.createdAt),
    });
  }

  /**
   * A payout with what is still refundable of it, under a lock on the payout: refunds of one payout
   * under different keys must not both pass the "remaining" check.
   */
  async lockPayout(
    trx: Knex.Transaction,
    payoutId: string,
  ): Promise<{ payout: LedgerEntry; refundedMinor: number } | undefined> {
    await trx.raw('select pg_advisory_xact_lock(?::int, hashtext(?))', [PAYOUT_LOCK_SPACE, payoutId]);
    const row = await trx<LedgerRow>(LEDGER).where({ id: payoutId, kind: 'PAYOUT' }).first();
    if (!row) return undefined;
    const { refunded } = (await trx(LEDGER)
      .where({ payout_id: row.id, kind: 'REFUND' })
      .sum({ refunded: 'amount_minor' })
      .first()) as { refunded: unknown };
    return { payout: toEntry(row), refundedMinor: Number(refunded ?? 0) };
  }

  async ledger(filter: { paymentId?: string; currency?: string; limit: number }): Promise<LedgerEntry[]> {
    const query = this.db<LedgerRow>(LEDGER).orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ]);
    if (filter.paymentId) query.where('payment_reference', filter.paymentId);
    if (filter.currency) query.where('currency', filter.currency);
    return (await query.limit(filter.limit)).map(toEntry);
  }

  async summary(): Promise<Record<string, CurrencySummary>> {
    const rows = (await this.db(LEDGER)
      .select('currency', 'kind')
      .sum({ total: 'amount_minor' })
      .count({ n: '*' })
      .groupBy('currency', 'kind')) as Array<{ currency: string; kind: string; total: unknown; n: unknown }>;
    const currencies: Record<string, CurrencySummary> = {};
    for (const r of rows) {
      const c = (currencies[r.currency] ??= {
        payoutsMinor: 0,
        refundsMinor: 0,
        netMinor: 0,
        payoutCount: 0,
        refundCount: 0,
      });
      if (r.kind === 'PAYOUT') {
        c.payoutsMinor = Number(r.total);
        c.payoutCount = Number(r.n);
      } else {
        c.refundsMinor = Number(r.total);
        c.refundCount = Number(r.n);
      }
      c.netMinor = c.payoutsMinor - c.refundsMinor;
    }
    return currencies;
  }
}

function toStored(row: IdempotencyRow): StoredAnswer {
  const body =
    typeof row.response === 'string' ? (JSON.parse(row.response) as Record<string, unknown>) : row.response;
  return { operation: row.operation as StoredAnswer['operation'], answer: { status: row.status_code, body } };
}

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    kind: row.kind,
    payoutId: row.payout_id,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    account: row.account,
    paymentId: row.payment_reference,
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.end_to_end_id ? { endToEndId: row.end_to_end_id } : {}),
  };
}
