import type { Knex } from 'knex';

export const name = '013-settlement-approval';

/**
 * A settlement run approved as a whole: `settlements.approval` holds, for a run that must wait for
 * a second operator, why it waits, until when, and who decided (see the domain's RunApproval).
 * Null: the run did not need approval (every run planned before this). `status` widens for
 * AWAITING_APPROVAL (17 characters).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('settlements', (t) => {
    t.jsonb('approval');
    t.string('status', 32).notNullable().alter();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('settlements', (t) => {
    t.dropColumn('approval');
    t.string('status', 16).notNullable().alter();
  });
}
