import type { Knex } from 'knex';

export const name = '018-payout-method-returned';

/**
 * The bank returned a payout to the partner's method in force (issue 26 §2): which payment, why,
 * and when. Settlement runs skip the partner (PAYOUT_METHOD_RETURNED) while it stands; a payout
 * account or method change that takes effect after `payout_returned_at` clears it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.uuid('payout_returned_payment_id').nullable();
    t.text('payout_returned_reason').nullable();
    t.timestamp('payout_returned_at', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('payout_returned_at');
    t.dropColumn('payout_returned_reason');
    t.dropColumn('payout_returned_payment_id');
  });
}
