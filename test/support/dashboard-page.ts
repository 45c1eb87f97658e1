import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describeUnavailable } from './test-env';

/** Debian's Chromium; the browser tests skip loudly without it (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/**
 * A browser suite: registered as is when Chromium is installed, else loudly skipped (failed under
 * ALPES_TEST_REQUIRE_ALL), so a machine without it never passes the suite silently.
 */
export function describeInChromium(title: string, suite: () => void): void {
  if (chromiumAvailable()) {
    suite();
    return;
  }
  console.warn(
    `\n!!! ${CHROMIUM_PATH} not found: ${title} is SKIPPED. Install it with \`apt-get install -y chromium\`. !!!\n`,
  );
  describeUnavailable(title, `Chromium at ${CHROMIUM_PATH}`, suite);
}

export interface ChromiumPage {
  browser: Browser;
  page: Page;
  /** Uncaught errors in the page: a suite expects none after each test. */
  pageErrors: string[];
  /** CSP violations the page reported: a suite expects none after each test. */
  cspViolations: string[];
}

/**
 * Chromium with one page, as the dashboard suites look at it: English, UTC, the given init scripts
 * and the CSP reporter installed, page errors and CSP violations collected.
 */
export async function openChromiumPage({
  viewport = { width: 1280, height: 900 },
  initScripts = [],
}: { viewport?: { width: number; height: number }; initScripts?: string[] } = {}): Promise<ChromiumPage> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' });
    for (const script of [...initScripts, REPORT_CSP_VIOLATIONS]) await context.addInitScript(script);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return { browser, page, pageErrors, cspViolations: collectCspViolations(page) };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

export const byTestId = (id: string): string => `[data-testid="${id}"]`;

/** Waits until `[data-testid=id]` has `attr` = `expected`; the failure names the last value seen. */
export async function waitForAttribute(
  page: Page,
  testId: string,
  attr: string,
  expected: string,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await page.waitForFunction(
      ([sel, a, v]) => document.querySelector(sel!)?.getAttribute(a!) === v,
      [byTestId(testId), attr, expected],
      { timeout: timeoutMs, polling: 50 },
    );
  } catch {
    const last = await page
      .locator(byTestId(testId))
      .first()
      .getAttribute(attr, { timeout: 1_000 })
      .catch(() => '(element missing)');
    throw new Error(
      `${testId} [${attr}] did not become "${expected}" within ${timeoutMs} ms; last: "${last}"`,
    );
  }
}

/** Installs (once per page) a recorder of every `data-state` the connection badge takes. */
export async function recordConnectionStates(page: Page): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as unknown as { __connStates?: string[]; __connObserver?: MutationObserver };
    w.__connObserver?.disconnect();
    const badge = document.querySelector(sel)!;
    w.__connStates = [badge.getAttribute('data-state') ?? ''];
    w.__connObserver = new MutationObserver(() => {
      const state = badge.getAttribute('data-state') ?? '';
      if (w.__connStates!.at(-1) !== state) w.__connStates!.push(state);
    });
    w.__connObserver.observe(badge, { attributes: true, attributeFilter: ['data-state'] });
  }, byTestId('conn-state'));
}

export const recordedConnectionStates = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { __connStates?: string[] }).__connStates ?? []);

/**
 * Test-only instrumentation, as an init script: remembers every WebSocket the page opens, so a test
 * can cut it. A string, not a function, so no compiler helper can leak into the page.
 */
export const TRACK_WEBSOCKETS = `(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      window.__sockets.push(this);
    }
  };
})();`;

/** Closes every open socket of the page, as a network blip would (from the page's side). */
export const cutWebSockets = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets;
    const open = sockets.filter((s) => s.readyState === WebSocket.OPEN);
    for (const s of open) s.close(4001, 'test cut');
    return open.length;
  });

/** `data-position` of every item of a list, in document order. */
export const positionsIn = (page: Page, selector: string): Promise<number[]> =>
  page.$$eval(selector, (els) => els.map((e) => Number(e.getAttribute('data-position'))));

/**
 * Installs (once per page) a recorder of every value `attr` takes on `[data-testid=testId]`, also
 * on an element that appears later or is replaced: a watcher of the whole document, so a value
 * held for a few milliseconds between two polls is still seen.
 */
export async function recordAttribute(page: Page, testId: string, attr: string): Promise<void> {
  await page.evaluate(
    ([sel, a]) => {
      const w = window as unknown as { __recorded?: string[]; __recorder?: MutationObserver };
      w.__recorder?.disconnect();
      const seen: string[] = [];
      w.__recorded = seen;
      const read = () => {
        const v = document.querySelector(sel!)?.getAttribute(a!);
        if (v !== null && v !== undefined && seen.at(-1) !== v) seen.push(v);
      };
      read();
      w.__recorder = new MutationObserver(read);
      w.__recorder.observe(document.body, { subtree: true, childList: true, attributes: true });
    },
    [byTestId(testId), attr],
  );
}

export const recordedAttribute = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { __recorded?: string[] }).__recorded ?? []);

/**
 * Test-only instrumentation, as an init script: every Content-Security-Policy violation the page
 * meets is also written to the console (Chromium's own "Refused to …" report may not reach it).
 */
export const REPORT_CSP_VIOLATIONS = `(() => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
  });
})();`;

/** Collects the console's CSP violation reports (see `REPORT_CSP_VIOLATIONS`) into the array it returns. */
export function collectCspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|CSP violation/i.test(text)) violations.push(text);
  });
  return violations;
}
