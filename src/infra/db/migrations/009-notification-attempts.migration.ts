import type { Knex } from 'knex';

export const name = '009-notification-attempts';

/**
 * The delivery log: one row per delivery attempt of a notification on its channel (webhook, email,
 * in-app), written in the same transaction as the attempt's outcome. `delivery_key` tells the first
 * delivery from each redelivery (`<notification id>:<resends>`). Excerpts and errors are bounded by
 * the code that writes them (1 KiB, 1000 characters); the check constraints are the backstop.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('notification_id').notNullable().references('id').inTable('notifications').onDelete('CASCADE');
    t.string('partner_id', 64).notNullable();
    t.string('channel', 16).notNullable();
    t.string('delivery_key', 100).notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
    t.string('outcome', 16).notNullable();
    t.integer('http_status');
    t.text('response_excerpt');
    t.text('error');
    t.index(['notification_id', 'id']);
  });
  await knex.raw(
    `alter table notification_attempts
       add constraint notification_attempts_excerpt_bounded check (char_length(response_excerpt) <= 4096),
       add constraint notification_attempts_error_bounded check (char_length(error) <= 4096)`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notification_attempts');
}
