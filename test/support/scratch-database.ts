import { ensurePostgresDatabase, openDatabase } from '../../src/shared/db/knex-database';

export interface ScratchDatabase {
  url: string;
  /** Drops it, connections and all; never fails the suite's teardown. */
  drop(): Promise<void>;
}

/**
 * An empty database of a suite's own on the file's server (`<prefix>_<time>_<pid>`), migrated by
 * the first system that opens it: for suites whose runs claim every payable commission of their
 * database, so no other file's rows are theirs to pay.
 */
export async function createScratchDatabase(sharedUrl: string, prefix: string): Promise<ScratchDatabase> {
  const url = new URL(sharedUrl);
  url.pathname = `/${prefix}_${Date.now()}_${process.pid}`;
  const name = url.pathname.slice(1);
  await ensurePostgresDatabase(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new URL(sharedUrl);
      admin.pathname = '/postgres';
      const adminDb = openDatabase({ kind: 'postgres', url: admin.toString() });
      try {
        await adminDb.raw(`drop database if exists "${name}" with (force)`).catch(() => undefined);
      } finally {
        await adminDb.destroy();
      }
    },
  };
}
