import type { Knex } from 'knex';
import * as m001 from './001-payments.migration';
import * as m002 from './002-partners.migration';
import * as m003 from './003-notifications.migration';
import * as m004 from './004-commissions.migration';
import * as m005 from './005-webhook-secrets.migration';
import * as m006 from './006-payout-account-changes.migration';
import * as m007 from './007-partner-notices.migration';
import * as m009 from './009-notification-attempts.migration';
import * as m010 from './010-audit-log.migration';
import * as m011 from './011-payment-orphans.migration';
import * as m012 from './012-settlement-counters.migration';
import * as m013 from './013-settlement-approval.migration';
import * as m014 from './014-partner-payout-methods.migration';
import * as m015 from './015-payout-rails.migration';
import * as m016 from './016-reconciliation.migration';
import * as m017 from './017-tax-profiles.migration';
import * as m018 from './018-payout-method-returned.migration';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Migrations are listed in code (not discovered on disk) so they run the same under tsx, jest and compiled JS. */
const migrations: Migration[] = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m009,
  m010,
  m011,
  m012,
  m013,
  m014,
  m015,
  m016,
  m017,
  m018,
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
