import type { Knex } from 'knex';

export const name = '016-reconciliation';

/**
 * Reconciliation with the bank's statements (issue 26):
 * - `reconciliation_statements`: every camt.053/camt.054 applied, once per MsgId (the primary key
 *   is the dedupe: the same statement twice is a no-op), with its XML as received.
 * - `reconciliation_entries`: every statement line seen, once per (account, AcctSvcrRef, line) —
 *   a day's statement re-issued with more entries re-applies none of the old ones — and how it
 *   matched (for the report).
 * - `reconciliation_payouts`: per file-rail payout, AWAITING_STATEMENT | BOOKED | RETURNED. A
 *   payout accepted by the bank with no row yet reads as AWAITING_STATEMENT.
 * - `reconciliation_exceptions`: what did not match, once per `key`; resolved, never deleted.
 * - `reconciliation_cursor`: where the camt.054 notices were last read.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reconciliation_statements', (t) => {
    t.text('msg_id').primary();
    t.text('kind').notNullable(); // camt.053 | camt.054
    t.text('source').notNullable(); // upload | fetch
    t.text('account').notNullable();
    t.integer('entry_count').notNullable();
    t.text('xml').notNullable();
    t.text('received_by').nullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('reconciliation_entries', (t) => {
    t.text('account').notNullable();
    t.text('entry_ref').notNullable(); // AcctSvcrRef (else NtryRef)
    t.text('line').notNullable(); // the transaction's EndToEndId, or '-' for the entry itself
    t.text('msg_id').notNullable();
    t.date('booking_date').nullable();
    t.text('credit_debit').notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.text('currency').notNullable();
    t.text('batch_ref').nullable(); // PmtInfId / MsgId of a batch booking
    t.uuid('payment_id').nullable();
    t.text('matched_as').notNullable(); // BOOKED | RETURNED | BATCH | EXCEPTION kind
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['account', 'entry_ref', 'line']);
    t.index(['booking_date']);
    t.index(['payment_id']);
  });
  await knex.schema.createTable('reconciliation_payouts', (t) => {
    t.uuid('payment_id').primary();
    t.text('state').notNullable(); // AWAITING_STATEMENT | BOOKED | RETURNED
    t.text('entry_ref').nullable();
    t.date('booking_date').nullable();
    t.text('return_code').nullable();
    t.text('return_reason').nullable();
    t.timestamp('returned_at', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['state']);
  });
  await knex.schema.createTable('reconciliation_exceptions', (t) => {
    t.increments('id').primary();
    t.text('key').notNullable().unique(); // once per discrepancy
    t.text('kind').notNullable(); // UNMATCHED_ENTRY | NOT_BOOKED | AMOUNT_MISMATCH | DUPLICATE_BOOKING | BALANCE_BREAK
    t.text('account').nullable();
    t.text('reference').nullable(); // as the bank wrote it
    t.bigInteger('amount_minor').nullable(); // as the bank wrote it (NOT_BOOKED: the payout's)
    t.bigInteger('expected_minor').nullable();
    t.text('currency').nullable();
    t.uuid('payment_id').nullable();
    t.text('msg_id').nullable();
    t.date('booking_date').nullable();
    t.text('detail').notNullable();
    t.text('status').notNullable(); // OPEN | AWAITING_SECOND_APPROVAL | RESOLVED
    t.text('resolution').nullable(); // EXPLAINED | WRITE_OFF
    t.text('reason').nullable();
    t.text('proposed_by').nullable();
    t.text('resolved_by').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('resolved_at', { useTz: true }).nullable();
    t.integer('version').notNullable().defaultTo(1);
    t.index(['status', 'kind']);
  });
  await knex.schema.createTable('reconciliation_cursor', (t) => {
    t.text('channel').primary();
    t.text('cursor').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'reconciliation_cursor',
    'reconciliation_exceptions',
    'reconciliation_payouts',
    'reconciliation_entries',
    'reconciliation_statements',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
