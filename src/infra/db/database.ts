import type { Knex } from 'knex';
import { ensurePostgresDatabase, openDatabase, type DatabaseConfig } from '../../shared/db/knex-database';
import { migrationSource } from './migrations';

export async function migrateToLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource }, true);
}

/** Opens the service's database, creating it (PostgreSQL) and migrating it as needed. */
export async function openMigratedDatabase(config: DatabaseConfig): Promise<Knex> {
  if (config.kind === 'postgres') await ensurePostgresDatabase(config.url);
  const db = openDatabase(config);
  await migrateToLatest(db);
  return db;
}
