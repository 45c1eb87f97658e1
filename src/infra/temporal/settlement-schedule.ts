import { ScheduleNotFoundError, type Client, type ScheduleSpec } from '@temporalio/client';
import type { ScheduleView, SettlementScheduleInfo } from '../../ports/settlement.port';
import {
  scheduledSettlementWorkflowType,
  type ScheduledSettlementInput,
  type ScheduledSettlementWorkflow,
} from '../../workflows/settlement.messages';
import { scheduledSettlementWorkflowId } from '../../workflows/workflow-ids';
import { DEFAULT_TIME_ZONE } from '../../domain/settlement-period';
import type { SettlementScheduleSpec } from '../settlements/settlement-config';
import { ensureSchedule } from './ensure-schedule';

export interface SettlementScheduleOptions {
  scheduleId: string;
  spec: SettlementScheduleSpec;
  taskQueue: string;
  input: ScheduledSettlementInput;
}

/** Read on the programme's clock: the run it starts settles "yesterday" in the same zone. */
export const toSpec = (
  spec: Exclude<SettlementScheduleSpec, { kind: 'off' }>,
  timeZone: string,
): ScheduleSpec =>
  spec.kind === 'cron'
    ? { cronExpressions: [spec.expression], timezone: timeZone }
    : { calendars: [spec.calendar as NonNullable<ScheduleSpec['calendars']>[number]], timezone: timeZone };

export const describeSpec = (spec: SettlementScheduleSpec, timeZone: string): string =>
  spec.kind === 'cron'
    ? `cron ${spec.expression} (${timeZone})`
    : spec.kind === 'calendar'
      ? `${JSON.stringify(spec.calendar)} (${timeZone})`
      : 'off';

/**
 * Creates the settlement Schedule from config, or brings an existing one in line with it (spec,
 * action, overlap SKIP), so every start applies the current configuration. Workers call it at
 * start; several at once is harmless. `off` deletes nothing an operator made by hand elsewhere:
 * it removes only this schedule id.
 */
export async function ensureSettlementSchedule(
  client: Client,
  opts: SettlementScheduleOptions,
): Promise<void> {
  await ensureSchedule<ScheduledSettlementWorkflow>(client, {
    scheduleId: opts.scheduleId,
    // The zone the run's settings carry: the Schedule and the workflow it starts agree by construction.
    spec:
      opts.spec.kind === 'off'
        ? undefined
        : toSpec(opts.spec, opts.input.settings.timeZone ?? DEFAULT_TIME_ZONE),
    action: {
      type: 'startWorkflow',
      workflowType: scheduledSettlementWorkflowType,
      workflowId: scheduledSettlementWorkflowId(opts.scheduleId),
      taskQueue: opts.taskQueue,
      args: [opts.input],
    },
    catchupWindow: '1 day',
    description: 'Alpes Partners settlement runs (SETTLEMENT_SCHEDULE)',
  });
}

/** Reads the settlement Schedule for the API: next run, paused, recent actions. */
export class TemporalSettlementSchedule implements SettlementScheduleInfo {
  constructor(
    private readonly client: Client,
    private readonly scheduleId: string,
    private readonly spec: SettlementScheduleSpec,
    private readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {}

  async describe(): Promise<ScheduleView | undefined> {
    if (this.spec.kind === 'off') return undefined;
    try {
      const d = await this.client.schedule.getHandle(this.scheduleId).describe();
      return {
        scheduleId: this.scheduleId,
        spec: describeSpec(this.spec, this.timeZone),
        paused: d.state.paused,
        nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
        recentRuns: d.info.recentActions.map((a) => ({
          scheduledAt: a.scheduledAt.toISOString(),
          workflowId: a.action.workflow.workflowId,
        })),
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }
}
