/**
 * The real Temporal server on PostgreSQL, as `make cluster` runs it: binaries from
 * scripts/ensure-temporal-server.sh, schemas with temporal-sql-tool, the server from
 * config/temporal/cluster.yaml (a template the server renders from the environment given here),
 * and the namespace and our search attributes registered with the Temporal CLI over mTLS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import {
  temporalConnectionOptions,
  type TemporalConnectionSettings,
} from '../../src/infra/temporal/connection-options';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../src/workflows/search-attributes';
import { spawnManaged, waitFor, type ManagedProcess } from './processes';
import type { ClusterTls } from './tls';

const ROOT = resolve(__dirname, '../..');

export interface TemporalBinaries {
  server: string;
  sql: string;
  ui: string;
  /** `<module>/schema/postgresql/v12`: temporal/versioned and visibility/versioned. */
  schema: string;
  /** The UI server's module (its config templates). */
  uiRoot: string;
}

/** Finds or builds the server, the SQL tool and the UI server (progress on our stderr). */
export function ensureTemporalServerBinaries(): TemporalBinaries {
  const res = spawnSync('bash', [join(ROOT, 'scripts/ensure-temporal-server.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (res.status !== 0)
    throw new Error('the Temporal server binaries are not available (see the messages above)');
  const found = Object.fromEntries(
    res.stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>;
  return {
    server: found.server!,
    sql: found.sql!,
    ui: found.ui!,
    schema: found.schema!,
    uiRoot: found.ui_root!,
  };
}

/** Finds or builds the Temporal CLI (scripts/ensure-temporal.sh). */
export function ensureTemporalCli(explicit?: string): string {
  const res = spawnSync('bash', [join(ROOT, 'scripts/ensure-temporal.sh'), ...(explicit ? [explicit] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error('the Temporal CLI is not available (see the messages above)');
  return res.stdout.trim().split('\n').pop()!;
}

export interface PostgresTarget {
  /** host, port, user (and password) of the server; databases are named apart. */
  host: string;
  port: number;
  user: string;
  password: string | undefined;
}

export function postgresTarget(adminUrl: string): PostgresTarget {
  const u = new URL(adminUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

export const databaseUrl = (t: PostgresTarget, database: string): string => {
  const u = new URL('postgres://x');
  u.hostname = t.host;
  u.port = String(t.port);
  u.username = t.user;
  if (t.password) u.password = t.password;
  u.pathname = `/${database}`;
  return u.toString();
};

/** `1.18` > `1.9`. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** The newest schema version a `versioned/` folder brings (its v1.18 → "1.18"). */
export function latestSchemaVersion(versionedDir: string): string {
  return readdirSync(versionedDir)
    .filter((d) => /^v\d+(\.\d+)*$/.test(d))
    .map((d) => d.slice(1))
    .sort(compareVersions)
    .at(-1)!;
}

async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Creates the database unless it exists. */
export async function ensureDatabase(t: PostgresTarget, name: string): Promise<boolean> {
  const admin = databaseUrl(t, 'postgres');
  const found = await query(admin, 'select 1 from pg_database where datname = $1', [name]);
  if (found.length) return false;
  await query(admin, `create database "${name.replace(/"/g, '""')}"`);
  return true;
}

/** Drops those of the databases that exist (connections are closed); returns their names. */
export async function dropDatabases(t: PostgresTarget, names: string[]): Promise<string[]> {
  const admin = databaseUrl(t, 'postgres');
  const existing = await query<{ datname: string }>(
    admin,
    'select datname from pg_database where datname = any($1)',
    [names],
  );
  for (const { datname } of existing)
    await query(admin, `drop database "${datname.replace(/"/g, '""')}" with (force)`);
  return existing.map((r) => r.datname);
}

async function schemaVersion(t: PostgresTarget, database: string): Promise<string | undefined> {
  const rows = await query<{ curr_version: string }>(
    databaseUrl(t, database),
    `select curr_version from schema_version where to_regclass('schema_version') is not null limit 1`,
  ).catch((e: { code?: string }) => {
    if (e.code === '42P01') return [];
    throw e;
  });
  return rows[0]?.curr_version;
}

/**
 * Temporal's two schemas (`temporal` for persistence, `visibility`), each in its own database, at
 * the version the server's module brings. A database already at that version is left alone (a
 * re-run is a no-op in milliseconds); otherwise temporal-sql-tool sets it up and applies the
 * missing versions, as the compose file's `temporal-schema` job does.
 */
export async function ensureTemporalSchemas(opts: {
  sqlTool: string;
  schemaDir: string;
  target: PostgresTarget;
  databases: { temporal: string; visibility: string };
  log: (line: string) => void;
}): Promise<void> {
  for (const [kind, database] of [
    ['temporal', opts.databases.temporal],
    ['visibility', opts.databases.visibility],
  ] as const) {
    const versioned = join(opts.schemaDir, kind, 'versioned');
    if (!existsSync(versioned)) throw new Error(`no schema folder ${versioned}`);
    const latest = latestSchemaVersion(versioned);
    if (await ensureDatabase(opts.target, database)) opts.log(`created database ${database}`);
    const current = await schemaVersion(opts.target, database);
    if (current && compareVersions(current, latest) >= 0) continue;
    const base = [
      '--plugin',
      'postgres12',
      '--ep',
      opts.target.host,
      '-p',
      String(opts.target.port),
      '-u',
      opts.target.user,
      '--db',
      database,
    ];
    const env = {
      ...inheritedEnv(),
      ...(opts.target.password ? { SQL_PASSWORD: opts.target.password } : {}),
    };
    const run = (args: string[]): void => {
      const res = spawnSync(opts.sqlTool, [...base, ...args], { env, encoding: 'utf8' });
      if (res.status !== 0) {
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed:\n${res.stdout}\n${res.stderr}`);
      }
    };
    if (!current) run(['setup-schema', '-v', '0.0']);
    run(['update-schema', '-d', versioned]);
    opts.log(`${kind} schema of ${database}: ${current ?? 'none'} → ${latest}`);
  }
}

/** PATH and HOME only: children get what we give them. */
export function inheritedEnv(): Record<string, string> {
  // eslint-disable-next-line no-restricted-properties -- children need PATH/HOME to start at all
  const { PATH, HOME } = process.env;
  return { ...(PATH ? { PATH } : {}), ...(HOME ? { HOME } : {}) };
}

export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

export const DEFAULT_SERVER_PORTS: TemporalServerPorts = {
  frontend: 7233,
  frontendHttp: 7243,
  history: 7234,
  matching: 7235,
  worker: 7239,
  frontendMembership: 6933,
  historyMembership: 6934,
  matchingMembership: 6935,
  workerMembership: 6939,
};

export interface TemporalServerOptions {
  binary: string;
  tls: ClusterTls;
  target: PostgresTarget;
  databases: { temporal: string; visibility: string };
  ports: TemporalServerPorts;
  historyShards: number;
  logLevel: string;
  /**
   * PostgreSQL connections per service (frontend, history, matching, worker each keep their own
   * pools, so the process holds up to 4 × (persistence + visibility)); unset → the template's 20 / 10.
   */
  maxConns?: { persistence: number; visibility: number };
  /** host:port for the server's Prometheus metrics; undefined → off. */
  metricsAddress?: string;
  onLine?: (name: string, line: string) => void;
}

/** The environment config/temporal/cluster.yaml is rendered from (the compose service sets the same). */
export function temporalServerEnv(opts: TemporalServerOptions): Record<string, string> {
  const p = opts.ports;
  return {
    TEMPORAL_DB_HOST: opts.target.host,
    TEMPORAL_DB_PORT: String(opts.target.port),
    TEMPORAL_DB_USER: opts.target.user,
    ...(opts.target.password ? { TEMPORAL_DB_PASSWORD: opts.target.password } : {}),
    TEMPORAL_DB_NAME: opts.databases.temporal,
    TEMPORAL_VISIBILITY_DB_NAME: opts.databases.visibility,
    TEMPORAL_HISTORY_SHARDS: String(opts.historyShards),
    TEMPORAL_SERVER_TLS_DIR: opts.tls.server.dir,
    TEMPORAL_SERVER_NAME: 'localhost',
    TEMPORAL_BIND_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_FRONTEND_PORT: String(p.frontend),
    TEMPORAL_FRONTEND_HTTP_PORT: String(p.frontendHttp),
    TEMPORAL_HISTORY_PORT: String(p.history),
    TEMPORAL_MATCHING_PORT: String(p.matching),
    TEMPORAL_WORKER_PORT: String(p.worker),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
    TEMPORAL_DYNAMIC_CONFIG: join(ROOT, 'config/temporal/dynamicconfig.yaml'),
    TEMPORAL_LOG_LEVEL: opts.logLevel,
    ...(opts.maxConns
      ? {
          TEMPORAL_DB_MAX_CONNS: String(opts.maxConns.persistence),
          TEMPORAL_VISIBILITY_DB_MAX_CONNS: String(opts.maxConns.visibility),
        }
      : {}),
    ...(opts.metricsAddress ? { TEMPORAL_METRICS_ADDRESS: opts.metricsAddress } : {}),
  };
}

/** Starts the server (not waiting for it): `temporal-server --config config/temporal --env cluster start`. */
export function spawnTemporalServer(opts: TemporalServerOptions): ManagedProcess {
  return spawnManaged({
    name: 'temporal',
    command: opts.binary,
    args: ['--root', ROOT, '--config', 'config/temporal', '--env', 'cluster', '--allow-no-auth', 'start'],
    env: { ...inheritedEnv(), ...temporalServerEnv(opts) },
    cwd: ROOT,
    onLine: opts.onLine,
  });
}

/** Resolves once the frontend answers SERVING over mTLS (the server takes a few seconds). */
export async function waitServing(
  settings: TemporalConnectionSettings,
  server: ManagedProcess | undefined,
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    'the Temporal server',
    async () => {
      const connection = await Connection.connect({
        ...temporalConnectionOptions(settings),
        connectTimeout: 2_000,
      });
      try {
        const res = await connection.healthService.check({
          service: 'temporal.api.workflowservice.v1.WorkflowService',
        });
        // SERVING = 1
        return res.status === 1;
      } finally {
        await connection.close();
      }
    },
    { process: server, timeoutMs, intervalMs: 500 },
  );
}

/** The Temporal CLI's own environment variables for this cluster (the same names our processes read). */
export function cliEnv(settings: TemporalConnectionSettings, tls: ClusterTls): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: settings.address,
    TEMPORAL_NAMESPACE: settings.namespace,
    TEMPORAL_TLS_CERT: tls.client.cert,
    TEMPORAL_TLS_KEY: tls.client.key,
    TEMPORAL_TLS_CA: tls.client.ca,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  };
}

/**
 * Our namespace and search attributes (src/workflows/search-attributes.ts), with the CLI over mTLS;
 * idempotent (only what is missing is created). A just-created namespace takes a few seconds to
 * reach every service's cache, so each step is retried for a while.
 */
export async function registerNamespace(opts: {
  cli: string;
  settings: TemporalConnectionSettings;
  tls: ClusterTls;
  retention: string;
  log: (line: string) => void;
}): Promise<void> {
  const env = { ...inheritedEnv(), ...cliEnv(opts.settings, opts.tls) };
  const ns = opts.settings.namespace;
  const cli = (args: string[]) => spawnSync(opts.cli, args, { env, encoding: 'utf8', timeout: 30_000 });
  const retry = async (what: string, step: () => boolean): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!step()) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  if (cli(['operator', 'namespace', 'describe', '--namespace', ns]).status !== 0) {
    await retry(`creating namespace ${ns}`, () => {
      const res = cli(['operator', 'namespace', 'create', '--namespace', ns, '--retention', opts.retention]);
      return res.status === 0 || /already exists|AlreadyExists/i.test(res.stderr);
    });
    opts.log(`created namespace ${ns} (retention ${opts.retention})`);
  }
  let existing = '';
  await retry(`listing the search attributes of ${ns}`, () => {
    const res = cli(['operator', 'search-attribute', 'list', '--namespace', ns, '-o', 'json']);
    existing = res.stdout;
    return res.status === 0;
  });
  const present = new Set<string>();
  try {
    const parsed = JSON.parse(existing) as
      { customAttributes?: Record<string, unknown> } | Array<{ name: string }>;
    if (Array.isArray(parsed)) for (const a of parsed) present.add(a.name);
    else for (const name of Object.keys(parsed.customAttributes ?? {})) present.add(name);
  } catch {
    for (const name of Object.keys(SEARCH_ATTRIBUTE_DEFINITIONS))
      if (existing.includes(`"${name}"`)) present.add(name);
  }
  const missing = Object.entries(SEARCH_ATTRIBUTE_DEFINITIONS).filter(([name]) => !present.has(name));
  for (const [name, type] of missing) {
    await retry(`creating search attribute ${name}`, () => {
      const res = cli([
        'operator',
        'search-attribute',
        'create',
        '--namespace',
        ns,
        '--name',
        name,
        '--type',
        type,
      ]);
      return res.status === 0 || /already exists/i.test(res.stderr);
    });
  }
  if (missing.length) {
    opts.log(`registered search attributes ${missing.map(([n, t]) => `${n}=${t}`).join(' ')}`);
    // On SQL visibility they are namespace aliases: every service sees them after its namespace
    // cache refreshes (system.namespaceCacheRefreshInterval, 2 s). Workers start after that, so no
    // first workflow task fails on an attribute history does not know yet.
    await new Promise((r) => setTimeout(r, NAMESPACE_CACHE_REFRESH_MS + 1_000));
  }
}

/** The server's default system.namespaceCacheRefreshInterval (config/temporal/dynamicconfig.yaml keeps it). */
const NAMESPACE_CACHE_REFRESH_MS = 2_000;
