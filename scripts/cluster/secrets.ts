/**
 * The split processes' shared secrets, generated once (the same generator as `npm run env:generate`)
 * into `<dataDir>/secrets.json` (mode 0600), then reused: replicas must agree on keys. Each process
 * receives only its component's secrets (src/processes/wiring/component-secrets.ts), as in compose.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENT_SECRETS } from '../../src/processes/wiring/component-secrets';
import type { Component } from '../../src/processes/wiring/system';
import { generateEnv } from '../generate-env';

export interface ClusterSecrets {
  /** The plain API keys (the processes get only their SHA-256 hashes). */
  apiKeys: { admin: string; approver: string };
  /** Every secret variable of ours, by name. */
  env: Record<string, string>;
}

/** Every secret variable a component may need. */
const SECRET_VARIABLES = [...new Set(Object.values(COMPONENT_SECRETS).flatMap((needs) => needs.flat()))];

export function ensureClusterSecrets(
  dataDir: string,
  log: (line: string) => void = () => undefined,
): ClusterSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as ClusterSecrets;
    if (SECRET_VARIABLES.every((v) => stored.env[v])) return stored;
  }
  const generated = generateEnv();
  // .env values are quoted for compose ('[…]'); processes get them unquoted.
  const unquote = (v: string) => (v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1) : v);
  const env = Object.fromEntries(
    SECRET_VARIABLES.map((name) => {
      const value = generated.values[name];
      if (value === undefined) throw new Error(`generate-env.ts produces no ${name}`);
      return [name, unquote(value)];
    }),
  );
  const secrets: ClusterSecrets = { apiKeys: generated.apiKeys, env };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  log(`generated the cluster's secrets into ${file}`);
  return secrets;
}

/** The secrets one component's process gets: one variable per need (the first of alternatives). */
export function secretsFor(secrets: ClusterSecrets, component: Component): Record<string, string> {
  return Object.fromEntries(
    COMPONENT_SECRETS[component].map((need) => {
      const name = typeof need === 'string' ? need : need[0]!;
      return [name, secrets.env[name]!];
    }),
  );
}
