import { runSandboxBank, type RunningSandboxBank } from '../../sandbox-bank/sandbox-bank.service';
import type { SystemContext } from './system-context';

/**
 * The sandbox bank inside this process (the embedded default): its own tables and HTTP port. On
 * PGlite its tables join the service's open database: a second instance cost the launcher ~50 MB
 * more, and a second initdb on a first start.
 * Sharing the single connection is safe because no activity holds a transaction while it calls
 * the bank over HTTP (payOut, the refunds and the janitor read first, then call).
 */
export async function startBankComponent(ctx: SystemContext): Promise<RunningSandboxBank> {
  const { config } = ctx;
  const bank = await runSandboxBank({
    databaseUrl: config.database.kind === 'postgres' ? config.database.url : undefined,
    dataDir: config.dataDir,
    sharedDb: config.database.kind === 'pglite' ? ctx.db : undefined,
    port: config.sandboxBank.port,
    host: config.sandboxBank.host,
    files: { pain001Xsd: config.sandboxBank.pain001Xsd },
    logger: ctx.logger.child({ component: 'bank' }),
  });
  ctx.onStop(() => bank.stop());
  return bank;
}
