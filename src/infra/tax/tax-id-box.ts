import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { WebhookSecretKey } from '../notifications/webhook-secret-box';

/** `taxenc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`. */
const PREFIX = 'taxenc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Partners' tax ids at rest, sealed as webhook secrets are (AES-256-GCM, the key id in front, the
 * last key seals, any key opens) and with the same keys (WEBHOOK_SECRET_KEYS): one key set to
 * rotate. A different associated-data label keeps the two kinds of value apart, and the partner id
 * in it means a sealed id copied to another partner's row does not open.
 */
export class TaxIdBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentKeyId: string;

  constructor(keys: readonly WebhookSecretKey[]) {
    if (keys.length === 0) throw new Error('tax ids: WEBHOOK_SECRET_KEYS needs at least one key');
    for (const k of keys) {
      const raw = Buffer.from(k.key, 'base64');
      if (!k.id || raw.length !== 32) throw new Error(`tax ids: key ${k.id} must have an id and 32 bytes`);
      this.keys.set(k.id, raw);
    }
    this.currentKeyId = keys[keys.length - 1]!.id;
  }

  seal(taxId: string, partnerId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(aad(partnerId));
    const data = Buffer.concat([iv, cipher.update(taxId, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.currentKeyId}:${data.toString('base64url')}`;
  }

  /** Throws (naming the key id, never the value) when the stored value cannot be opened. */
  open(stored: string, partnerId: string): string {
    const rest = stored.startsWith(PREFIX) ? stored.slice(PREFIX.length) : '';
    const i = rest.lastIndexOf(':');
    const keyId = i > 0 ? rest.slice(0, i) : '';
    const key = this.keys.get(keyId);
    const data = Buffer.from(rest.slice(i + 1), 'base64url');
    if (!key || data.length < IV_BYTES + TAG_BYTES) {
      throw new Error(
        `tax id of partner ${partnerId}: not sealed under a configured key (${keyId || 'none'})`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(partnerId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(`tax id of partner ${partnerId}: key ${keyId} does not open it`);
    }
  }
}

const aad = (partnerId: string): Buffer => Buffer.from(`alpes:tax-id:v1:${partnerId}`, 'utf8');
