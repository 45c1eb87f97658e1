/**
 * What the integration suite's globalSetup started, handed to test files through the environment
 * (jest workers inherit it). The single place test code reads process.env.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestEnvironment {
  temporalAddress: string;
  temporalCli: string;
  workflowBundlePath: string;
  /**
   * This test file's own PostgreSQL database (a migrated copy of the run's template, created by
   * `ensureFileDatabase`), or undefined when no PostgreSQL was reachable. Files never share rows,
   * so they may run in parallel.
   */
  databaseUrl: string | undefined;
}

export const TEST_ENV_KEYS = {
  temporalAddress: 'ALPES_TEST_TEMPORAL_ADDRESS',
  temporalCli: 'ALPES_TEST_TEMPORAL_CLI',
  workflowBundlePath: 'ALPES_TEST_WORKFLOW_BUNDLE',
  databaseUrl: 'ALPES_TEST_DATABASE_URL',
  /** The migrated template every file's database is copied from (global setup creates it). */
  databaseTemplate: 'ALPES_TEST_DATABASE_TEMPLATE',
} as const;

/** Databases of this run's files are named `<template>_f<random>`; the global teardown drops them. */
export const fileDatabasePrefix = (template: string): string => `${template}_f`;

// Module state is per test file (jest gives each file its own module registry): one database each.
const fileSuffix = randomBytes(5).toString('hex');
let fileDatabase: Promise<void> | undefined;

function fileDatabaseUrl(): string | undefined {
  const template = process.env[TEST_ENV_KEYS.databaseTemplate];
  const runUrl = process.env[TEST_ENV_KEYS.databaseUrl];
  if (!template || !runUrl) return runUrl || undefined;
  const url = new URL(runUrl);
  url.pathname = `/${fileDatabasePrefix(template)}${fileSuffix}`;
  return url.toString();
}

/** Creates this file's database from the template, once; every PostgreSQL test awaits it. */
export function ensureFileDatabase(): Promise<void> {
  const template = process.env[TEST_ENV_KEYS.databaseTemplate];
  const runUrl = process.env[TEST_ENV_KEYS.databaseUrl];
  if (!template || !runUrl) return Promise.resolve();
  fileDatabase ??= (async () => {
    const admin = new URL(runUrl);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const name = `${fileDatabasePrefix(template)}${fileSuffix}`;
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query(`create database ${name} template ${template}`);
          return;
        } catch (e) {
          // Two files copying the template at the same instant: PostgreSQL lets one at a time.
          if (attempt >= 20 || !/being accessed by other users/.test(String(e))) throw e;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    } finally {
      await client.end();
    }
  })();
  return fileDatabase;
}

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
  return { temporalAddress, workflowBundlePath, temporalCli, databaseUrl: fileDatabaseUrl() };
}

/** `describe` when PostgreSQL is available, otherwise a loudly skipped block (never a silent pass). */
export function describeWithPostgres(name: string, fn: (databaseUrl: string) => void): void {
  const url = testEnvironment().databaseUrl;
  if (!url) {
    // The body registers its tests (skipped); its hooks never run, so the URL is never used.
    describeUnavailable(name, 'PostgreSQL', () => fn('postgres://unavailable'));
    return;
  }
  describe(name, () => {
    // Registered first, so it runs before the block's own hooks.
    beforeAll(() => ensureFileDatabase(), 60_000);
    fn(url);
  });
}
