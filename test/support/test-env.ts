/**
 * What the integration suite's globalSetup started, handed to test files through the environment
 * (jest workers inherit it). The single place test code reads process.env.
 */
export interface TestEnvironment {
  temporalAddress: string;
  temporalCli: string;
  workflowBundlePath: string;
  /** Scratch PostgreSQL database for this run, or undefined when no PostgreSQL was reachable. */
  databaseUrl: string | undefined;
}

export const TEST_ENV_KEYS = {
  temporalAddress: 'ALPES_TEST_TEMPORAL_ADDRESS',
  temporalCli: 'ALPES_TEST_TEMPORAL_CLI',
  workflowBundlePath: 'ALPES_TEST_WORKFLOW_BUNDLE',
  databaseUrl: 'ALPES_TEST_DATABASE_URL',
} as const;

/**
 * ALPES_TEST_REQUIRE_ALL=1 (set by .ci/run): a missing dependency (PostgreSQL, Chromium) fails
 * the tests that need it instead of skipping them, so CI can never go green on a half-run suite.
 */
export const REQUIRE_ALL_KEY = 'ALPES_TEST_REQUIRE_ALL';
export const requireAllDependencies = (): boolean =>
  ['1', 'true'].includes(process.env[REQUIRE_ALL_KEY] ?? '');

/** ALPES_RECORD_FIXTURES=1 (`make fixtures`): replay tests may write missing history fixtures. */
export const requireRecording = (): boolean =>
  ['1', 'true'].includes(process.env.ALPES_RECORD_FIXTURES ?? '');

/**
 * A block whose dependency is missing. Its tests are registered as skipped (jest's skip count is
 * the real number of tests not run), or, under ALPES_TEST_REQUIRE_ALL, one failing test says why.
 */
export function describeUnavailable(name: string, missing: string, body: () => void): void {
  if (requireAllDependencies()) {
    describe(name, () => {
      it(`needs ${missing}`, () => {
        throw new Error(`${missing} is not available, and ${REQUIRE_ALL_KEY} forbids skipping`);
      });
    });
    return;
  }
  describe.skip(`${name} [SKIPPED: no ${missing}]`, body);
}

export function testEnvironment(): TestEnvironment {
  const get = (k: string): string | undefined => process.env[k] || undefined;
  const temporalAddress = get(TEST_ENV_KEYS.temporalAddress);
  const workflowBundlePath = get(TEST_ENV_KEYS.workflowBundlePath);
  const temporalCli = get(TEST_ENV_KEYS.temporalCli);
  if (!temporalAddress || !workflowBundlePath || !temporalCli) {
    throw new Error('integration tests need the jest globalSetup (run them with `make test`)');
  }
  return { temporalAddress, workflowBundlePath, temporalCli, databaseUrl: get(TEST_ENV_KEYS.databaseUrl) };
}

/** `describe` when PostgreSQL is available, otherwise a loudly skipped block (never a silent pass). */
export function describeWithPostgres(name: string, fn: (databaseUrl: string) => void): void {
  const url = testEnvironment().databaseUrl;
  if (!url) {
    // The body registers its tests (skipped); its hooks never run, so the URL is never used.
    describeUnavailable(name, 'PostgreSQL', () => fn('postgres://unavailable'));
    return;
  }
  describe(name, () => fn(url));
}
