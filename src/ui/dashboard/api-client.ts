import type {
  AcceptedPayment,
  AuditEntry,
  BankFile,
  BankFileAnomaly,
  BankFileReport,
  CreatePaymentRequest,
  DeliveryAttempt,
  Notification,
  NotificationPreferences,
  OrphanedPayment,
  Partner,
  PartnerBalance,
  PartnerListItem,
  Payability,
  Payment,
  PaymentTimeline,
  PayoutMethodRequest,
  PayoutMethods,
  PayoutRoute,
  ReconciliationDays,
  ReconciliationException,
  ReconciliationExceptionKind,
  RecoveredPayment,
  ResolvedException,
  ResolveExceptionRequest,
  StartSettlementRequest,
} from '../../api/contract/api-contract.types';
import type { ApiPayment } from './dashboard-state';
import type {
  ApiSettlement,
  DryRunResult,
  ReleasedSettlement,
  SettlementDecision,
  SettlementDecisionAction,
  SettlementList,
  StartedSettlement,
} from './settlement-state';

/** An RFC 9457 problem+json answer (or a network failure, status 0) in a shape the toasts can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly code?: string,
    readonly fieldErrors: ReadonlyArray<{ field: string; message: string }> = [],
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
  }

  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The API's own types (src/api/contract): the dashboard keeps no copies of its answers. */
export type {
  AuditEntry,
  BankFile,
  BankFileAnomaly,
  BankFileReport,
  BankFileStatus,
  BankFileTransferStatus,
  OrphanedPayment,
  CreatePaymentRequest,
  CurrencyBalance,
  DeliveryAttempt,
  Partner,
  PartnerBalance,
  PartnerListItem,
  Payability,
  PayabilityReasonView,
  CurrencyPayability,
  Payment,
  PaymentPayout,
  PaymentTimeline,
  PayoutAttempt,
  MaskedPayoutMethod,
  PayoutMethodRequest,
  PayoutMethods,
  PayoutRoute,
  ReconciliationDay,
  ReconciliationDays,
  ReconciliationException,
  ReconciliationExceptionKind,
  ResolvedException,
  ResolveExceptionRequest,
  StartSettlementRequest,
  TimelineEntry,
} from '../../api/contract/api-contract.types';
export type NotificationRecord = Notification;
export type NotificationPreferencesView = NotificationPreferences;
export type CreatedPayment = AcceptedPayment;

/** A line of `GET /payments/:id/statement` (a remittance advice; its document has no schema yet). */
export interface StatementLine {
  reference: string;
  amountMinor: number;
  description: string;
}

const q = (params: Record<string, string | undefined>): string => {
  const set = Object.entries(params).filter((e): e is [string, string] => !!e[1]);
  return set.length ? `?${new URLSearchParams(set).toString()}` : '';
};

export type PaymentAction = 'approve' | 'reject' | 'cancel' | 'refund';

interface Problem {
  title?: unknown;
  detail?: unknown;
  code?: unknown;
  errors?: unknown;
}

/** The REST API, cross-origin, with the operator's key on every call. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: () => string,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async listPayments(limit = 100): Promise<ApiPayment[]> {
    return (await this.request<{ items: ApiPayment[] }>('GET', `/payments?limit=${limit}`)).items;
  }

  /** Payments whose workflow ended while they did not, oldest first (the janitor finds them). */
  async listOrphans(): Promise<OrphanedPayment[]> {
    return (await this.request<{ items: OrphanedPayment[] }>('GET', '/payments/orphans')).items;
  }

  /** Restarts an orphan's workflow from its recorded state. */
  async recover(paymentId: string): Promise<RecoveredPayment> {
    return this.request<RecoveredPayment>('POST', `/payments/${encodeURIComponent(paymentId)}/recover`);
  }

  async listPartners(): Promise<Partner[]> {
    return (await this.request<{ items: Partner[] }>('GET', '/partners?limit=200')).items;
  }

  /** The idempotency key makes a double submit or a retried request name the same payment. */
  createPayment(body: CreatePaymentRequest, idempotencyKey: string): Promise<CreatedPayment> {
    return this.request('POST', '/payments', body, { 'idempotency-key': idempotencyKey });
  }

  decide(paymentId: string, action: PaymentAction, reason?: string): Promise<ApiPayment> {
    return this.request(
      'POST',
      `/payments/${encodeURIComponent(paymentId)}/${action}`,
      reason ? { reason } : {},
    );
  }

  listSettlements(limit = 50): Promise<SettlementList> {
    return this.request('GET', `/settlements?limit=${limit}`);
  }

  getSettlement(id: string): Promise<ApiSettlement> {
    return this.request('GET', `/settlements/${encodeURIComponent(id)}`);
  }

  /** No idempotency key needed: the run's id is its period, and the API refuses a period twice (409). */
  startSettlement(body: StartSettlementRequest): Promise<StartedSettlement> {
    return this.request('POST', '/settlements', { ...body, dryRun: false });
  }

  dryRunSettlement(body: StartSettlementRequest): Promise<DryRunResult> {
    return this.request('POST', '/settlements', { ...body, dryRun: true });
  }

  /** A second operator's decision on a run awaiting approval; the API requires a reason to reject. */
  decideSettlement(
    id: string,
    action: SettlementDecisionAction,
    reason?: string,
  ): Promise<SettlementDecision> {
    return this.request('POST', `/settlements/${encodeURIComponent(id)}/${action}`, reason ? { reason } : {});
  }

  /** Gives back what a stopped run had not started (409 SETTLEMENT.RUNNING while it still runs). */
  releaseSettlement(id: string, reason: string): Promise<ReleasedSettlement> {
    return this.request('POST', `/settlements/${encodeURIComponent(id)}/release`, { reason });
  }

  partnerBalance(partnerId: string): Promise<PartnerBalance> {
    return this.request('GET', `/partners/${encodeURIComponent(partnerId)}/balance`);
  }

  /**
   * A page of partners (newest first), each with its payability: the API computes the page's in
   * one batch, so the Partners page never asks once per row.
   */
  partnersWithPayability(cursor?: string): Promise<{ items: PartnerListItem[]; nextCursor: string | null }> {
    return this.request('GET', `/partners${q({ limit: '200', include: 'payability', cursor })}`);
  }

  /** Whether this partner will be paid, why not, and per currency how much and when. */
  payability(partnerId: string): Promise<Payability> {
    return this.request('GET', `/partners/${encodeURIComponent(partnerId)}/payability`);
  }

  getPartner(id: string): Promise<Partner> {
    return this.request('GET', `/partners/${encodeURIComponent(id)}`);
  }

  createPartner(body: {
    name: string;
    email: string;
    payoutAccount: string;
    webhookUrl?: string;
  }): Promise<Partner> {
    return this.request('POST', '/partners', body);
  }

  updatePartner(
    id: string,
    body: { name?: string; email?: string; webhookUrl?: string | null },
  ): Promise<Partner> {
    return this.request('PATCH', `/partners/${encodeURIComponent(id)}`, body);
  }

  placeHold(id: string, reason: string): Promise<Partner> {
    return this.request('POST', `/partners/${encodeURIComponent(id)}/payout-hold`, { reason });
  }

  releaseHold(id: string): Promise<Partner> {
    return this.request('DELETE', `/partners/${encodeURIComponent(id)}/payout-hold`);
  }

  requestAccountChange(id: string, payoutAccount: string): Promise<Partner> {
    return this.request('POST', `/partners/${encodeURIComponent(id)}/payout-account-change`, {
      payoutAccount,
    });
  }

  approveAccountChange(id: string): Promise<Partner> {
    return this.request('POST', `/partners/${encodeURIComponent(id)}/payout-account-change/approve`, {});
  }

  /** A partner's methods by currency, masked, and any pending change (operators, viewers, the partner itself). */
  payoutMethods(partnerId: string): Promise<PayoutMethods> {
    return this.request('GET', `/partners/${encodeURIComponent(partnerId)}/payout-methods`);
  }

  /** Requests a method for a currency (or `*`): pending until an operator approves, then a cool-off. */
  requestPayoutMethod(partnerId: string, body: PayoutMethodRequest): Promise<Partner> {
    return this.request('POST', `/partners/${encodeURIComponent(partnerId)}/payout-methods`, body);
  }

  /** The configured payout routes, in matching order (operators and viewers). */
  async payoutRoutes(): Promise<PayoutRoute[]> {
    return (await this.request<{ items: PayoutRoute[] }>('GET', '/payout-routes')).items;
  }

  rotateWebhookSecret(partnerId: string): Promise<{ secret: string }> {
    return this.request('POST', `/partners/${encodeURIComponent(partnerId)}/webhook-secret`, {});
  }

  setWebhookEndpoint(partnerId: string, webhookUrl: string | null): Promise<Partner> {
    return this.request('PUT', `/partners/${encodeURIComponent(partnerId)}/webhook-endpoint`, { webhookUrl });
  }

  preferences(partnerId: string): Promise<NotificationPreferencesView> {
    return this.request('GET', `/partners/${encodeURIComponent(partnerId)}/notification-preferences`);
  }

  savePreferences(
    partnerId: string,
    preferences: NotificationPreferences['overrides'],
  ): Promise<NotificationPreferencesView> {
    return this.request('PUT', `/partners/${encodeURIComponent(partnerId)}/notification-preferences`, {
      preferences,
    });
  }

  /** One payment with its payout's provider and attempts (the list answer does not carry them). */
  getPayment(paymentId: string): Promise<Payment> {
    return this.request('GET', `/payments/${encodeURIComponent(paymentId)}`);
  }

  async listBankFiles(limit = 50): Promise<BankFile[]> {
    return (await this.request<{ items: BankFile[] }>('GET', `/bank-files?limit=${limit}`)).items;
  }

  async bankFileReports(msgId: string): Promise<BankFileReport[]> {
    return (
      await this.request<{ items: BankFileReport[] }>(
        'GET',
        `/bank-files/${encodeURIComponent(msgId)}/reports`,
      )
    ).items;
  }

  async bankFileAnomalies(): Promise<BankFileAnomaly[]> {
    return (await this.request<{ items: BankFileAnomaly[] }>('GET', '/bank-files/anomalies')).items;
  }

  /** Expected vs booked per execution day, account and currency, and the write-off four-eyes limit. */
  reconciliationDays(days = 14): Promise<ReconciliationDays> {
    return this.request('GET', `/reconciliation/days?days=${days}`);
  }

  /** The exception queue, oldest first (the API's order). */
  async reconciliationExceptions(filter: {
    kind?: ReconciliationExceptionKind | '';
    status?: ReconciliationException['status'] | '';
  }): Promise<ReconciliationException[]> {
    return (
      await this.request<{ items: ReconciliationException[] }>(
        'GET',
        `/reconciliation/exceptions${q({ kind: filter.kind || undefined, status: filter.status || undefined, limit: '500' })}`,
      )
    ).items;
  }

  /** 200 RESOLVED, or 202 AWAITING_SECOND_APPROVAL for a write-off above the limit. */
  resolveException(id: number, body: ResolveExceptionRequest): Promise<ResolvedException> {
    return this.request('POST', `/reconciliation/exceptions/${id}/resolve`, body);
  }

  /** Fetches the bank's new notices and closed days' statements now (what the Schedule does). */
  fetchStatements(): Promise<{
    notices: unknown[];
    statements: Array<{ applied: boolean }>;
    notBooked: number;
  }> {
    return this.request('POST', '/reconciliation/fetch');
  }

  /** The API's address of a path, for links that show where a document lives. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /**
   * A document (the bank files' XML) as a Blob. A plain link cannot carry the key — the API reads
   * only `Authorization: Bearer`, and a key in a URL would end up in logs and history — so the
   * dashboard fetches it and hands the browser the bytes.
   */
  async download(path: string, accept = 'application/xml'): Promise<Blob> {
    const apiKey = this.apiKey();
    const headers: Record<string, string> = { accept: `${accept}, application/problem+json` };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: 'GET',
        headers,
        mode: 'cors',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'API unreachable', `no answer from ${this.baseUrl}`);
    }
    if (!res.ok) throw toApiError(res.status, parseJson(await res.text()), res.statusText);
    return res.blob();
  }

  timeline(paymentId: string): Promise<PaymentTimeline> {
    return this.request('GET', `/payments/${encodeURIComponent(paymentId)}/timeline`);
  }

  statement(paymentId: string): Promise<{ lines?: StatementLine[]; [k: string]: unknown }> {
    return this.request('GET', `/payments/${encodeURIComponent(paymentId)}/statement`);
  }

  async listNotifications(filter: {
    partnerId?: string;
    channel?: string;
    status?: string;
  }): Promise<NotificationRecord[]> {
    return (
      await this.request<{ items: NotificationRecord[] }>(
        'GET',
        `/notifications${q({ ...filter, limit: '200' })}`,
      )
    ).items;
  }

  async attempts(notificationId: string): Promise<DeliveryAttempt[]> {
    return (
      await this.request<{ items: DeliveryAttempt[] }>(
        'GET',
        `/notifications/${encodeURIComponent(notificationId)}/attempts?limit=100`,
      )
    ).items;
  }

  redeliver(notificationId: string): Promise<unknown> {
    return this.request('POST', `/notifications/${encodeURIComponent(notificationId)}/redeliver`, {});
  }

  async audit(filter: Record<string, string | undefined>): Promise<AuditEntry[]> {
    return (await this.request<{ items: AuditEntry[] }>('GET', `/audit${q({ ...filter, limit: '100' })}`))
      .items;
  }

  /**
   * A short-lived websocket token and when it expires; `undefined` from an API without the auth
   * endpoint (404).
   */
  async wsToken(): Promise<{ token: string; expiresAt?: string } | undefined> {
    try {
      const { token, expiresAt } = await this.request<{ token: string; expiresAt?: unknown }>(
        'POST',
        '/auth/ws-token',
        {},
      );
      return typeof expiresAt === 'string' ? { token, expiresAt } : { token };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const apiKey = this.apiKey();
    const all: Record<string, string> = { accept: 'application/json, application/problem+json', ...headers };
    if (body !== undefined) all['content-type'] = 'application/json';
    if (apiKey) all.authorization = `Bearer ${apiKey}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: all,
        body: body === undefined ? undefined : JSON.stringify(body),
        mode: 'cors',
        credentials: 'omit',
      });
    } catch {
      // The browser hides why (refused, DNS, CORS); say where to look.
      throw new ApiError(
        0,
        'API unreachable',
        `no answer from ${this.baseUrl} (is it running, and does it allow this origin?)`,
      );
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) throw toApiError(res.status, parsed, res.statusText);
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toApiError(status: number, body: unknown, statusText: string): ApiError {
  const p: Problem = typeof body === 'object' && body !== null ? (body as Problem) : {};
  const fieldErrors = Array.isArray(p.errors)
    ? p.errors.filter(
        (e): e is { field: string; message: string } =>
          typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string',
      )
    : [];
  return new ApiError(
    status,
    typeof p.title === 'string' ? p.title : statusText || `HTTP ${status}`,
    typeof p.detail === 'string' ? p.detail : undefined,
    typeof p.code === 'string' ? p.code : undefined,
    fieldErrors,
  );
}
