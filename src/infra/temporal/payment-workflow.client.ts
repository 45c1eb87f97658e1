import { randomUUID } from 'node:crypto';
import {
  QueryNotRegisteredError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type {
  LivePaymentState,
  PaymentAction,
  RestartPaymentCommand,
  PaymentCommands,
  StartOutcome,
  StartPaymentCommand,
} from '../../ports/payment.port';
import { DomainError } from '../../domain/domain-error';
import type { DecisionSigner } from '../auth/actor-assertion';
import {
  approveUpdate,
  cancelUpdate,
  getStateQuery,
  paymentWorkflowType,
  refundUpdate,
  rejectUpdate,
  type PaymentWorkflow,
  type PaymentWorkflowSettings,
} from '../../workflows/payment.messages';
import {
  AmountMinorKey,
  CurrencyKey,
  PartnerIdKey,
  PaymentStatusKey,
} from '../../workflows/search-attributes';
import { paymentWorkflowId } from '../../workflows/workflow-ids';

const UPDATES = { approve: approveUpdate, reject: rejectUpdate, cancel: cancelUpdate, refund: refundUpdate };

/** A closed payment workflow means a settled payment: each action's own refusal code says why it cannot run. */
const REFUSAL_WHEN_CLOSED: Record<PaymentAction, string> = {
  approve: 'PAYMENT.NOT_AWAITING_APPROVAL',
  reject: 'PAYMENT.NOT_AWAITING_APPROVAL',
  cancel: 'PAYMENT.NOT_CANCELLABLE',
  refund: 'PAYMENT.NOT_REFUNDABLE',
};

/** gRPC FAILED_PRECONDITION while the workflow's task is failing or timed out (a lost worker). */
export function isWorkflowTaskFailing(e: unknown): boolean {
  for (let err: unknown = e, depth = 0; err && typeof err === 'object' && depth < 4; depth += 1) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (
      code === 9 &&
      typeof message === 'string' &&
      /workflow task in failed state|unexpected workflow task failure/i.test(message)
    )
      return true;
    err = (err as { cause?: unknown }).cause;
  }
  return false;
}

/** Major units with the currency's own decimals (`12000` USD → `120.00 USD`, `500` JPY → `500 JPY`). */
export function formatAmount(totalMinor: number, currency: string): string {
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
  } catch {
    // An unknown code keeps two decimals: the summary is for people, the amount itself is in the args.
  }
  const major = (totalMinor / 10 ** digits).toFixed(digits);
  return `${major} ${currency}`;
}

/** Starts and steers payment workflows through the Temporal client. */
export class TemporalPaymentCommands implements PaymentCommands {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: PaymentWorkflowSettings,
    /** Signs each decision for the workflow to check; the API holds the only key. */
    private readonly signer: DecisionSigner,
    private readonly workflowTaskTimeoutMs = 10_000,
    /** How long a decision is re-sent while the workflow is recovering from a lost task. */
    private readonly recoveringRetryMs = 3 * workflowTaskTimeoutMs,
  ) {}

  workflowId(paymentId: string): string {
    return paymentWorkflowId(paymentId);
  }

  /**
   * The workflow id is the idempotency mechanism: ids of running or closed payments are never
   * reused (FAIL on conflict, REJECT_DUPLICATE on reuse), so concurrent starts with one key
   * produce exactly one workflow and the losers learn which request created it.
   */
  async start(cmd: StartPaymentCommand): Promise<StartOutcome> {
    const { requestHash, ...rest } = cmd;
    const workflowId = paymentWorkflowId(cmd.paymentId);
    const totalMinor = cmd.lines.reduce((s, l) => s + l.amountMinor, 0);
    try {
      const handle = await this.client.workflow.start<PaymentWorkflow>(paymentWorkflowType, {
        taskQueue: this.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowTaskTimeout: this.workflowTaskTimeoutMs,
        args: [{ ...rest, requestHash, settings: this.settings }],
        memo: { requestHash },
        // The Web UI shows these instead of a bare "Running" during the long refund window.
        staticSummary: `Payout ${formatAmount(totalMinor, cmd.currency)} to partner ${cmd.partnerId}`,
        staticDetails: [
          `Payment ${cmd.paymentId}`,
          `Partner ${cmd.partnerId}`,
          `${cmd.lines.length} line(s), created by ${cmd.createdBy}`,
        ].join('\n'),
        typedSearchAttributes: [
          { key: PartnerIdKey, value: cmd.partnerId },
          { key: CurrencyKey, value: cmd.currency },
          { key: AmountMinorKey, value: totalMinor },
          { key: PaymentStatusKey, value: 'PENDING' },
        ],
      });
      return { workflowId, runId: handle.firstExecutionRunId, created: true, requestHash };
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      const existing = await this.client.workflow.getHandle(workflowId).describe();
      return {
        workflowId,
        runId: existing.runId,
        created: false,
        requestHash: typeof existing.memo?.requestHash === 'string' ? existing.memo.requestHash : undefined,
      };
    }
  }

  /**
   * A new run under the same id, allowed only after a run that failed, was terminated, timed out or
   * was cancelled; the request hash of the first run is carried over so idempotent replays of the
   * original POST still match.
   */
  async restart(cmd: RestartPaymentCommand): Promise<{ workflowId: string; runId: string }> {
    const workflowId = paymentWorkflowId(cmd.paymentId);
    const previous = await this.client.workflow.getHandle(workflowId).describe();
    const requestHash =
      typeof previous.memo?.requestHash === 'string' ? previous.memo.requestHash : undefined;
    const totalMinor = cmd.lines.reduce((s, l) => s + l.amountMinor, 0);
    try {
      const handle = await this.client.workflow.start<PaymentWorkflow>(paymentWorkflowType, {
        taskQueue: this.taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowTaskTimeout: this.workflowTaskTimeoutMs,
        args: [{ ...cmd, requestHash, settings: this.settings }],
        memo: { requestHash, recoveredFromRunId: previous.runId },
        staticSummary: `Payout ${formatAmount(totalMinor, cmd.currency)} to partner ${cmd.partnerId} (recovered)`,
        staticDetails: [`Payment ${cmd.paymentId}`, `Recovered after run ${previous.runId} ended`].join('\n'),
        typedSearchAttributes: [
          { key: PartnerIdKey, value: cmd.partnerId },
          { key: CurrencyKey, value: cmd.currency },
          { key: AmountMinorKey, value: totalMinor },
        ],
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) {
        throw new DomainError(
          'PAYMENT.NOT_ORPHANED',
          `payment ${cmd.paymentId} has a running workflow, or its last run completed: nothing to recover`,
        );
      }
      throw e;
    }
  }

  async decide(
    paymentId: string,
    action: PaymentAction,
    decision: { actor: string; reason?: string | null; reverseCommissions?: boolean },
  ): Promise<LivePaymentState> {
    const handle = this.client.workflow.getHandle(paymentWorkflowId(paymentId));
    const deadline = Date.now() + this.recoveringRetryMs;
    // One update id for every attempt: the server takes an update id once per run, so an attempt
    // that did reach the workflow is answered again instead of being decided a second time.
    const updateId = randomUUID();
    const sign = () => this.signer.sign({ paymentId, action, actor: decision.actor });
    // Signed once: the assertion (ACTOR_ASSERTION_TTL, 2 min by default) outlasts the re-sends
    // (three workflow task timeouts, 30 s by default). Signed again only if it would expire
    // before a recovering workflow could check it; the server still keeps the first admitted args.
    let assertion = sign();
    for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      try {
        return await handle.executeUpdate(UPDATES[action], {
          args: [{ ...decision, assertion }],
          updateId,
        });
      } catch (e) {
        // The workflow's task was lost (a worker died or stalled) and the server refuses updates
        // until another worker has taken it up: the decision did not take, and taking it again is
        // safe (each step finds what an earlier attempt committed). Past the deadline: a 503.
        if (!isWorkflowTaskFailing(e) || Date.now() + delayMs > deadline) {
          throw await this.translate(e, paymentId, action);
        }
        await new Promise((r) => setTimeout(r, delayMs));
        if (assertion.expiresAt - Date.now() < this.workflowTaskTimeoutMs) assertion = sign();
      }
    }
  }

  async liveState(paymentId: string): Promise<LivePaymentState | undefined> {
    try {
      return await this.client.workflow.getHandle(paymentWorkflowId(paymentId)).query(getStateQuery);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError || e instanceof QueryNotRegisteredError) return undefined;
      throw e;
    }
  }

  /** Turns an update's failure into the domain refusal it carries, so the API maps it once. */
  private async translate(e: unknown, paymentId: string, action: PaymentAction): Promise<unknown> {
    if (e instanceof WorkflowUpdateFailedError) {
      const cause = e.cause instanceof ActivityFailure ? e.cause.cause : e.cause;
      if (cause instanceof ApplicationFailure && cause.type)
        return new DomainError(cause.type, cause.message);
      return e;
    }
    if (e instanceof WorkflowNotFoundError) {
      // Either it never existed, or it has closed (no refund window left): tell which.
      try {
        const handle = this.client.workflow.getHandle(paymentWorkflowId(paymentId));
        const d = await handle.describe();
        // Returned by the bank: its workflow ended RETURNED, and that is the refusal to give.
        if (action === 'refund' && d.status.name === 'COMPLETED') {
          const result = (await handle.result().catch(() => undefined)) as { status?: unknown } | undefined;
          if (result?.status === 'RETURNED') {
            return new DomainError('PAYMENT.RETURNED', 'cannot refund: the bank returned this payment');
          }
        }
        return new DomainError(
          REFUSAL_WHEN_CLOSED[action],
          `cannot ${action}: the payment is settled (its workflow is ${d.status.name.toLowerCase()})`,
        );
      } catch {
        return new DomainError('PAYMENT.NOT_FOUND', `no payment with id ${paymentId}`);
      }
    }
    return e;
  }
}
