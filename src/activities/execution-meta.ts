import { Context } from '@temporalio/activity';
import type { EventMetadata } from '../ports/event-log.port';

/** The workflow execution an activity runs for, stamped on the events it appends (none outside an activity). */
export function executionMeta(): EventMetadata {
  try {
    const execution = Context.current().info.workflowExecution;
    return { workflowId: execution?.workflowId ?? null, runId: execution?.runId ?? null };
  } catch {
    return { workflowId: null, runId: null };
  }
}
