import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import {
  byTestId,
  cutWebSockets,
  describeInChromium,
  openChromiumPage,
  positionsIn,
  recordConnectionStates,
  recordedConnectionStates,
  TRACK_WEBSOCKETS,
  waitForAttribute,
} from './support/dashboard-page';
import { bearer, createPartner, eventually, http, TEST_KEYS } from './support/system';
import { describeWithPostgres } from './support/test-env';

type Json = any;

// A real browser against real Temporal + PostgreSQL: payouts, approvals and reconnect backoffs.
jest.setTimeout(120_000);

const SCREENSHOT = resolve(__dirname, '..', 'artifacts', 'dashboard.png');
const TITLE = 'operator dashboard in Chromium (real Temporal, PostgreSQL, sandbox bank, UI server)';
/** Stream tokens live this long here; the page renews its socket's session before each expiry. */
const TOKEN_TTL_MS = 8_000;
const ref = (prefix: string): string => `${prefix}-${globalThis.crypto.randomUUID().slice(0, 6)}`;

describeInChromium(TITLE, browserSuite);

function browserSuite(): void {
  describeWithPostgres(TITLE, () => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let partner: Json;
    let decliningPartner: Json;
    let pageErrors: string[] = [];
    let cspViolations: string[] = [];
    const ours: string[] = [];

    const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.alice) =>
      http(h.sys.apiUrl, method, path, body, bearer(key));

    /** A payment started through the API (not the page), as `key`'s owner. */
    async function payViaApi(partnerId: string, currency: string, amountMinor: number, key: string) {
      const res = await api(
        'POST',
        '/payments',
        { partnerId, currency, lines: [{ reference: ref('api'), amountMinor, description: 'commission' }] },
        key,
      );
      if (res.status !== 202) throw new Error(`payment refused: ${res.status} ${JSON.stringify(res.body)}`);
      ours.push(res.body.id);
      return res.body.id as string;
    }

    const apiStatus = async (id: string): Promise<string> =>
      (await api('GET', `/payments/${id}`)).body.status;

    async function fillLine(i: number, reference: string, amount: string, description = '') {
      await page.getByTestId(`line-reference-${i}`).fill(reference);
      await page.getByTestId(`line-amount-${i}`).fill(amount);
      await page.getByTestId(`line-description-${i}`).fill(description);
    }

    /** Submits the form and returns the new payment's id, read from the success toast. */
    async function submitForm(): Promise<string> {
      const before = await page.locator('[data-testid="toast"][data-kind="success"]').count();
      await page.getByTestId('form-submit').click();
      const toast = page.locator('[data-testid="toast"][data-kind="success"]').nth(before);
      await toast.waitFor({ timeout: 15_000 });
      const id = await toast.getAttribute('data-payment-id');
      if (!id) throw new Error('the success toast names no payment');
      ours.push(id);
      return id;
    }

    async function signInAs(key: string, name: string) {
      if (await page.getByTestId('signout').count()) await page.getByTestId('signout').click();
      await page.getByTestId('signin-key').fill(key);
      await page.getByTestId('signin-submit').click();
      await page.locator(byTestId('signed-in-as'), { hasText: name }).waitFor();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
    }

    async function dismissToasts() {
      const close = page.locator('[data-testid="toast"] button');
      while ((await close.count()) > 0) await close.first().click();
    }

    async function expand(id: string) {
      if ((await page.getByTestId(`expand-${id}`).getAttribute('aria-expanded')) !== 'true') {
        await page.getByTestId(`expand-${id}`).click();
      }
      await page.getByTestId(`payment-detail-${id}`).waitFor();
    }

    beforeAll(async () => {
      h = await startDashboardHarness({
        APPROVAL_THRESHOLDS: '{"USD": 100000, "COP": 5000000000, "JPY": 10000000}',
        APPROVAL_TIMEOUT: '10m',
        REFUND_WINDOW: '10m',
        // Short-lived stream tokens: the page re-authenticates its socket every few seconds throughout.
        WS_TOKEN_TTL: `${TOKEN_TTL_MS}ms`,
      });
      partner = await createPartner(h.sys.apiUrl, { name: 'Lumen Media Group' });
      decliningPartner = await createPartner(h.sys.apiUrl, {
        name: 'Ríos & Co. Influencers',
        payoutAccount: '9876540000',
      });
      ({ browser, page, pageErrors, cspViolations } = await openChromiumPage({
        initScripts: [TRACK_WEBSOCKETS],
      }));
    });

    afterAll(async () => {
      await browser?.close();
      await h?.stop();
    });

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      // The whole dashboard runs under its strict policy: nothing it does is refused.
      expect(cspViolations).toEqual([]);
    });

    it('signs in from the #key= link, creates a payment in the form and watches it complete without reload', async () => {
      const response = await page.goto(`${h.uiUrl}/#key=${TEST_KEYS.alice}`);
      // The page arrives with its policy: scripts from itself only, no framing, no referrer, not stored.
      const headers = response!.headers();
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy']).toMatch(
        new RegExp(`connect-src [^;]*${h.sys.apiUrl.replace(/[.]/g, '\\.')}`),
      );
      expect(headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(headers).toMatchObject({
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      expect(new URL(page.url()).hash).toBe('');
      expect(await page.evaluate(() => sessionStorage.getItem('alpes.dashboard.apiKey'))).toBe(
        TEST_KEYS.alice,
      );
      await page.locator(byTestId('signed-in-as'), { hasText: 'alice' }).waitFor();
      await page.evaluate(() => ((window as any).__sameDocument = true));

      await page.getByTestId('form-partner').selectOption(partner.id);
      await page.getByTestId('form-currency').selectOption('USD');
      await fillLine(0, ref('conv'), '150.05', 'March conversions');
      await page.getByTestId('add-line').click();
      await fillLine(1, ref('conv'), '0.1', 'Bonus');
      // 150.05 + 0.1 in floats is 150.15000000000001; in minor units it is 15015, exactly.
      expect(await page.getByTestId('form-total').getAttribute('data-minor')).toBe('15015');
      expect(await page.getByTestId('form-total').textContent()).toBe('$150.15');
      const id = await submitForm();

      await page.getByTestId(`payment-row-${id}`).waitFor();
      await waitForAttribute(page, `status-${id}`, 'data-status', 'COMPLETED');
      expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
      expect(await page.getByTestId(`amount-${id}`).textContent()).toBe('$150.15');
      expect(await page.getByTestId(`temporal-link-${id}`).getAttribute('href')).toMatch(
        new RegExp(`^http://localhost:8233/namespaces/default/workflows/payment%3A${id}`),
      );

      const stored = (await api('GET', `/payments/${id}`)).body;
      expect(stored).toMatchObject({
        totalMinor: 15015,
        currency: 'USD',
        createdBy: 'alice',
        status: 'COMPLETED',
      });
      expect(stored.lines.map((l: Json) => l.amountMinor)).toEqual([15005, 10]);

      const feedTypes = await page.$$eval(`[data-payment-id="${id}"][data-type]`, (els) =>
        els.map((e) => e.getAttribute('data-type')),
      );
      expect(feedTypes).toEqual(expect.arrayContaining(['PaymentCreated', 'PaymentCompleted']));

      // Filters: by status and by partner, then back to everything.
      const row = page.getByTestId(`payment-row-${id}`);
      await page.getByTestId('filter-status').selectOption('FAILED');
      expect(await row.count()).toBe(0);
      await page.getByTestId('filter-status').selectOption('COMPLETED');
      expect(await row.count()).toBe(1);
      await page.getByTestId('filter-partner').selectOption(decliningPartner.id);
      expect(await row.count()).toBe(0);
      await page.getByTestId('filter-clear').click();
      expect(await row.count()).toBe(1);
    });

    it('four-eyes: shows the 409 when the creator approves, and lets a second operator approve', async () => {
      await page.getByTestId('form-partner').selectOption(partner.id);
      await page.getByTestId('form-currency').selectOption('USD');
      await fillLine(0, ref('q1'), '2500.00', 'Q1 influencer campaign');
      const id = await submitForm();
      await waitForAttribute(page, `status-${id}`, 'data-status', 'AWAITING_APPROVAL');

      await page.getByTestId(`approve-${id}`).click();
      const refusal = page.locator('[data-testid="toast"][data-kind="error"]').last();
      await refusal.waitFor();
      expect(await refusal.getAttribute('data-code')).toBe('PAYMENT.FOUR_EYES_VIOLATION');
      expect(await refusal.textContent()).toContain('HTTP 409');
      expect(await refusal.isVisible()).toBe(true);
      expect(await apiStatus(id)).toBe('AWAITING_APPROVAL');

      await signInAs(TEST_KEYS.bob, 'bob');
      await page.getByTestId(`approve-${id}`).click();
      await waitForAttribute(page, `status-${id}`, 'data-status', 'COMPLETED');

      await expand(id);
      const detail = page.getByTestId(`payment-detail-${id}`);
      expect(await detail.textContent()).toMatch(/Approved by\s*bob/);
      expect(
        await page.locator(`${byTestId(`history-${id}`)} li[data-type="PaymentApproved"]`).textContent(),
      ).toContain('by bob');
      await page.getByTestId(`notifications-${id}`).waitFor();
      await page.getByTestId(`expand-${id}`).click();
    });

    it('reconnects after the socket is cut or the UI server restarts, and resumes without gaps or repeats', async () => {
      // 1. The page's own socket drops (a network blip): reconnect with backoff and resume.
      await recordConnectionStates(page);
      expect(await cutWebSockets(page)).toBe(1);
      const duringBlip = await payViaApi(partner.id, 'USD', 4200, TEST_KEYS.alice);
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await waitForAttribute(page, `status-${duringBlip}`, 'data-status', 'COMPLETED');
      expect(await recordedConnectionStates(page)).toEqual(['live', 'reconnecting', 'live']);

      // 2. The UI server goes away while payments complete; nothing can reach the page meanwhile.
      await recordConnectionStates(page);
      await h.stopUi();
      await waitForAttribute(page, 'conn-state', 'data-state', 'reconnecting');
      const duringOutage = await payViaApi(partner.id, 'USD', 9900, TEST_KEYS.bob);
      await eventually(
        () => apiStatus(duringOutage),
        (s) => s === 'COMPLETED',
      );
      expect(await page.getByTestId(`payment-row-${duringOutage}`).count()).toBe(0);
      await h.startUi();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live', 30_000);
      await waitForAttribute(page, `status-${duringOutage}`, 'data-status', 'COMPLETED');
      expect(await recordedConnectionStates(page)).toEqual(['live', 'reconnecting', 'live']);

      // Every payment of this test: exactly one row, and its streamed history is the log's, exactly.
      for (const id of ours) {
        expect(await page.getByTestId(`payment-row-${id}`).count()).toBe(1);
        const logged = ((await api('GET', `/payments/${id}`)).body.events as Json[]).map((e) => e.position);
        await expand(id);
        const streamed = await positionsIn(page, `${byTestId(`history-${id}`)} li[data-position]`);
        expect({ id, streamed }).toEqual({ id, streamed: logged });
        await page.getByTestId(`expand-${id}`).click();
      }
      // The feed is a window on the unfiltered log: unique, contiguous positions, newest first.
      const feed = await positionsIn(page, `${byTestId('event-feed')} [data-position]`);
      expect(feed.length).toBeGreaterThan(5);
      expect(new Set(feed).size).toBe(feed.length);
      expect(feed.slice(1).every((p, i) => p === feed[i]! - 1)).toBe(true);
    });

    it('keeps its socket past the tokens it opened with: re-authenticates on it before each expiry', async () => {
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
      await recordConnectionStates(page);
      const sockets = await page.evaluate(() => (window as any).__sockets.length as number);
      // Three token lifetimes: without renewals the server would have closed the socket (4401) thrice.
      await page.waitForTimeout(3 * TOKEN_TTL_MS);
      const late = await payViaApi(partner.id, 'USD', 3100, TEST_KEYS.alice);
      await waitForAttribute(page, `status-${late}`, 'data-status', 'COMPLETED');
      expect(await recordedConnectionStates(page)).toEqual(['live']);
      expect(await page.evaluate(() => (window as any).__sockets.length as number)).toBe(sockets);
    });

    it('enforces its CSP: an injected inline script does not run and is reported', async () => {
      await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__injected = true';
        document.body.append(script);
      });
      for (let i = 0; i < 100 && cspViolations.length === 0; i++) await page.waitForTimeout(20);
      expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
      expect(cspViolations.join('\n')).toMatch(/script-src/);
      // Expected here: cleared so the afterEach check stays about the dashboard itself.
      cspViolations.length = 0;
    });

    it('rejects, cancels and refunds from the row buttons, formats each currency, and looks right at 1280px', async () => {
      const toReject = await payViaApi(partner.id, 'USD', 120000, TEST_KEYS.alice);
      const toCancel = await payViaApi(decliningPartner.id, 'USD', 500000, TEST_KEYS.alice);
      const toRefund = await payViaApi(partner.id, 'COP', 1505000, TEST_KEYS.alice);
      const yen = await payViaApi(partner.id, 'JPY', 500, TEST_KEYS.alice);
      const declined = await payViaApi(decliningPartner.id, 'USD', 8000, TEST_KEYS.alice);
      const waiting = await payViaApi(partner.id, 'USD', 300000, TEST_KEYS.alice);

      await waitForAttribute(page, `status-${toReject}`, 'data-status', 'AWAITING_APPROVAL');
      await expand(toReject);
      await page.getByTestId(`reason-${toReject}`).fill('Duplicate of invoice 2231');
      await page.getByTestId(`reject-${toReject}`).click();
      await waitForAttribute(page, `status-${toReject}`, 'data-status', 'REJECTED');
      expect(await page.getByTestId(`payment-detail-${toReject}`).textContent()).toContain(
        'Duplicate of invoice 2231',
      );
      await page.getByTestId(`expand-${toReject}`).click();

      await waitForAttribute(page, `status-${toCancel}`, 'data-status', 'AWAITING_APPROVAL');
      await page.getByTestId(`cancel-${toCancel}`).click();
      await waitForAttribute(page, `status-${toCancel}`, 'data-status', 'CANCELLED');

      await waitForAttribute(page, `status-${toRefund}`, 'data-status', 'COMPLETED');
      await page.getByTestId(`refund-${toRefund}`).click();
      await waitForAttribute(page, `status-${toRefund}`, 'data-status', 'REFUNDED');

      await waitForAttribute(page, `status-${yen}`, 'data-status', 'COMPLETED');
      await waitForAttribute(page, `status-${declined}`, 'data-status', 'FAILED');
      await waitForAttribute(page, `status-${waiting}`, 'data-status', 'AWAITING_APPROVAL');
      expect(await page.getByTestId(`amount-${toRefund}`).textContent()).toBe('COP\u00a015,050.00');
      expect(await page.getByTestId(`amount-${yen}`).textContent()).toBe('¥500');
      expect(await page.getByTestId(`amount-${waiting}`).textContent()).toBe('$3,000.00');
      for (const [id, status] of [
        [toReject, 'REJECTED'],
        [toCancel, 'CANCELLED'],
        [toRefund, 'REFUNDED'],
      ] as const) {
        expect(await apiStatus(id)).toBe(status);
      }

      // Nothing overflows sideways at the target width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      await dismissToasts();
      await expand(ours[1]!);
      await page.getByTestId(`form-partner`).selectOption(partner.id);
      await fillLine(0, 'conv-2044', '1250.5', 'April conversions');
      await page.evaluate(() => {
        (document.activeElement as HTMLElement | null)?.blur();
        window.scrollTo(0, 0);
      });
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });
  });
}
