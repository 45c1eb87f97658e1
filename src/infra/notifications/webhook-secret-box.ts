import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One entry of `WEBHOOK_SECRET_KEYS`: an id (stored with each sealed secret) and 32 bytes, base64. */
export interface WebhookSecretKey {
  id: string;
  key: string;
}

/** `whenc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`; anything else in the column is a legacy plaintext secret. */
const PREFIX = 'whenc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The stored secret cannot be opened with the configured keys (unknown key id, wrong key, damaged value). */
export class WebhookSecretUnreadableError extends Error {
  override readonly name = 'WebhookSecretUnreadableError';
  constructor(
    readonly keyId: string | undefined,
    readonly problem: 'unknown-key' | 'authentication-failed' | 'malformed',
  ) {
    super(
      problem === 'unknown-key'
        ? `it was encrypted with key id "${keyId}", which is not in WEBHOOK_SECRET_KEYS`
        : problem === 'authentication-failed'
          ? `key id "${keyId}" of WEBHOOK_SECRET_KEYS does not decrypt it (wrong key, or the value was altered)`
          : 'the stored value is damaged',
    );
  }
}

export interface OpenedSecret {
  secret: string;
  /** Stored as plaintext (before encryption at rest) or under a key other than the current one. */
  needsReseal: boolean;
}

/**
 * Partners' webhook secrets at rest: AES-256-GCM, the key id in front of each value. The last
 * configured key seals; any configured key opens, so keys rotate by appending a new one (the
 * notifications worker reseals every stored secret under it when it starts) and removing the
 * old one afterwards. The partner id is authenticated with each value, so a sealed secret copied
 * to another partner's row does not open.
 */
export class WebhookSecretBox {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: readonly WebhookSecretKey[]) {
    if (keys.length === 0) throw new Error('WEBHOOK_SECRET_KEYS: at least one key is required');
    this.keys = new Map();
    for (const k of keys) {
      const raw = Buffer.from(k.key, 'base64');
      if (!k.id) throw new Error('WEBHOOK_SECRET_KEYS: every key needs an id');
      if (raw.length !== 32) throw new Error(`WEBHOOK_SECRET_KEYS: key ${k.id} must be 32 bytes (base64)`);
      if (this.keys.has(k.id)) throw new Error(`WEBHOOK_SECRET_KEYS: key id ${k.id} is listed twice`);
      this.keys.set(k.id, raw);
    }
    this.currentKeyId = keys[keys.length - 1]!.id;
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** The key id a sealed value names (undefined for a plaintext one). */
  static keyIdOf(stored: string): string | undefined {
    if (!WebhookSecretBox.isSealed(stored)) return undefined;
    const rest = stored.slice(PREFIX.length);
    const i = rest.lastIndexOf(':');
    return i > 0 ? rest.slice(0, i) : undefined;
  }

  seal(secret: string, partnerId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(aad(partnerId));
    const data = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.currentKeyId}:${data.toString('base64url')}`;
  }

  /** The secret; a legacy plaintext value is returned as it is (and flagged for resealing). */
  open(stored: string, partnerId: string): OpenedSecret {
    if (!WebhookSecretBox.isSealed(stored)) return { secret: stored, needsReseal: true };
    const rest = stored.slice(PREFIX.length);
    const i = rest.lastIndexOf(':');
    if (i <= 0) throw new WebhookSecretUnreadableError(undefined, 'malformed');
    const keyId = rest.slice(0, i);
    const key = this.keys.get(keyId);
    if (!key) throw new WebhookSecretUnreadableError(keyId, 'unknown-key');
    const data = Buffer.from(rest.slice(i + 1), 'base64url');
    if (data.length < IV_BYTES + TAG_BYTES) throw new WebhookSecretUnreadableError(keyId, 'malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(partnerId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return { secret: plain.toString('utf8'), needsReseal: keyId !== this.currentKeyId };
    } catch {
      throw new WebhookSecretUnreadableError(keyId, 'authentication-failed');
    }
  }
}

const aad = (partnerId: string): Buffer => Buffer.from(`alpes:webhook-secret:v1:${partnerId}`, 'utf8');
