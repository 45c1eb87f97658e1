import type { Knex } from 'knex';

export const name = '007-partner-notices';

/**
 * Notices that concern no payment (payout-account changes) and the outbox the API sends them
 * through.
 *
 * `notifications.payment_id` becomes nullable: a payout-account notice has no payment (its facts
 * say which accounts and when). Payment notifications keep their payment id as before.
 *
 * `partner_notice_outbox` (transactional outbox) points at a partner event that calls for a
 * notice, from the transaction that changed the partner and appended the event until the
 * partner's notification workflow has been signalled; then the row is deleted. The notice itself
 * is built from the event when sent (masked accounts only). `task_queue` is the notification task
 * queue it goes to: only relays configured for that queue send it. `position` orders a partner's
 * notices (sent oldest first, one at a time); `claimed_until` is a relay's lease while it
 * signals, so replicas do not race; after a failed attempt the row waits until `next_attempt_at`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table notifications alter column payment_id drop not null');
  await knex.schema.createTable('partner_notice_outbox', (t) => {
    t.bigIncrements('position').primary();
    t.uuid('event_id').notNullable().unique();
    t.string('partner_id', 64).notNullable();
    t.string('task_queue', 200).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('claimed_until', { useTz: true });
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['task_queue', 'partner_id', 'position']);
    t.index(['task_queue', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('partner_notice_outbox');
  // Rows without a payment cannot satisfy the old NOT NULL: those notices go (the partner's events
  // keep the account changes themselves).
  await knex('notifications').whereNull('payment_id').delete();
  await knex.raw('alter table notifications alter column payment_id set not null');
}
