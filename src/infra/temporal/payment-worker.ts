import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { PaymentActivities } from '../../activities/payment.activities';

export interface PaymentWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: PaymentActivities;
  /** A prebuilt bundle (tests, production image); otherwise workflows are bundled from source at start. */
  workflowBundlePath?: string;
  dataConverter?: DataConverter;
}

export const workflowsPath = require.resolve('../../workflows');

export async function createPaymentWorker(
  opts: PaymentWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = opts.workflowBundlePath
    ? { workflowBundle: { codePath: opts.workflowBundlePath } }
    : { workflowsPath };
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    dataConverter: opts.dataConverter,
    ...workflowSource,
  });
  return { worker, connection };
}
