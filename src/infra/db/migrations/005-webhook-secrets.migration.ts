import type { Knex } from 'knex';

export const name = '005-webhook-secrets';

/**
 * Webhook secrets at rest and rotation overlap. `partners.webhook_secret` now holds the secret
 * sealed with AES-256-GCM (`whenc:v1:<key id>:<base64url>`, keys from WEBHOOK_SECRET_KEYS);
 * `webhook_previous_secrets` keeps rotated-out secrets (sealed the same way) with the end of their
 * overlap, `[{ "secret": "whenc:v1:…", "validUntil": "<ISO time>" }]`, newest first.
 *
 * A migration holds no keys, so existing plaintext values are not converted here: they are read
 * as they are, and the notifications worker seals them when it starts (before it delivers
 * anything); a rotation seals too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('partners', (t) => {
    t.jsonb('webhook_previous_secrets').notNullable().defaultTo('[]');
  });
  await knex.raw(
    `comment on column partners.webhook_secret is ` +
      `'sealed with AES-256-GCM (whenc:v1:<key id>:...); never plaintext once the notifications worker has started'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('comment on column partners.webhook_secret is null');
  await knex.schema.alterTable('partners', (t) => {
    t.dropColumn('webhook_previous_secrets');
  });
}
