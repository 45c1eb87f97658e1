import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import express from 'express';
import type { Knex } from 'knex';
import {
  createNotificationSignalActivities,
  type NotificationSignalActivities,
} from '../src/activities/notification.activities';
import type {
  NotifiablePaymentEventType,
  NotifyPartnerInput,
  PartnerNotificationsSettings,
} from '../src/ports/notification.port';
import { errorMiddleware } from '../src/api/error-middleware';
import { notFoundHandler } from '../src/shared/http/problem.middleware';
import { notificationRoutes } from '../src/api/notification.routes';
import { RouteTable } from '../src/api/route-kit';
import { isPermanentDeliveryError } from '../src/ports/notification-channel.port';
import { formatAmount } from '../src/domain/notification-content';
import { openDatabase } from '../src/shared/db/knex-database';
import { NotificationQueries } from '../src/infra/db/notification.queries';
import { NotificationAttemptQueries } from '../src/infra/db/notification-attempts';
import { KnexPartnerNotificationSettings } from '../src/infra/db/notification.repository';
import { createLogger } from '../src/shared/logger';
import {
  parseNotificationConfig,
  type NotificationConfig,
} from '../src/infra/notifications/notification-config';
import {
  startNotificationService,
  type RunningNotificationService,
} from '../src/processes/wiring/notifications.component';
import { PartnerNotificationsClient } from '../src/infra/notifications/partner-notifications.client';
import { describeEmailTransport, SmtpEmailChannel } from '../src/infra/notifications/smtp-email.channel';
import { WebhookChannel } from '../src/infra/notifications/webhook.channel';
import { guardedLookup } from '../src/infra/notifications/webhook-target';
import { WebhookSecretBox } from '../src/infra/notifications/webhook-secret-box';
import { newWebhookSecret } from '../src/infra/notifications/webhook-signature';
import { installTemporalRuntime } from '../src/infra/temporal/runtime';
import {
  getNotificationStateQuery,
  type PartnerNotificationsState,
} from '../src/workflows/partner-notifications.messages';
import { partnerNotificationsWorkflowId } from '../src/workflows/workflow-ids';
import { seedPartner } from './support/partner-seed';
import {
  signaturesOf,
  startSmtpReceiver,
  TEST_WEBHOOK_SECRET_KEYS,
  WebhookReceiver,
  type ReceivedEmail,
} from './support/notification-receivers';
import { untilSettled } from './support/settle-wait';
import { eventually, http, testDataConverter } from './support/system';
import { ensureFixture, replayErrors } from './support/history-fixtures';
import { historyText } from './support/history-text';
import { describeWithPostgres, testEnvironment } from './support/test-env';

type Json = any;

const noop = (): void => undefined;

interface NotificationRowView {
  id: string;
  channel: string;
  type: string;
  status: string;
  attempts: number;
  reason: string | null;
  source_event_id: string;
}

describeWithPostgres(
  'notifications: one workflow per partner, email over SMTP, signed webhooks, in-app (real Temporal, PostgreSQL, SMTP, HTTP)',
  (databaseUrl) => {
    // Retries are expected here: the SDK's per-attempt warnings would drown the test output.
    const logger = createLogger({ level: 'error', pretty: false });
    const taskQueue = `test-notifications-${randomUUID().slice(0, 8)}`;
    let db: Knex;
    let connection: Connection;
    let client: Client;
    let bundlePath: string;
    let config: NotificationConfig;
    let service: RunningNotificationService | undefined;
    let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
    let receiver: WebhookReceiver;
    let apiUrl: string;
    let stopApi: () => Promise<void>;
    const extraReceivers: WebhookReceiver[] = [];

    const startService = async (): Promise<RunningNotificationService> =>
      startNotificationService({
        db,
        config,
        temporal: { address: testEnvironment().temporalAddress, namespace: 'default' },
        logger,
        webhookSecretKeys: TEST_WEBHOOK_SECRET_KEYS,
        workflowBundlePath: bundlePath,
        // As in production: everything the partner's workflow holds is encrypted on the server.
        dataConverter: testDataConverter,
      });

    /** The payment workflow's activity, called directly, with the given workflow settings. */
    const signaller = (settings: Partial<PartnerNotificationsSettings> = {}): NotificationSignalActivities =>
      createNotificationSignalActivities({
        notifier: new PartnerNotificationsClient(client, taskQueue, { ...config.workflow, ...settings }),
      });
    let notify: NotificationSignalActivities['notifyPartner'];

    beforeAll(async () => {
      installTemporalRuntime(logger);
      db = openDatabase({ kind: 'postgres', url: databaseUrl });
      const { code } = await bundleWorkflowCode({
        workflowsPath: require.resolve('../src/workflows/notifications.index'),
        logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
      });
      const dir = mkdtempSync(join(tmpdir(), 'alpes-notifications-'));
      bundlePath = join(dir, 'notifications-bundle.js');
      writeFileSync(bundlePath, code);

      smtp = await startSmtpReceiver();
      receiver = await WebhookReceiver.start();
      config = parseNotificationConfig(
        {
          SMTP_URL: smtp.url,
          SMTP_TIMEOUT: '3s',
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_TIMEOUT: '2s',
          NOTIFICATIONS_TASK_QUEUE: taskQueue,
          NOTIFICATION_RETRY_INITIAL_INTERVAL: '100ms',
          NOTIFICATION_RETRY_MAX_INTERVAL: '300ms',
          NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: '200',
        },
        dir,
      );
      connection = await Connection.connect({ address: testEnvironment().temporalAddress });
      client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
      notify = signaller().notifyPartner;
      service = await startService();

      // The routes on their own, behind the same route table as the API, called as an admin.
      const app = express();
      app.use(express.json());
      app.use((_req, res, next) => {
        res.locals.principal = { name: 'test-admin', role: 'admin' };
        next();
      });
      const routes = new RouteTable();
      notificationRoutes(routes, {
        notifications: new NotificationQueries(db),
        deliveries: new NotificationAttemptQueries(db),
        settings: new KnexPartnerNotificationSettings(db, {
          box: new WebhookSecretBox(TEST_WEBHOOK_SECRET_KEYS),
          overlapMs: config.webhook.secretOverlapMs,
        }),
        commands: new PartnerNotificationsClient(client, taskQueue, config.workflow),
        newSecret: newWebhookSecret,
      });
      app.use(routes.router);
      app.use(notFoundHandler);
      app.use(errorMiddleware(logger));
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      stopApi = () =>
        new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
    }, 60_000);

    afterAll(async () => {
      await service?.stop();
      await stopApi?.();
      await connection?.close();
      await smtp?.stop();
      await receiver?.down();
      for (const r of extraReceivers) await r.down();
      await db?.destroy();
    }, 30_000);

    const api = (method: string, path: string, body?: unknown) => http(apiUrl, method, path, body);

    /** A registered partner; with a webhook URL, its secret comes from the rotate endpoint. */
    async function newPartner(webhookUrl: string | null = receiver.url()) {
      const id = randomUUID();
      const email = `partner-${id.slice(0, 8)}@example.com`;
      await seedPartner(db, { id, email, webhookUrl });
      let secret = '';
      if (webhookUrl) {
        const res = await api('POST', `/partners/${id}/webhook-secret`);
        expect(res.status).toBe(200);
        secret = res.body.secret;
        // Standard Webhooks form: whsec_ and the standard base64 of 32 random bytes.
        expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      }
      return { id, email, secret };
    }

    function paymentEvent(
      partnerId: string,
      eventType: NotifiablePaymentEventType,
      opts: { paymentId?: string; amountMinor?: number; currency?: string; reason?: string } = {},
    ): NotifyPartnerInput {
      const paymentId = opts.paymentId ?? randomUUID();
      return {
        partnerId,
        sourceEventId: `${paymentId}:${eventType}`,
        eventType,
        paymentId,
        amountMinor: opts.amountMinor ?? 1_500,
        currency: opts.currency ?? 'USD',
        reason: opts.reason ?? null,
        occurredAt: new Date().toISOString(),
      };
    }

    const rowsOf = (partnerId: string): Promise<NotificationRowView[]> =>
      db('notifications')
        .where({ partner_id: partnerId })
        .select('id', 'channel', 'type', 'status', 'attempts', 'reason', 'source_event_id');

    /** Waits until the partner has `count` notifications and none is PENDING any more. */
    const settled = (partnerId: string, count: number, timeoutMs = 30_000) =>
      eventually(
        () => rowsOf(partnerId),
        (rows) => rows.length === count && rows.every((r) => r.status !== 'PENDING'),
        { timeoutMs },
      );

    const emailsTo = (address: string): ReceivedEmail[] =>
      smtp.messages.filter((m) => m.to.includes(address));
    const webhooksOf = (r: WebhookReceiver, partnerId: string) =>
      r.requests.filter((w) => w.body?.partnerId === partnerId);

    /**
     * The contract, checked independently of the signer: t=<unix s>,v1=hex(HMAC-SHA256(secret, "<t>.<raw body>")),
     * one v1 per valid secret (the current one first, then those still inside a rotation's overlap).
     */
    function expectSigned(
      w: { headers: Json; rawBody: string; body: Json },
      secret: string,
      previous: string[] = [],
    ): void {
      const { t, v1 } = signaturesOf(String(w.headers['x-alpes-signature']));
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(120);
      const hmac = (s: string) => createHmac('sha256', s).update(`${t}.${w.rawBody}`).digest('hex');
      expect(v1).toEqual([secret, ...previous].map(hmac));
      expect(w.headers['x-alpes-event-id']).toBe(w.body.id);
      expect(w.headers['content-type']).toBe('application/json');
    }

    const state = (partnerId: string): Promise<PartnerNotificationsState> =>
      client.workflow.getHandle(partnerNotificationsWorkflowId(partnerId)).query(getNotificationStateQuery);

    /** Before counting "exactly once": until the receivers' counts settle, so a late duplicate is seen. */
    const quiet = (): Promise<number> =>
      untilSettled(
        () =>
          smtp.messages.length +
          receiver.requests.length +
          extraReceivers.reduce((n, r) => n + r.requests.length, 0),
      );

    const ALL_TYPES: NotifiablePaymentEventType[] = [
      'PaymentCreated',
      'PaymentAwaitingApproval',
      'PaymentCompleted',
      'PaymentRejected',
      'PaymentFailed',
      'PaymentCancelled',
      'PaymentRefunded',
    ];
    /** The same types as the API names them (preferences, webhooks). */
    const ALL_TYPE_NAMES = [
      'PAYMENT_CREATED',
      'PAYMENT_AWAITING_APPROVAL',
      'PAYMENT_COMPLETED',
      'PAYMENT_REJECTED',
      'PAYMENT_FAILED',
      'PAYMENT_CANCELLED',
      'PAYMENT_REFUNDED',
    ];

    it('each type the preferences select yields exactly one email and one signed webhook, to the right partner, with the right content', async () => {
      const ana = await newPartner();
      const other = await newPartner();
      const all = Object.fromEntries(ALL_TYPE_NAMES.map((t) => [t, ['EMAIL', 'WEBHOOK']]));
      expect(
        (await api('PUT', `/partners/${ana.id}/notification-preferences`, { preferences: all })).status,
      ).toBe(200);

      const paymentId = randomUUID();
      for (const type of ALL_TYPES) {
        await notify(
          paymentEvent(ana.id, type, {
            paymentId,
            amountMinor: 1_505_000,
            currency: 'COP',
            reason: type === 'PaymentRejected' ? 'duplicate invoice' : undefined,
          }),
        );
      }
      await notify(paymentEvent(other.id, 'PaymentCompleted', { amountMinor: 500, currency: 'JPY' }));
      // Internal steps are nobody's news: no notification at all.
      await notify({ ...paymentEvent(ana.id, 'PaymentCompleted'), eventType: 'PaymentProcessing' as never });

      const rows = await settled(ana.id, 14);
      await settled(other.id, 3);
      await quiet();
      expect(rows.every((r) => r.status === 'SENT')).toBe(true);
      expect(rows.filter((r) => r.channel === 'EMAIL')).toHaveLength(7);
      expect(rows.filter((r) => r.channel === 'WEBHOOK')).toHaveLength(7);

      const amount = formatAmount(1_505_000, 'COP');
      const emails = emailsTo(ana.email);
      expect(emails).toHaveLength(7);
      for (const m of emails) {
        expect(m.to).toEqual([ana.email]);
        expect(m.subject).toContain(amount);
        expect(m.text).toContain(amount);
        expect(m.text).toContain(paymentId);
      }
      expect(emails.map((m) => m.subject).sort()).toEqual(
        ['created', 'awaiting approval', 'completed', 'rejected', 'failed', 'cancelled', 'refunded']
          .map((w) => `Alpes Partners: Payment of ${amount} ${w}`)
          .sort(),
      );
      expect(emails.find((m) => m.subject.endsWith('rejected'))!.text).toContain('Reason: duplicate invoice');

      const hooks = webhooksOf(receiver, ana.id);
      expect(hooks).toHaveLength(7);
      for (const w of hooks) {
        expectSigned(w, ana.secret);
        expect(w.body.data).toMatchObject({ paymentId, amountMinor: 1_505_000, currency: 'COP', amount });
      }
      expect(new Set(hooks.map((w) => w.body.type))).toEqual(new Set(ALL_TYPE_NAMES));

      // The other partner got its own, with its own secret and its currency's formatting.
      const otherHooks = webhooksOf(receiver, other.id);
      expect(otherHooks).toHaveLength(1);
      expectSigned(otherHooks[0]!, other.secret);
      expect(emailsTo(other.email)[0]!.subject).toContain(formatAmount(500, 'JPY'));

      // In-app reached the event log, where the live UI streams it from.
      const inApp = (await rowsOf(other.id)).find((r) => r.channel === 'IN_APP')!;
      const posted = await db('events').where({ aggregate_id: inApp.id }).select('type', 'partner_id');
      expect(posted.map((e) => e.type)).toEqual(
        expect.arrayContaining(['NotificationCreated', 'InAppNotificationPosted', 'NotificationSent']),
      );
      expect(posted.every((e) => e.partner_id === other.id)).toBe(true);
    });

    it('the same event signalled twice is delivered once per channel', async () => {
      const p = await newPartner();
      const event = paymentEvent(p.id, 'PaymentCompleted');
      await notify(event);
      await notify(event);
      await notify({ ...event, occurredAt: new Date().toISOString() });
      const rows = await settled(p.id, 3);
      await quiet();
      expect(rows.map((r) => r.channel).sort()).toEqual(['EMAIL', 'IN_APP', 'WEBHOOK']);
      expect(emailsTo(p.email)).toHaveLength(1);
      expect(webhooksOf(receiver, p.id)).toHaveLength(1);
      expect((await state(p.id)).duplicatesIgnored).toBe(2);
    });

    let continuedPartner: { id: string; email: string } | undefined;
    it('continue-as-new keeps the dedupe memory: duplicates across the boundary are ignored', async () => {
      const p = await newPartner();
      continuedPartner = p;
      const notifySmallN = signaller({ continueAsNewAfterEvents: 2 }).notifyPartner;
      const events = ['PaymentCreated', 'PaymentCompleted', 'PaymentRefunded'].map((t) =>
        paymentEvent(p.id, t as NotifiablePaymentEventType),
      );
      for (const e of events) await notifySmallN(e);
      await settled(p.id, 2 + 3 + 3);
      const after = await eventually(
        () => state(p.id),
        (s) => s.run >= 2,
      );
      expect(after.handledTotal).toBe(3);

      // Every one of them again, now that the first run is gone.
      for (const e of events) await notifySmallN(e);
      const fresh = paymentEvent(p.id, 'PaymentFailed');
      await notifySmallN(fresh);
      await settled(p.id, 8 + 3);
      await quiet();
      const s = await state(p.id);
      expect(s.duplicatesIgnored).toBe(3);
      expect(s.handledTotal).toBe(4);
      expect(emailsTo(p.email)).toHaveLength(3);
      expect(webhooksOf(receiver, p.id)).toHaveLength(4);
      const handles = await client.workflow.getHandle(partnerNotificationsWorkflowId(p.id)).describe();
      expect(handles.status.name).toBe('RUNNING');
    });

    it('its histories hold no partner data in plaintext, and the recorded ones replay across continue-as-new', async () => {
      const p = continuedPartner!;
      const workflowId = partnerNotificationsWorkflowId(p.id);
      const current = await client.workflow.getHandle(workflowId).fetchHistory();
      const previousRunId =
        current.events![0]!.workflowExecutionStartedEventAttributes!.continuedExecutionRunId ?? undefined;
      expect(previousRunId).toBeTruthy();
      const continued = await client.workflow.getHandle(workflowId, previousRunId).fetchHistory();
      expect(continued.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

      for (const history of [continued, current]) {
        const raw = historyText(history);
        expect(raw).toContain('binary/encrypted');
        // The notices' facts (event types, amounts, reasons) and the partner's contacts stay encrypted.
        for (const plaintext of [p.email, '"sourceEventId"', '"amountMinor"', 'PaymentRefunded']) {
          expect(raw).not.toContain(plaintext);
        }
      }

      const dir = join(__dirname, 'fixtures/histories/notifications');
      const fixtures = {
        'partner-notifications-continued.json': continued,
        'partner-notifications-after-continue.json': current,
      };
      const histories = [
        ...Object.entries(fixtures).map(([file, history]) => ({
          workflowId: `fixture:${file}`,
          history: ensureFixture(join(dir, file), () => history),
        })),
        { workflowId: 'fresh:continued', history: continued },
        { workflowId: 'fresh:after-continue', history: current },
      ];
      expect(await replayErrors(histories, { bundlePath, replayName: 'notifications' })).toEqual([]);
    }, 60_000);

    it('continue-as-new while a delivery is still retrying hands it to the next run: delivered once', async () => {
      const slow = await WebhookReceiver.reservePort();
      extraReceivers.push(slow);
      const p = await newPartner(slow.url());
      const notifyEveryEvent = signaller({ continueAsNewAfterEvents: 1 }).notifyPartner;
      const first = paymentEvent(p.id, 'PaymentCompleted');
      await notifyEveryEvent(first);
      await eventually(
        () => rowsOf(p.id),
        (rows) => rows.some((r) => r.channel === 'WEBHOOK' && r.attempts >= 2),
      );
      const handedOver = await eventually(
        () => state(p.id),
        (s) => s.run >= 2 && s.inFlight.length === 1,
      );
      expect(handedOver.inFlight[0]!.channel).toBe('WEBHOOK');
      await notifyEveryEvent(first);
      await slow.up();
      const rows = await settled(p.id, 3);
      await quiet();
      expect(rows.every((r) => r.status === 'SENT')).toBe(true);
      expect(slow.requests).toHaveLength(1);
      expect((await state(p.id)).duplicatesIgnored).toBe(1);
    });

    it('webhook receiver down, then up: delivered once, attempts recorded; email meanwhile unaffected', async () => {
      const flaky = await WebhookReceiver.reservePort();
      extraReceivers.push(flaky);
      const p = await newPartner(flaky.url());
      await notify(paymentEvent(p.id, 'PaymentCompleted'));
      const pending = await eventually(
        () => rowsOf(p.id),
        (rows) =>
          rows.some((r) => r.channel === 'WEBHOOK' && r.attempts >= 3) &&
          rows.filter((r) => r.status === 'SENT').length === 2,
      );
      const hook = pending.find((r) => r.channel === 'WEBHOOK')!;
      expect(hook.status).toBe('PENDING');
      expect(emailsTo(p.email)).toHaveLength(1);

      // An operator cannot resend what is still being delivered.
      const early = await api('POST', `/notifications/${hook.id}/resend`);
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('NOTIFICATION.NOT_RESENDABLE');

      await flaky.up();
      const rows = await settled(p.id, 3);
      await quiet();
      const sent = rows.find((r) => r.channel === 'WEBHOOK')!;
      expect(sent.status).toBe('SENT');
      expect(sent.attempts).toBeGreaterThanOrEqual(4);
      expect(flaky.requests).toHaveLength(1);
      expectSigned(flaky.requests[0]!, p.secret);
      const view = await api('GET', `/notifications/${sent.id}`);
      expect(view.body).toMatchObject({ status: 'SENT', attempts: sent.attempts, channel: 'WEBHOOK' });
      expect(view.body.lastError).toMatch(/ECONNREFUSED/);
      expect(view.body.events.map((e: Json) => e.type)).toEqual(['NotificationCreated', 'NotificationSent']);
    });

    it('receiver never up: FAILED with the reason (API and event log), other channels and later notifications unaffected', async () => {
      const dead = await WebhookReceiver.reservePort();
      const p = await newPartner(dead.url());
      const webhook = config.workflow.channels.WEBHOOK;
      const notifyFewRetries = signaller({
        channels: { ...config.workflow.channels, WEBHOOK: { ...webhook, maximumAttempts: 3 } },
      }).notifyPartner;
      await notifyFewRetries(paymentEvent(p.id, 'PaymentFailed', { reason: 'bank declined' }));
      await notifyFewRetries(paymentEvent(p.id, 'PaymentRefunded'));
      const rows = await settled(p.id, 6);
      const hooks = rows.filter((r) => r.channel === 'WEBHOOK');
      expect(hooks.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
      for (const h of hooks) {
        expect(h.attempts).toBe(3);
        expect(h.reason).toMatch(/ECONNREFUSED/);
        // The transport's own message names the address it connected to; the partner's reason does not.
        expect(h.reason).not.toMatch(/127\.0\.0\.1/);
      }
      expect(rows.filter((r) => r.channel !== 'WEBHOOK').every((r) => r.status === 'SENT')).toBe(true);
      expect(emailsTo(p.email)).toHaveLength(2);

      const view = await api('GET', `/notifications/${hooks[0]!.id}`);
      expect(view.body.status).toBe('FAILED');
      expect(view.body.reason).toMatch(/ECONNREFUSED/);
      const failed = view.body.events.find((e: Json) => e.type === 'NotificationFailed');
      expect(failed.data).toMatchObject({
        status: 'FAILED',
        channel: 'WEBHOOK',
        attempts: 3,
        notificationType: expect.any(String),
      });
      expect(failed.data.reason).toMatch(/ECONNREFUSED/);
    });

    it('preferences change which channels are used', async () => {
      const p = await newPartner();
      const initial = await api('GET', `/partners/${p.id}/notification-preferences`);
      expect(initial.status).toBe(200);
      expect(initial.body.preferences.PAYMENT_COMPLETED).toEqual(['EMAIL', 'WEBHOOK', 'IN_APP']);
      await notify(paymentEvent(p.id, 'PaymentCompleted'));
      await settled(p.id, 3);

      const put = await api('PUT', `/partners/${p.id}/notification-preferences`, {
        preferences: { PAYMENT_COMPLETED: ['WEBHOOK'], PAYMENT_CREATED: [] },
      });
      expect(put.status).toBe(200);
      expect(put.body.overrides).toEqual({ PAYMENT_COMPLETED: ['WEBHOOK'], PAYMENT_CREATED: [] });
      await notify(paymentEvent(p.id, 'PaymentCompleted'));
      await notify(paymentEvent(p.id, 'PaymentCreated'));
      const rows = await settled(p.id, 4);
      await quiet();
      expect(rows.filter((r) => r.type === 'PAYMENT_CREATED')).toHaveLength(0);
      expect(emailsTo(p.email)).toHaveLength(1);
      expect(webhooksOf(receiver, p.id)).toHaveLength(2);
      expect((await state(p.id)).handledTotal).toBe(3);
    });

    it('an unmutable type cannot be muted, and still goes out when stored preferences mute it', async () => {
      const p = await newPartner(null);
      const refused = await api('PUT', `/partners/${p.id}/notification-preferences`, {
        preferences: { PAYMENT_FAILED: [] },
      });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('NOTIFICATION.TYPE_NOT_MUTABLE');
      expect(refused.body.errors[0].field).toBe('preferences.PAYMENT_FAILED');

      const unknown = await api('PUT', `/partners/${p.id}/notification-preferences`, {
        preferences: { PAYMENT_FAILED: ['SMS'] },
      });
      expect(unknown.status).toBe(400);

      // Data written before the rule (or by hand) cannot silence it either.
      await db('partners')
        .where({ id: p.id })
        .update({ notification_preferences: JSON.stringify({ PAYMENT_FAILED: [], PAYMENT_CANCELLED: [] }) });
      await notify(paymentEvent(p.id, 'PaymentFailed', { reason: 'account closed' }));
      await notify(paymentEvent(p.id, 'PaymentCancelled'));
      const rows = await settled(p.id, 1);
      await quiet();
      expect(rows[0]).toMatchObject({ channel: 'EMAIL', type: 'PAYMENT_FAILED', status: 'SENT' });
      expect(emailsTo(p.email)).toHaveLength(1);
      expect(emailsTo(p.email)[0]!.text).toContain('Reason: account closed');
    });

    it('a worker restarted while deliveries are pending delivers each notification once', async () => {
      const later = await WebhookReceiver.reservePort();
      extraReceivers.push(later);
      const p = await newPartner(later.url());
      const events = (['PaymentCompleted', 'PaymentRefunded'] as const).map((t) => paymentEvent(p.id, t));
      for (const e of events) await notify(e);
      await eventually(
        () => rowsOf(p.id),
        (rows) =>
          rows.length === 6 && rows.filter((r) => r.channel === 'WEBHOOK').every((r) => r.attempts >= 1),
      );

      await service!.stop();
      service = undefined;
      // Messages and retries queue up on the server while no worker listens.
      await notify(paymentEvent(p.id, 'PaymentCancelled'));
      service = await startService();
      await later.up();

      const rows = await settled(p.id, 9, 45_000);
      await quiet();
      expect(rows.every((r) => r.status === 'SENT')).toBe(true);
      expect(emailsTo(p.email)).toHaveLength(3);
      const ids = later.requests.map((w) => w.headers['x-alpes-event-id']);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
    }, 90_000);

    it('operators list, filter, page, resend and count notifications', async () => {
      const picky = await WebhookReceiver.start();
      extraReceivers.push(picky);
      picky.status = 410;
      const p = await newPartner(picky.url());
      for (const t of ['PaymentCompleted', 'PaymentRefunded', 'PaymentCancelled'] as const) {
        await notify(paymentEvent(p.id, t));
      }
      const rows = await settled(p.id, 9);
      // A 410 will never change by retrying: FAILED at the first attempt.
      const gone = rows.filter((r) => r.channel === 'WEBHOOK');
      expect(gone.every((r) => r.status === 'FAILED' && r.attempts === 1)).toBe(true);
      expect(gone[0]!.reason).toMatch(/NOTIFICATION\.DELIVERY_REFUSED: .*410/);

      const first = await api('GET', `/notifications?partnerId=${p.id}&limit=4`);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(4);
      const second = await api(
        'GET',
        `/notifications?partnerId=${p.id}&limit=4&cursor=${first.body.nextCursor}`,
      );
      const third = await api(
        'GET',
        `/notifications?partnerId=${p.id}&limit=4&cursor=${second.body.nextCursor}`,
      );
      expect(third.body.nextCursor).toBeNull();
      const listed = [...first.body.items, ...second.body.items, ...third.body.items].map((n: Json) => n.id);
      expect(new Set(listed)).toEqual(new Set(rows.map((r) => r.id)));

      const failedWebhooks = await api(
        'GET',
        `/notifications?partnerId=${p.id}&status=FAILED&channel=WEBHOOK`,
      );
      expect(failedWebhooks.body.items).toHaveLength(3);
      const refunds = await api('GET', `/notifications?partnerId=${p.id}&type=PAYMENT_REFUNDED`);
      expect(refunds.body.items.map((n: Json) => n.channel).sort()).toEqual(['EMAIL', 'IN_APP', 'WEBHOOK']);
      expect((await api('GET', '/notifications?status=LOST')).status).toBe(400);
      expect((await api('GET', `/notifications/${randomUUID()}`)).status).toBe(404);

      const stats = await api('GET', `/notificaciones/stats?partnerId=${p.id}`);
      expect(stats.body).toEqual({
        total: 9,
        byStatus: { PENDING: 0, SENT: 6, FAILED: 3 },
        byChannel: {
          EMAIL: { total: 3, PENDING: 0, SENT: 3, FAILED: 0 },
          WEBHOOK: { total: 3, PENDING: 0, SENT: 0, FAILED: 3 },
          IN_APP: { total: 3, PENDING: 0, SENT: 3, FAILED: 0 },
        },
      });
      const global = await api('GET', '/notificaciones/stats');
      expect(global.body.total).toBeGreaterThanOrEqual(9);

      picky.status = 204;
      const target = gone[0]!;
      const resent = await api('POST', `/notifications/${target.id}/resend`);
      expect(resent.status).toBe(202);
      const done = await eventually(
        () => api('GET', `/notifications/${target.id}`),
        (r) => r.body.status === 'SENT',
      );
      expect(done.body.attempts).toBe(2);
      expect(done.body.events.map((e: Json) => e.type)).toEqual([
        'NotificationCreated',
        'NotificationFailed',
        'NotificationResendRequested',
        'NotificationSent',
      ]);
      const deliveries = picky.requests.filter((w) => w.headers['x-alpes-event-id'] === target.id);
      expect(deliveries).toHaveLength(2);
      expect(deliveries[0]!.rawBody).toBe(deliveries[1]!.rawBody);

      // Rotating shows the new secret once; during the overlap (24h here) later deliveries carry
      // the new signature first and the old one after it.
      const rotated = await api('POST', `/partners/${p.id}/webhook-secret`);
      expect(rotated.body.secret).not.toBe(p.secret);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      await notify(paymentEvent(p.id, 'PaymentCompleted'));
      await settled(p.id, 12);
      const newest = picky.requests.at(-1)!;
      expectSigned(newest, rotated.body.secret, [p.secret]);
      // Neither secret is stored in plaintext.
      const stored = await db('partners')
        .where({ id: p.id })
        .first('webhook_secret', 'webhook_previous_secrets');
      const column = JSON.stringify(stored);
      expect(stored.webhook_secret).toMatch(/^whenc:v1:test-webhook-1:[A-Za-z0-9_-]+$/);
      expect(stored.webhook_previous_secrets).toEqual([
        { secret: expect.stringMatching(/^whenc:v1:test-webhook-1:/), validUntil: expect.any(String) },
      ]);
      for (const secret of [p.secret, rotated.body.secret]) {
        expect(column).not.toContain(secret);
        expect(column).not.toContain(secret.slice('whsec_'.length));
      }
      expect((await api('POST', `/partners/${randomUUID()}/webhook-secret`)).status).toBe(404);
      expect((await api('GET', `/partners/${randomUUID()}/notification-preferences`)).status).toBe(404);
    });

    it('refuses loopback and private webhook targets unless allowed, checking the resolved address', async () => {
      const strict = new WebhookChannel({ timeoutMs: 2_000, allowPrivateTargets: false, allowHttp: true });
      const message = {
        notificationId: randomUUID(),
        deliveryKey: 'k:0',
        partnerId: 'p',
        type: 'PAYMENT_COMPLETED' as const,
        subject: 's',
        body: 'b',
        sourceEventId: 'x:PaymentCompleted',
        facts: {
          paymentId: 'x',
          eventType: 'PaymentCompleted',
          amountMinor: 1,
          currency: 'USD',
          reason: null,
          occurredAt: new Date().toISOString(),
        },
        createdAt: new Date().toISOString(),
      };
      for (const url of [
        receiver.url(),
        'http://10.1.2.3/h',
        'http://[::1]:9/h',
        'http://[::ffff:7f00:1]:9/h',
        'http://[::7f00:1]:9/h',
        'http://[64:ff9b::7f00:1]:9/h',
        'http://169.254.169.254/latest',
        'http://localhost:9/h',
      ]) {
        const err = await strict
          .send({ ...message, target: { channel: 'WEBHOOK', url, secret: 's' } })
          .catch((e: unknown) => e);
        expect(isPermanentDeliveryError(err)).toBe(true);
        expect((err as Error).message).not.toMatch(/127\.0\.0\.1|::1\b/);
      }
      const before = receiver.requests.length;
      // A name that resolves to loopback is refused after resolution.
      const refused = await new Promise<Error | null>((resolve) =>
        guardedLookup(false)('localhost', {}, (err) => resolve(err)),
      );
      expect(refused?.message).toMatch(/does not resolve to a public internet address/);
      expect(refused?.message).not.toMatch(/127\.0\.0\.1|::1/);
      const allowed = await new Promise<Error | null>((resolve) =>
        guardedLookup(true)('localhost', {}, (err) => resolve(err)),
      );
      expect(allowed).toBeNull();
      expect(receiver.requests.length).toBe(before);
    });
  },
);

describe('email without SMTP_URL (the embedded default): the local outbox', () => {
  it('writes one .eml file per delivery, rewritten (not duplicated) by a retry, and says so for the banner', async () => {
    const outboxDir = join(mkdtempSync(join(tmpdir(), 'alpes-outbox-')), 'outbox');
    const channel = new SmtpEmailChannel({
      smtpUrl: undefined,
      from: 'Alpes <n@alpes.dev>',
      outboxDir,
      timeoutMs: 1_000,
    });
    const message = {
      notificationId: randomUUID(),
      deliveryKey: 'n-1:0',
      partnerId: 'p',
      type: 'PAYMENT_COMPLETED' as const,
      subject: `Alpes Partners: Payment of ${formatAmount(1_500, 'USD')} completed`,
      body: 'Hello Ana,\n\nYour payment of $15.00 has been paid out.',
      sourceEventId: 'x:PaymentCompleted',
      facts: {
        paymentId: 'x',
        eventType: 'PaymentCompleted',
        amountMinor: 1_500,
        currency: 'USD',
        reason: null,
        occurredAt: new Date().toISOString(),
      },
      createdAt: new Date().toISOString(),
      target: { channel: 'EMAIL' as const, email: 'ana@example.com', name: 'Ana' },
    };
    await channel.send(message);
    await channel.send(message);
    channel.close();
    const files = readdirSync(outboxDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const raw = readFileSync(join(outboxDir, files[0]!), 'utf8');
    expect(raw).toMatch(/^To: Ana <ana@example\.com>$/m);
    expect(raw).toContain('Subject: Alpes Partners: Payment of $15.00 completed');
    expect(describeEmailTransport({ smtpUrl: undefined, outboxDir })).toMatch(/^local outbox .*outbox/);
    expect(describeEmailTransport({ smtpUrl: 'smtp://user:pw@mail.example.com:587', outboxDir })).toBe(
      'SMTP smtp://user:****@mail.example.com:587',
    );
  });
});
