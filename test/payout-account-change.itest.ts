import { createHmac, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NotifyPartnerInput } from '../src/ports/notification.port';
import { KnexPartnerNoticeQueue } from '../src/infra/db/partner-notice-outbox';
import { KnexUnitOfWork } from '../src/infra/db/unit-of-work';
import { PartnerNoticeRelay } from '../src/infra/notifications/partner-notice-relay';
import {
  signaturesOf,
  startNotifyingSystem,
  type NotifyingSystem,
  type SmtpReceiver,
  type WebhookReceiver,
} from './support/notification-receivers';
import {
  createPartner,
  eventually,
  http,
  startTestSystem,
  TEST_KEYS,
  type TestSystem,
} from './support/system';
import { untilSettled } from './support/settle-wait';
import { describeWithPostgres } from './support/test-env';

/**
 * Redirecting money needs two people and time: one operator requests a new payout account, a
 * second approves it, it takes effect after PAYOUT_ACCOUNT_COOLOFF, and a payment always pays the
 * account that was in force when it was approved — never one swapped in afterwards.
 */
const COOLOFF_MS = 4_000;
const OLD_ACCOUNT = '0012345678';
const NEW_ACCOUNT = '0099887766';

/** The three steps of a change through the API: requested by one operator, approved or withdrawn by another. */
const accountChange = (sys: TestSystem, partnerId: string) => ({
  request: (key: string = TEST_KEYS.alice) =>
    sys.api('POST', `/partners/${partnerId}/payout-account-change`, { payoutAccount: NEW_ACCOUNT }, key),
  approve: (key: string = TEST_KEYS.bob) =>
    sys.api('POST', `/partners/${partnerId}/payout-account-change/approve`, undefined, key),
  withdraw: (key: string = TEST_KEYS.bob) =>
    sys.api('DELETE', `/partners/${partnerId}/payout-account-change`, undefined, key),
});

describeWithPostgres('payout-account changes: four-eyes, cool-off, and the approved account is paid', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({
      PAYOUT_ACCOUNT_COOLOFF: `${COOLOFF_MS}ms`,
      APPROVAL_THRESHOLDS: '{"USD":100000}',
    });
  }, 30_000);
  afterAll(async () => {
    await sys?.stop();
  });

  const ledgerAccountOf = async (paymentId: string): Promise<string[]> =>
    (
      (await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${paymentId}`)).body.entries as Array<{
        account: string;
      }>
    ).map((e) => e.account);
  const pay = async (partnerId: string, amountMinor: number): Promise<string> => {
    const res = await sys.api(
      'POST',
      '/payments',
      {
        partnerId,
        currency: 'USD',
        lines: [{ reference: `acc-${Math.random().toString(36).slice(2)}`, amountMinor, description: 'x' }],
      },
      TEST_KEYS.alice,
    );
    expect(res.status).toBe(202);
    return res.body.id;
  };
  const statusOf = (paymentId: string, status: string) =>
    eventually(
      () => sys.api('GET', `/payments/${paymentId}`),
      (r) => r.body?.status === status,
      { timeoutMs: 30_000 },
    );

  it('refuses a plain PATCH of the account, and the requester approving their own change', async () => {
    const partner = await createPartner(sys.apiUrl, { payoutAccount: OLD_ACCOUNT });
    const patched = await sys.api('PATCH', `/partners/${partner.id}`, {
      payoutAccount: NEW_ACCOUNT,
    });
    expect(patched.status).toBe(409);
    expect(patched.body.code).toBe('PARTNER.ACCOUNT_CHANGE_NEEDS_APPROVAL');

    const requested = await accountChange(sys, partner.id).request();
    expect(requested.status).toBe(202);
    expect(requested.body.pendingAccountChange).toMatchObject({
      account: '****7766',
      requestedBy: 'alice',
      approvedBy: null,
    });
    expect(JSON.stringify(requested.body)).not.toContain(NEW_ACCOUNT);

    const self = await accountChange(sys, partner.id).approve(TEST_KEYS.alice);
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('PARTNER.FOUR_EYES_VIOLATION');

    const withdrawn = await accountChange(sys, partner.id).withdraw();
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ payoutAccount: '****5678', pendingAccountChange: null });
  });

  it('pays the account in force at approval; the new one only after the cool-off', async () => {
    const partner = await createPartner(sys.apiUrl, { payoutAccount: OLD_ACCOUNT });
    // A large payment waits for approval while the change is requested and approved.
    const before = await pay(partner.id, 250_000);
    await statusOf(before, 'AWAITING_APPROVAL');
    expect((await accountChange(sys, partner.id).request()).status).toBe(202);
    const approved = await accountChange(sys, partner.id).approve();
    expect(approved.status).toBe(200);
    const effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
    expect(effectiveAt - Date.now()).toBeGreaterThan(COOLOFF_MS - 2_000);

    // Approved during the cool-off: it is fixed to the old account…
    expect((await sys.api('POST', `/payments/${before}/approve`, {}, TEST_KEYS.bob)).status).toBe(200);
    await statusOf(before, 'COMPLETED');
    expect(await ledgerAccountOf(before)).toEqual(['****5678']);
    // …and a small one made during the cool-off too.
    const during = await pay(partner.id, 5_000);
    await statusOf(during, 'COMPLETED');
    expect(await ledgerAccountOf(during)).toEqual(['****5678']);

    // After the cool-off, money goes to the new account, and the partner shows it.
    await sleep(Math.max(0, effectiveAt - Date.now()) + 200);
    const after = await pay(partner.id, 5_000);
    await statusOf(after, 'COMPLETED');
    expect(await ledgerAccountOf(after)).toEqual(['****7766']);
    const shown = await sys.api('GET', `/partners/${partner.id}`);
    expect(shown.body).toMatchObject({ payoutAccount: '****7766', pendingAccountChange: null });

    // The trail, as events (accounts masked): requested, approved, and — written down on the next
    // change to the partner — the change itself.
    const held = await sys.api(
      'POST',
      `/partners/${partner.id}/payout-hold`,
      { reason: 'audit' },
      TEST_KEYS.alice,
    );
    expect(held.status).toBe(200);
    const events = await sys
      .db('events')
      .where({ aggregate_type: 'Partner', aggregate_id: partner.id })
      .orderBy('position');
    expect(events.map((e) => e.type)).toEqual([
      'PartnerPayoutAccountChangeRequested',
      'PartnerPayoutAccountChangeApproved',
      'PartnerPayoutAccountChanged',
      'PartnerPayoutHoldPlaced',
    ]);
    expect(JSON.stringify(events)).not.toMatch(new RegExp(`${NEW_ACCOUNT}|${OLD_ACCOUNT}`));
  }, 60_000);

  it('a payment approved before an account change completes to the approved account even after it', async () => {
    const partner = await createPartner(sys.apiUrl, { payoutAccount: OLD_ACCOUNT });
    const payment = await pay(partner.id, 250_000);
    await statusOf(payment, 'AWAITING_APPROVAL');
    // The bank refuses for a while (503s, retried): the payout reaches it after the change took effect.
    sys.bank!.bank.setFaults({ failNext: 20 });
    let effectiveAt = 0;
    try {
      expect((await sys.api('POST', `/payments/${payment}/approve`, {}, TEST_KEYS.bob)).status).toBe(200);
      await accountChange(sys, partner.id).request();
      const approved = await accountChange(sys, partner.id).approve();
      effectiveAt = Date.parse(approved.body.pendingAccountChange.effectiveAt);
      await statusOf(payment, 'COMPLETED');
    } finally {
      sys.bank!.bank.setFaults({ failNext: 0 });
    }
    const [entry] = (await http(sys.bankUrl!, 'GET', `/ledger?paymentId=${payment}`)).body.entries as Array<{
      createdAt: string;
    }>;
    // Paid after the new account took effect — to the account that was approved.
    expect(Date.parse(entry!.createdAt)).toBeGreaterThan(effectiveAt);
    expect(await ledgerAccountOf(payment)).toEqual(['****5678']);
  }, 60_000);
});

/**
 * The partner hears of every step by email and signed webhook (and in-app), with masked accounts
 * only, whatever their preferences say: the API puts the notice in an outbox in the change's own
 * transaction and a relay signals the partner's notification workflow (real SMTP and HTTP receivers).
 */
describeWithPostgres('payout-account changes notify the partner (email + signed webhook + in-app)', () => {
  let notifying: NotifyingSystem;
  let sys: TestSystem;
  let smtp: SmtpReceiver;
  let receiver: WebhookReceiver;
  const notificationsQueue = `test-acct-notify-${Math.random().toString(36).slice(2, 8)}`;
  const FULL_NUMBERS = [OLD_ACCOUNT, NEW_ACCOUNT];

  beforeAll(async () => {
    notifying = await startNotifyingSystem({
      NOTIFICATIONS_TASK_QUEUE: notificationsQueue,
      NOTICE_RELAY_INTERVAL: '200ms',
      PAYOUT_ACCOUNT_COOLOFF: '1h',
    });
    ({ sys, smtp, receiver } = notifying);
  }, 60_000);
  afterAll(async () => {
    await notifying?.stop();
  });

  /** A partner with an email, a webhook URL and a webhook secret; the secret is returned. */
  const partnerWithChannels = async (label: string) => {
    const email = `${label}.${randomUUID().slice(0, 8)}@example.com`;
    const partner = await createPartner(sys.apiUrl, {
      email,
      payoutAccount: OLD_ACCOUNT,
      webhookUrl: receiver.url(`/hooks/${label}`),
    });
    const { body } = await sys.api('POST', `/partners/${partner.id}/webhook-secret`);
    return { id: partner.id, email, secret: body.secret as string };
  };
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email));
  const hooksFor = (partnerId: string) => receiver.requests.filter((r) => r.body?.partnerId === partnerId);
  const waitFor = (email: string, partnerId: string, mails: number, hooks: number) =>
    eventually(
      async () => ({ mails: mailsTo(email).length, hooks: hooksFor(partnerId).length }),
      (c) => c.mails >= mails && c.hooks >= hooks,
      { timeoutMs: 30_000 },
    );
  /** Before counting: until the partner's mails, webhooks and notification rows stop changing (duplicates seen). */
  const settled = (p: { id: string; email: string }) =>
    untilSettled(async () => ({
      mails: mailsTo(p.email).length,
      hooks: hooksFor(p.id).length,
      rows: (await sys.db('notifications').where({ partner_id: p.id }).select('status'))
        .map((r: { status: string }) => r.status)
        .sort(),
    }));
  const outboxOf = (partnerId: string) => sys.db('partner_notice_outbox').where({ partner_id: partnerId });
  const requestChange = (partnerId: string) => accountChange(sys, partnerId).request();

  it('request and approval: one email and one signed webhook each, masked accounts only, even when muted', async () => {
    const p = await partnerWithChannels('ana');
    // Muting through the API is refused…
    const muted = await sys.api('PUT', `/partners/${p.id}/notification-preferences`, {
      preferences: { PAYOUT_ACCOUNT_CHANGE_REQUESTED: ['IN_APP'] },
    });
    expect(muted.status).toBe(422);
    expect(muted.body.code).toBe('NOTIFICATION.TYPE_NOT_MUTABLE');
    // …and stored preferences that mute them anyway (older data, a write around the API) do not count.
    await sys
      .db('partners')
      .where({ id: p.id })
      .update({
        notification_preferences: JSON.stringify({
          PAYOUT_ACCOUNT_CHANGE_REQUESTED: [],
          PAYOUT_ACCOUNT_CHANGE_APPROVED: ['IN_APP'],
          PAYOUT_ACCOUNT_CHANGE_CANCELLED: [],
        }),
      });

    const requested = await requestChange(p.id);
    expect(requested.status).toBe(202);
    await waitFor(p.email, p.id, 1, 1);
    // A retried request changes nothing (409) and so tells the partner nothing more.
    const retried = await requestChange(p.id);
    expect(retried.status).toBe(409);
    expect(retried.body.code).toBe('PARTNER.ACCOUNT_CHANGE_PENDING');

    const approved = await accountChange(sys, p.id).approve();
    expect(approved.status).toBe(200);
    const effectiveAt: string = approved.body.pendingAccountChange.effectiveAt;
    await waitFor(p.email, p.id, 2, 2);
    await settled(p);

    const mails = mailsTo(p.email);
    expect(mails.map((m) => m.subject)).toEqual([
      'Alpes Partners: Change of your payout account to ****7766 requested',
      'Alpes Partners: Your payout account changes to ****7766',
    ]);
    expect(mails[0]!.text).toContain('(****7766) instead of ****5678');
    expect(mails[0]!.text).toMatch(/If you did not ask for this, contact us before \d{4}-\d\d-\d\dT/);
    expect(mails[1]!.text).toContain(`It takes effect at ${effectiveAt}`);

    const hooks = hooksFor(p.id);
    expect(hooks.map((h) => h.body.type)).toEqual([
      'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
      'PAYOUT_ACCOUNT_CHANGE_APPROVED',
    ]);
    expect(hooks[0]!.body.data).toMatchObject({
      eventType: 'PartnerPayoutAccountChangeRequested',
      fromAccount: '****5678',
      toAccount: '****7766',
      effectiveAt: null,
    });
    expect(Date.parse(hooks[0]!.body.data.earliestEffectiveAt)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(hooks[1]!.body.data).toMatchObject({
      eventType: 'PartnerPayoutAccountChangeApproved',
      fromAccount: '****5678',
      toAccount: '****7766',
      effectiveAt,
    });
    for (const hook of hooks) {
      const { t, v1 } = signaturesOf(String(hook.headers['x-alpes-signature']));
      expect(v1).toEqual([createHmac('sha256', p.secret).update(`${t}.${hook.rawBody}`).digest('hex')]);
      expect(hook.body.data).not.toHaveProperty('paymentId');
    }

    // The full numbers appear nowhere the partner reads; neither do the operators' names.
    const everything = [
      ...mails.map((m) => m.raw),
      ...hooks.map((h) => JSON.stringify(h.headers) + h.rawBody),
    ];
    for (const text of everything) {
      for (const full of FULL_NUMBERS) expect(text).not.toContain(full);
      expect(text).not.toMatch(/\balice\b|\bbob\b/);
    }

    // Email and webhook whatever was stored; in-app only where the stored choice keeps it.
    const list = await sys.api('GET', `/notifications?partnerId=${p.id}&limit=50`);
    expect(list.body.items.map((n: any) => `${n.type}/${n.channel}/${n.status}`).sort()).toEqual([
      'PAYOUT_ACCOUNT_CHANGE_APPROVED/EMAIL/SENT',
      'PAYOUT_ACCOUNT_CHANGE_APPROVED/IN_APP/SENT',
      'PAYOUT_ACCOUNT_CHANGE_APPROVED/WEBHOOK/SENT',
      'PAYOUT_ACCOUNT_CHANGE_REQUESTED/EMAIL/SENT',
      'PAYOUT_ACCOUNT_CHANGE_REQUESTED/WEBHOOK/SENT',
    ]);
    expect(list.body.items.every((n: any) => n.paymentId === null)).toBe(true);
    const inApp = await sys.db('events').where({ type: 'InAppNotificationPosted', partner_id: p.id });
    expect(inApp).toHaveLength(1);
    expect(inApp[0].data).toMatchObject({
      notificationType: 'PAYOUT_ACCOUNT_CHANGE_APPROVED',
      fromAccount: '****5678',
      toAccount: '****7766',
      effectiveAt,
    });
    expect(JSON.stringify(inApp)).not.toMatch(new RegExp(FULL_NUMBERS.join('|')));
    expect(await outboxOf(p.id)).toEqual([]);
  }, 60_000);

  it('a notice signalled again (the relay lost its answer) reaches the partner once', async () => {
    const p = await partnerWithChannels('bo');
    expect((await requestChange(p.id)).status).toBe(202);
    await waitFor(p.email, p.id, 1, 1);
    await eventually(
      () => outboxOf(p.id),
      (rows) => rows.length === 0,
    );
    // As if the relay had signalled but died before deleting the row: it is sent again.
    const [event] = await sys
      .db('events')
      .where({ aggregate_id: p.id, type: 'PartnerPayoutAccountChangeRequested' })
      .select('id');
    const now = new Date().toISOString();
    await sys.db('partner_notice_outbox').insert({
      event_id: event.id,
      partner_id: p.id,
      task_queue: notificationsQueue,
      next_attempt_at: now,
      created_at: now,
    });
    await eventually(
      () => outboxOf(p.id),
      (rows) => rows.length === 0,
    );
    await settled(p);
    expect(mailsTo(p.email)).toHaveLength(1);
    expect(hooksFor(p.id)).toHaveLength(1);
    const rows = await sys.db('notifications').where({ partner_id: p.id });
    expect(rows.map((r) => r.channel).sort()).toEqual(['EMAIL', 'IN_APP', 'WEBHOOK']);
  }, 60_000);

  it('a withdrawal is announced too', async () => {
    const p = await partnerWithChannels('cy');
    expect((await requestChange(p.id)).status).toBe(202);
    const withdrawn = await accountChange(sys, p.id).withdraw();
    expect(withdrawn.status).toBe(200);
    await waitFor(p.email, p.id, 2, 2);
    await settled(p);
    expect(mailsTo(p.email).map((m) => m.subject)).toEqual([
      'Alpes Partners: Change of your payout account to ****7766 requested',
      'Alpes Partners: Change of your payout account to ****7766 withdrawn',
    ]);
    expect(hooksFor(p.id).map((h) => h.body.type)).toEqual([
      'PAYOUT_ACCOUNT_CHANGE_REQUESTED',
      'PAYOUT_ACCOUNT_CHANGE_CANCELLED',
    ]);
  }, 60_000);

  it('the outbox: nothing for a change that rolled back; a notice that could not be signalled is kept and sent later', async () => {
    const p = await partnerWithChannels('di');
    // A queue of its own: the system's relay never touches these rows.
    const queueName = `test-relay-${randomUUID().slice(0, 8)}`;
    const uow = new KnexUnitOfWork(sys.db, { noticeTaskQueue: queueName });
    const change = (fail: boolean) =>
      uow.run(async (tx) => {
        const partner = (await tx.partners.findById(p.id))!;
        partner.requestPayoutAccountChange({ account: NEW_ACCOUNT, actor: 'alice', now: new Date() });
        await tx.partners.save(partner);
        const events = partner.pullEvents();
        await tx.events.append(events, { workflowId: null, runId: null });
        await tx.partnerNotices.add(events);
        if (fail) throw new Error('rolled back after the notice was added');
      });
    await expect(change(true)).rejects.toThrow('rolled back');
    const queue = new KnexPartnerNoticeQueue(sys.db, queueName);
    expect(await queue.pending()).toBe(0);
    await change(false);
    expect(await queue.pending()).toBe(1);

    // Two relays at once: only one may hold the row while it signals.
    const [a, b] = await Promise.all([
      queue.claim(new Date(), 60_000, 10),
      queue.claim(new Date(), 60_000, 10),
    ]);
    expect(a.length + b.length).toBe(1);
    await sys.db('partner_notice_outbox').where({ task_queue: queueName }).update({ claimed_until: null });

    const sent: NotifyPartnerInput[] = [];
    let temporalDown = true;
    const relay = new PartnerNoticeRelay({
      queue,
      notifier: {
        notify: async (n) => {
          if (temporalDown) throw new Error('Temporal unreachable');
          sent.push(n);
        },
      },
      accountCooloffMs: 3_600_000,
      intervalMs: 100,
      backoff: { initialMs: 50, maxMs: 200 },
      logger: { warn: () => undefined, error: () => undefined },
    });
    await relay.drain();
    const [kept] = await sys.db('partner_notice_outbox').where({ task_queue: queueName });
    expect(kept).toMatchObject({ attempts: 1, last_error: 'Temporal unreachable', claimed_until: null });
    temporalDown = false;
    relay.start();
    try {
      await eventually(
        () => queue.pending(),
        (n) => n === 0,
      );
    } finally {
      await relay.stop();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      partnerId: p.id,
      eventType: 'PartnerPayoutAccountChangeRequested',
      fromAccount: '****5678',
      toAccount: '****7766',
    });
    expect(sent[0]!.sourceEventId).toBe(`${kept.event_id}:PartnerPayoutAccountChangeRequested`);
  }, 60_000);
});
