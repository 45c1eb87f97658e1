import type { Knex } from 'knex';
import type { TaxFormFacts } from '../../domain/payability';
import {
  TaxProfile,
  type TaxFormType,
  type TaxProfileSnapshot,
  type TaxProfileStatus,
} from '../../domain/tax-profile.aggregate';
import type {
  ExpiringTaxForm,
  TaxFormReads,
  TaxProfileRepository,
} from '../../ports/tax-profile-repository.port';
import type { TaxIdBox } from '../tax/tax-id-box';
import { iso, OptimisticConcurrencyError } from './payment.repository';

export interface TaxProfileRow {
  partner_id: string;
  form_type: string;
  tax_id: string;
  legal_name: string;
  country: string;
  address: string;
  signed_at: string;
  expires_on: string | null;
  status: string;
  rejection_reason: string | null;
  submitted_by: string;
  submitted_at: Date | string;
  reviewed_by: string | null;
  reviewed_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

/** Tax profiles with their tax ids sealed at rest (`TaxIdBox`); opened only into the aggregate. */
export class KnexTaxProfileRepository implements TaxProfileRepository {
  private readonly loaded = new WeakMap<TaxProfile, number>();

  /** `box` undefined: a process without WEBHOOK_SECRET_KEYS (a worker) cannot read or write tax ids. */
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly box: TaxIdBox | undefined,
  ) {}

  private requireBox(): TaxIdBox {
    if (!this.box) throw new Error('tax ids need WEBHOOK_SECRET_KEYS in this process');
    return this.box;
  }

  async findByPartnerId(partnerId: string): Promise<TaxProfile | undefined> {
    const r = await this.db<TaxProfileRow>('tax_profiles').where({ partner_id: partnerId }).first();
    if (!r) return undefined;
    const snapshot: TaxProfileSnapshot = {
      partnerId: r.partner_id,
      formType: r.form_type as TaxFormType,
      taxId: this.requireBox().open(r.tax_id, r.partner_id),
      legalName: r.legal_name,
      country: r.country,
      address: r.address,
      signedAt: r.signed_at,
      expiresOn: r.expires_on,
      status: r.status as TaxProfileStatus,
      rejectionReason: r.rejection_reason,
      submittedBy: r.submitted_by,
      submittedAt: iso(r.submitted_at),
      reviewedBy: r.reviewed_by,
      reviewedAt: r.reviewed_at === null ? null : iso(r.reviewed_at),
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
      version: r.version,
    };
    const profile = TaxProfile.fromSnapshot(snapshot);
    this.loaded.set(profile, r.version);
    return profile;
  }

  async save(profile: TaxProfile): Promise<void> {
    const s = profile.toSnapshot();
    const row: TaxProfileRow = {
      partner_id: s.partnerId,
      form_type: s.formType,
      tax_id: this.requireBox().seal(s.taxId, s.partnerId),
      legal_name: s.legalName,
      country: s.country,
      address: s.address,
      signed_at: s.signedAt,
      expires_on: s.expiresOn,
      status: s.status,
      rejection_reason: s.rejectionReason,
      submitted_by: s.submittedBy,
      submitted_at: s.submittedAt,
      reviewed_by: s.reviewedBy,
      reviewed_at: s.reviewedAt,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
      version: s.version,
    };
    const loadedAt = this.loaded.get(profile);
    if (loadedAt === undefined) {
      // A first submission racing another: the loser retries and resubmits over the winner's.
      const inserted = await this.db('tax_profiles')
        .insert(row)
        .onConflict('partner_id')
        .ignore()
        .returning('partner_id');
      if (inserted.length === 0)
        throw new OptimisticConcurrencyError(`tax profile of ${s.partnerId} was created concurrently`);
    } else {
      const updated = await this.db('tax_profiles')
        .where({ partner_id: s.partnerId, version: loadedAt })
        .update(row);
      if (updated !== 1)
        throw new OptimisticConcurrencyError(`tax profile of ${s.partnerId} was changed concurrently`);
    }
    this.loaded.set(profile, s.version);
  }

  async expiringBetween(range: { from: string; to: string }): Promise<ExpiringTaxForm[]> {
    const rows = await this.db<TaxProfileRow>('tax_profiles')
      .where({ status: 'APPROVED' })
      .whereNotNull('expires_on')
      .whereBetween('expires_on', [range.from, range.to])
      .orderBy('partner_id')
      .select('partner_id', 'form_type', 'expires_on', 'submitted_at');
    return rows.map((r) => ({
      partnerId: r.partner_id,
      formType: r.form_type,
      expiresOn: r.expires_on!,
      submittedAt: iso(r.submitted_at),
    }));
  }
}

/** The form's status, country and expiry: what payability needs, no tax id opened. */
export class TaxFormQueries implements TaxFormReads {
  constructor(private readonly db: Knex) {}

  async formOf(partnerId: string): Promise<TaxFormFacts | null> {
    const r = await this.db<TaxProfileRow>('tax_profiles')
      .where({ partner_id: partnerId })
      .first('status', 'country', 'expires_on');
    return r ? toFacts(r) : null;
  }

  async formsOf(partnerIds: readonly string[]): Promise<Map<string, TaxFormFacts>> {
    if (partnerIds.length === 0) return new Map();
    const rows = await this.db<TaxProfileRow>('tax_profiles')
      .whereIn('partner_id', [...partnerIds])
      .select('partner_id', 'status', 'country', 'expires_on');
    return new Map(rows.map((r) => [r.partner_id, toFacts(r)]));
  }
}

const toFacts = (r: Pick<TaxProfileRow, 'status' | 'country' | 'expires_on'>): TaxFormFacts => ({
  status: r.status as TaxProfileStatus,
  country: r.country,
  expiresOn: r.expires_on,
});
