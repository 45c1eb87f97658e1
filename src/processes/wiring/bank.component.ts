import { runSandboxBank, type RunningSandboxBank } from '../../sandbox-bank/sandbox-bank.service';
import type { SystemContext } from './system-context';

/** The sandbox bank inside this process (the embedded default): its own tables, its own HTTP port. */
export async function startBankComponent(ctx: SystemContext): Promise<RunningSandboxBank> {
  const { config } = ctx;
  const bank = await runSandboxBank({
    databaseUrl: config.database.kind === 'postgres' ? config.database.url : undefined,
    dataDir: config.dataDir,
    port: config.sandboxBank.port,
    host: config.sandboxBank.host,
    logger: ctx.logger.child({ component: 'bank' }),
  });
  ctx.onStop(() => bank.stop());
  return bank;
}
