import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import pg from 'pg';
import { bundleWorkflows, WORKFLOW_BUNDLES } from '../scripts/bundle-workflows';
import { generateEnv } from '../scripts/generate-env';
import { ed25519PublicKey } from '../src/infra/auth/actor-assertion';
import { placeholderReason } from '../src/infra/auth/secret-strength';
import { ConfigError, loadConfig, type AppConfig, type Env } from '../src/infra/config';
import { COMPONENT_SECRETS, missingSecrets } from '../src/processes/wiring/component-secrets';
import type { Component } from '../src/processes/wiring/system';
import { parseNotificationConfig } from '../src/infra/notifications/notification-config';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/workflows/search-attributes';
import { temporalServerEnv } from '../scripts/cluster/temporal-server';
import { clusterTlsLayout, SERVER_SANS } from '../scripts/cluster/tls';
import { inheritedChildEnv } from './support/child-env';
import {
  argv,
  dependsOn,
  envFilesOf,
  envOf,
  hostPathOf,
  mountsOf,
  networksOf,
  parseCompose,
  parseDotenv,
  publishedPorts,
  type ComposeFile,
  type Service,
} from './support/compose-model';
import {
  dockerignoreExcludes,
  envInstruction,
  execArgs,
  lintDockerfile,
  parseDockerfile,
  SECRET_NAME,
} from './support/dockerfile-model';
import { entryOf, knownSettings, needsOf, readRepoFile, REPO_ROOT } from './support/process-entries';
import { describeWithPostgres } from './support/test-env';

/**
 * The deployment (docker-compose.yml, Dockerfile, .env.example), checked without a Docker engine:
 * Debian's docker-compose validates the file; the rest is derived from the code — what config.ts
 * parses, what each entry point refuses to start without, which ports are defaults — so a setting
 * added to the code and forgotten in the compose file fails here.
 */

const ROOT = REPO_ROOT;
const read = readRepoFile;
const readdirSyncSorted = (path: string): string[] => readdirSync(join(ROOT, path)).sort();
const COMPOSE_TEXT = read('docker-compose.yml');
const ENV_EXAMPLE_TEXT = read('.env.example');
const DOCKERFILE_TEXT = read('Dockerfile');
/** The non-secret settings file every service of ours loads (env_file). */
const APP_ENV_FILE = 'docker/app.env';
/** The application PostgreSQL's init scripts (database users), mounted into the postgres service. */
const POSTGRES_INIT_DIR = 'docker/postgres-init';
const DEFAULTS = loadConfig({});

/** Settings our compose file sets before config.ts reads them (see docs/deployment.md, "Wiring"). */
const PENDING_SETTINGS: Record<string, string> = {};
/** Read by the process's runtime, not by config.ts: glibc's allocator (the worker's memory, issue 15). */
const RUNTIME_SETTINGS = ['MALLOC_ARENA_MAX'];

/** The compose file as Compose sees it once .env holds `envFile`. */
const loadCompose = (envFile: Record<string, string>): ComposeFile => parseCompose(COMPOSE_TEXT, envFile);

// ------------------------------------------------------------------------------------------------

const ENV_EXAMPLE = parseDotenv(ENV_EXAMPLE_TEXT);
/**
 * What `npm run env:generate` writes: the .env the checks below run with. The example's
 * placeholders are refused by every process (tested below), so they cannot stand in for it.
 */
const GENERATED = generateEnv();
const ENV = parseDotenv(GENERATED.text);
const APP_ENV = parseDotenv(read(APP_ENV_FILE));
const COMPOSE = loadCompose(ENV);
const SERVICES = Object.entries(COMPOSE.services);
const RUNTIME_STAGE = parseDockerfile(DOCKERFILE_TEXT).at(-1)!;
const IMAGE_ENV: Record<string, string> = Object.assign(
  {},
  ...RUNTIME_STAGE.instructions.filter((i) => i.keyword === 'ENV').map((i) => envInstruction(i.args)),
);

/** Our processes: the services running our image. */
const OURS = SERVICES.filter(([, s]) => s.build !== undefined || s.image?.startsWith('alpes-payments'));

/** What a process in that service sees: image ENV, then env_file(s), then environment. */
function effectiveEnv(service: Service): Env {
  const fromFiles = Object.assign(
    {},
    ...envFilesOf(service).map((f) => {
      if (f !== APP_ENV_FILE) throw new Error(`unexpected env_file ${f}`);
      return APP_ENV;
    }),
  ) as Record<string, string>;
  const ours = service.build !== undefined || service.image?.startsWith('alpes-payments');
  return { ...(ours ? IMAGE_ENV : {}), ...fromFiles, ...envOf(service) };
}

const CONFIGS = new Map<string, AppConfig>();
function configOf(name: string): AppConfig {
  let c = CONFIGS.get(name);
  if (!c) {
    // The TLS paths are the containers' (mounted volumes), not this machine's.
    c = loadConfig(effectiveEnv(COMPOSE.services[name]!), { checkFiles: false });
    CONFIGS.set(name, c);
  }
  return c;
}

const byRole = (role: string) => OURS.filter(([, s]) => entryOf(s)?.role === role);
const byImage = (prefix: string) => SERVICES.filter(([, s]) => s.image?.startsWith(prefix));
const isJob = (name: string) =>
  SERVICES.some(([, s]) => dependsOn(s)[name]?.condition === 'service_completed_successfully');

/** The host a setting points at: a URL's, a `host:port`'s, or a bare name in a *HOST/*SEEDS/*ADDRESS setting. */
function hostOf(key: string, value: string): string | undefined {
  const hp = /^([a-z0-9-]+):\d+$/.exec(value);
  if (hp) return hp[1];
  try {
    const u = new URL(value);
    if (u.hostname) return u.hostname;
  } catch {
    /* not a URL */
  }
  return /HOST|SEEDS|ADDRESS/.test(key) && /^[a-z0-9-]+$/.test(value) ? value : undefined;
}

function dependencyClosure(name: string, seen = new Set<string>()): Set<string> {
  for (const dep of Object.keys(dependsOn(COMPOSE.services[name]!))) {
    if (!seen.has(dep)) {
      seen.add(dep);
      dependencyClosure(dep, seen);
    }
  }
  return seen;
}

// ------------------------------------------------------------------------------------------------

describe('docker-compose.yml passes docker-compose config', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-compose-'));
    for (const f of ['docker-compose.yml', 'Dockerfile', '.dockerignore', APP_ENV_FILE]) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), read(f));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs Debian's docker-compose (v1) with only PATH/HOME from our environment: no stray settings. */
  function compose(args: string[], dotenv: string): { status: number; stdout: string; stderr: string } {
    writeFileSync(join(dir, '.env'), dotenv);
    const res = spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], {
      cwd: dir,
      env: inheritedChildEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: install it with `apt-get install -y docker-compose` ' +
          "(Debian's package; `make test` and CI install it) — this check must not be skipped",
      );
    }
    if (res.error) throw res.error;
    return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
  }

  it('is valid with .env.example as .env (`docker-compose config -q` exits 0)', () => {
    const res = compose(['config', '-q'], ENV_EXAMPLE_TEXT);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('is valid with what `npm run env:generate` writes', () => {
    const res = compose(['config', '-q'], GENERATED.text);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('refuses to start without the secrets (required ${VAR:?} interpolation)', () => {
    const res = compose(['config', '-q'], '');
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(
      /POSTGRES_PASSWORD|TEMPORAL_DB_PASSWORD|ALPES_API_KEYS|WS_TOKEN_SECRET|CODEC_/,
    );
  });

  it("gives our processes the environment this test derives (our interpolation = Compose's)", () => {
    const res = compose(['config'], GENERATED.text);
    expect(res.status).toBe(0);
    const resolved = parseYaml(res.stdout) as ComposeFile;
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(COMPOSE.services).sort());
    for (const [name, service] of SERVICES) {
      // Compose merges env_file into environment and keeps $$ escaped in its output.
      const theirs = Object.fromEntries(
        Object.entries(envOf(resolved.services[name]!)).map(([k, v]) => [k, v.replace(/\$\$/g, '$')]),
      );
      const ours = { ...Object.assign({}, ...envFilesOf(service).map(() => APP_ENV)), ...envOf(service) };
      expect({ name, env: theirs }).toEqual({ name, env: ours });
    }
  });
});

describe('docker-compose.yml structure', () => {
  it('has the profiles infra (infrastructure only) and all (everything)', () => {
    for (const [name, s] of SERVICES) {
      expect({ name, all: s.profiles?.includes('all') }).toEqual({ name, all: true });
    }
    const infra = SERVICES.filter(([, s]) => s.profiles?.includes('infra')).map(([n]) => n);
    for (const image of ['postgres', 'temporalio/server', 'temporalio/ui', 'axllent/mailpit']) {
      expect(byImage(image).some(([n]) => infra.includes(n))).toBe(true);
    }
    expect(OURS.filter(([n]) => infra.includes(n))).toEqual([]);
  });

  it('gives every long-running service a healthcheck; one-shot jobs run once', () => {
    for (const [name, s] of SERVICES) {
      if (isJob(name)) {
        expect({ name, restart: s.restart, ports: s.ports }).toEqual({
          name,
          restart: 'no',
          ports: undefined,
        });
        continue;
      }
      const test = argv(s.healthcheck?.test);
      expect({ name, disabled: s.healthcheck?.disable ?? false }).toEqual({ name, disabled: false });
      expect({ name, kind: test[0] }).toEqual({ name, kind: expect.stringMatching(/^CMD(-SHELL)?$/) });
      expect(test.length).toBeGreaterThan(1);
    }
  });

  it('orders start-up with depends_on conditions only, on services in the same profiles', () => {
    const allowed = ['service_healthy', 'service_completed_successfully'];
    for (const [name, s] of SERVICES) {
      if (s.depends_on) expect({ name, list: Array.isArray(s.depends_on) }).toEqual({ name, list: false });
      for (const [dep, { condition }] of Object.entries(dependsOn(s))) {
        const target = COMPOSE.services[dep];
        expect({ name, dep, exists: Boolean(target) }).toEqual({ name, dep, exists: true });
        expect({ name, dep, condition: allowed.includes(condition ?? '') }).toEqual({
          name,
          dep,
          condition: true,
        });
        if (condition === 'service_healthy')
          expect({ dep, healthcheck: Boolean(target!.healthcheck) }).toEqual({ dep, healthcheck: true });
        if (condition === 'service_completed_successfully')
          expect({ dep, job: isJob(dep), restart: target!.restart }).toEqual({
            dep,
            job: true,
            restart: 'no',
          });
        for (const p of s.profiles ?? [])
          expect({ name, dep, profile: p, in: target!.profiles?.includes(p) }).toEqual({
            name,
            dep,
            profile: p,
            in: true,
          });
      }
      expect({ name, cycle: dependencyClosure(name).has(name) }).toEqual({ name, cycle: false });
    }
  });

  it('makes every service wait for the services its settings point at', () => {
    const names = new Set(Object.keys(COMPOSE.services));
    let edges = 0;
    for (const [name, s] of SERVICES) {
      const closure = dependencyClosure(name);
      for (const [key, value] of Object.entries(effectiveEnv(s))) {
        const host = value === undefined ? undefined : hostOf(key, value);
        if (!host || !names.has(host) || host === name) continue;
        edges++;
        expect({ name, key, waitsFor: host, ok: closure.has(host) }).toEqual({
          name,
          key,
          waitsFor: host,
          ok: true,
        });
      }
    }
    expect(edges).toBeGreaterThan(5);
  });

  it('runs the payments worker with 2 or more replicas, without fixed names or host ports', () => {
    const workers = byRole('worker');
    expect(workers.length).toBeGreaterThan(0);
    for (const [name, s] of workers) {
      expect({ name, replicas: s.deploy?.replicas ?? 1 }).toEqual({ name, replicas: expect.any(Number) });
      expect(s.deploy?.replicas ?? 1).toBeGreaterThanOrEqual(2);
    }
    for (const [name, s] of SERVICES.filter(([, s]) => (s.deploy?.replicas ?? 1) > 1)) {
      expect({ name, ports: s.ports, container_name: s.container_name }).toEqual({
        name,
        ports: undefined,
        container_name: undefined,
      });
    }
  });

  it('runs the notifications worker as its own service', () => {
    expect(byRole('notifications-worker')).toHaveLength(1);
    expect(byRole('sandbox-bank')).toHaveLength(1);
    expect(byRole('api').length).toBeGreaterThanOrEqual(1);
  });

  it('runs two UI servers from the one image, each on its own host port', () => {
    const uis = byRole('ui');
    expect(uis.length).toBeGreaterThanOrEqual(2);
    expect(new Set(uis.map(([, s]) => s.image)).size).toBe(1);
    const hostPorts = uis.flatMap(([, s]) => publishedPorts(s).map((p) => p.host));
    expect(new Set(hostPorts).size).toBe(uis.length);
    expect(hostPorts).toContain(DEFAULTS.ui.port);
  });

  it('publishes the config defaults: API 5000, UI 5678, Temporal 7233, Web UI 8233, bank 5100', () => {
    const published = (services: Array<[string, Service]>) => services.flatMap(([, s]) => publishedPorts(s));
    const one = (role: string) => {
      const [[name, s]] = byRole(role) as [[string, Service]];
      return { name, ports: publishedPorts(s) };
    };
    const api = one('api');
    expect(api.ports).toEqual([{ host: DEFAULTS.api.port, container: configOf(api.name).api.port }]);
    expect(DEFAULTS.api.port).toBe(5000);
    const bank = one('sandbox-bank');
    expect(bank.ports).toEqual([
      { host: DEFAULTS.sandboxBank.port, container: configOf(bank.name).sandboxBank.port },
    ]);
    expect(DEFAULTS.sandboxBank.port).toBe(5100);
    for (const [name, s] of byRole('ui')) {
      for (const p of publishedPorts(s))
        expect({ name, container: p.container }).toEqual({ name, container: configOf(name).ui.port });
    }
    expect(DEFAULTS.ui.port).toBe(5678);
    expect(published(byImage('temporalio/server')).map((p) => p.host)).toEqual([DEFAULTS.temporal.port]);
    expect(DEFAULTS.temporal.port).toBe(7233);
    expect(published(byImage('temporalio/ui')).map((p) => p.host)).toEqual([DEFAULTS.temporal.uiPort]);
    expect(DEFAULTS.temporal.uiPort).toBe(8233);
  });

  it('keeps every published port on 127.0.0.1', () => {
    for (const [name, s] of SERVICES) {
      for (const p of s.ports ?? [])
        expect({ name, port: p }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:/) });
    }
  });

  it('registers exactly the search attributes the workflows use, in the namespace the processes use', () => {
    const [[, init]] = SERVICES.filter(([, s]) =>
      /search-attribute create/.test(argv(s.command).join(' ')),
    ) as [[string, Service]];
    const env = envOf(init);
    const declared = Object.fromEntries(
      env.SEARCH_ATTRIBUTES!.split(/\s+/).map((d) => d.split('=') as [string, string]),
    );
    expect(declared).toEqual(SEARCH_ATTRIBUTE_DEFINITIONS);
    for (const [name] of OURS.filter(([, s]) => effectiveEnv(s).TEMPORAL_ADDRESS)) {
      expect({ name, namespace: configOf(name).temporal.namespace }).toEqual({
        name,
        namespace: env.NAMESPACE,
      });
    }
  });
});

describe('every process of ours gets what the code requires', () => {
  it('loads its configuration with config.ts', () => {
    expect(OURS.length).toBeGreaterThanOrEqual(6);
    for (const [name] of OURS) expect(() => configOf(name)).not.toThrow();
  });

  it('runs entry points that exist in the source and the image', () => {
    for (const [name, s] of OURS) {
      const entry = entryOf(s);
      expect({ name, entry: Boolean(entry) }).toEqual({ name, entry: true });
      expect({ name, source: entry!.source, exists: existsSync(join(ROOT, entry!.source)) }).toEqual({
        name,
        source: entry!.source,
        exists: true,
      });
    }
    // dist/x/y.js comes from src/x/y.ts because the build maps src → dist.
    const build = JSON.parse(read('tsconfig.build.json')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });

  it('gives split-mode processes DATABASE_URL and TEMPORAL_ADDRESS (what standalone.ts refuses to start without)', () => {
    let guarded = 0;
    for (const [name, s] of OURS) {
      const needs = needsOf(entryOf(s)!.source);
      const config = configOf(name);
      if (needs.postgres) {
        guarded++;
        expect({ name, database: config.database.kind }).toEqual({ name, database: 'postgres' });
      }
      if (needs.temporal)
        expect({ name, temporal: config.temporal.address }).toEqual({ name, temporal: expect.any(String) });
    }
    expect(guarded).toBeGreaterThanOrEqual(5);
  });

  it('points every process at the same Temporal, namespace and task queues', () => {
    const [[temporal]] = byImage('temporalio/server') as [[string, Service]];
    const withTemporal = OURS.filter(([name]) => configOf(name).temporal.address);
    const notif = (name: string) =>
      parseNotificationConfig(effectiveEnv(COMPOSE.services[name]!), configOf(name).dataDir);
    for (const [name] of withTemporal) {
      const c = configOf(name);
      expect({ name, address: c.temporal.address }).toEqual({
        name,
        address: `${temporal}:${DEFAULTS.temporal.port}`,
      });
      expect({ name, queue: c.temporal.taskQueue, notifications: notif(name).taskQueue }).toEqual({
        name,
        queue: configOf(withTemporal[0]![0]).temporal.taskQueue,
        notifications: notif(withTemporal[0]![0]).taskQueue,
      });
    }
  });

  it('connects to a PostgreSQL service of the compose file as its own user, never the superuser', () => {
    let checked = 0;
    for (const [name, service] of OURS) {
      const c = configOf(name);
      if (c.database.kind !== 'postgres') continue;
      const url = new URL(c.database.url);
      const pg = COMPOSE.services[url.hostname];
      expect({ name, host: url.hostname, image: pg?.image }).toEqual({
        name,
        host: url.hostname,
        image: expect.stringMatching(/^postgres:/),
      });
      const pgEnv = envOf(pg!);
      // The sandbox bank has its own user and database; everything else of ours shares the app's.
      const bank = entryOf(service)?.role === 'sandbox-bank';
      expect({
        name,
        user: url.username,
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
        port: url.port,
      }).toEqual({
        name,
        user: bank ? pgEnv.SANDBOX_BANK_DB_USER : pgEnv.ALPES_DB_USER,
        password: bank ? pgEnv.SANDBOX_BANK_DB_PASSWORD : pgEnv.ALPES_DB_PASSWORD,
        database: bank ? pgEnv.SANDBOX_BANK_DB : pgEnv.ALPES_DB_NAME,
        port: '5432',
      });
      expect({ name, superuser: url.username === pgEnv.POSTGRES_USER }).toEqual({ name, superuser: false });
      expect({ name, superuserPassword: url.password === pgEnv.POSTGRES_PASSWORD }).toEqual({
        name,
        superuserPassword: false,
      });
      // The users come from the init script the database runs on its first start.
      expect(pg!.volumes).toContain(`./${POSTGRES_INIT_DIR}:/docker-entrypoint-initdb.d:ro`);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(7);
  });

  it('gives the payments worker the sandbox bank (SANDBOX_BANK_URL) on the port the bank listens on', () => {
    const [[bankName]] = byRole('sandbox-bank') as [[string, Service]];
    for (const [name] of byRole('worker')) {
      const url = configOf(name).sandboxBank.url;
      expect({ name, url }).toEqual({ name, url: expect.any(String) });
      const u = new URL(url!);
      expect({ host: u.hostname, port: Number(u.port) }).toEqual({
        host: bankName,
        port: configOf(bankName).sandboxBank.port,
      });
    }
  });

  it('gives the notifications worker an SMTP server (the catcher) on its SMTP port', () => {
    const [[mailName, mail]] = byImage('axllent/mailpit') as [[string, Service]];
    for (const [name] of byRole('notifications-worker')) {
      const smtp = parseNotificationConfig(effectiveEnv(COMPOSE.services[name]!), configOf(name).dataDir)
        .email.smtpUrl;
      expect({ name, smtp }).toEqual({ name, smtp: expect.any(String) });
      const u = new URL(smtp!);
      expect(u.hostname).toBe(mailName);
      expect(publishedPorts(mail).map((p) => p.container)).toContain(Number(u.port));
    }
  });

  it('lets the browser reach the API from both dashboards and from the Temporal Web UI (CORS, codec link)', () => {
    const [[apiName]] = byRole('api') as [[string, Service]];
    const api = configOf(apiName);
    const origins = [...byRole('ui'), ...byImage('temporalio/ui')].flatMap(([, s]) =>
      publishedPorts(s).map((p) => `http://localhost:${p.host}`),
    );
    expect(origins.length).toBeGreaterThanOrEqual(3);
    for (const o of origins) expect(api.security.corsOrigins).toContain(o);

    const [[, temporalUi]] = byImage('temporalio/ui') as [[string, Service]];
    expect(read('src/api/codec.routes.ts')).toContain("path: '/codec/ui/:token/decode'");
    expect(envOf(temporalUi).TEMPORAL_CODEC_ENDPOINT).toBe(
      `${api.api.publicUrl}/codec/ui/${api.security.codecUiToken}`,
    );
    const apiHostPort = publishedPorts(COMPOSE.services[apiName]!)[0]!.host;
    expect(new URL(api.api.publicUrl).port).toBe(String(apiHostPort));
    const uiHostPort = publishedPorts(byImage('temporalio/ui')[0]![1])[0]!.host;
    for (const [name] of OURS.filter(([n]) => configOf(n).temporal.address)) {
      expect({ name, uiUrl: configOf(name).temporal.uiUrl }).toEqual({
        name,
        uiUrl: `http://localhost:${uiHostPort}`,
      });
    }
  });

  it('health-checks each process on the port its config listens on', () => {
    const portsByRole: Record<string, (c: AppConfig) => number> = {
      api: (c) => c.api.port,
      ui: (c) => c.ui.port,
      'sandbox-bank': (c) => c.sandboxBank.port,
      worker: (c) => c.telemetry.temporalMetricsPort,
      'notifications-worker': (c) => c.telemetry.temporalMetricsPort,
    };
    for (const [name, s] of OURS.filter(([n]) => !isJob(n))) {
      const test = argv(s.healthcheck?.test);
      expect({ name, script: test.slice(1, 3) }).toEqual({
        name,
        script: ['node', 'scripts/healthcheck.js'],
      });
      const probes = test.slice(3);
      expect(probes.length).toBeGreaterThan(0);
      const role = entryOf(s)!.role;
      for (const probe of probes) {
        if (probe === 'temporal') {
          expect({ name, temporal: configOf(name).temporal.address }).toEqual({
            name,
            temporal: expect.any(String),
          });
          continue;
        }
        const u = new URL(probe);
        expect({ name, host: u.hostname, port: Number(u.port) }).toEqual({
          name,
          host: '127.0.0.1',
          port: portsByRole[role]!(configOf(name)),
        });
      }
    }
  });

  it('sets only settings config.ts reads (no typos), apart from the listed pending ones', () => {
    const known = knownSettings();
    expect(known.has('DATABASE_URL')).toBe(true);
    expect(known.has('SMTP_URL')).toBe(true);
    // docker/app.env's commented-out suggestions too.
    for (const [, key] of read(APP_ENV_FILE).matchAll(/^#\s*([A-Z][A-Z0-9_]*)=/gm))
      expect({ file: APP_ENV_FILE, key, known: known.has(key!) }).toEqual({
        file: APP_ENV_FILE,
        key,
        known: true,
      });
    for (const [name, s] of OURS) {
      for (const key of Object.keys({ ...IMAGE_ENV, ...envOf(s) })) {
        const runtime = RUNTIME_SETTINGS.includes(key);
        expect({ name, key, known: known.has(key) || key in PENDING_SETTINGS || runtime }).toEqual({
          name,
          key,
          known: true,
        });
      }
    }
  });
});

/** Which component a service of ours runs (undefined: a one-shot job such as `migrate`). */
const COMPONENT_OF_ROLE: Record<string, Component | undefined> = {
  api: 'api',
  worker: 'worker',
  'notifications-worker': 'notifications',
  ui: 'ui',
  'sandbox-bank': 'bank',
};
/** Every secret variable of ours (COMPONENT_SECRETS names them all). */
const OUR_SECRETS = new Set(Object.values(COMPONENT_SECRETS).flatMap((needs) => needs.flat()));

describe('docker-compose.yml: each service gets only the secrets it needs', () => {
  it('lets no service of ours load .env as a whole; the settings file it loads holds no secret', () => {
    for (const [name, s] of SERVICES) {
      expect({ name, envFiles: envFilesOf(s).filter((f) => f !== APP_ENV_FILE) }).toEqual({
        name,
        envFiles: [],
      });
    }
    expect(OURS.filter(([, s]) => envFilesOf(s).includes(APP_ENV_FILE)).length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(APP_ENV).filter((k) => SECRET_NAME.test(k) || OUR_SECRETS.has(k))).toEqual([]);
    // Nor do its commented-out suggestions name one.
    const suggested = [...read(APP_ENV_FILE).matchAll(/^#\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(suggested.length).toBeGreaterThan(3);
    expect(suggested.filter((k) => OUR_SECRETS.has(k) || /PASSWORD|SECRET|TOKEN|_KEYS?$/.test(k))).toEqual(
      [],
    );
  });

  it('gives each process exactly the secrets its component uses (src/processes/wiring/component-secrets.ts)', () => {
    expect(OUR_SECRETS.size).toBeGreaterThanOrEqual(7);
    for (const [name, s] of OURS) {
      const component = COMPONENT_OF_ROLE[entryOf(s)!.role];
      const given = Object.keys(effectiveEnv(s))
        .filter((k) => OUR_SECRETS.has(k))
        .sort();
      // One variable per need: for "either of", the first listed (a worker gets the PUBLIC key only).
      const needed = (component ? COMPONENT_SECRETS[component] : [])
        .map((need) => (typeof need === 'string' ? need : need[0]!))
        .sort();
      expect({ name, component, given }).toEqual({ name, component, given: needed });
    }
  });

  it('keeps the private decision key and the API keys in the API alone', () => {
    const holders = (variable: string) =>
      SERVICES.filter(([, s]) => variable in effectiveEnv(s)).map(([, s]) => entryOf(s)?.role);
    for (const variable of ['ACTOR_SIGNING_KEY', 'ALPES_API_KEYS', 'CODEC_UI_TOKEN']) {
      expect({ variable, holders: [...new Set(holders(variable))] }).toEqual({ variable, holders: ['api'] });
    }
  });

  it('gives the sandbox bank none of our secrets or settings', () => {
    const [[name, bank]] = byRole('sandbox-bank') as [[string, Service]];
    const env = effectiveEnv(bank);
    expect({ name, ours: Object.keys(env).filter((k) => OUR_SECRETS.has(k) || SECRET_NAME.test(k)) }).toEqual(
      {
        name,
        ours: [],
      },
    );
    expect(envFilesOf(bank)).toEqual([]);
  });

  it('gives every process all it needs to start (no secret generated into a container)', () => {
    for (const [name, s] of OURS) {
      const component = COMPONENT_OF_ROLE[entryOf(s)!.role];
      if (!component) continue;
      expect({ name, missing: missingSecrets(configOf(name), [component]) }).toEqual({ name, missing: [] });
    }
  });

  it('pairs the workers’ ACTOR_VERIFY_KEY with the API’s ACTOR_SIGNING_KEY', () => {
    const [[apiName]] = byRole('api') as [[string, Service]];
    const signing = configOf(apiName).security.actorSigningKey!;
    for (const [name] of byRole('worker')) {
      expect({ name, verify: configOf(name).security.actorVerifyKey }).toEqual({
        name,
        verify: ed25519PublicKey(signing),
      });
    }
  });

  it('refuses to start any process of ours with the placeholders of .env.example, naming each variable', () => {
    const example = loadCompose(ENV_EXAMPLE);
    let refused = 0;
    for (const [name] of OURS) {
      const service = example.services[name]!;
      if (entryOf(service)?.role === 'sandbox-bank') continue; // another system: none of our secrets
      const env = effectiveEnv(service);
      let error: unknown;
      try {
        loadConfig(env, { checkFiles: false });
      } catch (e) {
        error = e;
      }
      expect({ name, refused: error instanceof ConfigError }).toEqual({ name, refused: true });
      const message = (error as Error).message;
      for (const variable of Object.keys(env).filter((k) => OUR_SECRETS.has(k))) {
        expect({ name, variable, named: message.includes(variable) }).toEqual({
          name,
          variable,
          named: true,
        });
      }
      expect({ name, database: message.includes('DATABASE_URL (its password)') }).toEqual({
        name,
        database: true,
      });
      refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(6);
  });
});

/** Where the compose file takes the mTLS material from (ALPES_TLS_DIR, default the cluster's). */
const TLS_ROOT = './data/cluster/tls';
const TLS_LAYOUT = clusterTlsLayout(TLS_ROOT);
const rel = (p: string) => (p.startsWith('./') ? p : `./${p}`);

describe('docker-compose.yml: mTLS between Temporal and its clients (the layout and template of make cluster)', () => {
  const [[temporalName, temporal]] = byImage('temporalio/server') as [[string, Service]];
  const temporalEnv = envOf(temporal);
  const serverCommand = [...argv(temporal.entrypoint), ...argv(temporal.command)].join(' ');
  /**
   * Every service that can reach the Temporal frontend (its network): ours, the Web UI, the
   * namespace job. The UI servers keep TEMPORAL_ADDRESS for links but are not on that network.
   */
  const clients = SERVICES.filter(
    ([name, s]) =>
      name !== temporalName &&
      networksOf(s).includes('temporal') &&
      hostOf('TEMPORAL_ADDRESS', effectiveEnv(s).TEMPORAL_ADDRESS ?? '') === temporalName,
  );

  it('starts the server from config/temporal/cluster.yaml, mounted read-only, with its dynamic config', () => {
    const m = /--root (\S+) --config (\S+) --env (\S+)/.exec(serverCommand);
    expect(m).not.toBeNull();
    const [, root, configDir, env] = m as unknown as [string, string, string, string];
    const configMount = hostPathOf(temporal, `${root}/${configDir}`);
    expect(configMount).toEqual({ host: './config/temporal', readOnly: true });
    expect(existsSync(join(ROOT, 'config/temporal', `${env}.yaml`))).toBe(true);
    expect(read(`config/temporal/${env}.yaml`).slice(0, 1024)).toContain('enable-template');
    const dynamic = hostPathOf(temporal, temporalEnv.TEMPORAL_DYNAMIC_CONFIG!);
    expect(dynamic?.readOnly).toBe(true);
    expect(existsSync(join(ROOT, dynamic!.host))).toBe(true);
    // Every variable the service sets is one the template reads (no typos).
    const template = read(`config/temporal/${env}.yaml`);
    for (const key of Object.keys(temporalEnv))
      expect({ key, read: template.includes(`env "${key}"`) }).toEqual({ key, read: true });
    // …and make cluster sets the same ones (the two run one template).
    const clusterKeys = Object.keys(
      temporalServerEnv({
        binary: 'x',
        tls: TLS_LAYOUT,
        target: { host: 'h', port: 5432, user: 'u', password: 'p' },
        databases: { temporal: 't', visibility: 'v' },
        ports: {
          frontend: 1,
          frontendHttp: 2,
          history: 3,
          matching: 4,
          worker: 5,
          frontendMembership: 6,
          historyMembership: 7,
          matchingMembership: 8,
          workerMembership: 9,
        },
        historyShards: 4,
        logLevel: 'warn',
      }),
    );
    for (const key of Object.keys(temporalEnv))
      expect({ key, alsoInMakeCluster: clusterKeys.includes(key) }).toEqual({ key, alsoInMakeCluster: true });
  });

  it('mounts the server certificate folder (server/) read-only where the template looks for it', () => {
    const dir = temporalEnv.TEMPORAL_SERVER_TLS_DIR!;
    expect(hostPathOf(temporal, dir)).toEqual({ host: rel(TLS_LAYOUT.server.dir), readOnly: true });
    // The server's certificate answers to the service name its clients verify.
    expect(SERVER_SANS).toContain(`DNS:${temporalEnv.TEMPORAL_SERVER_NAME}`);
    expect(temporalEnv.TEMPORAL_SERVER_NAME).toBe(temporalName);
  });

  it('renders (temporal-server render-config) to PostgreSQL persistence and visibility and mTLS that requires client certificates', () => {
    const server = join(homedir(), 'go/bin/temporal-server');
    if (!existsSync(server)) {
      throw new Error(`${server} is missing: run scripts/ensure-temporal-server.sh (make test does)`);
    }
    const res = spawnSync(
      server,
      ['--root', ROOT, '--config', 'config/temporal', '--env', 'cluster', 'render-config'],
      { env: { ...inheritedChildEnv(), ...temporalEnv }, encoding: 'utf8', timeout: 30_000 },
    );
    expect(res.status).toBe(0);
    const rendered = parseYaml(res.stdout) as any;
    const tlsDir = temporalEnv.TEMPORAL_SERVER_TLS_DIR!;
    const persistence = rendered.persistence;
    expect(persistence.numHistoryShards).toBe(Number(temporalEnv.TEMPORAL_HISTORY_SHARDS));
    for (const store of [persistence.defaultStore, persistence.visibilityStore]) {
      expect(persistence.datastores[store].sql).toMatchObject({
        pluginName: 'postgres12',
        connectAddr: `${temporalEnv.TEMPORAL_DB_HOST}:${temporalEnv.TEMPORAL_DB_PORT}`,
        user: temporalEnv.TEMPORAL_DB_USER,
      });
    }
    for (const group of ['frontend', 'internode']) {
      expect(rendered.global.tls[group].server).toMatchObject({
        certFile: `${tlsDir}/server.pem`,
        keyFile: `${tlsDir}/server-key.pem`,
        clientCaFiles: [`${tlsDir}/ca.pem`],
        requireClientAuth: true,
      });
      expect(rendered.global.tls[group].client.serverName).toBe(temporalName);
    }
    expect(rendered.global.tls.systemWorker.certFile).toBe(`${tlsDir}/server.pem`);
    expect(rendered.services.frontend.rpc.bindOnIP).toBe('0.0.0.0');
    // The same file names as make cluster writes (scripts/cluster/tls.ts).
    for (const f of [TLS_LAYOUT.server.cert, TLS_LAYOUT.server.key, TLS_LAYOUT.server.ca])
      expect([`${tlsDir}/server.pem`, `${tlsDir}/server-key.pem`, `${tlsDir}/ca.pem`]).toContain(
        `${tlsDir}/${f.slice(TLS_LAYOUT.server.dir.length + 1)}`,
      );
  });

  it('gives every Temporal client the client certificate, its key and the CA, mounted read-only from client/', () => {
    const names = clients.map(([n]) => n).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'temporal-init',
        'temporal-ui',
        ...byRole('api').map(([n]) => n),
        ...byRole('worker').map(([n]) => n),
      ]),
    );
    for (const [name, s] of clients) {
      const env = effectiveEnv(s);
      const files = { cert: env.TEMPORAL_TLS_CERT, key: env.TEMPORAL_TLS_KEY, ca: env.TEMPORAL_TLS_CA };
      for (const [what, path] of Object.entries(files)) {
        expect({ name, what, set: typeof path === 'string' && path.length > 0 }).toEqual({
          name,
          what,
          set: true,
        });
        const host = hostPathOf(s, path!);
        const layout = { cert: TLS_LAYOUT.client.cert, key: TLS_LAYOUT.client.key, ca: TLS_LAYOUT.client.ca }[
          what as 'cert' | 'key' | 'ca'
        ];
        expect({ name, what, host }).toEqual({ name, what, host: { host: rel(layout), readOnly: true } });
      }
      expect({ name, serverName: env.TEMPORAL_TLS_SERVER_NAME }).toEqual({ name, serverName: temporalName });
    }
  });

  it('makes our processes connect with mTLS (config.ts reads the certificate pair, the CA and the name)', () => {
    const ours = clients.filter(([, s]) => OURS.some(([, o]) => o === s));
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const [name] of ours) {
      const tls = configOf(name).temporal.security.tls;
      expect({ name, tls }).toEqual({
        name,
        tls: {
          certFile: '/etc/alpes/tls/client.pem',
          keyFile: '/etc/alpes/tls/client-key.pem',
          caFile: '/etc/alpes/tls/ca.pem',
          serverName: temporalName,
        },
      });
    }
  });

  it('mounts the CA folder nowhere, the server folder only into the server, and no key into the UI servers or the bank', () => {
    for (const [name, s] of SERVICES) {
      for (const m of mountsOf(s)) {
        expect({ name, mount: m.host }).not.toEqual({ name, mount: rel(join(TLS_ROOT, 'ca')) });
        expect({ name, mount: m.host }).not.toEqual({ name, mount: TLS_ROOT });
        if (m.host === rel(TLS_LAYOUT.server.dir)) expect(name).toBe(temporalName);
      }
    }
    for (const [name, s] of [...byRole('ui'), ...byRole('sandbox-bank')]) {
      expect({ name, tls: Object.keys(effectiveEnv(s)).filter((k) => k.startsWith('TEMPORAL_TLS')) }).toEqual(
        {
          name,
          tls: [],
        },
      );
      expect({ name, mounts: mountsOf(s).filter((m) => m.host.includes('tls')) }).toEqual({
        name,
        mounts: [],
      });
    }
  });
});

describe('docker-compose.yml: networks and listening addresses', () => {
  it('puts the sandbox bank on its private network only, shared with the payments workers and its database', () => {
    expect(Object.keys(COMPOSE.networks ?? {})).toEqual(expect.arrayContaining(['default', 'bank']));
    const [[bankName, bank]] = byRole('sandbox-bank') as [[string, Service]];
    expect(networksOf(bank)).toEqual(['bank']);
    const bankDbHost = new URL(effectiveEnv(bank).DATABASE_URL!).hostname;
    const callers = SERVICES.filter(([, s]) => {
      const url = effectiveEnv(s).SANDBOX_BANK_URL;
      return url !== undefined && new URL(url).hostname === bankName;
    }).map(([n]) => n);
    expect(callers).toEqual(byRole('worker').map(([n]) => n));
    const onBankNetwork = SERVICES.filter(([, s]) => networksOf(s).includes('bank')).map(([n]) => n);
    expect(onBankNetwork.sort()).toEqual([bankName, bankDbHost, ...callers].sort());
  });

  it('puts the Temporal frontend on a network only the workers, the API and the Web UI reach', () => {
    const [[temporalName, temporal]] = byImage('temporalio/server') as [[string, Service]];
    const onTemporalNetwork = SERVICES.filter(([, s]) => networksOf(s).includes('temporal')).map(([n]) => n);
    const temporalTools = SERVICES.filter(
      ([, s]) =>
        /^temporalio\/(ui|admin-tools)/.test(s.image ?? '') && envOf(s).TEMPORAL_ADDRESS !== undefined,
    ).map(([n]) => n);
    const clients = OURS.filter(([, s]) =>
      ['api', 'worker', 'notifications-worker'].includes(entryOf(s)?.role ?? ''),
    ).map(([n]) => n);
    expect(onTemporalNetwork.sort()).toEqual([temporalName, ...temporalTools, ...clients].sort());
    // The UI servers, the bank and the databases are not on it; the server is not on the default network.
    for (const [name] of [...byRole('ui'), ...byRole('sandbox-bank')])
      expect(onTemporalNetwork).not.toContain(name);
    expect(networksOf(temporal)).not.toContain('default');
  });

  it('binds the API and the UI servers to 0.0.0.0 explicitly in containers (loopback is the default)', () => {
    expect(DEFAULTS.api.host).toBe('127.0.0.1');
    expect(DEFAULTS.ui.host).toBe('127.0.0.1');
    for (const [name] of byRole('api')) {
      expect({ name, host: envOf(COMPOSE.services[name]!).API_HOST }).toEqual({ name, host: '0.0.0.0' });
    }
    for (const [name] of byRole('ui')) {
      expect({ name, host: envOf(COMPOSE.services[name]!).UI_HOST }).toEqual({ name, host: '0.0.0.0' });
    }
  });
});

describeWithPostgres('docker/postgres-init: the database users', (databaseUrl) => {
  // Run for real against the suite's PostgreSQL (as its superuser), under names of this run only.
  const suffix = Math.random().toString(36).slice(2, 8);
  const users = {
    ALPES_DB_USER: `alpes_${suffix}`,
    ALPES_DB_PASSWORD: GENERATED.values.ALPES_DB_PASSWORD!,
    ALPES_DB_NAME: `alpes_${suffix}`,
    SANDBOX_BANK_DB_USER: `bank_${suffix}`,
    SANDBOX_BANK_DB_PASSWORD: GENERATED.values.SANDBOX_BANK_DB_PASSWORD!,
    SANDBOX_BANK_DB: `bank_${suffix}`,
  };
  const admin = new URL(databaseUrl);
  const as = (user: string, password: string, database: string) => {
    const u = new URL(databaseUrl);
    u.username = user;
    u.password = password;
    u.pathname = `/${database}`;
    return u.toString();
  };
  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  let ran: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    const [script] = readdirSyncSorted(POSTGRES_INIT_DIR);
    ran = spawnSync('/bin/sh', [join(ROOT, POSTGRES_INIT_DIR, script!)], {
      env: {
        ...inheritedChildEnv(),
        ...users,
        POSTGRES_USER: decodeURIComponent(admin.username),
        PGHOST: admin.hostname,
        PGPORT: admin.port || '5432',
        PGPASSWORD: decodeURIComponent(admin.password),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
  });
  afterAll(async () => {
    const root = as(decodeURIComponent(admin.username), decodeURIComponent(admin.password), 'postgres');
    for (const db of [users.ALPES_DB_NAME, users.SANDBOX_BANK_DB])
      await query(root, `drop database if exists "${db}" with (force)`).catch(() => undefined);
    for (const role of [users.ALPES_DB_USER, users.SANDBOX_BANK_DB_USER])
      await query(root, `drop role if exists "${role}"`).catch(() => undefined);
  });

  it('runs once without errors', () => {
    expect({ status: ran.status, stderr: String(ran.stderr).trim() }).toEqual({ status: 0, stderr: '' });
  });

  it('creates two users that are not superusers and cannot create databases or roles', async () => {
    const root = as(decodeURIComponent(admin.username), decodeURIComponent(admin.password), 'postgres');
    const rows = await query(
      root,
      `select rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls from pg_roles
        where rolname in ('${users.ALPES_DB_USER}', '${users.SANDBOX_BANK_DB_USER}') order by rolname`,
    );
    expect(rows).toHaveLength(2);
    for (const r of rows)
      expect(r).toMatchObject({
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
      });
  });

  it('lets each user into its own database (and create its tables there), not into the other’s', async () => {
    const app = as(users.ALPES_DB_USER, users.ALPES_DB_PASSWORD, users.ALPES_DB_NAME);
    const bank = as(users.SANDBOX_BANK_DB_USER, users.SANDBOX_BANK_DB_PASSWORD, users.SANDBOX_BANK_DB);
    await query(app, 'create table migrations_work (id int)');
    await query(bank, 'create table migrations_work (id int)');
    await expect(
      query(as(users.ALPES_DB_USER, users.ALPES_DB_PASSWORD, users.SANDBOX_BANK_DB), 'select 1'),
    ).rejects.toThrow(/permission denied/);
    await expect(
      query(as(users.SANDBOX_BANK_DB_USER, users.SANDBOX_BANK_DB_PASSWORD, users.ALPES_DB_NAME), 'select 1'),
    ).rejects.toThrow(/permission denied/);
  });
});

describe('.env.example', () => {
  it('defines every variable the compose file requires', () => {
    const required = [...COMPOSE_TEXT.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThanOrEqual(6);
    for (const name of new Set(required))
      expect({ name, set: Boolean(ENV_EXAMPLE[name]) }).toEqual({ name, set: true });
  });

  it('is the only source of every secret: without any one of them Compose refuses to start', () => {
    const secrets = Object.keys(ENV_EXAMPLE).filter((k) => SECRET_NAME.test(k));
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const key of secrets) {
      const { [key]: _dropped, ...without } = ENV_EXAMPLE;
      expect(() => loadCompose(without)).toThrow(new RegExp(`required variable ${key} is missing`));
    }
  });

  it('holds placeholders only, never real secrets', () => {
    // The rule config.ts applies: each of these is refused at start (tested above).
    const looksPlaceholder = (v: string) =>
      placeholderReason(v) !== undefined &&
      (/change-me/i.test(v) || /CHANGE-ME/.test(Buffer.from(v, 'base64').toString('latin1')));
    for (const [key, value] of Object.entries(ENV_EXAMPLE)) {
      if (!SECRET_NAME.test(key)) continue;
      let leaves: string[] = [value];
      if (value.startsWith('[')) {
        leaves = (JSON.parse(value) as Array<Record<string, string>>).flatMap((e) =>
          Object.entries(e)
            .filter(([k]) => SECRET_NAME.test(k))
            .map(([, v]) => v),
        );
      }
      for (const leaf of leaves)
        expect({ key, placeholder: looksPlaceholder(leaf) }).toEqual({ key, placeholder: true });
    }
  });

  it('stays out of git and of the image build context as .env', () => {
    expect(read('.gitignore').split('\n')).toContain('.env');
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of [
      '.env',
      'data/secrets.json',
      'node_modules/x',
      '.git/config',
      'dist/x.js',
      'test/x.itest.ts',
    ]) {
      expect({ p, excluded: dockerignoreExcludes(ignore, p) }).toEqual({ p, excluded: true });
    }
    // Whatever the Dockerfile copies from the context is in it.
    for (const stage of parseDockerfile(DOCKERFILE_TEXT)) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))) {
        const parts = copy.args.replace(/^(--\S+\s+)*/, '').split(/\s+/);
        for (const src of parts.slice(0, -1)) {
          expect({ src, excluded: dockerignoreExcludes(ignore, src.replace(/^\.\//, '')) }).toEqual({
            src,
            excluded: false,
          });
        }
      }
    }
  });
});

describe('Dockerfile', () => {
  it('passes the structural lint (multi-stage, npm ci --omit=dev, non-root, production, HEALTHCHECK, no secrets)', () => {
    expect(lintDockerfile(DOCKERFILE_TEXT)).toEqual([]);
  });

  it('the lint catches what it is meant to catch', () => {
    const mutate = (from: RegExp, to: string) => {
      const out = DOCKERFILE_TEXT.replace(from, to);
      expect(out).not.toBe(DOCKERFILE_TEXT);
      return lintDockerfile(out).join('\n');
    };
    expect(mutate(/^USER node$/m, '')).toMatch(/root/);
    expect(mutate(/^USER node$/m, 'USER root')).toMatch(/root/);
    expect(mutate(/--omit=dev/, '')).toMatch(/npm ci --omit=dev/);
    expect(mutate(/NODE_ENV=production/, 'NODE_ENV=development')).toMatch(/NODE_ENV/);
    expect(mutate(/^HEALTHCHECK[\s\S]*?CMD \[.*\]$/m, '')).toMatch(/HEALTHCHECK/);
    expect(mutate(/^USER node$/m, 'USER node\nENV API_KEY=abc123')).toMatch(/secret/);
    expect(mutate(/^USER node$/m, 'USER node\nARG DB_PASSWORD=hunter2')).toMatch(/secret/);
    expect(mutate(/^USER node$/m, 'USER node\nADD https://example.com/x.tgz /x.tgz')).toMatch(/remote URL/);
    expect(mutate(/^USER node$/m, 'USER node\nCOPY . .')).toMatch(/whole build context/);
    expect(
      lintDockerfile('FROM node:20-bookworm-slim\nUSER node\nENV NODE_ENV=production\nCMD ["node"]'),
    ).toEqual(
      expect.arrayContaining([expect.stringMatching(/multi-stage/), expect.stringMatching(/HEALTHCHECK/)]),
    );
  });

  it('builds on the Node major the project runs on, slim', () => {
    const major = /(\d+)/.exec(
      (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node,
    )![1];
    for (const stage of parseDockerfile(DOCKERFILE_TEXT).filter((s) => s.from.startsWith('node:'))) {
      expect(stage.from).toMatch(new RegExp(`^node:${major}-[a-z]+-slim$`));
    }
  });

  it('builds the code, the workflow bundles and the dashboard, and ships what the processes run', () => {
    const stages = parseDockerfile(DOCKERFILE_TEXT);
    const runs = stages
      .flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args))
      .join('\n');
    expect(runs).toMatch(/npm run build/);
    expect(runs).toMatch(/scripts\/bundle-workflows\.ts/);
    if (existsSync(join(ROOT, 'scripts/build-dashboard.ts')))
      expect(runs).toMatch(/scripts\/build-dashboard\.ts/);
    // The image tells the workers where their bundles are.
    const [payments, notifications] = WORKFLOW_BUNDLES;
    expect(IMAGE_ENV.WORKFLOW_BUNDLE_PATH).toBe(`/app/dist/${payments!.file}`);
    expect(IMAGE_ENV.NOTIFICATIONS_WORKFLOW_BUNDLE_PATH).toBe(`/app/dist/${notifications!.file}`);
    // Default command and every compose command are present in the runtime stage.
    const copies = RUNTIME_STAGE.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    const cmd = execArgs(RUNTIME_STAGE.instructions.find((i) => i.keyword === 'CMD')!.args);
    expect(cmd).toEqual(['node', 'dist/processes/api.js']);
    const health = execArgs(
      RUNTIME_STAGE.instructions.find((i) => i.keyword === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, ''),
    );
    // A command may carry node flags (the worker's heap limits) before its script.
    const script = (args: string[]): string => args.slice(1).find((a) => !a.startsWith('-'))!;
    for (const path of [script(cmd), script(health), ...OURS.map(([, s]) => script(argv(s.command)))]) {
      const shipped = path.startsWith('dist/')
        ? copies.some((c) => /--from=build\s+\/app\/dist\s/.test(c))
        : copies.some((c) => !/--from=/.test(c) && c.split(/\s+/).includes(path));
      expect({ path, shipped }).toEqual({ path, shipped: true });
      if (path.startsWith('scripts/')) expect(existsSync(join(ROOT, path))).toBe(true);
    }
  });

  it('scripts/bundle-workflows.ts writes loadable bundles', async () => {
    const out = mkdtempSync(join(tmpdir(), 'alpes-bundles-'));
    try {
      const files = await bundleWorkflows(out);
      expect(files.map((f) => f.slice(out.length + 1))).toEqual(
        WORKFLOW_BUNDLES.filter((b) => b.required || existsSync(join(ROOT, b.entry))).map((b) => b.file),
      );
      expect(readFileSync(files[0]!, 'utf8')).toContain('paymentWorkflow');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the one-shot Temporal jobs (their shell scripts, against stub CLIs)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alpes-jobs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function job(predicate: (s: Service) => boolean): { script: string; env: Record<string, string> } {
    const [[, s]] = SERVICES.filter(([, s]) => predicate(s)) as [[string, Service]];
    expect(argv(s.entrypoint)).toEqual(['/bin/sh', '-ec']);
    return { script: argv(s.command)[0]!, env: envOf(s) };
  }

  function stub(name: string, body: string): void {
    const file = join(dir, 'bin', name);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(file, `#!/bin/sh\necho "$*" >> "${dir}/calls"\n${body}\n`);
    chmodSync(file, 0o755);
  }

  function run(script: string, env: Record<string, string>) {
    const res = spawnSync('/bin/sh', ['-ec', script], {
      env: { ...env, PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: dir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const calls = existsSync(join(dir, 'calls'))
      ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
      : [];
    rmSync(join(dir, 'calls'), { force: true });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, calls };
  }

  it('temporal-init creates the namespace and each search attribute once, and is idempotent', () => {
    const { script, env } = job((s) => /search-attribute create/.test(argv(s.command).join(' ')));
    stub(
      'temporal',
      `state="${dir}/state"; mkdir -p "$state"
case "$1 $2 $3" in
  "operator cluster health") echo SERVING ;;
  "operator namespace describe") [ -f "$state/ns" ] ;;
  "operator namespace create") touch "$state/ns" ;;
  "operator search-attribute list") [ -f "$state/ns" ] || exit 1; echo "  Name  Type"; echo "  WorkflowId  Keyword"; cat "$state/sa" 2>/dev/null || true ;;
  "operator search-attribute create")
    while [ $# -gt 0 ]; do case "$1" in --name) n="$2"; shift ;; --type) t="$2"; shift ;; esac; shift; done
    echo "  $n  $t" >> "$state/sa" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac`,
    );
    const first = run(script, env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const created = first.calls.filter((c) => c.startsWith('operator search-attribute create'));
    const pairs = created.map((c) => {
      const m = /--name (\S+) --type (\S+)/.exec(c)!;
      return [m[1], m[2]];
    });
    expect(Object.fromEntries(pairs)).toEqual(SEARCH_ATTRIBUTE_DEFINITIONS);
    expect(first.calls.filter((c) => c.startsWith('operator namespace create'))).toEqual([
      expect.stringContaining(`--namespace ${env.NAMESPACE}`),
    ]);
    expect(
      created.every(
        (c) => c.includes(`--namespace ${env.NAMESPACE}`) && c.includes(`--address ${env.TEMPORAL_ADDRESS}`),
      ),
    ).toBe(true);

    const second = run(script, env);
    expect(second.status).toBe(0);
    expect(second.calls.filter((c) => /create/.test(c))).toEqual([]);
  });

  it('temporal-init fails (instead of hanging) when Temporal never becomes SERVING', () => {
    const { script, env } = job((s) => /search-attribute create/.test(argv(s.command).join(' ')));
    stub('temporal', 'echo NOT_SERVING');
    stub('sleep', 'true');
    const res = run(script, env);
    expect(res.status).not.toBe(0);
    expect(res.calls.filter((c) => c.startsWith('operator cluster health')).length).toBeGreaterThan(1);
  });

  it('temporal-schema sets up and updates both databases, tolerating existing ones, and fails on a real error', () => {
    const { script, env } = job((s) => /temporal-sql-tool/.test(argv(s.command).join(' ')));
    stub(
      'temporal-sql-tool',
      'case "$*" in *" create") exit 1 ;; *"update-schema"*) [ -z "$FAIL_UPDATE" ] ;; esac',
    );
    const ok = run(script, env);
    expect(ok.status).toBe(0);
    for (const [db, dir] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ]) {
      const mine = ok.calls.filter((c) => c.includes(`--db ${db} `));
      expect(mine.map((c) => c.replace(/^.*--db \S+ /, ''))).toEqual([
        'create',
        'setup-schema -v 0.0',
        `update-schema -d /etc/temporal/schema/postgresql/v12/${dir}/versioned`,
      ]);
      expect(
        mine.every((c) =>
          c.includes(`--plugin postgres12 --ep ${env.SQL_HOST} -p ${env.SQL_PORT} -u ${env.SQL_USER}`),
        ),
      ).toBe(true);
    }
    expect(run(script, { ...env, FAIL_UPDATE: '1' }).status).not.toBe(0);
  });
});

describe('docs/deployment.md', () => {
  it('describes every service of the compose file', () => {
    const doc = read('docs/deployment.md');
    for (const [name] of SERVICES)
      expect({ name, described: doc.includes(`\`${name}\``) }).toEqual({ name, described: true });
    expect(doc).toMatch(/## Run with Docker/);
    expect(doc).toMatch(/## Scaling out/);
  });
});
