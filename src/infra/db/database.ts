import type { Knex } from 'knex';
import { connectDatabase, type DatabaseConfig } from '../../shared/db/knex-database';
import { migrationSource } from './migrations';

export async function migrateToLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource }, true);
}

/** Opens the service's database, creating it (PostgreSQL database, PGlite cluster) and migrating it as needed. */
export async function openMigratedDatabase(config: DatabaseConfig): Promise<Knex> {
  const db = await connectDatabase(config);
  await migrateToLatest(db);
  return db;
}
