import { defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment.activities';
import type { CommissionLineInput } from '../activities/payment.activities.types';
import { PaymentStatusKey } from './search-attributes';

export interface PaymentWorkflowSettings {
  activityStartToCloseMs: number;
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
}

export interface PaymentWorkflowInput {
  paymentId: string;
  partnerId: string;
  currency: string;
  lines: CommissionLineInput[];
  createdBy: string;
  declaredTotalMinor?: number;
  settings: PaymentWorkflowSettings;
}

export interface PaymentWorkflowResult {
  paymentId: string;
  status: string;
}

export interface PaymentState {
  paymentId: string;
  partnerId: string;
  currency: string;
  totalMinor: number;
  status: string;
}

export const getStateQuery = defineQuery<PaymentState>('getState');

export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentWorkflowResult> {
  const { settings } = input;
  const acts = proxyActivities<PaymentActivities>({
    startToCloseTimeout: settings.activityStartToCloseMs,
    retry: {
      initialInterval: settings.retryInitialIntervalMs,
      maximumInterval: settings.retryMaxIntervalMs,
      backoffCoefficient: 2,
    },
  });

  const state: PaymentState = {
    paymentId: input.paymentId,
    partnerId: input.partnerId,
    currency: input.currency,
    totalMinor: input.lines.reduce((sum, l) => sum + l.amountMinor, 0),
    status: 'PENDING',
  };
  setHandler(getStateQuery, () => state);

  const moveTo = (result: { status: string; totalMinor: number }): void => {
    state.status = result.status;
    state.totalMinor = result.totalMinor;
    upsertSearchAttributes([{ key: PaymentStatusKey, value: result.status }]);
  };

  moveTo(
    await acts.recordPayment({
      paymentId: input.paymentId,
      partnerId: input.partnerId,
      currency: input.currency,
      lines: input.lines,
      createdBy: input.createdBy,
      declaredTotalMinor: input.declaredTotalMinor,
    }),
  );
  moveTo(await acts.startProcessing({ paymentId: input.paymentId }));
  moveTo(
    await acts.completePayment({
      paymentId: input.paymentId,
      payoutReference: `internal:${input.paymentId}`,
    }),
  );
  return { paymentId: input.paymentId, status: state.status };
}
