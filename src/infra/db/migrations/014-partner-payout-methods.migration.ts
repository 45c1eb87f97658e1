import type { Knex } from 'knex';

export const name = '014-partner-payout-methods';

/**
 * A partner's payout methods by currency (`*`: the default for every other currency), as jsonb:
 * `{ "EUR": { "type": "BANK_TRANSFER", "scheme": "IBAN", … } }`. Empty for every partner from before:
 * their legacy payout_account stays the bank transfer they are paid by. Sensitive like
 * payout_account: it only leaves the database masked.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.jsonb('payout_methods').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('payout_methods');
  });
}
