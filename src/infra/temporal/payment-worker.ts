import type { DataConverter } from '@temporalio/common';
import type { WorkerPlugin } from '@temporalio/worker';
import type { NotificationSignalActivities } from '../../activities/notification.activities';
import type { PaymentActivities } from '../../activities/payment.activities';
import { createTemporalWorker } from './temporal-worker';

export interface PaymentWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: PaymentActivities & NotificationSignalActivities;
  /** A prebuilt bundle (tests, production image); otherwise workflows are bundled from source at start. */
  workflowBundlePath?: string;
  dataConverter?: DataConverter;
  /** e.g. tracing; plugins that add workflow interceptors need the bundle built from source. */
  plugins?: WorkerPlugin[];
}

export const workflowsPath = require.resolve('../../workflows');

export const createPaymentWorker = (opts: PaymentWorkerOptions) =>
  createTemporalWorker({ ...opts, workflowsPath });
