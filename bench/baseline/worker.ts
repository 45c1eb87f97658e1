import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { createBaselineActivities } from './activities';

/**
 * The baseline's own worker process (`node --import tsx bench/baseline/worker.ts --address … --task-queue …
 * --bundle …`): Worker defaults, like the payments worker, and a prebuilt bundle of the yardstick's workflows
 * (the payment-shaped one and the partner's notification workflow, on the same task queue).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      'task-queue': { type: 'string' },
      'notices-task-queue': { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  if (!values.address || !values['task-queue'] || !values['notices-task-queue'] || !values.bundle) {
    throw new Error(
      'usage: worker.ts --address host:port --task-queue q --notices-task-queue q --bundle path',
    );
  }
  // SIGINT/SIGTERM shut the worker down gracefully (the SDK's default), then run() resolves.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: values.address });
  // The notices' signal-with-start goes through an ordinary client, as a naive implementation's would.
  const clientConnection = await Connection.connect({ address: values.address });
  const client = new Client({ connection: clientConnection, namespace: values.namespace });
  const worker = await Worker.create({
    connection,
    namespace: values.namespace,
    taskQueue: values['task-queue'],
    activities: createBaselineActivities({ client, noticesTaskQueue: values['notices-task-queue'] }),
    workflowBundle: { codePath: values.bundle },
  });
  await worker.run();
  await clientConnection.close();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`baseline worker: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
