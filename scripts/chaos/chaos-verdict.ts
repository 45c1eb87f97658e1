/**
 * What a scenario is judged on, read from the systems themselves once it is over: our read model
 * (where each payment ended), the bank's ledger (what money actually moved) and the receivers (what
 * partners actually got). Each guard counts something that must be zero.
 */
import type pg from 'pg';
import type { ReceivedEmail, ReceivedWebhook } from '../../test/support/notification-receivers';
import { EXPECTED_STATUS, type PlannedPayment } from './chaos-load';

export interface ChannelTally {
  /** Notifications of ours on this channel for the scenario's payments. */
  notifications: number;
  /** Every request or message the receiver got (retries included). */
  raw: number;
  /** Distinct event ids the receiver got: what a receiver that dedupes on the id processes. */
  unique: number;
  /** raw − unique: what at-least-once delivery sent again. */
  duplicates: number;
  /** Notifications whose event id never reached the receiver. */
  missing: number;
  /** Event ids at the receiver that name no notification of ours. */
  unknown: number;
  /** Notifications that ended FAILED (retries exhausted). */
  failed: number;
  /** One payment event that reached the receiver under two different event ids. */
  splitEvents: number;
}

/** A payment not where its script says once the scenario's time was up. */
export interface StuckPayment {
  id: string;
  script: string;
  expected: string;
  /** Its read-model status ('absent' when it has no row). */
  status: string;
  /** Its workflow's Temporal status (RUNNING, FAILED, TERMINATED, NOT_FOUND…). */
  workflow: string;
}

export interface Verdict {
  payments: number;
  accepted: number;
  byStatus: Record<string, number>;
  /** Every accepted payment not in its expected state at the end (lost and wrong state, listed). */
  stuck: StuckPayment[];
  /** Not accepted, absent from the read model, or never done (not in a final state). */
  lost: number;
  /** In a final state other than the one its script expects. */
  wrongState: number;
  /** Payments with more than one PAYOUT (or REFUND) in the bank's ledger. */
  doublePayouts: number;
  doubleRefunds: number;
  /** Payments whose ledger disagrees with their status (paid but FAILED, completed but not paid…). */
  ledgerMismatches: number;
  /** Per currency: the bank's payouts − refunds and Σ COMPLETED totals; must be equal. */
  reconciliation: Record<string, { bankNet: number; completed: number }>;
  reconciled: boolean;
  /** Payments that went through PAYOUT_UNKNOWN (resolved by the janitor). */
  payoutUnknownSeen: number;
  /** Payments whose outcome notice (completed, failed, refunded) was never created on a channel. */
  missingNotices: number;
  webhook: ChannelTally;
  email: ChannelTally;
  failures: string[];
  ok: boolean;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'REFUNDED', 'REJECTED', 'CANCELLED', 'COMPENSATION_FAILED']);
const OUTCOME_TYPES: Record<string, string[]> = {
  COMPLETED: ['PAYMENT_COMPLETED'],
  FAILED: ['PAYMENT_FAILED'],
  REFUNDED: ['PAYMENT_COMPLETED', 'PAYMENT_REFUNDED'],
};

const emailId = (m: ReceivedEmail): string | undefined =>
  /^x-alpes-notification-id:\s*(\S+)/im.exec(m.raw.slice(0, m.raw.search(/\r?\n\r?\n/)))?.[1];

function tally(
  notifications: Array<{ id: string; status: string; source_event_id: string }>,
  received: Array<{ id: string | undefined }>,
): ChannelTally {
  const ours = new Map(notifications.map((n) => [n.id, n]));
  const seen = new Set(received.map((r) => r.id).filter((id): id is string => id !== undefined));
  // The same payment event reaching the partner under two ids would defeat deduplication.
  const idsPerEvent = new Map<string, Set<string>>();
  for (const id of seen) {
    const n = ours.get(id);
    if (!n) continue;
    idsPerEvent.set(n.source_event_id, (idsPerEvent.get(n.source_event_id) ?? new Set()).add(id));
  }
  return {
    notifications: notifications.length,
    raw: received.length,
    unique: seen.size,
    duplicates: received.length - seen.size,
    missing: notifications.filter((n) => !seen.has(n.id)).length,
    unknown: [...seen].filter((id) => !ours.has(id)).length,
    failed: notifications.filter((n) => n.status === 'FAILED').length,
    splitEvents: [...idsPerEvent.values()].filter((ids) => ids.size > 1).length,
  };
}

/**
 * Outcome notices (a webhook and an email per final status) with no notification row yet. Waiting
 * for nothing PENDING is not enough: a notice still backing off in its payment's workflow (the
 * Temporal server was just down) has no row at all yet.
 */
export async function outcomeNoticesMissing(app: pg.Pool, ids: string[]): Promise<number> {
  const { rows: payments } = await app.query<{ id: string; status: string }>(
    'select id, status from payments where id = any($1)',
    [ids],
  );
  const { rows } = await app.query<{ payment_id: string; type: string; channel: string }>(
    "select payment_id, type, channel from notifications where payment_id = any($1) and channel in ('WEBHOOK', 'EMAIL')",
    [ids],
  );
  const have = new Set(rows.map((r) => `${r.payment_id}/${r.type}/${r.channel}`));
  let missing = 0;
  for (const p of payments)
    for (const type of OUTCOME_TYPES[p.status] ?? [])
      for (const channel of ['WEBHOOK', 'EMAIL']) if (!have.has(`${p.id}/${type}/${channel}`)) missing++;
  return missing;
}

export async function judge(opts: {
  payments: PlannedPayment[];
  app: pg.Pool;
  bank: pg.Pool;
  /** What the receivers got for this scenario's partners only (they are shared by every scenario). */
  webhooks: ReceivedWebhook[];
  emails: ReceivedEmail[];
  submitErrors: string[];
  workflowStatus: (paymentId: string) => Promise<string>;
}): Promise<Verdict> {
  const ids = opts.payments.filter((p) => p.id).map((p) => p.id!);
  const failures: string[] = [...opts.submitErrors.slice(0, 5)];
  const { rows: payments } = await opts.app.query<{
    id: string;
    status: string;
    currency: string;
    total_minor: string;
  }>('select id, status, currency, total_minor from payments where id = any($1)', [ids]);
  const byId = new Map(payments.map((p) => [p.id, p]));
  const byStatus: Record<string, number> = {};
  let lost = opts.payments.length - ids.length;
  let wrongState = 0;
  const stuck: StuckPayment[] = [];
  for (const p of opts.payments) {
    if (!p.id) continue;
    const row = byId.get(p.id);
    const expected = EXPECTED_STATUS[p.script];
    if (row?.status !== expected) {
      // Which side is stuck tells the bug: a closed workflow behind an unfinished row is a lost step.
      const s: StuckPayment = {
        id: p.id,
        script: p.script,
        expected,
        status: row?.status ?? 'absent',
        workflow: await opts.workflowStatus(p.id),
      };
      stuck.push(s);
      if (failures.length < 20) {
        failures.push(
          `stuck: payment ${s.id} (${s.script}, expected ${expected}): read model ${s.status}, workflow ${s.workflow}`,
        );
      }
    }
    if (!row || !FINAL.has(row.status)) {
      lost++;
      continue;
    }
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    if (row.status !== expected) wrongState++;
  }

  const { rows: ledger } = await opts.bank.query<{
    payment_reference: string;
    kind: string;
    amount_minor: string;
    currency: string;
  }>(
    'select payment_reference, kind, amount_minor, currency from sandbox_bank_ledger where payment_reference = any($1)',
    [ids],
  );
  const entries = new Map<string, { payouts: number; refunds: number; net: number }>();
  const reconciliation: Record<string, { bankNet: number; completed: number }> = {};
  for (const e of ledger) {
    const x = entries.get(e.payment_reference) ?? { payouts: 0, refunds: 0, net: 0 };
    const amount = Number(e.amount_minor);
    if (e.kind === 'PAYOUT') x.payouts++;
    else x.refunds++;
    x.net += e.kind === 'PAYOUT' ? amount : -amount;
    entries.set(e.payment_reference, x);
    const r = (reconciliation[e.currency] ??= { bankNet: 0, completed: 0 });
    r.bankNet += e.kind === 'PAYOUT' ? amount : -amount;
  }
  for (const p of payments) {
    if (p.status !== 'COMPLETED') continue;
    (reconciliation[p.currency] ??= { bankNet: 0, completed: 0 }).completed += Number(p.total_minor);
  }
  const doublePayouts = [...entries.values()].filter((x) => x.payouts > 1).length;
  const doubleRefunds = [...entries.values()].filter((x) => x.refunds > 1).length;
  for (const [id, x] of entries) {
    if (x.payouts > 1 && failures.length < 20)
      failures.push(`double payout: payment ${id} paid ${x.payouts} times`);
  }
  let ledgerMismatches = 0;
  for (const p of payments) {
    const x = entries.get(p.id) ?? { payouts: 0, refunds: 0, net: 0 };
    const ok =
      p.status === 'COMPLETED'
        ? x.payouts === 1 && x.net === Number(p.total_minor)
        : p.status === 'REFUNDED'
          ? x.payouts === 1 && x.refunds === 1 && x.net === 0
          : x.net === 0;
    if (!ok) {
      ledgerMismatches++;
      if (failures.length < 20)
        failures.push(`ledger: payment ${p.id} is ${p.status} but the bank has ${JSON.stringify(x)}`);
    }
  }
  const reconciled = Object.values(reconciliation).every((r) => r.bankNet === r.completed);
  if (!reconciled) failures.push(`unreconciled: ${JSON.stringify(reconciliation)}`);

  const { rows: unknownRows } = await opts.app.query<{ n: string }>(
    "select count(distinct aggregate_id) as n from events where type = 'PaymentPayoutUnknown' and aggregate_id = any($1)",
    [ids],
  );

  const { rows: notifications } = await opts.app.query<{
    id: string;
    payment_id: string;
    channel: string;
    type: string;
    status: string;
    source_event_id: string;
  }>(
    "select id, payment_id, channel, type, status, source_event_id from notifications where payment_id = any($1) and channel in ('WEBHOOK', 'EMAIL')",
    [ids],
  );
  let missingNotices = 0;
  for (const p of payments) {
    for (const type of OUTCOME_TYPES[p.status] ?? []) {
      for (const channel of ['WEBHOOK', 'EMAIL']) {
        if (!notifications.some((n) => n.payment_id === p.id && n.type === type && n.channel === channel)) {
          missingNotices++;
          if (failures.length < 20) failures.push(`no ${channel} ${type} notification for payment ${p.id}`);
        }
      }
    }
  }
  const webhook = tally(
    notifications.filter((n) => n.channel === 'WEBHOOK'),
    opts.webhooks.map((w) => ({ id: String(w.headers['webhook-id'] ?? '') || undefined })),
  );
  const email = tally(
    notifications.filter((n) => n.channel === 'EMAIL'),
    opts.emails.map((m) => ({ id: emailId(m) })),
  );
  for (const [name, t] of [
    ['webhook', webhook],
    ['email', email],
  ] as const) {
    if (t.missing) failures.push(`${name}: ${t.missing} notifications never reached the receiver`);
    if (t.unknown) failures.push(`${name}: ${t.unknown} event ids name no notification`);
    if (t.failed) failures.push(`${name}: ${t.failed} notifications FAILED`);
    if (t.splitEvents) failures.push(`${name}: ${t.splitEvents} events reached the partner under two ids`);
  }

  const ok =
    stuck.length === 0 &&
    lost === 0 &&
    wrongState === 0 &&
    doublePayouts === 0 &&
    doubleRefunds === 0 &&
    ledgerMismatches === 0 &&
    reconciled &&
    missingNotices === 0 &&
    [webhook, email].every((t) => !t.missing && !t.unknown && !t.failed && !t.splitEvents);
  return {
    payments: opts.payments.length,
    accepted: ids.length,
    byStatus,
    stuck,
    lost,
    wrongState,
    doublePayouts,
    doubleRefunds,
    ledgerMismatches,
    reconciliation,
    reconciled,
    payoutUnknownSeen: Number(unknownRows[0]?.n ?? 0),
    missingNotices,
    webhook,
    email,
    failures,
    ok,
  };
}
