import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { seedPartner } from './support/partner-seed';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import { byTestId, describeInChromium, openChromiumPage, waitForAttribute } from './support/dashboard-page';
import { apiKeysWithPartners, bearer, eventually, http, TEST_KEYS } from './support/system';
import { describeWithPostgres } from './support/test-env';

type Json = any;

jest.setTimeout(180_000);

const TITLE = 'dashboard timeline, redelivery and partner portal in Chromium';
const DOCS = resolve(__dirname, '..', 'docs');
const PARTNER_A = globalThis.crypto.randomUUID();
const PARTNER_B = globalThis.crypto.randomUUID();
const KEY_A = 'test-portal-a-Qm4x7Vd2Lr9Ke1Tb6Yp3Zs8Wn5Hc0Jg2Fa7Ux4Ri9Oe1';
const KEY_B = 'test-portal-b-Nh6t1Sw8Gk3Pz5Xc0Vb7Mq2Ld9Fj4Ry6Ea1Uo8Ti3Wk5';
// Yearly, so it never fires here: it only gives payability a next run to name. Deleted afterwards.
const SCHEDULE_ID = `test-portal-settlements-${globalThis.crypto.randomUUID().slice(0, 8)}`;
/** Intl separates with (narrow) no-break spaces: compare words. */
const plain = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

/** Answers every webhook with `status`, keeping what it got (the body's `id` is the event id). */
class Receiver {
  readonly bodies: Json[] = [];
  status = 204;
  private constructor(private readonly server: Server) {}
  static async start(): Promise<Receiver> {
    const holder: { self?: Receiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        holder.self!.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.statusCode = holder.self!.status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    holder.self = new Receiver(server);
    return holder.self;
  }
  url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describeInChromium(TITLE, suite);

function suite(): void {
  describeWithPostgres(TITLE, () => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let receiverA: Receiver;
    let receiverB: Receiver;
    let pageErrors: string[] = [];
    let csp: string[] = [];

    const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.admin) =>
      http(h.sys.apiUrl, method, path, body, bearer(key));

    async function pay(partnerId: string, amountMinor: number): Promise<string> {
      const res = await api('POST', '/payments', {
        partnerId,
        currency: 'USD',
        lines: [
          { reference: `p-${globalThis.crypto.randomUUID().slice(0, 8)}`, amountMinor, description: 'x' },
        ],
      });
      expect(res.status).toBe(202);
      await eventually(
        async () => (await api('GET', `/payments/${res.body.id}`)).body.status,
        (s) => s === 'COMPLETED',
      );
      return res.body.id as string;
    }

    async function signInAs(key: string, name: string) {
      if (await page.getByTestId('signout').count()) await page.getByTestId('signout').click();
      await page.getByTestId('signin-key').fill(key);
      await page.getByTestId('signin-submit').click();
      await page.locator(byTestId('signed-in-as'), { hasText: name }).waitFor();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
    }

    beforeAll(async () => {
      receiverA = await Receiver.start();
      receiverB = await Receiver.start();
      h = await startDashboardHarness(
        {
          ALPES_API_KEYS: apiKeysWithPartners([
            { key: KEY_A, name: 'portal-a', partnerId: PARTNER_A },
            { key: KEY_B, name: 'portal-b', partnerId: PARTNER_B },
          ]),
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_TIMEOUT: '2s',
          NOTIFICATIONS_TASK_QUEUE: `test-portal-${Math.random().toString(36).slice(2, 8)}`,
          NOTIFICATION_RETRY_INITIAL_INTERVAL: '100ms',
          NOTIFICATION_RETRY_MAX_INTERVAL: '300ms',
          REFUND_WINDOW: '10m',
          // Payability (the "Your next payout" card, the Partners page's column): a partner without
          // an approved tax form is not payable; commissions are payable at once; a Schedule says when.
          TAX_FORM_REQUIRED: 'true',
          COMMISSION_HOLD: '1ms',
          SETTLEMENT_SCHEDULE: '0 6 1 1 *',
          SETTLEMENT_SCHEDULE_ID: SCHEDULE_ID,
        },
        ['bank', 'notifications', 'worker', 'api'],
      );
      for (const [id, name, receiver] of [
        [PARTNER_A, 'Aurora Creators', receiverA],
        [PARTNER_B, 'Boreal Affiliates', receiverB],
      ] as const) {
        const email = `${name.split(' ')[0]!.toLowerCase()}@example.com`;
        await seedPartner(h.sys.db, { id, name, email, webhookUrl: receiver.url() });
        expect((await api('POST', `/partners/${id}/webhook-secret`)).status).toBe(200);
      }
      ({
        browser,
        page,
        pageErrors,
        cspViolations: csp,
      } = await openChromiumPage({ viewport: { width: 1440, height: 1000 } }));
      await page.goto(h.uiUrl);
      mkdirSync(DOCS, { recursive: true });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await h?.sys.client.schedule
        .getHandle(SCHEDULE_ID)
        .delete()
        .catch(() => undefined);
      await h?.stop();
      await receiverA?.stop();
      await receiverB?.stop();
    });

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      expect(csp).toEqual([]);
    });

    it('shows why a payment was slow: the bank’s two failed attempts and the success, with a Web UI link', async () => {
      expect((await http(h.sys.bankUrl!, 'PUT', '/admin/faults', { failNext: 2 })).status).toBe(200);
      const id = await pay(PARTNER_A, 4_321);
      await signInAs(TEST_KEYS.alice, 'alice');
      await page.getByTestId(`expand-${id}`).click();
      const timeline = page.getByTestId(`timeline-${id}`);
      const payOut = timeline.locator('[data-testid="timeline-entry"][data-name="payOut"]');
      await payOut.filter({ hasText: 'done' }).waitFor();
      const failed = timeline.locator('[data-kind="activity-failed"][data-name="payOut"]');
      expect(await failed.count()).toBe(2);
      expect(await failed.nth(0).getAttribute('data-attempt')).toBe('1');
      expect(await failed.nth(1).getAttribute('data-attempt')).toBe('2');
      await expect(failed.nth(1).textContent()).resolves.toMatch(
        /attempt 2 failed.*(503|injected|unavailable)/i,
      );
      expect(
        await timeline
          .locator('[data-kind="activity-started"][data-name="payOut"]')
          .getAttribute('data-attempt'),
      ).toBe('3');
      const link = await page.getByTestId(`timeline-web-ui-${id}`).getAttribute('href');
      expect(link).toContain(encodeURIComponent(`payment:${id}`));
      // The failures are what the reader comes for: scroll them into the picture.
      await failed.nth(1).evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await page
        .getByTestId(`payment-detail-${id}`)
        .screenshot({ path: resolve(DOCS, 'dashboard-timeline.png') });
    });

    it('redelivers a webhook from the Notifications page: the receiver gets the same event id again', async () => {
      receiverB.status = 500;
      const paymentId = await pay(PARTNER_B, 2_000);
      const failed = await eventually(
        async () =>
          (await api('GET', `/notifications?partnerId=${PARTNER_B}&channel=WEBHOOK&status=FAILED`)).body
            .items,
        (items: Json[]) => items.some((n) => n.paymentId === paymentId),
        { timeoutMs: 60_000, intervalMs: 300 },
      );
      const notification = failed.find((n: Json) => n.paymentId === paymentId);
      const ofIt = () => receiverB.bodies.filter((b) => b.id === notification.id);
      const firstTries = ofIt().length;
      expect(firstTries).toBeGreaterThan(0);
      receiverB.status = 204;

      await page.goto(`${h.uiUrl}/#/notifications`);
      await page.getByTestId('notif-filter-status').selectOption('FAILED');
      await page.getByTestId(`notification-row-${notification.id}`).waitFor();
      await page.getByTestId(`redeliver-${notification.id}`).click();
      await eventually(
        async () => ofIt().length,
        (n) => n > firstTries,
        { timeoutMs: 30_000 },
      );
      // The same event id: the body's `id` and the Standard Webhooks `webhook-id` name the notification.
      expect(ofIt().at(-1)!.id).toBe(notification.id);
      await eventually(
        async () => (await api('GET', `/notifications/${notification.id}/attempts`)).body.items,
        (items: Json[]) => items.some((a) => a.outcome === 'SUCCEEDED'),
      );
      await page.getByTestId('notif-filter-status').selectOption('');
      await page.getByTestId(`attempts-${notification.id}`).click();
      const attempts = page.getByTestId(`attempt-list-${notification.id}`);
      await attempts.locator('[data-outcome="SUCCEEDED"]').first().waitFor();
      expect(await attempts.locator('[data-outcome="FAILED"]').count()).toBeGreaterThan(0);
      await page
        .getByTestId('notifications-panel')
        .screenshot({ path: resolve(DOCS, 'dashboard-notifications.png') });
    });

    it('gives operators a Partners page (search, rotate secret) and admins the Audit page', async () => {
      await page.goto(`${h.uiUrl}/#/partners`);
      await signInAs(TEST_KEYS.admin, 'admin');
      await page.getByTestId(`partner-row-${PARTNER_A}`).waitFor();
      await page.getByTestId('partner-search').fill('boreal');
      await page.getByTestId(`partner-row-${PARTNER_B}`).waitFor();
      expect(await page.getByTestId(`partner-row-${PARTNER_A}`).count()).toBe(0);
      await page.getByTestId(`rotate-${PARTNER_B}`).click();
      await expect(page.getByTestId('rotated-secret').textContent()).resolves.toMatch(/whsec_/);

      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-filter-targetId').fill(PARTNER_B);
      await page
        .locator('[data-testid="audit-row"][data-action="partner.webhook-secret.rotate"]')
        .first()
        .waitFor();
      await page.getByTestId('audit-panel').screenshot({ path: resolve(DOCS, 'dashboard-audit.png') });
    });

    it('signs a partner in to its portal: its own payouts only; the other’s data is a 404', async () => {
      const ownA = await pay(PARTNER_A, 1_500);
      const ownB = await pay(PARTNER_B, 1_600);
      await page.goto(h.uiUrl);
      await signInAs(KEY_A, 'portal-a');
      await page.getByTestId('portal').waitFor();
      expect(await page.getByTestId('nav-payments').count()).toBe(0);
      await page.getByTestId(`portal-payment-${ownA}`).waitFor();
      expect(await page.getByTestId(`portal-payment-${ownB}`).count()).toBe(0);
      await page.getByTestId(`statement-${ownA}`).click();
      await page.getByTestId(`statement-view-${ownA}`).waitFor();
      await page.getByTestId('portal-preferences').waitFor();
      await page.getByTestId('notifications-panel').waitFor();
      await page.screenshot({ path: resolve(DOCS, 'portal.png'), fullPage: true });

      // Crafted requests from the page, with the key it holds, for the other partner's data.
      const crafted = await page.evaluate(
        async ({ apiUrl, key, other, otherPayment }) => {
          const call = async (method: string, path: string, body?: unknown) =>
            (
              await fetch(`${apiUrl}${path}`, {
                method,
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                body: body === undefined ? undefined : JSON.stringify(body),
              })
            ).status;
          return {
            payment: await call('GET', `/payments/${otherPayment}`),
            timeline: await call('GET', `/payments/${otherPayment}/timeline`),
            statement: await call('GET', `/payments/${otherPayment}/statement`),
            partner: await call('GET', `/partners/${other}`),
            balance: await call('GET', `/partners/${other}/balance`),
            preferences: await call('PUT', `/partners/${other}/notification-preferences`, {
              preferences: {},
            }),
            secret: await call('POST', `/partners/${other}/webhook-secret`),
            endpoint: await call('PUT', `/partners/${other}/webhook-endpoint`, { webhookUrl: null }),
          };
        },
        { apiUrl: h.sys.apiUrl, key: KEY_A, other: PARTNER_B, otherPayment: ownB },
      );
      expect(crafted).toEqual({
        payment: 404,
        timeline: 404,
        statement: 404,
        partner: 404,
        balance: 404,
        preferences: 404,
        secret: 404,
        endpoint: 404,
      });

      await signInAs(KEY_B, 'portal-b');
      await page.getByTestId(`portal-payment-${ownB}`).waitFor();
      expect(await page.getByTestId(`portal-payment-${ownA}`).count()).toBe(0);
      expect(await page.locator('[data-testid="portal"]').getAttribute('data-partner')).toBe(PARTNER_B);
    });

    it('"Your next payout": without a tax form, not payable with what to do; once approved, how much and when', async () => {
      // B files a form and an operator approves it; A files none. B earns a commission in USD.
      const filed = await api('PUT', `/partners/${PARTNER_B}/tax-profile`, {
        formType: 'W-9',
        taxId: '12-3456789',
        legalName: 'Boreal Affiliates LLC',
        country: 'US',
        address: '1 Main St, Springfield, IL 62701',
        signedAt: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      });
      expect(filed.status).toBe(200);
      expect(
        (await api('POST', `/partners/${PARTNER_B}/tax-profile/approve`, undefined, TEST_KEYS.alice)).status,
      ).toBe(200);
      const accrued = await api('POST', '/commissions', {
        externalRef: `portal-${globalThis.crypto.randomUUID()}`,
        partnerId: PARTNER_B,
        currency: 'USD',
        amountMinor: 12_345,
        description: 'portal payability',
        occurredAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      });
      expect(accrued.status).toBe(201);
      // The worker creates the Schedule as it starts: payability names its next run once it exists.
      const b = await eventually(
        async () => (await api('GET', `/partners/${PARTNER_B}/payability`, undefined, KEY_B)).body,
        (v: Json) => v.currencies?.[0]?.nextPayoutAt != null,
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(b).toMatchObject({ payable: true, reasons: [] });

      await page.goto(h.uiUrl);
      await signInAs(KEY_A, 'portal-a');
      const cardA = page.getByTestId('next-payout');
      await page.locator('[data-testid="next-payout"][data-payable="false"]').waitFor();
      expect(plain(await page.getByTestId('next-payout-verdict').textContent())).toBe('Not payable');
      const missing = cardA.getByTestId('next-payout-reason-TAX_FORM_MISSING');
      expect(await missing.getAttribute('data-blocking')).toBe('true');
      expect(plain(await missing.textContent())).toContain('Tax form missing');
      expect(plain(await missing.textContent())).toContain('Submit your tax form (W-9, W-8BEN');
      // The card is the portal's first panel: what the partner sees first.
      expect(await page.locator('[data-testid="portal"] > section').first().getAttribute('data-testid')).toBe(
        'next-payout',
      );

      await signInAs(KEY_B, 'portal-b');
      await page.locator('[data-testid="next-payout"][data-payable="true"]').waitFor();
      expect(plain(await page.getByTestId('next-payout-verdict').textContent())).toBe('Payable');
      const usd = page.getByTestId('next-payout-USD');
      expect(await usd.getAttribute('data-outlook')).toBe('SCHEDULED');
      expect(await usd.getAttribute('data-minor')).toBe('12345');
      // The page's locale and zone (en-US, UTC): the amount by the currency's exponent, the run's date.
      const when = new Intl.DateTimeFormat('en-US', {
        dateStyle: 'long',
        timeStyle: 'short',
        timeZone: 'UTC',
      }).format(new Date(b.currencies[0].nextPayoutAt));
      expect(plain(await usd.textContent())).toBe(plain(`USD$123.45 on ${when}`));
      expect(await page.getByTestId('next-payout').locator('[data-blocking="true"]').count()).toBe(0);
    });

    it('gives the Partners page a payability column and filter, from one list request (not one per row)', async () => {
      const requests: string[] = [];
      const onRequest = (r: { url(): string }) => requests.push(r.url());
      await page.goto(`${h.uiUrl}/#/partners`);
      // Signed out first: the portal of the partner signed in before asks for its own payability.
      if (await page.getByTestId('signout').count()) await page.getByTestId('signout').click();
      page.on('request', onRequest);
      try {
        await signInAs(TEST_KEYS.admin, 'admin');
        // The partner's session left the page on its portal: go to Partners as the operator.
        await page.getByTestId('nav-partners').click();
        const cellA = page.getByTestId(`partner-payability-${PARTNER_A}`);
        const cellB = page.getByTestId(`partner-payability-${PARTNER_B}`);
        await page.locator(`[data-testid="partner-payability-${PARTNER_A}"][data-payable="false"]`).waitFor();
        expect(plain(await cellA.locator('.chip').textContent())).toBe('Not payable');
        expect(await cellA.locator('.payability-reason').allTextContents()).toEqual(['Tax form missing']);
        expect(await cellB.getAttribute('data-payable')).toBe('true');
        expect(plain(await cellB.textContent())).toBe('Payable');

        const filter = page.getByTestId('partner-payability-filter');
        await filter.selectOption('TAX_FORM_MISSING');
        await page.getByTestId(`partner-row-${PARTNER_B}`).waitFor({ state: 'detached' });
        expect(await page.getByTestId(`partner-row-${PARTNER_A}`).count()).toBe(1);
        await filter.selectOption('PAYABLE');
        await page.getByTestId(`partner-row-${PARTNER_B}`).waitFor();
        expect(await page.getByTestId(`partner-row-${PARTNER_A}`).count()).toBe(0);
        await filter.selectOption('NOT_PAYABLE');
        await page.getByTestId(`partner-row-${PARTNER_A}`).waitFor();
        expect(await page.getByTestId(`partner-row-${PARTNER_B}`).count()).toBe(0);
        await filter.selectOption('');
        await page.getByTestId(`partner-row-${PARTNER_B}`).waitFor();
      } finally {
        page.off('request', onRequest);
      }
      const toApi = requests.filter((u) => u.startsWith(h.sys.apiUrl));
      expect(toApi.filter((u) => /\/partners\?.*include=payability/.test(u)).length).toBeGreaterThan(0);
      expect(toApi.filter((u) => u.includes('/payability'))).toEqual([]);
    });
  });
}
