import { loadConfig } from '../../infra/config';
import { ConfigError } from '../../infra/config';
import { generateEnv } from '../../../scripts/generate-env';
import { assertSecretsGiven, missingSecrets } from './component-secrets';

const generated = Object.fromEntries(
  Object.entries(generateEnv().values).map(([k, v]) => [k, v.startsWith("'") ? v.slice(1, -1) : v]),
);

describe('secrets per component (split mode)', () => {
  it('names what a standalone process lacks, and refuses to start without it', () => {
    const none = loadConfig({});
    expect(missingSecrets(none, ['ui'])).toEqual(['WS_TOKEN_SECRET']);
    expect(missingSecrets(none, ['worker'])).toEqual(['CODEC_KEYS', 'ACTOR_VERIFY_KEY or ACTOR_SIGNING_KEY']);
    expect(missingSecrets(none, ['bank'])).toEqual([]);
    expect(() => assertSecretsGiven(none, ['api'])).toThrow(ConfigError);
    expect(() => assertSecretsGiven(none, ['api'])).toThrow(/ALPES_API_KEYS, WS_TOKEN_SECRET, CODEC_KEYS/);
  });

  it('is satisfied by exactly the secrets compose hands each service', () => {
    const only = (...names: string[]) => loadConfig(Object.fromEntries(names.map((n) => [n, generated[n]])));
    expect(missingSecrets(only('CODEC_KEYS', 'ACTOR_VERIFY_KEY'), ['worker'])).toEqual([]);
    expect(missingSecrets(only('CODEC_KEYS', 'WEBHOOK_SECRET_KEYS'), ['notifications'])).toEqual([]);
    expect(missingSecrets(only('WS_TOKEN_SECRET'), ['ui'])).toEqual([]);
  });
});
