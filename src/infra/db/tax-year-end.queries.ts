import type { Knex } from 'knex';
import { netOf, type TaxYearEndRow } from '../../domain/tax-year-end';
import type { TaxYearEndReads } from '../../ports/tax-profile-repository.port';

interface Row {
  partner_id: string;
  currency: string;
  paid_minor: string | number;
  refunded_minor: string | number;
  payment_count: string | number;
  refund_count: string | number;
  partner_name: string | null;
  form_type: string | null;
  form_status: string | null;
  tax_country: string | null;
  legal_name: string | null;
}

/**
 * The year-end sums, in SQL (numeric: exact whatever the count). When a payment completed or was
 * refunded is when its PaymentCompleted / PaymentRefunded event occurred (payments keep no such
 * column); `distinct` keeps a payment counted once even if its event were recorded twice.
 */
export class TaxYearEndQueries implements TaxYearEndReads {
  constructor(private readonly db: Knex) {}

  async yearEnd(range: { from: string; to: string }): Promise<TaxYearEndRow[]> {
    const { rows } = (await this.db.raw(
      `with moved as (
         select distinct e.aggregate_id as payment_id, e.type
           from events e
          where e.aggregate_type = 'Payment'
            and e.type in ('PaymentCompleted', 'PaymentRefunded')
            and e.occurred_at >= ? and e.occurred_at < ?),
       sums as (
         select p.partner_id, p.currency,
                coalesce(sum(p.total_minor::numeric) filter (where m.type = 'PaymentCompleted'), 0)::text as paid_minor,
                coalesce(sum(p.total_minor::numeric) filter (where m.type = 'PaymentRefunded'), 0)::text as refunded_minor,
                count(*) filter (where m.type = 'PaymentCompleted') as payment_count,
                count(*) filter (where m.type = 'PaymentRefunded') as refund_count
           from moved m
           join payments p on p.id::text = m.payment_id
          group by p.partner_id, p.currency)
       select s.*, pa.name as partner_name, t.form_type, t.status as form_status,
              t.country as tax_country, t.legal_name
         from sums s
         left join partners pa on pa.id::text = s.partner_id
         left join tax_profiles t on t.partner_id::text = s.partner_id
        order by s.partner_id, s.currency`,
      [range.from, range.to],
    )) as { rows: Row[] };
    return rows.map((r) => {
      const paidMinor = String(r.paid_minor);
      const refundedMinor = String(r.refunded_minor);
      return {
        partnerId: r.partner_id,
        partnerName: r.partner_name,
        formType: r.form_type,
        formStatus: r.form_status,
        taxCountry: r.tax_country,
        legalName: r.legal_name,
        currency: r.currency,
        paidMinor,
        refundedMinor,
        netMinor: netOf(paidMinor, refundedMinor),
        paymentCount: Number(r.payment_count),
        refundCount: Number(r.refund_count),
      };
    });
  }
}
