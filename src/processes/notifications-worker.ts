import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { notificationConfigOf } from '../infra/notifications/notification-config';
import { startNotificationService } from '../infra/notifications/notification-service';
import { onShutdownSignal, runMain } from '../infra/process-lifecycle';
import { openMigratedDatabase } from '../infra/system';
import { installTemporalRuntime } from '../infra/temporal/runtime';

/**
 * Wiring point of the standalone notification service (`node --import tsx
 * src/processes/notifications-worker.ts`): deploys and scales apart from the payments worker.
 */
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, name: 'notifications' });
  if (config.database.kind !== 'postgres' || !config.temporal.address) {
    throw new Error(
      'a standalone notification worker needs DATABASE_URL and TEMPORAL_ADDRESS (PGlite serves one process only); ' +
        'to run everything in one process use `make start`',
    );
  }
  installTemporalRuntime(logger);
  const db = await openMigratedDatabase(config);
  const service = await startNotificationService({
    db,
    config: notificationConfigOf(config),
    temporal: { address: config.temporal.address, namespace: config.temporal.namespace },
    logger,
  }).catch(async (e: unknown) => {
    await db.destroy();
    throw e;
  });
  process.stdout.write(`notification worker up; email: ${service.emailTransport}\n`);
  onShutdownSignal(logger, async () => {
    await service.stop();
    await db.destroy();
  });
});
