import type { Browser, Page } from 'playwright-core';
import { seedPartner } from './support/partner-seed';
import { startDashboardHarness, type DashboardHarness } from './support/dashboard-harness';
import { byTestId, describeInChromium, openChromiumPage, waitForAttribute } from './support/dashboard-page';
import { apiKeysWithPartners, bearer, http, TEST_KEYS } from './support/system';
import { describeWithPostgres } from './support/test-env';

jest.setTimeout(180_000);

/**
 * Issue 25 §5 in Chromium: a partner chooses its EUR payout method in the portal (through the
 * change flow), an operator approves it, and after the cool-off the portal and the Partners page
 * show it masked — with the route that would pay it. The full IBAN never reaches the page.
 */
const TITLE = 'payout methods in the portal and on the Partners page, in Chromium';
const PARTNER = globalThis.crypto.randomUUID();
const KEY = 'test-portal-methods-Hq5v8Nw2Lt7Kc1Xb4Zp9Ys3Rm6Dg0Fj2Ea7Uo4Ti';
const COOLOFF_MS = 3_000;
const IBAN = 'GB82WEST12345698765432';
const IBAN_AS_TYPED = 'GB82 WEST 1234 5698 7654 32';
const BIC = 'NWBKGB2L';
const ROUTES = [
  {
    method: 'BANK_TRANSFER',
    currency: 'EUR',
    country: 'GB',
    providers: [{ name: 'sandbox-bank', maxAmountMinor: 500_000 }],
  },
  { providers: ['sandbox-bank'] },
];

describeInChromium(TITLE, suite);

function suite(): void {
  describeWithPostgres(TITLE, () => {
    let h: DashboardHarness;
    let browser: Browser;
    let page: Page;
    let pageErrors: string[] = [];
    let csp: string[] = [];

    const api = (method: string, path: string, body?: unknown, key: string = TEST_KEYS.admin) =>
      http(h.sys.apiUrl, method, path, body, bearer(key));

    async function signInAs(key: string, name: string) {
      if (await page.getByTestId('signout').count()) await page.getByTestId('signout').click();
      await page.getByTestId('signin-key').fill(key);
      await page.getByTestId('signin-submit').click();
      await page.locator(byTestId('signed-in-as'), { hasText: name }).waitFor();
      await waitForAttribute(page, 'conn-state', 'data-state', 'live');
    }

    /** Neither form of the account number anywhere in the page's HTML (attributes, text, inputs). */
    async function expectNoFullIban() {
      const html = await page.content();
      const values = await page.$$eval('input', (els) => els.map((e) => (e as HTMLInputElement).value));
      for (const text of [html, values.join('\n')]) {
        expect(text.replace(/\s+/g, '')).not.toContain(IBAN);
        expect(text).not.toContain(IBAN_AS_TYPED);
      }
    }

    beforeAll(async () => {
      h = await startDashboardHarness(
        {
          ALPES_API_KEYS: apiKeysWithPartners([{ key: KEY, name: 'methods-partner', partnerId: PARTNER }]),
          PAYOUT_ACCOUNT_COOLOFF: `${COOLOFF_MS}ms`,
          PAYOUT_ROUTES: JSON.stringify(ROUTES),
        },
        ['bank', 'worker', 'api'],
      );
      await seedPartner(h.sys.db, {
        id: PARTNER,
        name: 'Cascade Methods',
        email: 'cascade@example.com',
        payoutAccount: '0012345678',
      });
      ({
        browser,
        page,
        pageErrors,
        cspViolations: csp,
      } = await openChromiumPage({ viewport: { width: 1440, height: 1000 } }));
      await page.goto(h.uiUrl);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await h?.stop();
    });

    afterEach(() => {
      expect(pageErrors).toEqual([]);
      expect(csp).toEqual([]);
    });

    it('the partner requests an IBAN for EUR; an operator approves; after the cool-off both pages show it masked, with its route', async () => {
      await signInAs(KEY, 'methods-partner');
      const card = page.getByTestId('portal-payout-methods');
      await card.waitFor();
      // Before: the legacy account pays every currency.
      await expect(page.getByTestId('portal-method-row-legacy').textContent()).resolves.toContain('****5678');

      await page.getByTestId('portal-method-currency').fill('EUR');
      await page.getByTestId('portal-method-kind').selectOption('IBAN');
      await page.getByTestId('portal-method-iban').fill(IBAN_AS_TYPED);
      await page.getByTestId('portal-method-bic').fill(BIC);
      await page.getByTestId('portal-method-holder').fill('Cascade Ltd');
      await page.getByTestId('portal-method-submit').click();

      const pending = page.getByTestId('portal-pending-method');
      await page.locator(`${byTestId('portal-pending-method')}[data-state="awaiting-approval"]`).waitFor();
      await expect(pending.textContent()).resolves.toMatch(/EUR.*GB82…5432.*waiting for approval/);
      expect(await page.getByTestId('portal-method-submit').isDisabled()).toBe(true);
      await expectNoFullIban();

      // The partner cannot approve its own request; a second operator does, over the API.
      expect((await api('POST', `/partners/${PARTNER}/payout-account-change/approve`, {}, KEY)).status).toBe(
        403,
      );
      const approved = await api(
        'POST',
        `/partners/${PARTNER}/payout-account-change/approve`,
        {},
        TEST_KEYS.bob,
      );
      expect(approved.status).toBe(200);
      expect(approved.body.pendingAccountChange).toMatchObject({
        requestedBy: 'methods-partner',
        approvedBy: 'bob',
      });

      // The card follows on its own: approved, then in force.
      await page.locator(`${byTestId('portal-pending-method')}[data-state="approved"]`).waitFor();
      await expect(pending.textContent()).resolves.toMatch(/approved by bob, in force from/);
      const eur = page.getByTestId('portal-method-row-EUR');
      await eur.waitFor({ timeout: COOLOFF_MS + 10_000 });
      await expect(eur.textContent()).resolves.toMatch(/GB82…5432.*NWBKGB2L.*Cascade Ltd/);
      expect(await pending.count()).toBe(0);
      await expectNoFullIban();

      // The Partners page, as an operator: the methods, masked, and the route that pays each.
      await signInAs(TEST_KEYS.alice, 'alice');
      await page.getByTestId('nav-partners').click();
      await page.getByTestId(`partner-row-${PARTNER}`).waitFor();
      await page.getByTestId(`methods-${PARTNER}`).click();
      const row = page.getByTestId(`partner-method-${PARTNER}-EUR`);
      await row.waitFor();
      await expect(row.textContent()).resolves.toContain('IBAN GB82…5432');
      await expect(page.getByTestId(`partner-route-${PARTNER}-EUR`).textContent()).resolves.toBe(
        'sandbox-bank (≤ 500000 minor units)',
      );
      // Other currencies: the legacy account, by the catch-all route.
      await expect(page.getByTestId(`partner-method-${PARTNER}-legacy`).textContent()).resolves.toContain(
        '****5678',
      );
      await expect(page.getByTestId(`partner-route-${PARTNER}-legacy`).textContent()).resolves.toBe(
        'sandbox-bank',
      );
      expect(await page.getByTestId(`partner-pending-method-${PARTNER}`).count()).toBe(0);
      await expectNoFullIban();
    });
  });
}
