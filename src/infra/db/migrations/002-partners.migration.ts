import type { Knex } from 'knex';

export const name = '002-partners';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partners', (t) => {
    t.uuid('id').primary();
    t.string('name', 200).notNullable();
    t.string('email', 320).notNullable();
    // Sensitive: only ever leaves the database masked, or inside the payout activity.
    t.string('payout_account', 64).notNullable();
    t.text('webhook_url');
    t.string('status', 16).notNullable();
    t.jsonb('notification_preferences').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('version').notNullable();
    t.index(['created_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('partners');
}
