import express, { type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { notFoundHandler, problemMiddleware } from '../shared/http/problem.middleware';
import { ProblemError, problemType, type ProblemBody } from '../shared/http/problem';
import { listen, loopbackUrl } from '../shared/http/listen.util';
import { createBankFileDesk, type BankFileDesk, type FileFaults } from './bank-file.desk';
import { REJECT_REASONS, type RejectReason } from './pain002.builder';
import { RETURN_REASONS, type ReturnReason } from './camt.builder';
import { createPain001SchemaValidator, type Pain001SchemaValidator } from './pain001-schema.validator';
import { createStatementDesk, type StatementDesk, type StatementFaults } from './statement.desk';
import { SandboxBankStore, type Answer, type StoredAnswer } from './sandbox-bank.store';

/**
 * The sandbox bank: a small payout provider of our own that behaves like a real one (idempotency
 * keys, declines, refunds, a ledger) and can be made to misbehave on purpose (latency, 503s, hangs,
 * declines, answers lost after the money moved) so the payment workflow's retry, compensation and
 * unknown-outcome paths are exercised for real.
 *
 * Magic value, like a test card: a payout to an account whose last four digits are `0000` is
 * always declined.
 */

export interface BankFaults extends FileFaults, StatementFaults {
  /** Added to every /payouts and /refunds request, before any database work. */
  latencyMs: number;
  /** 0..1: share of /payouts and /refunds requests answered 503 before touching the database. */
  failureRate: number;
  /** 0..1: share of new payouts declined (402). */
  declineRate: number;
  /** The next N /payouts or /refunds requests answer 503 without any effect. */
  failNext: number;
  /** The next N new payouts are declined (402). */
  declineNext: number;
  /** The next N /payouts or /refunds requests sleep 30 s before being handled (client timeouts). */
  hangNext: number;
  /**
   * The next N /payouts or /refunds requests are carried out and committed, then their answer is
   * lost (`failAfterCommitMode`): the client cannot tell whether money moved. Replays count too.
   */
  failAfterCommitNext: number;
  /** 0..1: share of /payouts and /refunds requests whose answer is lost after the commit. */
  failAfterCommitRate: number;
  /** How the answer is lost: the connection is reset, or a 503 is sent instead. */
  failAfterCommitMode: 'reset' | '503';
}

export interface BankLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SandboxBankDeps {
  db: Knex;
  faults?: Partial<BankFaults>;
  logger?: BankLogger;
  /** Bank files (POST /files, the inbox folder): the pain.001 XSD to check them against, closed accounts. */
  files?: { pain001Xsd?: string; closedAccounts?: readonly string[] };
  /** The bank's clock for which days are over (statements); tests move it. Bookings use the real time. */
  clock?: () => Date;
}

export interface SandboxBank {
  app: express.Express;
  /** Resolves with the base URL, `http://127.0.0.1:<port>` (port 0 picks a free one). */
  start(port: number, host?: string): Promise<string>;
  /** Stops accepting requests, cuts injected hangs and latency short (503), and waits for in-flight work. */
  stop(): Promise<void>;
  setFaults(faults: Partial<BankFaults>): void;
  getFaults(): BankFaults;
  /** The pain.001 desk, shared by POST /files and the inbox folder (bank-file-folder.poller.ts). */
  files: BankFileDesk;
  /** Customers' accounts: statements (camt.053), notices (camt.054), returns. */
  statements: StatementDesk;
}

export const HANG_MS = 30_000;
export const DECLINING_ACCOUNT_SUFFIX = '0000';

const NO_FAULTS: BankFaults = {
  latencyMs: 0,
  failureRate: 0,
  declineRate: 0,
  failNext: 0,
  declineNext: 0,
  hangNext: 0,
  failAfterCommitNext: 0,
  failAfterCommitRate: 0,
  failAfterCommitMode: 'reset',
  rejectNext: 0,
  rejectReason: 'AC04',
  loseNextFile: 0,
  lateReportMs: 0,
  duplicateNextReport: 0,
  batchBooking: true,
  omitNextEntry: 0,
  offByOneNextEntry: 0,
  unorderedNextEntry: 0,
  duplicateNextEntry: 0,
  returnNext: 0,
  returnReason: 'AC04',
  returnAfterDays: 0,
  lateReturnMs: 0,
  statementBalanceOffsetMinor: 0,
};

const returnReason = z.enum(Object.keys(RETURN_REASONS) as [ReturnReason, ...ReturnReason[]]);

const faultsPatch = z
  .strictObject({
    latencyMs: z.number().int().min(0).max(60_000),
    failureRate: z.number().min(0).max(1),
    declineRate: z.number().min(0).max(1),
    failNext: z.number().int().min(0),
    declineNext: z.number().int().min(0),
    hangNext: z.number().int().min(0),
    failAfterCommitNext: z.number().int().min(0),
    failAfterCommitRate: z.number().min(0).max(1),
    failAfterCommitMode: z.enum(['reset', '503']),
    rejectNext: z.number().int().min(0),
    rejectReason: z.enum(Object.keys(REJECT_REASONS) as [RejectReason, ...RejectReason[]]),
    loseNextFile: z.number().int().min(0),
    lateReportMs: z.number().int().min(0).max(3_600_000),
    duplicateNextReport: z.number().int().min(0),
    batchBooking: z.boolean(),
    omitNextEntry: z.number().int().min(0),
    offByOneNextEntry: z.number().int().min(0),
    unorderedNextEntry: z.number().int().min(0),
    duplicateNextEntry: z.number().int().min(0),
    returnNext: z.number().int().min(0),
    returnReason,
    returnAfterDays: z.number().int().min(0).max(60),
    lateReturnMs: z.number().int().min(0).max(3_600_000),
    statementBalanceOffsetMinor: z.number().int().min(-1_000_000).max(1_000_000),
  })
  .partial();

const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'must be three upper-case letters such as COP or USD' });
const amountMinor = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const payoutBody = z.object({
  paymentId: z.string().trim().min(1).max(200),
  partnerId: z.string().trim().min(1).max(64),
  amountMinor,
  currency: currencyCode,
  account: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9 -]{4,64}$/, { message: 'must be 4 to 64 letters, digits, spaces or dashes' }),
});
type PayoutBody = z.infer<typeof payoutBody>;

const refundBody = z.object({
  payoutId: z.uuid({ message: 'must be the id of a payout' }),
  paymentId: z.string().trim().min(1).max(200),
  amountMinor,
  currency: currencyCode,
});
type RefundBody = z.infer<typeof refundBody>;

const ledgerQuery = z.object({
  paymentId: z.string().min(1).max(200).optional(),
  currency: currencyCode.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

const reportsQuery = z.object({
  after: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const account = z
  .string()
  .transform((a) => a.replace(/\s+/g, '').toUpperCase())
  .pipe(
    z
      .string()
      .regex(/^[A-Z0-9]{1,34}$/, { message: 'must be an IBAN or account id (1 to 34 letters or digits)' }),
  );
const isoDate = z.iso.date({ message: 'must be a date (YYYY-MM-DD)' });
const statementQuery = z.object({ account, date: isoDate });
const statementDaysQuery = z.object({
  account: account.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const returnBody = z.strictObject({
  endToEndId: z.string().trim().min(1).max(35),
  reason: returnReason,
  afterDays: z.number().int().min(0).max(60).default(0),
  delayMs: z.number().int().min(0).max(3_600_000).default(0),
});

const idempotencyKey = z.string().trim().min(1).max(255);
const payoutLookupQuery = z.strictObject({ idempotencyKey });

const silentLogger: BankLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function createSandboxBank(deps: SandboxBankDeps): SandboxBank {
  const store = new SandboxBankStore(deps.db);
  const logger = deps.logger ?? silentLogger;
  let faults: BankFaults = { ...NO_FAULTS, ...faultsPatch.parse(deps.faults ?? {}) };
  let shutdown = new AbortController();

  const setFaults = (patch: Partial<BankFaults>): void => {
    faults = { ...faults, ...faultsPatch.parse(patch) };
  };

  const validator: Pain001SchemaValidator = createPain001SchemaValidator(deps.files?.pain001Xsd);
  if (!validator.schemaChecked) {
    logger.warn({}, 'bank files are read but not schema-checked: set SANDBOX_BANK_PAIN001_XSD');
  }
  const take = (name: CountedFault): boolean => {
    if (faults[name] <= 0) return false;
    faults[name] -= 1;
    return true;
  };
  const statements = createStatementDesk({
    db: deps.db,
    logger,
    clock: deps.clock,
    faults: { get: () => faults, take },
  });
  const files = createBankFileDesk({
    db: deps.db,
    validator,
    closedAccounts: deps.files?.closedAccounts,
    logger,
    statements,
    faults: { get: () => faults, take },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', async (_req, res) => {
    await store.ping();
    res.json({ status: 'up' });
  });

  app.get('/admin/faults', (_req, res) => void res.json(faults));
  app.put('/admin/faults', (req, res) => {
    setFaults(faultsPatch.parse(req.body ?? {}));
    logger.warn({ faults }, 'faults changed');
    res.json(faults);
  });

  // Payouts and refunds share one path: key required, body checked, faults injected before any
  // effect, then the operation runs once per idempotency key; an answer may then be lost on purpose.
  const moneyRoute = <T extends PayoutBody | RefundBody>(
    path: '/payouts' | '/refunds',
    operation: 'PAYOUT' | 'REFUND',
    schema: { parse(input: unknown): T },
    execute: (trx: Knex.Transaction, body: T, url: string) => Promise<Answer>,
  ): void => {
    app.post(path, async (req, res) => {
      const key = requireIdempotencyKey(req);
      const body = schema.parse(req.body);
      await injectFaults(path);
      const answer = await idempotent(operation, key, body, req.originalUrl, (trx) =>
        execute(trx, body, req.originalUrl),
      );
      if (loseAnswerAfterCommit(path, key, res)) return;
      send(res, answer);
    });
  };

  // What happened to a payout, by the idempotency key it was sent with: how a client that lost the
  // answer (timeout, reset) learns the truth without sending the payout again.
  app.get('/payouts', async (req, res) => {
    const { idempotencyKey: key } = payoutLookupQuery.parse(req.query);
    const stored = await store.lookup(key);
    res.json(
      stored ? outcomeOf(key, stored, req.originalUrl) : { idempotencyKey: key, outcome: 'NOT_FOUND' },
    );
  });

  // Closes a key nothing was paid under, so that the "not found" above becomes final: a request with
  // it that is still on its way (a hung connection, a retry) can no longer pay. A key already used
  // answers with its outcome instead.
  app.post('/payouts/void', async (req, res) => {
    const key = requireIdempotencyKey(req);
    const stored = await store.closeKey(key, {
      status: 200,
      body: { idempotencyKey: key, outcome: 'VOIDED', voidedAt: new Date().toISOString() },
    });
    if (stored.operation === 'VOID') logger.warn({ key }, 'payout key voided');
    res.json(outcomeOf(key, stored, req.originalUrl));
  });
  moneyRoute('/payouts', 'PAYOUT', payoutBody, executePayout);
  moneyRoute('/refunds', 'REFUND', refundBody, executeRefund);

  // Host-to-host file channel: a pain.001 in, 202 once it is taken (booked and reported, or lost by
  // an injected fault); a malformed file is refused whole; a MsgId seen before is refused.
  app.post(
    '/files',
    express.text({ type: ['application/xml', 'text/xml', 'application/*+xml'], limit: '10mb' }),
    async (req, res) => {
      if (typeof req.body !== 'string') {
        throw new ProblemError(415, 'Unsupported media type', 'send the pain.001 as application/xml', {
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
      const outcome = await files.receive(req.body, 'http');
      if (outcome.kind === 'refused') {
        throw new ProblemError(422, 'Malformed file', outcome.reason, { code: 'MALFORMED_FILE' });
      }
      if (outcome.kind === 'duplicate') {
        throw new ProblemError(
          409,
          'Duplicate file',
          `a file with MsgId ${outcome.msgId} was received before: it is not processed again`,
          { code: 'DUPLICATE_FILE', msgId: outcome.msgId, fileId: outcome.fileId },
        );
      }
      res.status(202).json({ fileId: outcome.fileId, msgId: outcome.msgId, status: 'RECEIVED' });
    },
  );

  // Status reports (pain.002) of files sent over HTTP, in the order they became available.
  app.get('/reports', async (req, res) => {
    const { after, limit } = reportsQuery.parse(req.query);
    const listed = await readingCursor(() => files.store.listReports('http', after, limit));
    res.json({
      reports: listed.reports.map(({ xml: _xml, ...r }) => r),
      next: listed.next ?? null,
    });
  });

  app.get(
    '/reports/:id',
    xmlById('Report', 'REPORT_NOT_FOUND', (id) => files.store.report(id)),
  );

  // End-of-day statement (camt.053.001.08) of an account and a day that is over (UTC, the bank's clock).
  app.get('/statements', async (req, res) => {
    const { account: acct, date } = statementQuery.parse(req.query);
    const outcome = await statements.statement(acct, date);
    if (outcome.kind === 'unknown-account') {
      throw new ProblemError(
        404,
        'Account not found',
        `the bank has booked nothing on ${maskAccount(acct)}`,
        {
          code: 'ACCOUNT_NOT_FOUND',
        },
      );
    }
    if (outcome.kind === 'not-closed') {
      throw new ProblemError(
        409,
        'Day not over',
        `the statement of ${date} comes once the day is over (today is ${outcome.today}, UTC)`,
        { code: 'DAY_NOT_CLOSED', today: outcome.today },
      );
    }
    res.set('X-Message-Id', outcome.messageId).type('application/xml').send(outcome.xml);
  });

  // The days that have a statement (closed days with entries), newest first.
  app.get('/statements/days', async (req, res) => {
    const { account: acct, limit } = statementDaysQuery.parse(req.query);
    const days = await statements.store.closedDays({
      account: acct,
      today: statements.today(),
      now: new Date(),
      limit,
    });
    res.json({
      today: statements.today(),
      days: days.map((d) => ({
        account: d.account,
        date: d.date,
        changedAt: d.changedAt,
        href: `/statements?account=${d.account}&date=${d.date}`,
      })),
    });
  });

  // Intraday notices (camt.054.001.08) of bookings from files sent over HTTP, and of their returns,
  // in the order they became available (same cursor as /reports).
  app.get('/notifications', async (req, res) => {
    const { after, limit } = reportsQuery.parse(req.query);
    const listed = await readingCursor(() => statements.store.listNotifications('http', after, limit));
    res.json({
      notifications: listed.notifications.map(({ xml: _xml, ...n }) => n),
      next: listed.next ?? null,
    });
  });

  app.get(
    '/notifications/:id',
    xmlById('Notification', 'NOTIFICATION_NOT_FOUND', (id) => statements.store.notification(id)),
  );

  // The creditor's bank sends a transfer back: a credit with the original EndToEndId and the reason,
  // `afterDays` after the transfer's booking day, shown only `delayMs` from now (a late return).
  app.post('/admin/returns', async (req, res) => {
    const body = returnBody.parse(req.body ?? {});
    const outcome = await statements.returnTransfer(body);
    if (outcome.kind === 'unknown') {
      throw new ProblemError(
        404,
        'Transfer not found',
        `no transfer booked from a file with EndToEndId ${body.endToEndId}`,
        {
          code: 'TRANSFER_NOT_FOUND',
        },
      );
    }
    if (outcome.kind === 'already-returned') {
      throw new ProblemError(409, 'Already returned', `transfer ${body.endToEndId} was returned before`, {
        code: 'ALREADY_RETURNED',
        bookingDate: outcome.entry.bookingDate,
      });
    }
    logger.warn({ ...body }, 'transfer returned (admin)');
    res.status(201).json({
      endToEndId: body.endToEndId,
      reason: body.reason,
      entryId: outcome.entry.id,
      account: maskAccount(outcome.entry.account),
      bookingDate: outcome.entry.bookingDate,
      amountMinor: Number(outcome.entry.amountMinor),
      currency: outcome.entry.currency,
      notificationId: outcome.notificationId,
    });
  });

  app.get('/ledger', async (req, res) => {
    res.json({ entries: await store.ledger(ledgerQuery.parse(req.query)) });
  });

  app.get('/ledger/summary', async (_req, res) => {
    res.json({ currencies: await store.summary() });
  });

  app.use(notFoundHandler);
  app.use(problemMiddleware(logger));

  /**
   * After the commit: the money moved (or the first answer was replayed), and the client is not
   * told. A reset is what a crashed load balancer or a cut line looks like; a 503 is a gateway that
   * gave up on a slow backend.
   */
  function loseAnswerAfterCommit(route: string, key: string, res: Response): boolean {
    let lose = false;
    if (faults.failAfterCommitNext > 0) {
      faults.failAfterCommitNext -= 1;
      lose = true;
    } else if (faults.failAfterCommitRate > 0 && Math.random() < faults.failAfterCommitRate) {
      lose = true;
    }
    if (!lose) return false;
    logger.warn({ route, key, mode: faults.failAfterCommitMode }, 'injected fault: answer lost after commit');
    if (faults.failAfterCommitMode === 'reset') {
      res.socket?.destroy();
    } else {
      const p = problem(503, 'Service unavailable', 'injected failure after commit', route, {});
      res.status(503).set('Retry-After', '1').type('application/problem+json').send(JSON.stringify(p));
    }
    return true;
  }

  /** The lookup's view of what a key's first answer says about the payout. */
  function outcomeOf(key: string, stored: StoredAnswer, instance: string): Record<string, unknown> {
    const { operation, answer } = stored;
    if (operation === 'VOID') return { ...answer.body, idempotencyKey: key, outcome: 'VOIDED' };
    if (operation !== 'PAYOUT') {
      throw new ProblemError(422, 'Not a payout', 'this idempotency key was used for a refund', {
        code: 'NOT_A_PAYOUT',
        instance,
      });
    }
    if (answer.status === 201) return { idempotencyKey: key, outcome: 'PAID', payout: answer.body };
    return {
      idempotencyKey: key,
      outcome: 'DECLINED',
      status: answer.status,
      detail: typeof answer.body.detail === 'string' ? answer.body.detail : 'declined',
    };
  }

  /** Runs before any database work, so an injected 503 or hang never moves money. */
  async function injectFaults(route: string): Promise<void> {
    const signal = shutdown.signal;
    try {
      if (faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal });
      if (faults.hangNext > 0) {
        faults.hangNext -= 1;
        logger.warn({ route, hangMs: HANG_MS }, 'injected fault: hanging');
        await sleep(HANG_MS, undefined, { signal });
      }
    } catch {
      throw unavailable('the sandbox bank is shutting down');
    }
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      logger.warn({ route }, 'injected fault: failNext');
      throw unavailable('injected failure (failNext)');
    }
    if (faults.failureRate > 0 && Math.random() < faults.failureRate) {
      logger.warn({ route }, 'injected fault: failureRate');
      throw unavailable('injected failure (failureRate)');
    }
  }

  async function idempotent(
    operation: 'PAYOUT' | 'REFUND',
    key: string,
    body: PayoutBody | RefundBody,
    instance: string,
    execute: (trx: Knex.Transaction) => Promise<Answer>,
  ): Promise<Answer & { replay: boolean }> {
    const outcome = await store.once(operation, key, requestHash(operation, key, body), execute);
    if (outcome.kind === 'voided') {
      return {
        status: 410,
        body: problem(
          410,
          'Payout voided',
          'this Idempotency-Key was closed after a lookup found nothing under it: nothing was or will be paid',
          instance,
          { code: 'PAYOUT_VOIDED' },
        ),
        replay: false,
      };
    }
    if (outcome.kind === 'conflict') {
      return {
        status: 422,
        body: problem(
          422,
          'Idempotency key reused',
          'this Idempotency-Key was already used with a different request',
          instance,
          { code: 'IDEMPOTENCY_KEY_REUSED' },
        ),
        replay: false,
      };
    }
    return { ...outcome.answer, replay: outcome.kind === 'replay' };
  }

  async function executePayout(trx: Knex.Transaction, body: PayoutBody, instance: string): Promise<Answer> {
    const last4 = body.account.replace(/[\s-]/g, '').slice(-4);
    const declined = declineReason(last4);
    if (declined) {
      logger.info({ paymentId: body.paymentId, reason: declined }, 'payout declined');
      return {
        status: 402,
        body: problem(402, 'Payout declined', declined, instance, { code: 'PAYOUT_DECLINED' }),
      };
    }
    const id = randomUUID();
    const createdAt = new Date();
    await store.record(trx, {
      id,
      kind: 'PAYOUT',
      payoutId: null,
      amountMinor: body.amountMinor,
      currency: body.currency,
      account: `****${last4}`,
      paymentId: body.paymentId,
      createdAt: createdAt.toISOString(),
    });
    logger.info(
      { id, paymentId: body.paymentId, amountMinor: body.amountMinor, currency: body.currency },
      'payout paid',
    );
    return {
      status: 201,
      body: {
        id,
        kind: 'PAYOUT',
        status: 'PAID',
        amountMinor: body.amountMinor,
        currency: body.currency,
        paymentId: body.paymentId,
        createdAt: createdAt.toISOString(),
      },
    };
  }

  function declineReason(last4: string): string | undefined {
    if (last4 === DECLINING_ACCOUNT_SUFFIX) return 'account closed (sandbox account ending in 0000)';
    if (faults.declineNext > 0) {
      faults.declineNext -= 1;
      return 'declined by the bank (injected: declineNext)';
    }
    if (faults.declineRate > 0 && Math.random() < faults.declineRate) {
      return 'declined by the bank (injected: declineRate)';
    }
    return undefined;
  }

  async function executeRefund(trx: Knex.Transaction, body: RefundBody, instance: string): Promise<Answer> {
    const found = await store.lockPayout(trx, body.payoutId);
    if (!found) {
      return {
        status: 404,
        body: problem(404, 'Payout not found', `no payout with id ${body.payoutId}`, instance, {
          code: 'PAYOUT_NOT_FOUND',
        }),
      };
    }
    const refused = (detail: string): Answer => ({
      status: 422,
      body: problem(422, 'Refund not allowed', detail, instance, { code: 'REFUND_NOT_ALLOWED' }),
    });
    const { payout, refundedMinor } = found;
    if (payout.paymentId !== body.paymentId) return refused('the payout belongs to another payment');
    if (payout.currency !== body.currency) {
      return refused(`currency ${body.currency} does not match the payout's ${payout.currency}`);
    }
    const remaining = payout.amountMinor - refundedMinor;
    if (remaining <= 0) return refused('the payout is already fully refunded');
    if (body.amountMinor > remaining) {
      return refused(`refund of ${body.amountMinor} exceeds the ${remaining} still refundable`);
    }
    const id = randomUUID();
    const createdAt = new Date();
    await store.record(trx, {
      id,
      kind: 'REFUND',
      payoutId: payout.id,
      amountMinor: body.amountMinor,
      currency: body.currency,
      account: payout.account,
      paymentId: body.paymentId,
      createdAt: createdAt.toISOString(),
    });
    logger.info(
      { id, payoutId: payout.id, paymentId: body.paymentId, amountMinor: body.amountMinor },
      'refund made',
    );
    return {
      status: 201,
      body: {
        id,
        kind: 'REFUND',
        status: 'REFUNDED',
        payoutId: payout.id,
        amountMinor: body.amountMinor,
        currency: body.currency,
        paymentId: body.paymentId,
        createdAt: createdAt.toISOString(),
      },
    };
  }

  let server: Server | undefined;
  return {
    app,
    files,
    statements,
    setFaults,
    getFaults: () => ({ ...faults }),
    start: async (port, host = '127.0.0.1') => {
      if (shutdown.signal.aborted) shutdown = new AbortController();
      server = await listen(app, port, host);
      return loopbackUrl(server);
    },
    stop: () =>
      new Promise((resolve) => {
        shutdown.abort();
        const s = server;
        server = undefined;
        if (!s) return resolve();
        // Keep-alive sockets of requests that finish during the stop would otherwise hold `close`
        // open until the client's idle timeout.
        const sweep = setInterval(() => s.closeIdleConnections(), 50);
        s.close(() => {
          clearInterval(sweep);
          resolve();
        });
        s.closeIdleConnections();
      }),
  };
}

type CountedFault = {
  [K in keyof BankFaults]: BankFaults[K] extends number ? K : never;
}[keyof BankFaults];

const maskAccount = (account: string): string => `****${account.slice(-4)}`;

function requireIdempotencyKey(req: Request): string {
  const parsed = idempotencyKey.safeParse(req.get('idempotency-key') ?? '');
  if (!parsed.success) {
    throw new ProblemError(
      400,
      'Missing Idempotency-Key',
      'send a non-empty Idempotency-Key header (max 255)',
    );
  }
  return parsed.data;
}

function send(res: Response, answer: Answer & { replay: boolean }): void {
  if (answer.replay) res.set('Idempotent-Replay', 'true');
  res
    .status(answer.status)
    .type(answer.status >= 400 ? 'application/problem+json' : 'application/json')
    .send(JSON.stringify(answer.body));
}

function unavailable(detail: string): ProblemError {
  return new ProblemError(503, 'Service unavailable', detail, {}, { 'Retry-After': '1' });
}

function problem(
  status: number,
  title: string,
  detail: string,
  instance: string,
  extra: Record<string, unknown>,
): ProblemBody {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { type: problemType(slug), title, status, detail, instance, ...extra };
}

/** Same request ⇔ same hash: keys sorted at every level so field order never matters. */
function requestHash(operation: string, key: string, body: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${key}\n${canonicalJson(body)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A listing read from a client's cursor: a cursor that is not one of ours is the client's 400. */
async function readingCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (err) {
    if (err instanceof Error && err.message === 'not a report cursor') {
      throw new ProblemError(400, 'Bad cursor', 'use the `next` of an earlier answer', {
        code: 'BAD_CURSOR',
      });
    }
    throw err;
  }
}

/** GET of one stored XML document by its UUID; anything else is that document's 404. */
function xmlById(
  what: string,
  code: string,
  find: (id: string) => Promise<{ xml: string } | undefined>,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    const doc = id.success ? await find(id.data) : undefined;
    if (!doc) {
      throw new ProblemError(404, `${what} not found`, `no ${what.toLowerCase()} ${req.params.id}`, { code });
    }
    res.type('application/xml').send(doc.xml);
  };
}
