/**
 * The payments one scenario puts in flight, each with a script and the state it must end in:
 * most are paid at once; about 10% are above the approval threshold and approved by a second key
 * (four-eyes); about 5% go to a partner whose account the bank declines; some are refunded once
 * completed. The driver retries every call the way a careful client does (same Idempotency-Key),
 * because the faults make the API answer 503 or not at all for a while.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export type PaymentScript = 'pay' | 'approve' | 'decline' | 'refund';

export const EXPECTED_STATUS: Record<PaymentScript, string> = {
  pay: 'COMPLETED',
  approve: 'COMPLETED',
  decline: 'FAILED',
  refund: 'REFUNDED',
};

export interface PlannedPayment {
  index: number;
  script: PaymentScript;
  currency: 'USD' | 'EUR';
  amountMinor: number;
  partner: number;
  idempotencyKey: string;
  /** Set once the API accepted it. */
  id?: string;
}

export interface ChaosPartner {
  id: string;
  declining: boolean;
  email: string;
}

/** mulberry32: a small seeded generator, so a run is repeatable by its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The USD and EUR approval threshold (APPROVAL_THRESHOLDS' default): strictly above needs approval. */
const THRESHOLD_MINOR = 1_000_000;

export function planPayments(opts: {
  count: number;
  partners: number;
  rng: () => number;
  tag: string;
  /** Share above the approval threshold (0.1 unless said): --quick raises it to meet enough. */
  approveShare?: number;
}): PlannedPayment[] {
  const approve = 0.05 + (opts.approveShare ?? 0.1);
  return Array.from({ length: opts.count }, (_, index) => {
    const r = opts.rng();
    const script: PaymentScript =
      r < 0.05 ? 'decline' : r < approve ? 'approve' : r < approve + 0.08 ? 'refund' : 'pay';
    const amountMinor =
      script === 'approve'
        ? THRESHOLD_MINOR + 1 + Math.floor(opts.rng() * 2_000_000)
        : 100 + Math.floor(opts.rng() * 500_000);
    // Partner 0 is the declining one; the others share the rest round-robin.
    const partner = script === 'decline' ? 0 : 1 + (index % (opts.partners - 1));
    return {
      index,
      script,
      currency: opts.rng() < 0.5 ? 'USD' : 'EUR',
      amountMinor,
      partner,
      idempotencyKey: `${opts.tag}-${index}`,
    };
  });
}

/** The few fields the driver reads from the API's JSON answers. */
type ApiBody = { id?: unknown; status?: unknown } & Record<string, unknown>;

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly deadline: () => number,
  ) {}

  /**
   * One call, sent again on a network error, a 5xx or a 429 until the deadline: what a client of a
   * payments API does. Any other answer is returned as it is.
   */
  async call(
    method: string,
    path: string,
    key: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: ApiBody }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.status < 500 && res.status !== 429) {
          return { status: res.status, body: (text ? JSON.parse(text) : {}) as ApiBody };
        }
      } catch {
        // Refused, reset or timed out: the same request again after a pause.
      }
      if (Date.now() > this.deadline()) throw new Error(`${method} ${path}: no answer before the deadline`);
      await sleep(Math.min(250 * 2 ** attempt, 3_000));
    }
  }
}

export async function createPartners(
  api: ApiClient,
  adminKey: string,
  opts: { count: number; tag: string; webhookUrl: (partner: number) => string },
): Promise<ChaosPartner[]> {
  const partners: ChaosPartner[] = [];
  for (let i = 0; i < opts.count; i++) {
    const declining = i === 0;
    const email = `partner-${i}.${opts.tag}@chaos.example`;
    // Accounts ending in 0000 are declined by the sandbox bank (its magic value, like a test card).
    const payoutAccount = declining ? '4400550000' : `44005${String(10_000 + i).padStart(5, '0')}`;
    const res = await api.call('POST', '/partners', adminKey, {
      name: `Chaos partner ${i} (${opts.tag})`,
      email,
      payoutAccount,
      webhookUrl: opts.webhookUrl(i),
    });
    if (res.status !== 201) throw new Error(`POST /partners: ${res.status} ${JSON.stringify(res.body)}`);
    // Webhooks are signed: no secret, no delivery.
    const secret = await api.call('POST', `/partners/${String(res.body.id)}/webhook-secret`, adminKey, {});
    if (secret.status !== 200 && secret.status !== 201) {
      throw new Error(`POST /partners/:id/webhook-secret: ${secret.status} ${JSON.stringify(secret.body)}`);
    }
    partners.push({ id: String(res.body.id), declining, email });
  }
  return partners;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function inPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export interface DriveResult {
  accepted: number;
  submitErrors: string[];
  /** Whether every accepted payment reached its expected state before the deadline. */
  settled: boolean;
  /**
   * Why the driver stopped: everything settled; nothing could move any more (every payment not
   * where its script says has a closed workflow); or the deadline passed.
   */
  endedBy: 'settled' | 'nothing-moves' | 'deadline';
  approvals: number;
  refunds: number;
  janitorTriggers: number;
}

/** What the faults read while the load runs. */
export interface DriveProgress {
  /** Payments the API accepted, and submissions given up on. */
  accepted: number;
  submitErrors: number;
  /** Large payments accepted whose approval has not been seen taking effect yet. */
  approvalsOutstanding: number;
  /** Accepted payments where their script says, as of the last look at the read model. */
  settled: number;
}

/** Read-model statuses a large payment is in before its approval took effect. */
const BEFORE_APPROVAL = new Set(['PENDING', 'AWAITING_APPROVAL']);

/**
 * Submits every payment, then approves, refunds and (when a payout's outcome is unknown) triggers
 * the janitor until every payment is where its script says, the faults are over, or time is up.
 * Statuses are read from the read model directly (not through the proxy the faults cut).
 */
export async function drivePayments(opts: {
  api: ApiClient;
  keys: { admin: string; approver: string };
  partners: ChaosPartner[];
  payments: PlannedPayment[];
  db: pg.Pool;
  concurrency: number;
  faultsOver: () => boolean;
  deadline: () => number;
  triggerJanitor: () => Promise<void>;
  /** Kept up to date for the faults (worker kills aim at outstanding approvals). */
  progress: DriveProgress;
  /** A large payment was accepted, or its approval sent: the moments a kill hurts most. */
  onApprovalMoment?: () => void;
  /** Called once per large payment, when first seen awaiting approval, before it is approved. */
  beforeApprove?: (id: string) => Promise<void>;
  /** The payment's workflow status (RUNNING, TERMINATED…), to tell stuck from slow. */
  workflowStatus: (id: string) => Promise<string>;
  isClosed: (status: string) => boolean;
  /**
   * Every payment is where its script says, or nothing can move any more: faults that last as
   * long as the load end then.
   */
  onLoadOver: () => void;
}): Promise<DriveResult> {
  const result: DriveResult = {
    accepted: 0,
    submitErrors: [],
    settled: false,
    endedBy: 'deadline',
    approvals: 0,
    refunds: 0,
    janitorTriggers: 0,
  };
  const inFlight = new Set<string>();
  const act = (id: string, what: 'approve' | 'refund'): void => {
    if (inFlight.has(id)) return;
    inFlight.add(id);
    if (what === 'approve') opts.onApprovalMoment?.();
    const body = what === 'refund' ? { reason: 'chaos: refunded by its script' } : {};
    void opts.api
      .call('POST', `/payments/${id}/${what}`, opts.keys.approver, body)
      .then((res) => {
        if (res.status === 200) result[what === 'approve' ? 'approvals' : 'refunds'] += 1;
      })
      .catch(() => undefined)
      .finally(() => inFlight.delete(id));
  };
  const readStatuses = async (ids: string[]): Promise<Map<string, string>> => {
    const { rows } = await opts.db
      .query<{ id: string; status: string }>('select id, status from payments where id = any($1)', [ids])
      .catch(() => ({ rows: [] as Array<{ id: string; status: string }> }));
    return new Map(rows.map((r) => [r.id, r.status]));
  };
  const seenAwaiting = new Set<string>();
  let lastJanitor = 0;
  let lastStuckCheck = 0;
  let nothingMoves = false;
  let stop = false;
  // Decisions run alongside the submissions: a payment awaiting approval is approved while others
  // are still being sent.
  const follow = (async () => {
    while (!stop) {
      const ids = opts.payments.filter((p) => p.id).map((p) => p.id!);
      const status = await readStatuses(ids);
      let unknown = 0;
      let approvalsOutstanding = 0;
      const unsettled: string[] = [];
      for (const p of opts.payments) {
        const s = p.id ? status.get(p.id) : undefined;
        if (!p.id) continue;
        if (s !== EXPECTED_STATUS[p.script]) unsettled.push(p.id);
        if (p.script === 'approve' && (!s || BEFORE_APPROVAL.has(s))) approvalsOutstanding++;
        if (!s) continue;
        if (s === 'AWAITING_APPROVAL' && p.script === 'approve') {
          if (opts.beforeApprove && !seenAwaiting.has(p.id)) await opts.beforeApprove(p.id);
          seenAwaiting.add(p.id);
          act(p.id, 'approve');
        }
        if (s === 'COMPLETED' && p.script === 'refund') act(p.id, 'refund');
        if (s === 'PAYOUT_UNKNOWN') unknown++;
      }
      opts.progress.approvalsOutstanding = approvalsOutstanding;
      opts.progress.settled = ids.length - unsettled.length;
      if (unknown > 0 && Date.now() - lastJanitor > 5_000) {
        lastJanitor = Date.now();
        result.janitorTriggers += 1;
        await opts.triggerJanitor().catch(() => undefined);
      }
      const allSubmitted = opts.payments.every((p) => p.id) || result.submitErrors.length > 0;
      const done = unsettled.length === 0 && opts.payments.every((p) => p.id);
      if (allSubmitted && done && inFlight.size === 0) opts.onLoadOver();
      if (allSubmitted && done && opts.faultsOver() && inFlight.size === 0) {
        result.settled = true;
        result.endedBy = 'settled';
        return;
      }
      // Not settled: if every payment still off its script has a closed workflow, nothing will
      // ever move it (the stuck payments of a lost step). Statuses are read again after the
      // workflows were seen closed, since a workflow writes its last status before it closes.
      if (allSubmitted && !done && !nothingMoves && Date.now() - lastStuckCheck > 5_000) {
        lastStuckCheck = Date.now();
        let allClosed = true;
        // One at a time, stopping at the first running one: while the load runs that is the first.
        for (const id of unsettled) {
          if (!opts.isClosed(await opts.workflowStatus(id))) {
            allClosed = false;
            break;
          }
        }
        if (allClosed) {
          const again = await readStatuses(unsettled);
          const byId = new Map(opts.payments.map((p) => [p.id, p]));
          nothingMoves = unsettled.every((id) => again.get(id) !== EXPECTED_STATUS[byId.get(id)!.script]);
          if (nothingMoves) opts.onLoadOver();
        }
      }
      if (nothingMoves && opts.faultsOver()) {
        result.endedBy = 'nothing-moves';
        return;
      }
      if (allSubmitted && Date.now() > opts.deadline() && opts.faultsOver()) return;
      await sleep(1_000);
    }
  })();

  await inPool(opts.payments, opts.concurrency, async (p) => {
    try {
      const res = await opts.api.call(
        'POST',
        '/payments',
        opts.keys.admin,
        {
          partnerId: opts.partners[p.partner]!.id,
          currency: p.currency,
          lines: [
            { reference: `chaos-${p.index}`, amountMinor: p.amountMinor, description: `chaos ${p.script}` },
          ],
        },
        { 'idempotency-key': p.idempotencyKey },
      );
      if (res.status !== 202 && res.status !== 200)
        throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      p.id = String(res.body.id);
      result.accepted += 1;
      opts.progress.accepted += 1;
      if (p.script === 'approve') {
        opts.progress.approvalsOutstanding += 1;
        opts.onApprovalMoment?.();
      }
    } catch (e) {
      result.submitErrors.push(`payment ${p.index}: ${e instanceof Error ? e.message : String(e)}`);
      opts.progress.submitErrors += 1;
    }
  });
  try {
    await follow;
  } finally {
    stop = true;
  }
  return result;
}
