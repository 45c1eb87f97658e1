import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEnv } from '../../scripts/generate-env';
import { ConfigError, loadConfig, type Env } from './config';
import { estimatedBits, placeholderReason, weakKeyReason, weakSecretReason } from './auth/secret-strength';

/** The compose-side values a process never reads are left out; JSON values are unquoted as compose does. */
function dotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    const value = line.slice(i + 1);
    out[line.slice(0, i)] = value.startsWith("'") ? value.slice(1, -1) : value;
  }
  return out;
}

const EXAMPLE = dotenv(readFileSync(join(__dirname, '../../.env.example'), 'utf8'));
const strong = () => randomBytes(32).toString('base64url');
const key32 = () => randomBytes(32).toString('base64');
const apiKeys = (...entries: object[]) => JSON.stringify(entries);

/** The refusal's message, or '' when the configuration loads. */
function refusal(env: Env): string {
  try {
    loadConfig(env);
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
}

describe('config: the embedded default', () => {
  it('loads with nothing set (secrets are generated later, under DATA_DIR)', () => {
    const c = loadConfig({});
    expect(c.security.apiKeys).toBeUndefined();
    expect(c.security.wsTokenSecret).toBeUndefined();
  });

  it('binds the API and the UI to loopback unless told otherwise', () => {
    const c = loadConfig({});
    expect(c.api.host).toBe('127.0.0.1');
    expect(c.ui.host).toBe('127.0.0.1');
    expect(loadConfig({ API_HOST: '0.0.0.0', UI_HOST: '0.0.0.0' })).toMatchObject({
      api: { host: '0.0.0.0' },
      ui: { host: '0.0.0.0' },
    });
  });

  it('requires an Idempotency-Key on POST /payments unless IDEMPOTENCY_KEY_REQUIRED=false', () => {
    expect(loadConfig({}).payments.idempotencyKeyRequired).toBe(true);
    expect(loadConfig({ IDEMPOTENCY_KEY_REQUIRED: 'false' }).payments.idempotencyKeyRequired).toBe(false);
  });

  it('keeps the payload codec strict in every mode unless CODEC_ACCEPT_PLAINTEXT=true', () => {
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(loadConfig({ NODE_ENV }).security.codecAcceptPlaintext).toBe(false);
    }
    expect(loadConfig({ CODEC_ACCEPT_PLAINTEXT: 'true' }).security.codecAcceptPlaintext).toBe(true);
    expect(loadConfig({ CODEC_ACCEPT_PLAINTEXT: 'false' }).security.codecAcceptPlaintext).toBe(false);
    expect(refusal({ CODEC_ACCEPT_PLAINTEXT: 'yes' })).toMatch(/CODEC_ACCEPT_PLAINTEXT/);
  });
});

describe('config: placeholder and weak secrets are refused, naming the variable', () => {
  const SECRET_VARIABLES = [
    'ALPES_API_KEYS',
    'WS_TOKEN_SECRET',
    'CODEC_KEYS',
    'CODEC_UI_TOKEN',
    'ACTOR_SIGNING_KEY',
    'ACTOR_VERIFY_KEY',
    'WEBHOOK_SECRET_KEYS',
  ];

  it.each(SECRET_VARIABLES)('refuses the .env.example value of %s', (name) => {
    const message = refusal({ [name]: EXAMPLE[name] });
    expect(message).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(message).toMatch(/placeholder/);
  });

  it('refuses the whole .env.example, every secret of it, without repeating a value', () => {
    const message = refusal(
      Object.fromEntries(
        Object.entries(EXAMPLE).filter(([k]) => SECRET_VARIABLES.includes(k) || k === 'NODE_ENV'),
      ),
    );
    for (const name of SECRET_VARIABLES) expect(message).toContain(name);
    expect(message).not.toMatch(/change-me-admin-api-key|Q0hBTkdF/);
    expect(message).toContain('npm run env:generate');
  });

  it('refuses a database URL whose password is a placeholder', () => {
    expect(refusal({ DATABASE_URL: 'postgres://alpes:change-me-app-db-password@db:5432/alpes' })).toMatch(
      /DATABASE_URL \(its password\): is a placeholder/,
    );
    expect(
      refusal({ DATABASE_URL: `postgres://alpes:${randomBytes(24).toString('hex')}@db:5432/alpes` }),
    ).toBe('');
  });

  it('accepts what `npm run env:generate` writes, and a NODE_ENV=test does not relax anything', () => {
    const generated = dotenv(generateEnv().text);
    expect(refusal(generated)).toBe('');
    expect(refusal({ ...generated, NODE_ENV: 'test', WS_TOKEN_SECRET: 'short-test-value-0123' })).toMatch(
      /WS_TOKEN_SECRET: is too short/,
    );
  });

  it.each([
    ['a short key', 'abcDEF123_-xyz'.repeat(2), /too short/],
    ['24 random bytes in hex (192 bits)', randomBytes(24).toString('hex'), /too short/],
    ['a prefix and 16 random bytes in hex', `bench-admin-${randomBytes(16).toString('hex')}`, /too short/],
    ['a long repetitive key', 'ab'.repeat(40), /too repetitive/],
    ['a "change me"', `CHANGEME-${strong()}`, /change me/],
    ['the word secret', `my-secret-${strong()}`, /secret/],
    ['a template', `<your api key ${strong()}>`, /template/],
    ['a run of one character', `${strong()}xxxxxxxx`, /repeated/],
    ['an ascending run', `${strong()}12345678`, /ascending/],
    [
      'base64 of a placeholder',
      Buffer.from('CHANGE-ME please, this is not a real key at all').toString('base64'),
      /decodes/,
    ],
  ])('refuses %s as an API key', (_what, key, reason) => {
    const message = refusal({ ALPES_API_KEYS: apiKeys({ key, name: 'admin', role: 'admin' }) });
    expect(message).toMatch(/ALPES_API_KEYS\[0\] \(name "admin"\)\.key: /);
    expect(message).toMatch(reason);
    expect(message).not.toContain(key);
  });

  it.each([
    ['43 base64url characters', strong()],
    ['44 base64 characters', key32()],
    ['64 hex characters', randomBytes(32).toString('hex')],
    ['a prefixed key', `alpes_${strong()}`],
    ['a prefix and 32 random bytes in hex', `bench-admin-${randomBytes(32).toString('hex')}`],
    ['base64 without digits or symbols', 'mKpTzRbWqLxNcVgHsJdFyEuAoIkPmLnBvCxZaSdFgHj'],
  ])('accepts 32 random bytes as %s', (_what, secret) => {
    expect(
      refusal({
        ALPES_API_KEYS: apiKeys({ key: secret, name: 'admin', role: 'admin' }),
        WS_TOKEN_SECRET: secret,
        CODEC_UI_TOKEN: secret,
      }),
    ).toBe('');
  });

  it('refuses a binary key that is text, or not random', () => {
    const text = Buffer.from('the quick brown fox jumps over i').toString('base64');
    expect(refusal({ ACTOR_SIGNING_KEY: text })).toMatch(/ACTOR_SIGNING_KEY: decodes to text/);
    expect(refusal({ ACTOR_SIGNING_KEY: Buffer.alloc(32, 5).toString('base64') })).toMatch(
      /ACTOR_SIGNING_KEY: .*(repeated|not random)/,
    );
    const fewBytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 200 + (i % 8))).toString('base64');
    expect(refusal({ CODEC_KEYS: JSON.stringify([{ id: 'k1', key: fewBytes }]) })).toMatch(
      /CODEC_KEYS\[0\] \(id "k1"\)\.key: is not random/,
    );
    expect(
      refusal({
        WEBHOOK_SECRET_KEYS: JSON.stringify([{ id: 'w1', key: Buffer.alloc(32, 9).toString('base64') }]),
      }),
    ).toMatch(/WEBHOOK_SECRET_KEYS\[0\]/);
    expect(
      refusal({ ACTOR_SIGNING_KEY: key32(), CODEC_KEYS: JSON.stringify([{ id: 'k', key: key32() }]) }),
    ).toBe('');
  });

  it('refuses a key id listed twice', () => {
    expect(
      refusal({
        CODEC_KEYS: JSON.stringify([
          { id: 'k', key: key32() },
          { id: 'k', key: key32() },
        ]),
      }),
    ).toMatch(/CODEC_KEYS\[1\]: the id "k" is listed twice/);
  });
});

describe('config: API key names are identities', () => {
  it('refuses two keys with one name (case-insensitively)', () => {
    const message = refusal({
      ALPES_API_KEYS: apiKeys(
        { key: strong(), name: 'alice', role: 'operator' },
        { key: strong(), name: 'Alice', role: 'operator' },
      ),
    });
    expect(message).toMatch(
      /ALPES_API_KEYS\[1\] \(name "Alice"\)\.name: "Alice" is already the name of ALPES_API_KEYS\[0\]/,
    );
  });

  it.each(['system', 'schedule', ' System '])('reserves the name %j for the engine', (name) => {
    expect(refusal({ ALPES_API_KEYS: apiKeys({ key: strong(), name, role: 'admin' }) })).toMatch(
      /is reserved/,
    );
  });

  it('refuses one key listed under two names, plain or as its hash', () => {
    const key = strong();
    const message = refusal({
      ALPES_API_KEYS: apiKeys(
        { key, name: 'alice', role: 'operator' },
        { keySha256: createHash('sha256').update(key).digest('hex'), name: 'bob', role: 'viewer' },
      ),
    });
    expect(message).toMatch(/ALPES_API_KEYS\[1\] \(name "bob"\): the same key as ALPES_API_KEYS\[0\]/);
  });

  it('refuses the hash of a placeholder key; accepts other hashes (they cannot be judged)', () => {
    const hash = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(
      refusal({
        ALPES_API_KEYS: apiKeys({ keySha256: hash('change-me-admin-api-key'), name: 'a', role: 'admin' }),
      }),
    ).toMatch(/keySha256: is the hash of a placeholder/);
    expect(
      refusal({ ALPES_API_KEYS: apiKeys({ keySha256: hash(strong()), name: 'a', role: 'admin' }) }),
    ).toBe('');
  });
});

describe('secret strength, the rule itself', () => {
  it('estimates bits by the alphabet actually used', () => {
    expect(estimatedBits('a'.repeat(64))).toBe(256);
    expect(estimatedBits(`${'xY'.repeat(21)}x`)).toBe(258);
    expect(estimatedBits(`${'xY'.repeat(21)}x=`)).toBe(258);
    expect(estimatedBits('x'.repeat(43))).toBeCloseTo(43 * Math.log2(26), 5);
    expect(estimatedBits('ABCDEF'.repeat(8))).toBe(192);
    expect(estimatedBits('1'.repeat(10))).toBeCloseTo(33.2, 1);
    // lower case, digits and `-`: 38 characters, 5.2 bits each.
    expect(estimatedBits(`key-${'a1'.repeat(20)}`)).toBeCloseTo(44 * Math.log2(38), 5);
  });

  it('passes random secrets practically always (no false refusals)', () => {
    for (let i = 0; i < 2_000; i += 1) {
      expect(weakSecretReason(randomBytes(32).toString('base64url'))).toBeUndefined();
      expect(weakSecretReason(randomBytes(32).toString('hex'))).toBeUndefined();
      expect(weakSecretReason(randomBytes(32).toString('base64'))).toBeUndefined();
      expect(weakSecretReason(`alpes_${randomBytes(32).toString('base64url')}`)).toBeUndefined();
      expect(weakKeyReason(randomBytes(32).toString('base64'))).toBeUndefined();
    }
  });

  it('sees through base64 to the placeholder it encodes', () => {
    expect(placeholderReason('Q0hBTkdFLU1FLUNIQU5HRS1NRS1DSEFOR0UtTUUtMzI=')).toMatch(/placeholder/);
    expect(placeholderReason(Buffer.from('please-replace-me-with-a-key').toString('base64'))).toMatch(
      /decodes \(base64\) to text that/,
    );
  });
});

describe('config: Stripe Connect', () => {
  it('defaults to stripe-mock’s test key, no real endpoint and no webhooks', () => {
    expect(loadConfig({}).stripe).toEqual({
      apiKey: 'sk_test_stripemock',
      apiBase: undefined,
      webhookSecret: undefined,
      timeoutMs: 10_000,
    });
  });

  it('takes a real endpoint with a real key, and a webhook signing secret', () => {
    const c = loadConfig({
      STRIPE_API_BASE: 'https://api.stripe.com',
      STRIPE_API_KEY: 'rk_live_51AbCdEf',
      STRIPE_WEBHOOK_SECRET: 'whsec_c2VjcmV0',
      PROVIDER_HTTP_TIMEOUT: '3s',
    });
    expect(c.stripe).toEqual({
      apiKey: 'rk_live_51AbCdEf',
      apiBase: 'https://api.stripe.com',
      webhookSecret: 'whsec_c2VjcmV0',
      timeoutMs: 3000,
    });
  });

  it('refuses the default key with a real endpoint (it is stripe-mock’s), but not with a loopback one', () => {
    expect(refusal({ STRIPE_API_BASE: 'https://api.stripe.com' })).toMatch(/^ {2}STRIPE_API_KEY: required/m);
    expect(refusal({ STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toBe('');
  });

  it('refuses malformed settings, naming the variable and never the value', () => {
    expect(refusal({ STRIPE_API_KEY: 'pk_test_publishable' })).toMatch(
      /STRIPE_API_KEY: must be a Stripe secret/,
    );
    expect(refusal({ STRIPE_API_KEY: 'pk_test_publishable' })).not.toContain('publishable');
    expect(refusal({ STRIPE_API_BASE: 'api.stripe.com' })).toMatch(/STRIPE_API_BASE/);
    expect(refusal({ STRIPE_API_BASE: 'ftp://api.stripe.com' })).toMatch(/STRIPE_API_BASE/);
    expect(refusal({ STRIPE_WEBHOOK_SECRET: 'secret' })).toMatch(/STRIPE_WEBHOOK_SECRET/);
  });
});
