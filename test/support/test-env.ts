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
    describe.skip(`${name} [SKIPPED: no PostgreSQL reachable]`, () => {
      it('needs PostgreSQL', () => undefined);
    });
    return;
  }
  describe(name, () => fn(url));
}
