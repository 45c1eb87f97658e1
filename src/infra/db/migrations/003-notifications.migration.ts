import type { Knex } from 'knex';

export const name = '003-notifications';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary();
    t.string('partner_id', 64).notNullable();
    t.string('payment_id', 64).notNullable();
    t.string('source_event_id', 200).notNullable();
    t.string('channel', 16).notNullable();
    t.string('type', 48).notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.jsonb('facts').notNullable();
    t.string('status', 16).notNullable();
    t.text('reason');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.integer('resends').notNullable().defaultTo(0);
    t.string('last_resend_request_id', 64);
    t.timestamp('delivering_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.integer('version').notNullable();
    // One notification per payment event and channel: the database backs the workflow's dedupe.
    t.unique(['source_event_id', 'channel']);
    t.index(['partner_id', 'created_at', 'id']);
    t.index(['status', 'created_at', 'id']);
    t.index(['created_at', 'id']);
  });
  await knex.schema.alterTable('partners', (t) => {
    // Plain text because the signer needs it back to compute HMACs; it leaves the database only
    // to sign, and once in the rotate endpoint's answer.
    t.text('webhook_secret');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('webhook_secret');
  });
  await knex.schema.dropTable('notifications');
}
