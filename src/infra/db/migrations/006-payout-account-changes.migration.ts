import type { Knex } from 'knex';

export const name = '006-payout-account-changes';

/**
 * A partner's pending payout-account change (requested, approved, effective after a cool-off) and
 * the account each payment was approved to pay — fixed then, so a later change never silently
 * redirects money that somebody already approved. Sensitive: like partners.payout_account, it only
 * leaves the database masked or inside the payout activity.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.jsonb('pending_account_change');
  });
  await knex.schema.createTable('payment_payout_accounts', (t) => {
    t.uuid('payment_id').primary();
    t.string('payout_account', 64).notNullable();
    t.timestamp('fixed_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_payout_accounts');
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('pending_account_change');
  });
}
