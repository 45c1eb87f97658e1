/**
 * What shows that a fault reached the system, and where each payment's workflow stands: read from
 * Temporal (workflow statuses, histories), from probes of our own through the proxies, and from the
 * lines the processes print. A chaos run whose faults never bit proves nothing, so each scenario
 * records this next to its verdict.
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connect } from 'node:net';
import pg from 'pg';
import { inPool } from './chaos-load';

const { EventType, TimeoutType, WorkflowExecutionStatus } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** gRPC NOT_FOUND: no workflow with that id. */
const GRPC_NOT_FOUND = 5;
const RPC_TIMEOUT_MS = 10_000;

/**
 * The Temporal status of payment `id`'s workflow (RUNNING, COMPLETED, FAILED, TERMINATED…).
 * Through the raw service: the client's describe would decode the memo, which is encrypted.
 */
export async function workflowStatus(connection: Connection, paymentId: string): Promise<string> {
  try {
    const res = await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, () =>
      connection.workflowService.describeWorkflowExecution({
        namespace: 'default',
        execution: { workflowId: `payment:${paymentId}` },
      }),
    );
    const status = res.workflowExecutionInfo?.status ?? 0;
    return (WorkflowExecutionStatus[status] ?? String(status)).replace('WORKFLOW_EXECUTION_STATUS_', '');
  } catch (e) {
    if ((e as { code?: number }).code === GRPC_NOT_FOUND) return 'NOT_FOUND';
    return `UNKNOWN (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** A closed workflow will never move its payment again. */
export const isClosed = (status: string): boolean =>
  !status.startsWith('RUNNING') && !status.startsWith('UNKNOWN');

export async function terminateWorkflow(
  connection: Connection,
  paymentId: string,
  reason: string,
): Promise<void> {
  await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, () =>
    connection.workflowService.terminateWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: `payment:${paymentId}` },
      reason,
    }),
  );
}

export interface HistoryFindings {
  /**
   * Workflow tasks a worker took and never finished (start-to-close timeout): the worker died or
   * stalled holding them. `identity` is the worker's `pid@host`.
   */
  lostWorkflowTasks: Array<{ paymentId: string; identity: string }>;
  /** Activities that needed more than one attempt, with the failure of the attempt before the last. */
  retriedActivities: Array<{ paymentId: string; activityType: string; attempt: number; lastFailure: string }>;
}

/** Reads the history of every payment's workflow (a page at a time) and keeps what faults leave. */
export async function scanHistories(connection: Connection, paymentIds: string[]): Promise<HistoryFindings> {
  const findings: HistoryFindings = { lostWorkflowTasks: [], retriedActivities: [] };
  await inPool(paymentIds, 4, async (paymentId) => {
    const events: HistoryEvent[] = [];
    let token: Uint8Array | undefined;
    do {
      const res = await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, () =>
        connection.workflowService.getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId: `payment:${paymentId}` },
          nextPageToken: token,
        }),
      );
      events.push(...(res.history?.events ?? []));
      token = res.nextPageToken?.length ? res.nextPageToken : undefined;
    } while (token);
    const byId = new Map(events.map((e) => [Number(e.eventId), e]));
    for (const e of events) {
      const timedOut = e.workflowTaskTimedOutEventAttributes;
      if (
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT &&
        timedOut?.timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE
      ) {
        const started = byId.get(Number(timedOut.startedEventId));
        findings.lostWorkflowTasks.push({
          paymentId,
          identity: started?.workflowTaskStartedEventAttributes?.identity ?? '?',
        });
      }
      const a = e.activityTaskStartedEventAttributes;
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && (a?.attempt ?? 1) > 1) {
        const scheduled = byId.get(Number(a!.scheduledEventId));
        const failure = a!.lastFailure;
        findings.retriedActivities.push({
          paymentId,
          activityType: scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
          attempt: a!.attempt!,
          lastFailure: failure?.timeoutFailureInfo
            ? `timeout ${TimeoutType[failure.timeoutFailureInfo.timeoutType ?? 0] ?? '?'}`
            : (failure?.message ?? '?'),
        });
      }
    }
  });
  return findings;
}

/** Opens a TCP connection and says how it went: 'open', 'refused' or another error code. */
export function tcpProbe(host: string, port: number, timeoutMs = 2_000): Promise<string> {
  return new Promise((res) => {
    const socket = connect({ host, port });
    const done = (outcome: string): void => {
      socket.destroy();
      res(outcome);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('open'));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' ? 'refused' : (e.code ?? e.message)),
    );
  });
}

/** A real query through `url`: true once PostgreSQL answers there. */
export async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An HTTP GET through `url` that answers 2xx. */
export async function httpAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Polls `probe` until it answers true or `timeoutMs` passed; says which. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Wakes whoever waits on `next()` each time `fire()` is called. */
export class Pulse {
  private waiters: Array<() => void> = [];

  fire(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  next(): Promise<void> {
    return new Promise((res) => this.waiters.push(res));
  }
}
