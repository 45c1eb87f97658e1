import { randomBytes } from 'node:crypto';
import { ed25519PublicKey } from './actor-assertion';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKeyEntry, AppConfig, CodecKeyEntry } from '../config';

export interface Secrets {
  apiKeys: ApiKeyEntry[];
  wsTokenSecret: string;
  codecKeys: CodecKeyEntry[];
  codecUiToken: string;
  /** Ed25519 seed (base64); undefined in a process given only the verify key (a worker). */
  actorSigningKey: string | undefined;
  /** Ed25519 public key (base64) the workers check decisions with. */
  actorVerifyKey: string;
  webhookSecretKeys: CodecKeyEntry[];
  /** Set when the embedded default generated (or reused) local keys: the banner prints them. */
  localKeys?: { admin: string; approver: string };
}

interface LocalSecretsFile {
  adminApiKey: string;
  /** A second operator identity, so four-eyes approval can be tried on one machine. */
  approverApiKey: string;
  wsTokenSecret: string;
  codecKey: string;
  codecUiToken: string;
  actorSigningKey: string;
  webhookSecretKey: string;
}

/**
 * Configured secrets win. Whatever is not configured comes from `<dataDir>/secrets.json`, created
 * once with random values (mode 0600), so the embedded default is never open without a key and
 * every process sharing the data folder agrees on the same secrets.
 */
export function resolveSecrets(config: AppConfig): Secrets {
  const { security } = config;
  const needLocal =
    !security.apiKeys ||
    !security.wsTokenSecret ||
    !security.codecKeys ||
    !security.codecUiToken ||
    (!security.actorSigningKey && !security.actorVerifyKey) ||
    !security.webhookSecretKeys;
  const local = needLocal ? readOrCreateLocalSecrets(config.dataDir) : undefined;
  return {
    apiKeys: security.apiKeys ?? [
      { key: local!.adminApiKey, name: 'local-admin', role: 'admin' },
      { key: local!.approverApiKey, name: 'local-approver', role: 'operator' },
    ],
    wsTokenSecret: security.wsTokenSecret ?? local!.wsTokenSecret,
    codecKeys: security.codecKeys ?? [{ id: 'local-1', key: local!.codecKey }],
    codecUiToken: security.codecUiToken ?? local!.codecUiToken,
    ...actorKeys(
      security.actorSigningKey ?? (security.actorVerifyKey ? undefined : local!.actorSigningKey),
      security.actorVerifyKey,
    ),
    webhookSecretKeys: security.webhookSecretKeys ?? [{ id: 'local-1', key: local!.webhookSecretKey }],
    ...(security.apiKeys
      ? {}
      : { localKeys: { admin: local!.adminApiKey, approver: local!.approverApiKey } }),
  };
}

/** The verify key is the signing key's public half unless given on its own. */
function actorKeys(
  signingKey: string | undefined,
  verifyKey: string | undefined,
): { actorSigningKey: string | undefined; actorVerifyKey: string } {
  const derived = signingKey ? ed25519PublicKey(signingKey) : undefined;
  if (derived && verifyKey && derived !== verifyKey) {
    throw new Error('ACTOR_VERIFY_KEY is not the public key of ACTOR_SIGNING_KEY');
  }
  return { actorSigningKey: signingKey, actorVerifyKey: verifyKey ?? derived! };
}

function readOrCreateLocalSecrets(dataDir: string): LocalSecretsFile {
  const file = join(dataDir, 'secrets.json');
  const fresh: LocalSecretsFile = {
    // 32 random bytes each, what config.ts demands of configured secrets.
    adminApiKey: `alpes_${randomBytes(32).toString('base64url')}`,
    approverApiKey: `alpes_${randomBytes(32).toString('base64url')}`,
    wsTokenSecret: randomBytes(32).toString('base64url'),
    codecKey: randomBytes(32).toString('base64'),
    codecUiToken: randomBytes(32).toString('base64url'),
    actorSigningKey: randomBytes(32).toString('base64'),
    webhookSecretKey: randomBytes(32).toString('base64'),
  };
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecretsFile>;
    const complete = { ...fresh, ...stored };
    // A file from an older version lacks newer secrets: add them, keep the rest.
    if (Object.keys(complete).length !== Object.keys(stored).length) {
      writeFileSync(file, JSON.stringify(complete, null, 2), { mode: 0o600 });
    }
    return complete;
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = fresh;
  // `wx`: if another process created it meanwhile, keep theirs.
  try {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { flag: 'wx', mode: 0o600 });
  } catch {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalSecretsFile;
  }
  chmodSync(file, 0o600);
  return secrets;
}
