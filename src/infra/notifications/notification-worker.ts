import type { DataConverter } from '@temporalio/common';
import type { NotificationActivities } from '../../activities/notification.activities';
import { createTemporalWorker } from '../temporal/temporal-worker';

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

export const createNotificationWorker = (opts: NotificationWorkerOptions) =>
  createTemporalWorker({ ...opts, workflowsPath: notificationWorkflowsPath });
