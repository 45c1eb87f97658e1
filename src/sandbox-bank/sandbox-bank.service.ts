import type { Knex } from 'knex';
import { join } from 'node:path';
import { connectDatabase, hasPgliteCluster } from '../shared/db/knex-database';
import { startBankFileFolder, type BankFileFolder } from './bank-file-folder.poller';
import { startBankStatementFolder, type BankStatementFolder } from './bank-statement-folder.poller';
import { migrateSandboxBank } from './sandbox-bank.migrations';
import { createSandboxBank, type BankLogger, type SandboxBank } from './sandbox-bank.server';

export interface RunSandboxBankOptions {
  /** PostgreSQL URL (the bank's own tables next to the service's), or undefined for PGlite. */
  databaseUrl: string | undefined;
  /** PGlite mode without `sharedDb`: the bank keeps its own PGlite in `${dataDir}/sandbox-bank`. */
  dataDir: string;
  /**
   * PGlite mode inside the service's process: its open handle, which the bank's tables join (they
   * and their migration history are all `sandbox_bank_*`) instead of a second PGlite (~50 MB).
   * Never closed by `stop`.
   */
  sharedDb?: Knex;
  port: number;
  host: string;
  logger?: BankLogger;
  /** Bank files (see SandboxBankConfig.files); absent: POST /files reads files without a schema check. */
  files?: {
    pain001Xsd?: string;
    closedAccounts?: string[];
    folder?: { inbox: string; outbox: string; pollMs: number };
  };
  /** Statements (camt.053) and notices (camt.054) written to a folder of their own; absent: HTTP only. */
  statements?: { folder?: { outbox: string; pollMs: number } };
}

export interface RunningSandboxBank {
  url: string;
  bank: SandboxBank;
  stop(): Promise<void>;
}

/** Where the bank's tables are: its own database (closed on stop), or the service's handle. */
type BankDatabase = { db: Knex; owned: boolean; where: string };

async function bankDatabase(opts: RunSandboxBankOptions): Promise<BankDatabase> {
  if (opts.databaseUrl) {
    return {
      db: await connectDatabase({ kind: 'postgres', url: opts.databaseUrl }),
      owned: true,
      where: 'postgres',
    };
  }
  const ownDir = join(opts.dataDir, 'sandbox-bank');
  if (opts.sharedDb) {
    // A DATA_DIR from before the bank shared the service's PGlite has the bank's ledger in a folder
    // of its own: that folder stays in use, so no payout or refund the bank recorded is forgotten.
    if (!hasPgliteCluster(ownDir)) {
      return { db: opts.sharedDb, owned: false, where: 'pglite (shared with the service)' };
    }
    opts.logger?.info(
      { dir: ownDir },
      'sandbox bank: keeping its own PGlite from an earlier version (its ledger is there); remove ' +
        'that folder to have the bank share the database of the service (~50 MB less memory), losing that ledger',
    );
  }
  return {
    db: await connectDatabase({ kind: 'pglite', dir: ownDir }),
    owned: true,
    where: `pglite at ${ownDir}`,
  };
}

/** Opens and migrates the bank's database, then serves it; `stop` closes the server, then a database of its own. */
export async function runSandboxBank(opts: RunSandboxBankOptions): Promise<RunningSandboxBank> {
  const { db, owned, where } = await bankDatabase(opts);
  const close = async (): Promise<void> => {
    if (owned) await db.destroy();
  };
  let folder: BankFileFolder | undefined;
  let statementFolder: BankStatementFolder | undefined;
  try {
    await migrateSandboxBank(db);
    const bank = createSandboxBank({ db, logger: opts.logger, files: opts.files });
    const folderOpts = opts.files?.folder;
    if (folderOpts) {
      const logger = opts.logger ?? { info: () => undefined, warn: () => undefined, error: () => undefined };
      folder = await startBankFileFolder({ desk: bank.files, ...folderOpts, logger });
    }
    const statementOpts = opts.statements?.folder;
    if (statementOpts) {
      const logger = opts.logger ?? { info: () => undefined, warn: () => undefined, error: () => undefined };
      statementFolder = await startBankStatementFolder({ desk: bank.statements, ...statementOpts, logger });
    }
    const url = await bank.start(opts.port, opts.host);
    opts.logger?.info(
      { url, database: where, fileFolders: folderOpts ?? null, statementFolder: statementOpts ?? null },
      'sandbox bank up',
    );
    return {
      url,
      bank,
      stop: async () => {
        await statementFolder?.stop();
        await folder?.stop();
        await bank.stop();
        await close();
      },
    };
  } catch (err) {
    await statementFolder?.stop();
    await folder?.stop();
    await close();
    throw err;
  }
}
