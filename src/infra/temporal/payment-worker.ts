import { NativeConnection, Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
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
  /** e.g. tracing; plugins that add workflow interceptors need the bundle built from source. */
  plugins?: WorkerPlugin[];
}

export const workflowsPath = require.resolve('../../workflows');

export async function createPaymentWorker(
  opts: PaymentWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const workflowSource: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> =
    opts.workflowBundlePath && !opts.plugins?.length
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath };
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    dataConverter: opts.dataConverter,
    plugins: opts.plugins,
    ...workflowSource,
  });
  return { worker, connection };
}
