import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { NotificationActivities } from '../../activities/notification.activities';

export interface NotificationWorkerOptions {
  address: string;
  namespace: string;
  /** The notification service's own queue (default `notifications`), apart from the payments queue. */
  taskQueue: string;
  activities: NotificationActivities;
  /** A prebuilt bundle of `src/workflows/notifications.index.ts`; otherwise bundled from source at start. */
  workflowBundlePath?: string;
  dataConverter?: DataConverter;
}

/** Only the notification workflows: this worker deploys and scales apart from the payments worker. */
export const notificationWorkflowsPath = require.resolve('../../workflows/notifications.index');

export async function createNotificationWorker(
  opts: NotificationWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath: notificationWorkflowsPath };
  try {
    const worker = await Worker.create({
      connection,
      namespace: opts.namespace,
      taskQueue: opts.taskQueue,
      activities: opts.activities,
      dataConverter: opts.dataConverter,
      ...workflowSource,
    });
    return { worker, connection };
  } catch (e) {
    await connection.close();
    throw e;
  }
}
