import type { Knex } from 'knex';

export const name = '001-payments';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (t) => {
    t.uuid('id').primary();
    t.string('partner_id', 64).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('total_minor').notNullable();
    t.string('status', 32).notNullable();
    t.string('created_by', 200).notNullable();
    t.string('approved_by', 200);
    t.string('decided_by', 200);
    t.text('reason');
    t.string('payout_reference', 200);
    t.string('refund_reference', 200);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('version').notNullable();
    t.index(['partner_id', 'created_at']);
    t.index(['status', 'created_at']);
    t.index(['created_at']);
  });
  await knex.schema.createTable('payment_lines', (t) => {
    t.uuid('payment_id').notNullable().references('payments.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('reference', 100).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.text('description').notNullable();
    t.primary(['payment_id', 'reference']);
  });
  // The event log (transactional outbox). `position` is assigned inside the writing transaction
  // while it holds an advisory lock, so positions become visible in commit order: a reader that
  // resumes from "position > last seen" can never skip an event that commits later.
  await knex.schema.createTable('events', (t) => {
    t.bigInteger('position').primary();
    t.uuid('id').notNullable().unique();
    t.string('type', 64).notNullable();
    t.string('aggregate_type', 64).notNullable();
    t.string('aggregate_id', 64).notNullable();
    t.string('partner_id', 64);
    t.jsonb('data').notNullable();
    t.string('workflow_id', 200);
    t.string('run_id', 200);
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['aggregate_type', 'aggregate_id', 'position']);
    t.index(['partner_id', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('events');
  await knex.schema.dropTable('payment_lines');
  await knex.schema.dropTable('payments');
}
