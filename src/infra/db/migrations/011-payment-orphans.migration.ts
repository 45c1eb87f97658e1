import type { Knex } from 'knex';

export const name = '011-payment-orphans';

/**
 * Payments whose workflow has ended while the payment has not (the janitor compares the read model
 * with Temporal). Rows are closed, never deleted: when and how an orphan ended stays visible.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_orphans', (t) => {
    t.uuid('payment_id').primary().references('payments.id').onDelete('CASCADE');
    t.string('payment_status', 32).notNullable();
    t.string('workflow_status', 32).notNullable();
    t.string('workflow_run_id', 200);
    t.timestamp('orphaned_at', { useTz: true }).notNullable();
    t.timestamp('detected_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true });
    // RECOVERED (an operator restarted its workflow) or RESOLVED (no longer orphaned when looked at).
    t.string('resolution', 16);
    t.string('recovered_by', 200);
    t.string('recovered_run_id', 200);
    t.index(['closed_at', 'orphaned_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('payment_orphans');
}
