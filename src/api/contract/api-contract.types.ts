/**
 * The API's contract for its TypeScript clients (the dashboard): the shapes of requests and answers,
 * inferred from the same zod schemas that validate requests and generate the OpenAPI document, so
 * a client cannot drift from the server unnoticed. Types only (`import type`): a bundle that uses
 * them carries no zod and no server code. The one value is the payment status list, from the pure
 * domain.
 */
import type { z } from 'zod';
import type { auditEntryResponse, auditPage } from '../audit.schemas';
import type { bankFile, bankFileAnomalyList, bankFileList, bankFileReportList } from '../bank-file.schemas';
import type { balanceResponse, commissionPage, commissionResponse } from '../commission.schemas';
import type {
  attemptsPage,
  deliveryAttempt,
  notificationPage,
  notificationPreferencesView,
  notificationResponse,
} from '../notification.schemas';
import type {
  partnerListItem,
  partnerPage,
  partnerResponse,
  payoutMethodBody,
  payoutMethodsResponse,
} from '../partner.schemas';
import type { payoutRouteList } from '../payout-route.schemas';
import type {
  exceptionList,
  reconciliationDays,
  resolveBody,
  resolveResult,
} from '../reconciliation.schemas';
import type { paymentTimeline, timelineEntry } from '../payment-timeline.schemas';
import type { orphanedPayment, recoveredPayment } from '../payment-orphan.schemas';
import type {
  acceptedPayment,
  createPaymentBody,
  decisionBody,
  paymentPage,
  paymentResponse,
} from '../payment.schemas';
import type { problemSchema } from '../route-kit';
import type { payabilityResponse } from '../tax-profile.schemas';
import type {
  decideSettlementBody,
  dryRunResult,
  releasedSettlement,
  releaseSettlementBody,
  settlementDecision,
  settlementItemResponse,
  settlementItemsPage,
  settlementList,
  settlementResponse,
  settlementRunSummary,
  startedSettlement,
  startSettlementBody,
} from '../settlement.schemas';

export { PAYMENT_STATUSES, type PaymentStatus } from '../../domain/payment-status';
/** The settlement period rules the API applies (the latest period that may be settled). */
export { latestEndedPeriod } from '../../domain/settlement-period';

/** An RFC 9457 problem+json answer. */
export type Problem = z.output<typeof problemSchema>;

export type Partner = z.output<typeof partnerResponse>;
export type PartnerPage = z.output<typeof partnerPage>;
/** A row of `GET /partners`; with `include=payability` it carries the partner's payability. */
export type PartnerListItem = z.output<typeof partnerListItem>;
/** `GET /partners/:id/payability`: payable or not, the reasons with what to do, per currency how much and when. */
export type Payability = z.output<typeof payabilityResponse>;
export type PayabilityReasonView = Payability['reasons'][number];
export type CurrencyPayability = Payability['currencies'][number];
/** A partner's payout methods by currency, masked, with any pending change (`GET /partners/:id/payout-methods`). */
export type PayoutMethods = z.output<typeof payoutMethodsResponse>;
export type MaskedPayoutMethod = PayoutMethods['methods'][number]['method'];
/** What `POST /partners/:id/payout-methods` takes. */
export type PayoutMethodRequest = z.input<typeof payoutMethodBody>;
/** The configured payout routes (`GET /payout-routes`), in matching order. */
export type PayoutRouteList = z.output<typeof payoutRouteList>;
export type PayoutRoute = PayoutRouteList['items'][number];

export type Payment = z.output<typeof paymentResponse>;
export type PaymentLine = Payment['lines'][number];
export type PaymentPage = z.output<typeof paymentPage>;
/** What `POST /payments` takes (defaults not yet applied). */
export type CreatePaymentRequest = z.input<typeof createPaymentBody>;
export type AcceptedPayment = z.output<typeof acceptedPayment>;
export type DecisionRequest = z.input<typeof decisionBody>;
export type PaymentTimeline = z.output<typeof paymentTimeline>;
/** A payment whose workflow ended while it did not (`GET /payments/orphans`). */
export type OrphanedPayment = z.output<typeof orphanedPayment>;
export type RecoveredPayment = z.output<typeof recoveredPayment>;
export type TimelineEntry = z.output<typeof timelineEntry>;
/** Where a routed payout went (`GET /payments/:id`): its provider and every attempt, in order. */
export type PaymentPayout = NonNullable<Payment['payout']>;
export type PayoutAttempt = PaymentPayout['attempts'][number];

export type Commission = z.output<typeof commissionResponse>;
export type CommissionPage = z.output<typeof commissionPage>;
export type PartnerBalance = z.output<typeof balanceResponse>;
export type CurrencyBalance = PartnerBalance['currencies'][number];

export type SettlementRun = z.output<typeof settlementRunSummary>;
export type Settlement = z.output<typeof settlementResponse>;
export type SettlementItem = z.output<typeof settlementItemResponse>;
export type SettlementItemsPage = z.output<typeof settlementItemsPage>;
export type SettlementList = z.output<typeof settlementList>;
export type SettlementSchedule = NonNullable<SettlementList['schedule']>;
export type StartSettlementRequest = z.input<typeof startSettlementBody>;
export type StartedSettlement = z.output<typeof startedSettlement>;
export type SettlementDryRun = z.output<typeof dryRunResult>;
/** What `POST /settlements/:id/approve` and `/reject` take and answer. */
export type SettlementDecisionRequest = z.input<typeof decideSettlementBody>;
export type SettlementDecision = z.output<typeof settlementDecision>;
export type SettlementDecisionAction = 'approve' | 'reject';
/** What `POST /settlements/:id/release` takes and answers. */
export type ReleaseSettlementRequest = z.input<typeof releaseSettlementBody>;
export type ReleasedSettlement = z.output<typeof releasedSettlement>;

export type Notification = z.output<typeof notificationResponse>;
export type NotificationPage = z.output<typeof notificationPage>;
export type DeliveryAttempt = z.output<typeof deliveryAttempt>;
export type DeliveryAttemptPage = z.output<typeof attemptsPage>;
export type NotificationPreferences = z.output<typeof notificationPreferencesView>;

/** The ISO 20022 file rail (`GET /bank-files…`): pain.001 files, their pain.002 reports, anomalies. */
export type BankFile = z.output<typeof bankFile>;
export type BankFileStatus = BankFile['status'];
export type BankFileTransferStatus = keyof BankFile['items'];
export type BankFileList = z.output<typeof bankFileList>;
export type BankFileReportList = z.output<typeof bankFileReportList>;
export type BankFileReport = BankFileReportList['items'][number];
export type BankFileAnomalyList = z.output<typeof bankFileAnomalyList>;
export type BankFileAnomaly = BankFileAnomalyList['items'][number];

/** Reconciliation with the bank's statements (`/reconciliation/…`). */
export type ReconciliationExceptionList = z.output<typeof exceptionList>;
export type ReconciliationException = ReconciliationExceptionList['items'][number];
export type ReconciliationExceptionKind = ReconciliationException['kind'];
export type ReconciliationDays = z.output<typeof reconciliationDays>;
export type ReconciliationDay = ReconciliationDays['items'][number];
export type ResolveExceptionRequest = z.input<typeof resolveBody>;
export type ResolvedException = z.output<typeof resolveResult>;

export type AuditEntry = z.output<typeof auditEntryResponse>;
export type AuditPage = z.output<typeof auditPage>;
