import type { Knex } from 'knex';
import { ensurePostgresDatabase, openDatabase } from '../shared/db/knex-database';
import { migrateSandboxBank } from './sandbox-bank.migrations';
import { createSandboxBank, type BankLogger, type SandboxBank } from './sandbox-bank.server';

export interface RunSandboxBankOptions {
  /** PostgreSQL URL (the bank's own tables next to the service's), or undefined for PGlite. */
  databaseUrl: string | undefined;
  /** PGlite mode keeps the bank in `${dataDir}/sandbox-bank`, apart from the service's PGlite. */
  dataDir: string;
  port: number;
  host: string;
  logger?: BankLogger;
}

export interface RunningSandboxBank {
  url: string;
  bank: SandboxBank;
  stop(): Promise<void>;
}

/** Opens and migrates the bank's database, then serves it; `stop` closes the server, then the database. */
export async function runSandboxBank(opts: RunSandboxBankOptions): Promise<RunningSandboxBank> {
  let db: Knex;
  if (opts.databaseUrl) {
    await ensurePostgresDatabase(opts.databaseUrl);
    db = openDatabase({ kind: 'postgres', url: opts.databaseUrl });
  } else {
    db = openDatabase({ kind: 'pglite', dir: `${opts.dataDir}/sandbox-bank` });
  }
  try {
    await migrateSandboxBank(db);
    const bank = createSandboxBank({ db, logger: opts.logger });
    const url = await bank.start(opts.port, opts.host);
    opts.logger?.info({ url, database: opts.databaseUrl ? 'postgres' : 'pglite' }, 'sandbox bank up');
    return {
      url,
      bank,
      stop: async () => {
        await bank.stop();
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
