import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
  type Workflow,
} from '@temporalio/client';

export interface EnsureScheduleOptions<W extends Workflow> {
  scheduleId: string;
  /** Undefined: the schedule is configured `off`, and this id is removed if it exists. */
  spec: ScheduleSpec | undefined;
  action: ScheduleOptionsStartWorkflowAction<W>;
  /** How far back a run missed while the cluster was down is still started. */
  catchupWindow: '1 minute' | '1 day';
  description: string;
}

/**
 * Creates a Schedule from config, or brings an existing one in line with it (spec, action, overlap
 * SKIP, catch-up window), so every start applies the current configuration; several workers at
 * once is harmless. `off` deletes only this schedule id, nothing an operator made elsewhere.
 */
export async function ensureSchedule<W extends Workflow>(
  client: Client,
  opts: EnsureScheduleOptions<W>,
): Promise<void> {
  const handle = client.schedule.getHandle(opts.scheduleId);
  if (!opts.spec) {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const { spec, action } = opts;
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: opts.catchupWindow };
  try {
    await client.schedule.create({
      scheduleId: opts.scheduleId,
      spec,
      action,
      policies,
      memo: { description: opts.description },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  }
}
