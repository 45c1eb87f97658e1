import type { Knex } from 'knex';
import type {
  PayoutAttempt,
  PayoutAttemptLog,
  PayoutAttemptStatus,
} from '../../ports/payout-attempt-log.port';

interface AttemptRow {
  payment_id: string;
  attempt: number;
  base_key: string;
  idempotency_key: string;
  provider: string;
  status: PayoutAttemptStatus;
  reason: string | null;
  reference: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

const toAttempt = (r: AttemptRow): PayoutAttempt => ({
  paymentId: r.payment_id,
  attempt: r.attempt,
  baseKey: r.base_key,
  idempotencyKey: r.idempotency_key,
  provider: r.provider,
  status: r.status,
  reason: r.reason,
  reference: r.reference,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** Knex adapter of the payout attempt log; each call is its own statement (no unit of work: it records what was sent). */
export class KnexPayoutAttemptLog implements PayoutAttemptLog {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async attemptsOf(baseKey: string): Promise<PayoutAttempt[]> {
    const rows = await this.db<AttemptRow>('payout_attempts').where({ base_key: baseKey }).orderBy('attempt');
    return rows.map(toAttempt);
  }

  async attemptsOfPayment(paymentId: string): Promise<PayoutAttempt[]> {
    const rows = await this.db<AttemptRow>('payout_attempts')
      .where({ payment_id: paymentId })
      .orderBy('attempt');
    return rows.map(toAttempt);
  }

  async record(
    a: Omit<PayoutAttempt, 'createdAt' | 'updatedAt' | 'reason' | 'reference'>,
  ): Promise<PayoutAttempt> {
    const at = this.now();
    await this.db('payout_attempts')
      .insert({
        payment_id: a.paymentId,
        attempt: a.attempt,
        base_key: a.baseKey,
        idempotency_key: a.idempotencyKey,
        provider: a.provider,
        status: a.status,
        created_at: at,
        updated_at: at,
      })
      .onConflict(['payment_id', 'attempt'])
      .ignore();
    const row = await this.db<AttemptRow>('payout_attempts')
      .where({ payment_id: a.paymentId, attempt: a.attempt })
      .first();
    return toAttempt(row!);
  }

  async settle(
    idempotencyKey: string,
    outcome: { status: 'PAID' | 'DECLINED'; reason?: string; reference?: string },
  ): Promise<void> {
    await this.db('payout_attempts')
      .where({ idempotency_key: idempotencyKey })
      .whereIn('status', ['SENT', outcome.status])
      .update({
        status: outcome.status,
        reason: outcome.reason ?? null,
        reference: outcome.reference ?? null,
        updated_at: this.now(),
      });
  }
}
