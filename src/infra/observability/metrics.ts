import type { Knex } from 'knex';
import { EXCEPTION_KINDS } from '../../domain/statement-matching';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';

/**
 * Prometheus metrics of the API process. Business gauges are read from the read model at scrape
 * time, so every API instance reports the same truth and no counter drifts after a restart.
 */
export interface MetricsOptions {
  /** Whether a settlement run's workflow is running: commissions of a stopped run are stranded. */
  settlementRunning?: (settlementId: string) => Promise<boolean>;
}

export function createMetrics(db: Knex, options: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'alpes_' });

  const httpDuration = new Histogram({
    name: 'alpes_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const paymentsStarted = new Counter({
    name: 'alpes_payments_started_total',
    help: 'Payment workflows started by this API instance',
    labelNames: ['currency'] as const,
    registers: [registry],
  });

  /** Rows of a table counted by some of its columns, read at scrape time; `where` narrows the rows. */
  const rowCount = <L extends string>(gauge: {
    name: string;
    help: string;
    table: string;
    labels: readonly L[];
    where?: Record<string, string>;
    /** The table may not exist yet: then the gauge reports nothing. */
    mayBeMissing?: boolean;
  }): void => {
    const { table, labels, where, mayBeMissing } = gauge;
    new Gauge<L>({
      name: gauge.name,
      help: gauge.help,
      labelNames: labels,
      registers: [registry],
      async collect() {
        this.reset();
        if (mayBeMissing && !(await db.schema.hasTable(table))) return;
        const q = db(table);
        if (where) q.where(where);
        const rows = (await q
          .select(...labels)
          .count({ n: '*' })
          .groupBy(labels)) as Array<Record<L, string> & { n: string | number }>;
        for (const r of rows) {
          const values: LabelValues<L> = {};
          for (const l of labels) values[l] = r[l];
          this.set(values, Number(r.n));
        }
      },
    });
  };

  rowCount({
    name: 'alpes_payments',
    help: 'Payments in the read model by status',
    table: 'payments',
    labels: ['status', 'currency'],
  });

  /** Payments in a status that needs the janitor or an operator: count and age of the oldest, per currency. */
  const stuck = (status: string, name: string, help: string): void => {
    rowCount({ name, help, table: 'payments', labels: ['currency'], where: { status } });
    new Gauge({
      name: `${name}_oldest_seconds`,
      help: `Seconds since the oldest payment counted by ${name} got there`,
      labelNames: ['currency'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = (await db('payments')
          .where({ status })
          .select('currency')
          .min({ since: 'updated_at' })
          .groupBy('currency')) as Array<{ currency: string; since: Date | string }>;
        const now = Date.now();
        for (const r of rows) this.set({ currency: r.currency }, (now - new Date(r.since).getTime()) / 1000);
      },
    });
  };
  // Alert when it stays above 0 longer than a few janitor runs: the bank cannot say what it did.
  stuck(
    'PAYOUT_UNKNOWN',
    'alpes_payments_unknown',
    'Payments whose payout outcome is unknown (PAYOUT_UNKNOWN), waiting for the janitor',
  );
  // Alert on any: the partner was paid and the payout could not be given back.
  stuck(
    'COMPENSATION_FAILED',
    'alpes_payments_compensation_failed',
    'Payments paid out whose compensation failed (COMPENSATION_FAILED): an operator must act',
  );

  // Alert on any: a payment whose workflow has ended while it has not moves no more by itself
  // (the janitor finds them; POST /payments/:id/recover repairs one).
  // Reconciliation (issue 26): open exceptions by kind, how long the oldest has waited, and the
  // file-rail payouts no statement has booked yet.
  new Gauge({
    name: 'alpes_reconciliation_exceptions',
    help: 'Open reconciliation exceptions (not yet resolved), by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const rows = (await db('reconciliation_exceptions')
        .whereNot('status', 'RESOLVED')
        .groupBy('kind')
        .select('kind')
        .count({ n: '*' })) as Array<{ kind: string; n: string | number }>;
      this.reset();
      for (const kind of EXCEPTION_KINDS) this.set({ kind }, 0);
      for (const r of rows) this.set({ kind: r.kind }, Number(r.n));
    },
  });
  new Gauge({
    name: 'alpes_reconciliation_exceptions_oldest_seconds',
    help: 'Seconds the oldest open reconciliation exception has waited (0 when there is none)',
    registers: [registry],
    async collect() {
      const row = (await db('reconciliation_exceptions')
        .whereNot('status', 'RESOLVED')
        .min({ since: 'created_at' })
        .first()) as { since: Date | string | null } | undefined;
      this.set(row?.since ? (Date.now() - new Date(row.since).getTime()) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'alpes_reconciliation_awaiting_statement',
    help: 'Payouts the bank took by file that no statement has booked or returned yet',
    registers: [registry],
    async collect() {
      const row = (await db('bank_file_items as i')
        .leftJoin('reconciliation_payouts as r', 'r.payment_id', 'i.payment_id')
        .whereIn('i.status', ['FILED', 'ACCEPTED'])
        .where((q) => q.whereNull('r.state').orWhere('r.state', 'AWAITING_STATEMENT'))
        .count({ n: '*' })
        .first()) as { n: string | number } | undefined;
      this.set(Number(row?.n ?? 0));
    },
  });
  new Gauge({
    name: 'alpes_payments_orphaned',
    help: 'Payments whose workflow has ended while the payment has not (found by the janitor)',
    registers: [registry],
    async collect() {
      const row = (await db('payment_orphans').whereNull('closed_at').count({ n: '*' }).first()) as
        { n: string | number } | undefined;
      this.set(Number(row?.n ?? 0));
    },
  });
  new Gauge({
    name: 'alpes_payments_orphaned_oldest_seconds',
    help: 'Seconds since the workflow of the oldest orphaned payment ended (0 when there is none)',
    registers: [registry],
    async collect() {
      const row = (await db('payment_orphans')
        .whereNull('closed_at')
        .min({ since: 'orphaned_at' })
        .first()) as { since: Date | string | null } | undefined;
      this.set(row?.since ? (Date.now() - new Date(row.since).getTime()) / 1000 : 0);
    },
  });

  // Alert on any: commissions SETTLING for a payout that never started, of a run that is not
  // running (failed, terminated, timed out) — stranded until the run is resumed or released
  // (POST /settlements/:id/release). One small read, and one look at each such run's workflow.
  const stranded = async (): Promise<{ count: number; oldest: number }> => {
    const { rows } = (await db.raw(
      `select c.settlement_id, count(*)::int as n, min(c.updated_at) as since
         from commissions c
        where c.status = 'SETTLING' and c.settlement_id is not null
          and not exists (select 1 from payments p where p.id = c.payment_id)
        group by c.settlement_id`,
    )) as { rows: Array<{ settlement_id: string; n: number; since: Date | string }> };
    let count = 0;
    let oldest = 0;
    for (const r of rows) {
      if (!options.settlementRunning || (await options.settlementRunning(r.settlement_id))) continue;
      count += Number(r.n);
      oldest = Math.max(oldest, (Date.now() - new Date(r.since).getTime()) / 1000);
    }
    return { count, oldest };
  };
  // A scrape collects every gauge at once: both stranded gauges share the read in flight, so each
  // scrape reads (and looks at each run's workflow) once, not once per gauge.
  let strandedRead: Promise<{ count: number; oldest: number }> | undefined;
  const strandedOnce = (): Promise<{ count: number; oldest: number }> =>
    (strandedRead ??= stranded().finally(() => {
      strandedRead = undefined;
    }));
  new Gauge({
    name: 'alpes_commissions_stranded',
    help: 'Commissions SETTLING for payouts that never started, of settlement runs that are not running',
    registers: [registry],
    async collect() {
      this.set((await strandedOnce()).count);
    },
  });
  new Gauge({
    name: 'alpes_commissions_stranded_oldest_seconds',
    help: 'Seconds since the oldest stranded commission was claimed (0 when there is none)',
    registers: [registry],
    async collect() {
      this.set((await strandedOnce()).oldest);
    },
  });

  // Alert on any: a partner was not told of a step of its payment (the payment itself went on).
  new Gauge({
    name: 'alpes_partner_notices_undelivered',
    help: 'Partner notices the payment workflow gave up on (PartnerNoticeUndelivered events)',
    registers: [registry],
    async collect() {
      const row = (await db('events')
        .where({ type: 'PartnerNoticeUndelivered' })
        .count({ n: '*' })
        .first()) as { n: string | number } | undefined;
      this.set(Number(row?.n ?? 0));
    },
  });

  // Payout rails: which provider is paying, declining, or still asked (SENT: the answer pending).
  rowCount({
    name: 'alpes_payout_attempts',
    help: 'Payout attempts by provider and status (PAYOUT_ROUTES; DECLINED moved a payout to the next provider)',
    table: 'payout_attempts',
    labels: ['provider', 'status'],
    mayBeMissing: true,
  });
  rowCount({
    name: 'alpes_bank_file_transfers',
    help: 'Transfers on the ISO 20022 file rail by status (FILED: sent, no report yet)',
    table: 'bank_file_items',
    labels: ['status'],
    mayBeMissing: true,
  });
  rowCount({
    name: 'alpes_bank_file_anomalies',
    help: 'What bank reports said that could not be applied, by kind (GET /bank-files/anomalies)',
    table: 'bank_file_anomalies',
    labels: ['kind'],
    mayBeMissing: true,
  });

  rowCount({
    name: 'alpes_notification_deliveries',
    help: 'Notification deliveries by channel and outcome',
    table: 'notifications',
    labels: ['channel', 'status'],
    mayBeMissing: true,
  });

  return {
    registry,
    observeHttp: (labels: { method: string; route: string; status: number }, seconds: number) =>
      httpDuration.observe({ ...labels, status: String(labels.status) }, seconds),
    paymentStarted: (currency: string) => paymentsStarted.inc({ currency }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
