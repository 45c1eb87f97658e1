import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { baselineActivities } from './activities';

/**
 * The baseline's own worker process (`node --import tsx bench/baseline/worker.ts --address … --task-queue …
 * --bundle …`): Worker defaults, like the payments worker, and a prebuilt bundle of the bare workflow.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      'task-queue': { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  if (!values.address || !values['task-queue'] || !values.bundle) {
    throw new Error('usage: worker.ts --address host:port --task-queue q --bundle path');
  }
  // SIGINT/SIGTERM shut the worker down gracefully (the SDK's default), then run() resolves.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: values.address });
  const worker = await Worker.create({
    connection,
    namespace: values.namespace,
    taskQueue: values['task-queue'],
    activities: baselineActivities,
    workflowBundle: { codePath: values.bundle },
  });
  await worker.run();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`baseline worker: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
