import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ensureTemporalCli, startDevServer, type DevServer } from '../../src/infra/temporal/dev-server';
import { migrateToLatest } from '../../src/infra/db/database';
import { openDatabase } from '../../src/shared/db/knex-database';
import { freePort } from './free-port';
import { REQUIRE_ALL_KEY, requireAllDependencies, TEST_ENV_KEYS } from './test-env';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432';

export interface GlobalState {
  devServer?: DevServer;
  scratchDatabase?: { adminUrl: string; name: string };
  /** The template the test files' own databases are copied from. */
  template?: { adminUrl: string; name: string };
}
declare global {
  var __alpesTestState: GlobalState | undefined;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** DATABASE_URL when given (CI makes a scratch one), else a scratch database on the local server. */
async function prepareDatabase(state: GlobalState, given: string | undefined): Promise<string | undefined> {
  if (given) return given;
  if (!(await reachable(`${LOCAL_POSTGRES}/postgres`))) return undefined;
  const name = `alpes_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${LOCAL_POSTGRES}/postgres` });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  state.scratchDatabase = { adminUrl: `${LOCAL_POSTGRES}/postgres`, name };
  return `${LOCAL_POSTGRES}/${name}`;
}

export default async function globalSetup(): Promise<void> {
  const state: GlobalState = {};
  globalThis.__alpesTestState = state;
  const root = resolve(__dirname, '../..');

  const cli = ensureTemporalCli(process.env.TEMPORAL_CLI);
  const port = await freePort();
  state.devServer = await startDevServer({ cliPath: cli, port, uiPort: 0, headless: true });

  const databaseUrl = await prepareDatabase(state, process.env.DATABASE_URL);
  if (databaseUrl) {
    const db = openDatabase({ kind: 'postgres', url: databaseUrl });
    await migrateToLatest(db);
    await db.destroy();
    // Each test file gets its own copy of the migrated database (test-env.ts, ensureFileDatabase).
    state.template = await createTemplate(databaseUrl);
    process.stdout.write(`\n[integration] PostgreSQL: ${databaseUrl.replace(/:[^:@/]*@/, ':****@')}\n`);
  } else if (requireAllDependencies()) {
    throw new Error(
      `no PostgreSQL reachable (set DATABASE_URL), and ${REQUIRE_ALL_KEY} forbids skipping its tests`,
    );
  } else {
    process.stdout.write(
      '\n[integration] !!! NO POSTGRESQL REACHABLE: PostgreSQL tests are SKIPPED (set DATABASE_URL) !!!\n',
    );
  }
  process.stdout.write(`[integration] Temporal dev server: ${state.devServer.address} (${cli})\n`);

  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'src/workflows'),
    logger: quietLogger,
  });
  const bundleDir = join(root, 'artifacts');
  mkdirSync(bundleDir, { recursive: true });
  const bundlePath = join(bundleDir, 'workflow-bundle.test.js');
  writeFileSync(bundlePath, code);

  process.env[TEST_ENV_KEYS.temporalAddress] = state.devServer.address;
  process.env[TEST_ENV_KEYS.temporalCli] = cli;
  process.env[TEST_ENV_KEYS.workflowBundlePath] = bundlePath;
  if (databaseUrl) process.env[TEST_ENV_KEYS.databaseUrl] = databaseUrl;
  if (state.template) process.env[TEST_ENV_KEYS.databaseTemplate] = state.template.name;
}

/** A migrated template next to the run's database, named after it; dropped (with its copies) at teardown. */
async function createTemplate(databaseUrl: string): Promise<{ adminUrl: string; name: string }> {
  const url = new URL(databaseUrl);
  const name = `${url.pathname.slice(1)}_tpl`;
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name} template ${databaseUrl.split('/').pop()!.split('?')[0]}`);
  } finally {
    await admin.end();
  }
  return { adminUrl: url.toString(), name };
}

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
