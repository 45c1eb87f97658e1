import type { Knex } from 'knex';

export const name = '004-commissions';

/**
 * The commission ledger, settlement runs and payout holds. Amounts are bigint minor units; the
 * nets of settlement items are numeric(30,0) because a partner's sum of many commissions may pass
 * what one bigint holds — the planner refuses such a payout, but the figure must still be exact.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('commissions', (t) => {
    t.uuid('id').primary();
    // 90 characters submitted, + ':clawback' for the negative entry that takes one back.
    t.string('external_ref', 120).notNullable().unique();
    t.uuid('partner_id').notNullable().references('id').inTable('partners');
    t.string('kind', 16).notNullable();
    t.string('currency', 3).notNullable();
    t.bigInteger('amount_minor').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('hold_until', { useTz: true }).notNullable();
    t.string('status', 16).notNullable();
    t.string('settlement_id', 100);
    t.uuid('payment_id');
    t.text('reversal_reason');
    t.string('reversed_by', 100);
    t.timestamp('reversed_at', { useTz: true });
    t.boolean('reversal_pending').notNullable().defaultTo(false);
    t.string('clawback_of', 120);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('version').notNullable();
    t.index(['status', 'hold_until']);
    t.index(['partner_id', 'currency', 'status']);
    t.index(['settlement_id']);
    t.index(['payment_id']);
    t.index(['created_at', 'id']);
  });
  await knex.raw(
    `alter table commissions add constraint commissions_sign check ` +
      `((kind = 'COMMISSION' and amount_minor > 0) or (kind = 'CLAWBACK' and amount_minor < 0))`,
  );

  await knex.schema.createTable('settlements', (t) => {
    // The workflow id: `settlement:<periodEnd>` (all currencies) or `settlement:<periodEnd>:<CUR>`.
    t.string('id', 100).primary();
    t.string('period_end', 10).notNullable();
    t.string('currency', 3);
    t.string('status', 16).notNullable();
    t.string('trigger', 16).notNullable();
    t.string('started_by', 100).notNullable();
    t.integer('item_count').notNullable().defaultTo(0);
    t.integer('skipped_count').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('completed_at', { useTz: true });
    t.index(['created_at', 'id']);
  });

  await knex.schema.createTable('settlement_items', (t) => {
    t.string('settlement_id', 100).notNullable().references('id').inTable('settlements');
    // Payouts first, numbered 1..n in (currency, partner) order: the run pages through them by seq.
    t.integer('seq').notNullable();
    t.uuid('partner_id').notNullable();
    t.string('currency', 3).notNullable();
    t.uuid('payment_id');
    t.decimal('net_minor', 30, 0).notNullable();
    t.integer('commission_count').notNullable();
    t.integer('clawback_count').notNullable();
    t.string('skip_reason', 32);
    t.text('skip_detail');
    t.primary(['settlement_id', 'partner_id', 'currency']);
    t.unique(['settlement_id', 'seq']);
    t.index(['payment_id']);
  });

  await knex.schema.alterTable('partners', (t) => {
    t.text('payout_hold_reason');
    t.string('payout_hold_by', 100);
    t.timestamp('payout_hold_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('payout_hold_reason');
    t.dropColumn('payout_hold_by');
    t.dropColumn('payout_hold_at');
  });
  await knex.schema.dropTable('settlement_items');
  await knex.schema.dropTable('settlements');
  await knex.schema.dropTable('commissions');
}
