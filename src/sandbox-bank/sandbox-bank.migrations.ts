import type { Knex } from 'knex';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * The sandbox bank keeps its own tables and migration history so it can share a PostgreSQL
 * database with the payments service without either one's migrations knowing about the other.
 */
const MIGRATION_TABLE = 'sandbox_bank_migrations';

const m001: Migration = {
  name: '001-sandbox-bank',
  async up(knex) {
    await knex.schema.createTable('sandbox_bank_ledger', (t) => {
      t.uuid('id').primary();
      t.string('kind', 16).notNullable();
      // For a refund: the payout it gives money back from.
      t.uuid('payout_id').references('sandbox_bank_ledger.id');
      t.bigInteger('amount_minor').notNullable();
      t.string('currency', 3).notNullable();
      // Masked (`****1234`): the bank never needs the full account again, so it never keeps it.
      t.string('account', 16).notNullable();
      t.string('payment_reference', 200).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.index(['payment_reference', 'created_at']);
      t.index(['currency', 'created_at']);
      t.index(['payout_id']);
    });
    await knex.raw(
      "alter table sandbox_bank_ledger add constraint sandbox_bank_ledger_kind check (kind in ('PAYOUT', 'REFUND'))",
    );
    await knex.raw(
      'alter table sandbox_bank_ledger add constraint sandbox_bank_ledger_amount check (amount_minor > 0)',
    );
    await knex.schema.createTable('sandbox_bank_idempotency', (t) => {
      t.string('key', 255).primary();
      t.string('operation', 32).notNullable();
      t.string('request_hash', 64).notNullable();
      t.integer('status_code').notNullable();
      t.jsonb('response').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
  },
  async down(knex) {
    await knex.schema.dropTable('sandbox_bank_idempotency');
    await knex.schema.dropTable('sandbox_bank_ledger');
  },
};

/**
 * Bank files (pain.001 in, pain.002 out). A file's MsgId is its identity: the primary key refuses a
 * second file with it, across restarts. A transfer booked from a file carries its EndToEndId, unique
 * in the ledger, so no transfer is booked twice even when two files name it.
 */
const m002: Migration = {
  name: '002-sandbox-bank-files',
  async up(knex) {
    await knex.schema.createTable('sandbox_bank_files', (t) => {
      t.string('msg_id', 35).primary();
      t.uuid('id').notNullable().unique();
      t.string('channel', 8).notNullable();
      t.integer('transaction_count').notNullable();
      t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    });
    await knex.schema.createTable('sandbox_bank_reports', (t) => {
      t.bigIncrements('seq').primary();
      t.uuid('id').notNullable().unique();
      t.string('file_msg_id', 35).notNullable().references('sandbox_bank_files.msg_id');
      t.string('message_id', 35).notNullable();
      t.string('channel', 8).notNullable();
      t.text('xml').notNullable();
      // A late report exists from its file's processing on, but is only listed from this time.
      t.timestamp('available_at', { useTz: true }).notNullable();
      // Folder mode: when it was written to the outbox (null: not yet).
      t.timestamp('exported_at', { useTz: true });
      t.index(['channel', 'available_at', 'seq']);
    });
    await knex.schema.alterTable('sandbox_bank_ledger', (t) => {
      // NULLs are distinct: JSON payouts (no EndToEndId) are not constrained by this.
      t.string('end_to_end_id', 35).unique();
    });
  },
  async down(knex) {
    await knex.schema.alterTable('sandbox_bank_ledger', (t) => t.dropColumn('end_to_end_id'));
    await knex.schema.dropTable('sandbox_bank_reports');
    await knex.schema.dropTable('sandbox_bank_files');
  },
};

/**
 * Statements and notifications (camt.053/054). A transfer booked from a file also keeps where it was
 * paid from and on which day, so the bank can put it on its customer's statement and return it
 * later. Account entries are what the customer's statements show: one per transfer or per batch,
 * returns, and the faults injected (an entry missing, off by one, nobody ordered, twice).
 */
const m003: Migration = {
  name: '003-sandbox-bank-statements',
  async up(knex) {
    await knex.schema.alterTable('sandbox_bank_ledger', (t) => {
      t.string('debtor_account', 34);
      t.string('booking_date', 10);
      t.string('file_msg_id', 35);
      t.string('pmt_inf_id', 35);
    });
    await knex.schema.createTable('sandbox_bank_account_entries', (t) => {
      t.bigIncrements('seq').primary();
      t.uuid('id').notNullable().unique();
      t.string('kind', 16).notNullable();
      t.string('account', 34).notNullable();
      t.string('currency', 3).notNullable();
      // A calendar day (YYYY-MM-DD), kept as text: no time zone ever moves it.
      t.string('booking_date', 10).notNullable();
      t.string('credit_debit', 4).notNullable();
      t.bigInteger('amount_minor').notNullable();
      t.string('msg_id', 35);
      t.string('pmt_inf_id', 35);
      // The transfer a TRANSFER or RETURN entry is about (a BATCH's are in `transactions`).
      t.string('end_to_end_id', 35);
      t.jsonb('transactions').notNullable();
      t.string('return_reason', 4);
      t.timestamp('booked_at', { useTz: true }).notNullable();
      // A late return exists from its booking on, but is shown (statements, notices) only from here.
      t.timestamp('available_at', { useTz: true }).notNullable();
      t.index(['account', 'booking_date', 'seq']);
    });
    await knex.raw(
      "alter table sandbox_bank_account_entries add constraint sandbox_bank_account_entries_kind check (kind in ('TRANSFER', 'BATCH', 'RETURN', 'UNORDERED'))",
    );
    await knex.raw(
      "alter table sandbox_bank_account_entries add constraint sandbox_bank_account_entries_cd check (credit_debit in ('CRDT', 'DBIT'))",
    );
    // A transfer is returned at most once.
    await knex.raw(
      "create unique index sandbox_bank_account_entries_one_return on sandbox_bank_account_entries (end_to_end_id) where kind = 'RETURN'",
    );
    await knex.schema.createTable('sandbox_bank_notifications', (t) => {
      t.bigIncrements('seq').primary();
      t.uuid('id').notNullable().unique();
      t.string('message_id', 35).notNullable();
      t.string('account', 34).notNullable();
      t.string('channel', 8).notNullable();
      t.text('xml').notNullable();
      t.timestamp('available_at', { useTz: true }).notNullable();
      t.timestamp('exported_at', { useTz: true });
      t.index(['channel', 'available_at', 'seq']);
    });
    // The days an account has entries on, and when each last changed: what the folder mode writes out.
    await knex.schema.createTable('sandbox_bank_statement_days', (t) => {
      t.string('account', 34).notNullable();
      t.string('booking_date', 10).notNullable();
      t.timestamp('changed_at', { useTz: true }).notNullable();
      t.timestamp('exported_at', { useTz: true });
      t.primary(['account', 'booking_date']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable('sandbox_bank_statement_days');
    await knex.schema.dropTable('sandbox_bank_notifications');
    await knex.schema.dropTable('sandbox_bank_account_entries');
    await knex.schema.alterTable('sandbox_bank_ledger', (t) => {
      t.dropColumn('debtor_account');
      t.dropColumn('booking_date');
      t.dropColumn('file_msg_id');
      t.dropColumn('pmt_inf_id');
    });
  },
};

/** Listed in code (not discovered on disk) so they run the same under tsx, jest and compiled JS. */
const migrations: Migration[] = [m001, m002, m003];

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};

export async function migrateSandboxBank(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource, tableName: MIGRATION_TABLE });
}

export async function rollbackSandboxBank(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource, tableName: MIGRATION_TABLE }, true);
}
