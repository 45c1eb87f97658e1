import type { Knex } from 'knex';

export const name = '012-settlement-counters';

/**
 * Settlement runs at payroll scale: counters instead of scans, one run per period, releases.
 * - `settlement_counters`: a run's payouts by currency and payment status (count and amount),
 *   moved by each payment's own transitions in their own transactions. Sharded, so concurrent
 *   payouts of one run rarely wait on one row; a reader sums the shards. SKIPPED and NOT_RECORDED
 *   are the planner's and the starter's.
 * - `settlement_period_claims`: who settles a period — all currencies (`*`) or one. A scoped run and
 *   an all-currency run of one period refuse each other.
 * - `settlement_items.released_at`: a payout an operator gave back before it started.
 * - `settlements.counted`: the run keeps counters (runs planned before them are scanned).
 * - `settlements.started_after_seq` / `started_count`: how far the run's starter got, so a run that
 *   continues as new (or a starter that restarts) goes on from there.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('settlement_counters', (t) => {
    t.string('settlement_id', 100).notNullable().references('id').inTable('settlements');
    t.string('currency', 3).notNullable();
    t.string('status', 32).notNullable();
    t.smallint('shard').notNullable();
    t.integer('payouts').notNullable();
    t.decimal('amount_minor', 30, 0).notNullable();
    t.primary(['settlement_id', 'currency', 'status', 'shard']);
  });
  await knex.schema.createTable('settlement_period_claims', (t) => {
    t.string('period_end', 10).notNullable();
    // A currency, or `*` for a run of every currency.
    t.string('scope', 3).notNullable();
    t.string('settlement_id', 100).notNullable();
    t.timestamp('claimed_at', { useTz: true }).notNullable();
    t.primary(['period_end', 'scope']);
  });
  await knex.schema.alterTable('settlement_items', (t) => {
    t.timestamp('released_at', { useTz: true });
  });
  await knex.schema.alterTable('settlements', (t) => {
    // Runs planned with counters; older ones are still counted by scanning their items.
    t.boolean('counted').notNullable().defaultTo(false);
    t.integer('started_after_seq').notNullable().defaultTo(0);
    t.integer('started_count').notNullable().defaultTo(0);
  });
  // Runs that exist already claim their periods, so a later run cannot overlap them.
  await knex.raw(
    `insert into settlement_period_claims (period_end, scope, settlement_id, claimed_at)
     select period_end, coalesce(currency, '*'), id, created_at from settlements
     on conflict do nothing`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('settlements', (t) => {
    t.dropColumn('started_count');
    t.dropColumn('started_after_seq');
    t.dropColumn('counted');
  });
  await knex.schema.alterTable('settlement_items', (t) => {
    t.dropColumn('released_at');
  });
  await knex.schema.dropTable('settlement_period_claims');
  await knex.schema.dropTable('settlement_counters');
}
