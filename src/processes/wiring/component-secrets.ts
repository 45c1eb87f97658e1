import { ConfigError, type AppConfig } from '../../infra/config';
import type { Component } from './system';

/**
 * Which secrets each component uses — and so which ones a split-mode process of that component
 * must be given, and is given (docker-compose.yml: each service only its own; the deployment test
 * checks the file against this table). One entry per variable: a list means any one of them.
 */
export const COMPONENT_SECRETS: Record<Component, ReadonlyArray<string | readonly string[]>> = {
  // Authenticates callers, issues stream tokens, encodes workflow input, decodes for the Web UI,
  // signs operator decisions, rotates partners' (encrypted) webhook secrets.
  api: [
    'ALPES_API_KEYS',
    'WS_TOKEN_SECRET',
    'CODEC_KEYS',
    'CODEC_UI_TOKEN',
    'ACTOR_SIGNING_KEY',
    'WEBHOOK_SECRET_KEYS',
  ],
  // Decrypts and encrypts payloads; checks decisions with the public key (or derives it).
  worker: ['CODEC_KEYS', ['ACTOR_VERIFY_KEY', 'ACTOR_SIGNING_KEY']],
  // Decrypts payloads; decrypts partners' webhook secrets to sign deliveries.
  notifications: ['CODEC_KEYS', 'WEBHOOK_SECRET_KEYS'],
  // Checks stream tokens.
  ui: ['WS_TOKEN_SECRET'],
  // The stand-in payout provider holds none of ours.
  bank: [],
};

const configured: Record<string, (c: AppConfig) => unknown> = {
  ALPES_API_KEYS: (c) => c.security.apiKeys,
  WS_TOKEN_SECRET: (c) => c.security.wsTokenSecret,
  CODEC_KEYS: (c) => c.security.codecKeys,
  CODEC_UI_TOKEN: (c) => c.security.codecUiToken,
  ACTOR_SIGNING_KEY: (c) => c.security.actorSigningKey,
  ACTOR_VERIFY_KEY: (c) => c.security.actorVerifyKey,
  WEBHOOK_SECRET_KEYS: (c) => c.security.webhookSecretKeys,
};

/** The variables (or alternatives) a process of these components needs and was not given. */
export function missingSecrets(config: AppConfig, components: readonly Component[]): string[] {
  const missing = new Set<string>();
  for (const component of components) {
    for (const need of COMPONENT_SECRETS[component]) {
      const options = typeof need === 'string' ? [need] : need;
      if (!options.some((v) => configured[v]!(config) !== undefined)) missing.add(options.join(' or '));
    }
  }
  return [...missing];
}

/**
 * A split-mode process runs with the secrets it was given, never with ones generated into its own
 * data folder (replicas would disagree): refuse to start without them, naming them.
 */
export function assertSecretsGiven(config: AppConfig, components: readonly Component[]): void {
  const missing = missingSecrets(config, components);
  if (missing.length) {
    throw new ConfigError(
      `a standalone ${components.join(' + ')} needs these secrets, shared with the other processes: ` +
        `${missing.join(', ')} (docs/deployment.md)`,
    );
  }
}
