import type { Knex } from 'knex';

export const name = '015-payout-rails';

/**
 * Payout rails:
 * - `payment_payout_accounts.payout_method`: the method fixed with the account at approval (jsonb,
 *   sensitive like payout_account); null for payments fixed before methods existed.
 * - `payout_attempts`: every provider a payout was sent to, recorded *before* it is sent, so a retry
 *   or the janitor always asks the same provider under the same key. Attempt 0 with status CLOSED is
 *   the janitor's tombstone: no provider was ever asked, and none may be any more.
 * - `bank_file_items` / `bank_files`: transfers routed to the ISO 20022 file rail, and the pain.001
 *   files they were batched into (the file's MsgId is a function of its batch).
 * - `bank_file_reports` (+ `bank_file_cursor`): pain.002 reports received, once each by the
 *   channel's id; `bank_file_anomalies`: what a report said that we could not apply (an unknown
 *   transaction, a status contradicting an earlier one, a status code we do not know).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payment_payout_accounts', (t) => {
    t.jsonb('payout_method').nullable();
  });
  await knex.schema.createTable('payout_attempts', (t) => {
    t.uuid('payment_id').notNullable();
    t.integer('attempt').notNullable();
    t.text('base_key').notNullable();
    t.text('idempotency_key').notNullable().unique();
    t.text('provider').notNullable();
    t.text('status').notNullable(); // SENT | PAID | DECLINED | CLOSED
    t.text('reason').nullable();
    t.text('reference').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['payment_id', 'attempt']);
    t.index(['base_key']);
  });
  await knex.schema.createTable('bank_files', (t) => {
    t.text('msg_id').primary();
    t.text('pmt_inf_id').notNullable();
    t.text('debtor_iban').notNullable();
    t.text('currency').notNullable();
    t.date('execution_date').notNullable();
    t.integer('number_of_transactions').notNullable();
    t.bigInteger('control_sum_minor').notNullable();
    t.text('xml').notNullable();
    t.text('status').notNullable(); // BUILT | SUBMITTED | REFUSED | ACCEPTED | PARTIALLY_ACCEPTED | REJECTED
    t.text('bank_file_id').nullable();
    t.text('refusal').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['status']);
  });
  await knex.schema.createTable('bank_file_items', (t) => {
    t.text('idempotency_key').primary();
    // Null only on a WITHDRAWN tombstone: the janitor closed a key no transfer was ever queued under.
    t.uuid('payment_id').nullable();
    t.text('end_to_end_id').nullable();
    t.text('debtor_iban').nullable();
    t.text('currency').nullable();
    t.date('execution_date').nullable();
    t.bigInteger('amount_minor').nullable();
    t.jsonb('creditor').nullable();
    t.text('remittance').nullable();
    t.text('status').notNullable(); // OPEN | FILED | ACCEPTED | REJECTED | WITHDRAWN
    t.text('msg_id').nullable().references('msg_id').inTable('bank_files');
    t.text('reason_code').nullable();
    t.text('reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['status', 'debtor_iban', 'currency', 'execution_date']);
    t.index(['msg_id']);
    t.index(['payment_id']);
  });
  await knex.schema.createTable('bank_file_reports', (t) => {
    t.text('id').primary();
    t.text('msg_id').notNullable(); // the report's own MsgId
    t.text('original_msg_id').nullable();
    t.text('group_status').nullable();
    t.text('xml').notNullable();
    t.integer('applied').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.index(['original_msg_id']);
  });
  await knex.schema.createTable('bank_file_cursor', (t) => {
    t.text('channel').primary();
    t.text('cursor').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('bank_file_anomalies', (t) => {
    t.increments('id').primary();
    t.text('report_id').notNullable();
    t.text('original_msg_id').nullable();
    t.text('end_to_end_id').nullable();
    t.text('kind').notNullable(); // UNKNOWN_TRANSACTION | CONTRADICTORY_STATUS | UNRECOGNISED_STATUS | UNKNOWN_FILE
    t.text('detail').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'bank_file_anomalies',
    'bank_file_cursor',
    'bank_file_reports',
    'bank_file_items',
    'bank_files',
    'payout_attempts',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('payment_payout_accounts', (t) => {
    t.dropColumn('payout_method');
  });
}
