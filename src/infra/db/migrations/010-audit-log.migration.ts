import type { Knex } from 'knex';

export const name = '010-audit-log';

/**
 * The audit log: one row per state-changing API call (who, what, when, from where, the outcome,
 * before/after for partner changes). Append-only, enforced here rather than trusted to the code:
 * a trigger refuses every UPDATE, DELETE and TRUNCATE, whoever asks, so nothing the application
 * (or anyone with its database user) does can rewrite history. Dropping the trigger needs the
 * table's owner: run migrations as the owner and the application as a user without that grant.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.string('actor_name', 200).notNullable();
    t.string('actor_role', 16).notNullable();
    t.string('actor_partner_id', 64);
    t.string('action', 100).notNullable();
    t.string('target_type', 50).notNullable();
    t.string('target_id', 200);
    t.string('method', 10).notNullable();
    t.string('path', 500).notNullable();
    t.string('client_address', 100);
    t.string('request_id', 100);
    t.integer('outcome_status').notNullable();
    t.jsonb('before');
    t.jsonb('after');
    t.index(['occurred_at', 'id']);
    t.index(['actor_name', 'id']);
    t.index(['action', 'id']);
    t.index(['target_type', 'target_id', 'id']);
  });
  await knex.raw(`
    create or replace function audit_log_is_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end
    $$`);
  await knex.raw(`
    create trigger audit_log_no_update_or_delete before update or delete on audit_log
      for each row execute function audit_log_is_append_only()`);
  await knex.raw(`
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_is_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.raw('drop function if exists audit_log_is_append_only()');
}
