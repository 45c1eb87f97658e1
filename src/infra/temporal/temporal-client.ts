import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';

export interface TemporalClientOptions {
  address: string;
  namespace: string;
  dataConverter?: DataConverter;
  workflowInterceptors?: WorkflowClientInterceptor[];
}

/** Connects, retrying while the server is still starting (the dev server takes a few seconds). */
export async function connectClient(
  opts: TemporalClientOptions,
  waitMs = 30_000,
): Promise<{ client: Client; connection: Connection }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address: opts.address, connectTimeout: 2_000 });
      return {
        client: new Client({
          connection,
          namespace: opts.namespace,
          dataConverter: opts.dataConverter,
          interceptors: { workflow: opts.workflowInterceptors ?? [] },
        }),
        connection,
      };
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
