import type { ApiPayment, PaymentLine } from './dashboard-state';
import type { ApiSettlement, DryRunResult, SettlementList, StartedSettlement } from './settlement-state';

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

export interface Partner {
  id: string;
  name: string;
  status: string;
  email?: string;
  payoutAccount?: string;
  webhookUrl?: string | null;
  payoutHold?: { reason: string; by: string; at: string } | null;
  pendingAccountChange?: {
    account: string;
    requestedBy: string;
    requestedAt: string;
    approvedBy: string | null;
    effectiveAt: string | null;
  } | null;
  createdAt?: string;
}

/** One line of `GET /payments/:id/timeline`. */
export interface TimelineEntry {
  at: string;
  source: 'temporal' | 'event-log';
  kind: string;
  label: string;
  name?: string;
  attempt?: number;
  failure?: string;
  nextAt?: string;
  historyEventId?: number;
  position?: number;
}

export interface PaymentTimeline {
  paymentId: string;
  status: string;
  temporalUiUrl: string;
  history: 'available' | 'deleted';
  workflowStatus: string | null;
  message: string | null;
  entries: TimelineEntry[];
}

export interface NotificationRecord {
  id: string;
  partnerId: string;
  paymentId: string | null;
  sourceEventId: string;
  channel: string;
  type: string;
  subject: string;
  status: string;
  reason: string | null;
  attempts: number;
  lastError: string | null;
  resends: number;
  createdAt: string;
  sentAt: string | null;
}

export interface DeliveryAttempt {
  id: string;
  deliveryKey: string;
  startedAt: string;
  durationMs: number;
  outcome: 'SUCCEEDED' | 'FAILED';
  httpStatus: number | null;
  responseExcerpt: string | null;
  error: string | null;
}

export interface NotificationPreferencesView {
  partnerId: string;
  preferences: Record<string, string[]>;
  overrides: Record<string, string[]>;
  unmutableTypes: string[];
}

export interface AuditEntry {
  id: string;
  occurredAt: string;
  actor: { name: string; role: string; partnerId: string | null };
  action: string;
  targetType: string;
  targetId: string | null;
  method: string;
  path: string;
  clientAddress: string | null;
  requestId: string | null;
  outcomeStatus: number;
}

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

export interface CreatePaymentRequest {
  partnerId: string;
  currency: string;
  lines: PaymentLine[];
}

export interface CreatedPayment {
  id: string;
  status: string;
  workflowId?: string;
  runId?: string;
  temporalUiUrl?: string;
}

export interface StartSettlementRequest {
  /** YYYY-MM-DD, the period's last day (UTC); the API defaults to yesterday. */
  periodEnd?: string;
  currency?: string;
}

/** One currency of `GET /partners/:id/balance`; amounts are decimal strings of minor units. */
export interface CurrencyBalance {
  currency: string;
  pendingMinor: string;
  pendingCount: number;
  payableMinor: string;
  payableCount: number;
  clawbacksOutstandingMinor: string;
  clawbackCount: number;
  netPayableMinor: string;
  settlingMinor: string;
  settlingCount: number;
  minimumMinor: string;
}

export interface PartnerBalance {
  partnerId: string;
  asOf: string;
  nextSettlementAt: string | null;
  payoutHold: { reason: string; by: string; at: string } | null;
  currencies: CurrencyBalance[];
}

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

  partnerBalance(partnerId: string): Promise<PartnerBalance> {
    return this.request('GET', `/partners/${encodeURIComponent(partnerId)}/balance`);
  }

  async listAllPartners(): Promise<Partner[]> {
    return (await this.request<{ items: Partner[] }>('GET', '/partners?limit=200')).items;
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
    preferences: Record<string, string[]>,
  ): Promise<NotificationPreferencesView> {
    return this.request('PUT', `/partners/${encodeURIComponent(partnerId)}/notification-preferences`, {
      preferences,
    });
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
