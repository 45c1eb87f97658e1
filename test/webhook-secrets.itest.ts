import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Knex } from 'knex';
import {
  createNotificationSignalActivities,
  type NotificationSignalActivities,
} from '../src/activities/notification.activities';
import { migrateToLatest } from '../src/infra/db/database';
import { KnexPartnerNotificationSettings } from '../src/infra/db/notification.repository';
import {
  parseNotificationConfig,
  type NotificationConfig,
} from '../src/infra/notifications/notification-config';
import { PartnerNotificationsClient } from '../src/infra/notifications/partner-notifications.client';
import { WebhookSecretBox, type WebhookSecretKey } from '../src/infra/notifications/webhook-secret-box';
import { newWebhookSecret, verifyWebhookSignature } from '../src/infra/notifications/webhook-signature';
import { installTemporalRuntime } from '../src/infra/temporal/runtime';
import {
  startNotificationService,
  type RunningNotificationService,
} from '../src/processes/wiring/notifications.component';
import type { NotifyPartnerInput } from '../src/ports/notification.port';
import { openDatabase } from '../src/shared/db/knex-database';
import { createLogger } from '../src/shared/logger';
import { seedPartner } from './support/partner-seed';
import { signaturesOf, WebhookReceiver, type ReceivedWebhook } from './support/notification-receivers';
import { eventually } from './support/system';
import { testEnvironment } from './support/test-env';

const noop = (): void => undefined;
const keyOf = (id: string): WebhookSecretKey => ({ id, key: randomBytes(32).toString('base64') });
const K1 = keyOf('k1');
const K2 = keyOf('k2');
const K3 = keyOf('k3');
/** Short, so the test sees the overlap end; long enough for a delivery to happen inside it. */
const OVERLAP_MS = 6_000;

/**
 * Its own embedded database (PGlite in memory): the worker's start-up sealing pass touches every
 * partner, and this file lists keys the shared PostgreSQL's other workers do not have.
 */
describe('webhook secrets: sealed at rest, signing overlap after rotation, key rotation (real Temporal, PGlite)', () => {
  const logger = createLogger({ level: 'error', pretty: false });
  const taskQueue = `test-webhook-secrets-${randomUUID().slice(0, 8)}`;
  let db: Knex;
  let connection: Connection;
  let bundlePath: string;
  let config: NotificationConfig;
  let receiver: WebhookReceiver;
  let notify: NotificationSignalActivities['notifyPartner'];
  let service: RunningNotificationService | undefined;

  const start = async (keys: WebhookSecretKey[]): Promise<RunningNotificationService> =>
    startNotificationService({
      db,
      config,
      temporal: { address: testEnvironment().temporalAddress, namespace: 'default' },
      logger,
      webhookSecretKeys: keys,
      workflowBundlePath: bundlePath,
    });
  const restart = async (keys: WebhookSecretKey[]): Promise<void> => {
    await service?.stop();
    service = undefined;
    service = await start(keys);
  };

  /** What the API's rotate endpoint stores through. */
  const store = (keys: WebhookSecretKey[]) =>
    new KnexPartnerNotificationSettings(db, {
      box: new WebhookSecretBox(keys),
      overlapMs: config.webhook.secretOverlapMs,
    });
  const rotate = async (partnerId: string, keys: WebhookSecretKey[]): Promise<string> => {
    const secret = newWebhookSecret();
    expect(await store(keys).rotateWebhookSecret(partnerId, secret)).toBe(true);
    return secret;
  };

  beforeAll(async () => {
    installTemporalRuntime(logger);
    db = openDatabase({ kind: 'pglite', dir: null });
    await migrateToLatest(db);
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows/notifications.index'),
      logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
    });
    const dir = mkdtempSync(join(tmpdir(), 'alpes-webhook-secrets-'));
    bundlePath = join(dir, 'notifications-bundle.js');
    writeFileSync(bundlePath, code);
    receiver = await WebhookReceiver.start();
    config = parseNotificationConfig(
      {
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_TIMEOUT: '2s',
        WEBHOOK_SECRET_OVERLAP: `${OVERLAP_MS}ms`,
        NOTIFICATIONS_TASK_QUEUE: taskQueue,
        NOTIFICATION_RETRY_INITIAL_INTERVAL: '100ms',
        NOTIFICATION_RETRY_MAX_INTERVAL: '300ms',
      },
      dir,
    );
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
    const client = new Client({ connection, namespace: 'default' });
    notify = createNotificationSignalActivities({
      notifier: new PartnerNotificationsClient(client, taskQueue, config.workflow),
    }).notifyPartner;
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await connection?.close();
    await receiver?.down();
    await db?.destroy();
  }, 30_000);

  const newPartner = (): Promise<string> => seedPartner(db, { webhookUrl: receiver.url() });

  const stored = async (partnerId: string) =>
    db('partners').where({ id: partnerId }).first('webhook_secret', 'webhook_previous_secrets');

  /** The stored columns, as text, hold none of the given secrets (nor their random part). */
  async function expectNoPlaintext(partnerId: string, secrets: string[]): Promise<void> {
    const text = JSON.stringify(await stored(partnerId));
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(s.replace(/^whsec_/, ''));
    }
  }

  /** Signals a `PaymentCreated` (webhook and in-app by default) and waits for its webhook. */
  async function deliver(partnerId: string): Promise<ReceivedWebhook> {
    const paymentId = randomUUID();
    const event: NotifyPartnerInput = {
      partnerId,
      sourceEventId: `${paymentId}:PaymentCreated`,
      eventType: 'PaymentCreated',
      paymentId,
      amountMinor: 1_000,
      currency: 'USD',
      reason: null,
      occurredAt: new Date().toISOString(),
    };
    await notify(event);
    const [hook] = await eventually(
      async () => receiver.requests.filter((r) => r.body?.data?.paymentId === paymentId),
      (hooks) => hooks.length > 0,
    );
    return hook!;
  }

  const verifies = (hook: ReceivedWebhook, secret: string): boolean =>
    verifyWebhookSignature(secret, String(hook.headers['x-alpes-signature']), hook.rawBody);
  const signatureCount = (hook: ReceivedWebhook): number =>
    signaturesOf(String(hook.headers['x-alpes-signature'])).v1.length;

  it('the database never holds a webhook secret in plaintext; a legacy plaintext row is sealed when the worker starts', async () => {
    const fresh = await newPartner();
    const secret = await rotate(fresh, [K1]);
    expect((await stored(fresh)).webhook_secret).toMatch(/^whenc:v1:k1:[A-Za-z0-9_-]+$/);
    await expectNoPlaintext(fresh, [secret]);

    // A row from before encryption at rest: the secret in plaintext.
    const legacy = await newPartner();
    const legacySecret = newWebhookSecret();
    await db('partners').where({ id: legacy }).update({ webhook_secret: legacySecret });

    await restart([K1]);
    expect((await stored(legacy)).webhook_secret).toMatch(/^whenc:v1:k1:/);
    await expectNoPlaintext(legacy, [legacySecret]);

    // Both still sign with the secret their partner holds.
    for (const [id, s] of [
      [fresh, secret],
      [legacy, legacySecret],
    ] as const) {
      const hook = await deliver(id);
      expect(signatureCount(hook)).toBe(1);
      expect(verifies(hook, s)).toBe(true);
    }
  });

  it('after a rotation, deliveries verify with the old and the new secret during the overlap, then with only the new one', async () => {
    if (!service) await restart([K1]);
    const id = await newPartner();
    const first = await rotate(id, [K1]);
    const before = await deliver(id);
    expect(signatureCount(before)).toBe(1);
    expect(verifies(before, first)).toBe(true);

    const rotatedAt = Date.now();
    const second = await rotate(id, [K1]);
    await expectNoPlaintext(id, [first, second]);
    const during = await deliver(id);
    // Delivered inside the overlap (else the test itself is too slow to say anything).
    expect(Date.now() - rotatedAt).toBeLessThan(OVERLAP_MS);
    expect(signatureCount(during)).toBe(2);
    expect(verifies(during, second)).toBe(true);
    expect(verifies(during, first)).toBe(true);
    // The current secret's signature comes first.
    const { t, v1 } = signaturesOf(String(during.headers['x-alpes-signature']));
    expect(verifyWebhookSignature(second, `t=${t},v1=${v1[0]}`, during.rawBody)).toBe(true);

    // A second rotation inside the overlap: the three secrets sign, newest first.
    const lastRotationAt = Date.now();
    const third = await rotate(id, [K1]);
    const burst = await deliver(id);
    expect(signatureCount(burst)).toBe(3);
    for (const s of [first, second, third]) expect(verifies(burst, s)).toBe(true);

    // Once the overlaps are over, only the current secret signs.
    await new Promise((r) => setTimeout(r, Math.max(0, lastRotationAt + OVERLAP_MS + 1_000 - Date.now())));
    const after = await deliver(id);
    expect(signatureCount(after)).toBe(1);
    expect(verifies(after, third)).toBe(true);
    expect(verifies(after, second)).toBe(false);
    expect(verifies(after, first)).toBe(false);
  }, 60_000);

  it('key rotation: with two keys listed old rows still open, and the worker reseals them under the new key', async () => {
    await service?.stop();
    service = undefined;
    const id = await newPartner();
    const secret = await rotate(id, [K1]);
    expect((await stored(id)).webhook_secret).toMatch(/^whenc:v1:k1:/);

    // Before any reseal: a process with both keys opens the old row.
    expect((await store([K1, K2]).find(id))?.webhookSecret).toBe(secret);

    await restart([K1, K2]);
    expect((await stored(id)).webhook_secret).toMatch(/^whenc:v1:k2:/);
    const all = await db('partners').whereNotNull('webhook_secret').select('webhook_secret');
    expect(all.every((r) => String(r.webhook_secret).startsWith('whenc:v1:k2:'))).toBe(true);
    expect(verifies(await deliver(id), secret)).toBe(true);

    // Every row is under k2 now: k1 can go.
    await restart([K2]);
    expect(verifies(await deliver(id), secret)).toBe(true);
  }, 60_000);

  it('a wrong key stops the worker at start, naming the key id; a secret unreadable at delivery fails it with a clear reason', async () => {
    await service?.stop();
    service = undefined;
    /** The start's error; a worker that started anyway is stopped (so a broken guard fails, not hangs, the test). */
    const startError = async (keys: WebhookSecretKey[]): Promise<string> => {
      const outcome = await start(keys).catch((e: unknown) => e as Error);
      if (outcome instanceof Error) return outcome.message;
      await outcome.stop();
      return 'started';
    };
    const unknownKey = await startError([K3]);
    expect(unknownKey).toMatch(/^WEBHOOK_SECRET_KEYS cannot decrypt stored webhook secrets/);
    expect(unknownKey).toMatch(/key id "k2", which is not in WEBHOOK_SECRET_KEYS/);
    // Same id, other key material.
    expect(await startError([{ ...K3, id: 'k2' }])).toMatch(
      /key id "k2" of WEBHOOK_SECRET_KEYS does not decrypt it/,
    );

    // Started with the right key, a row sealed elsewhere with another one (a misconfigured API).
    service = await start([K2]);
    const id = await newPartner();
    await db('partners')
      .where({ id })
      .update({ webhook_secret: new WebhookSecretBox([K3]).seal(newWebhookSecret(), id) });
    await notify({
      partnerId: id,
      sourceEventId: `${randomUUID()}:PaymentCreated`,
      eventType: 'PaymentCreated',
      paymentId: randomUUID(),
      amountMinor: 1,
      currency: 'USD',
      reason: null,
      occurredAt: new Date().toISOString(),
    });
    const [hook] = await eventually(
      () =>
        db('notifications')
          .where({ partner_id: id, channel: 'WEBHOOK' })
          .select('status', 'reason', 'attempts'),
      (rows) => rows.length === 1 && rows[0].status !== 'PENDING',
    );
    expect(hook).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(hook.reason).toMatch(
      /webhook secret cannot be read: it cannot be decrypted with the configured keys/,
    );
    expect(receiver.requests.filter((r) => r.body?.partnerId === id)).toHaveLength(0);

    // Rotating repairs it: the unreadable secret is not carried into the overlap.
    const fresh = await rotate(id, [K2]);
    expect((await stored(id)).webhook_previous_secrets).toEqual([]);
    const hook2 = await deliver(id);
    expect(signatureCount(hook2)).toBe(1);
    expect(verifies(hook2, fresh)).toBe(true);
  }, 60_000);
});
