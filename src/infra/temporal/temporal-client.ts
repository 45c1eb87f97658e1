import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { ConfigError } from '../config';
import { temporalConnectionOptions, type TemporalConnectionSettings } from './connection-options';

export interface TemporalClientOptions extends TemporalConnectionSettings {
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
      const connection = await Connection.connect({
        ...temporalConnectionOptions(opts),
        connectTimeout: 2_000,
      });
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
      // A setting that cannot work (an unreadable certificate) does not get better by waiting.
      if (e instanceof ConfigError || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
