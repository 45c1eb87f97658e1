import type { Knex } from 'knex';

export const name = '017-tax-profiles';

/**
 * One tax form per partner (issue 27 §2). `tax_id` is sealed (AES-256-GCM, `TaxIdBox`, the partner
 * id authenticated with it): it only leaves the database sealed, and the API only ever shows its
 * last four characters. A resubmission overwrites the row; its history is the event log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tax_profiles', (t) => {
    t.uuid('partner_id').primary().references('id').inTable('partners');
    t.string('form_type', 16).notNullable();
    t.text('tax_id').notNullable();
    t.string('legal_name', 200).notNullable();
    t.string('country', 2).notNullable();
    t.text('address').notNullable();
    t.string('signed_at', 10).notNullable();
    t.string('expires_on', 10);
    t.string('status', 16).notNullable();
    t.text('rejection_reason');
    t.string('submitted_by', 200).notNullable();
    t.timestamp('submitted_at', { useTz: true }).notNullable();
    t.string('reviewed_by', 200);
    t.timestamp('reviewed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('version').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tax_profiles');
}
