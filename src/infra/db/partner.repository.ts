import type { Knex } from 'knex';
import {
  Partner,
  type PartnerSnapshot,
  type PartnerStatus,
  type PayoutAccountChange,
} from '../../domain/partner.aggregate';
import type { PayoutMethodData } from '../../domain/payout-method.value-object';
import type { PartnerRepository } from '../../ports/partner-repository.port';
import { iso, OptimisticConcurrencyError } from './payment.repository';
import { newestFirst } from './keyset-page.util';

interface PartnerRow {
  id: string;
  name: string;
  email: string;
  payout_account: string;
  webhook_url: string | null;
  status: string;
  payout_hold_reason: string | null;
  payout_hold_by: string | null;
  payout_hold_at: Date | string | null;
  pending_account_change: PayoutAccountChange | string | null;
  payout_methods: Record<string, PayoutMethodData> | string | null;
  payout_returned_payment_id: string | null;
  payout_returned_reason: string | null;
  payout_returned_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

/** jsonb arrives parsed from pg, as text from some drivers (PGlite in tests). */
const json = <T>(value: T | string | null): T | null =>
  typeof value === 'string' ? (JSON.parse(value) as T) : (value ?? null);

const toSnapshot = (r: PartnerRow): PartnerSnapshot => ({
  id: r.id,
  name: r.name,
  email: r.email,
  payoutAccount: r.payout_account,
  webhookUrl: r.webhook_url,
  status: r.status as PartnerStatus,
  payoutHold:
    r.payout_hold_at === null
      ? null
      : { reason: r.payout_hold_reason ?? '', by: r.payout_hold_by ?? '', at: iso(r.payout_hold_at) },
  pendingAccountChange: json(r.pending_account_change),
  payoutMethods: json(r.payout_methods) ?? {},
  payoutMethodReturned:
    r.payout_returned_at === null || r.payout_returned_at === undefined
      ? null
      : {
          paymentId: r.payout_returned_payment_id ?? '',
          reason: r.payout_returned_reason ?? '',
          at: iso(r.payout_returned_at),
        },
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  version: r.version,
});

export class KnexPartnerRepository implements PartnerRepository {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  /** The version each partner was loaded at: one unit of work may change it more than once. */
  private readonly loaded = new WeakMap<Partner, number>();

  async findById(id: string): Promise<Partner | undefined> {
    const row = await this.db<PartnerRow>('partners').where({ id }).first();
    if (!row) return undefined;
    const partner = Partner.fromSnapshot(toSnapshot(row));
    this.loaded.set(partner, row.version);
    return partner;
  }

  async save(partner: Partner): Promise<void> {
    const s = partner.toSnapshot();
    const row = {
      id: s.id,
      name: s.name,
      email: s.email,
      payout_account: s.payoutAccount,
      webhook_url: s.webhookUrl,
      status: s.status,
      payout_hold_reason: s.payoutHold?.reason ?? null,
      payout_hold_by: s.payoutHold?.by ?? null,
      payout_hold_at: s.payoutHold?.at ?? null,
      pending_account_change: s.pendingAccountChange ? JSON.stringify(s.pendingAccountChange) : null,
      payout_methods: JSON.stringify(s.payoutMethods ?? {}),
      payout_returned_payment_id: s.payoutMethodReturned?.paymentId ?? null,
      payout_returned_reason: s.payoutMethodReturned?.reason ?? null,
      payout_returned_at: s.payoutMethodReturned?.at ?? null,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      version: s.version,
    };
    if (s.version === 1) {
      await this.db('partners').insert(row).onConflict('id').ignore();
      return;
    }
    const updated = await this.db('partners')
      .where({ id: s.id, version: this.loaded.get(partner) ?? s.version - 1 })
      .update(row);
    this.loaded.set(partner, s.version);
    if (updated !== 1) throw new OptimisticConcurrencyError(`partner ${s.id} was changed concurrently`);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(opts: { limit: number; after?: { createdAt: string; id: string } }): Promise<Partner[]> {
    const rows = await newestFirst(this.db<PartnerRow>('partners'), opts.after).limit(opts.limit);
    return rows.map((r) => Partner.fromSnapshot(toSnapshot(r)));
  }
}
