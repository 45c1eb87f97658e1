import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerPlugin } from '@temporalio/worker';
import { temporalConnectionOptions, type TemporalConnectionSettings } from './connection-options';

export interface TemporalWorkerOptions extends TemporalConnectionSettings {
  taskQueue: string;
  /** The activities, or a factory given the worker's connection (for activities that use Temporal). */
  activities: object | ((connection: NativeConnection) => object);
  /** The bundle entry (a workflows index) to bundle from source when no prebuilt bundle is given. */
  workflowsPath: string;
  /** A prebuilt bundle (tests, images); ignored when plugins add workflow interceptors. */
  workflowBundlePath?: string;
  dataConverter?: DataConverter;
  plugins?: WorkerPlugin[];
  /** Workflows kept in memory between tasks (the SDK's default grows with the heap limit). */
  maxCachedWorkflows?: number;
}

/** One worker on its own connection: the payments and notifications workers differ only in what they serve. */
export async function createTemporalWorker(
  opts: TemporalWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(opts));
  const usePrebuilt = opts.workflowBundlePath && !opts.plugins?.length;
  try {
    const worker = await Worker.create({
      connection,
      namespace: opts.namespace,
      taskQueue: opts.taskQueue,
      activities: typeof opts.activities === 'function' ? opts.activities(connection) : opts.activities,
      dataConverter: opts.dataConverter,
      plugins: opts.plugins,
      ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
      ...(usePrebuilt
        ? { workflowBundle: { codePath: opts.workflowBundlePath! } }
        : { workflowsPath: opts.workflowsPath }),
    });
    return { worker, connection };
  } catch (e) {
    await connection.close();
    throw e;
  }
}
