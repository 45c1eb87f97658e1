import { UnencryptedPayloadError } from '../../ports/payload-codec.port';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  /** 32 bytes, base64. */
  key: string;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined): string => (b ? new TextDecoder().decode(b) : '');

/**
 * AES-256-GCM over whole payloads, before they leave the process for the Temporal server. The key
 * id travels in the payload's metadata: the newest key encrypts, any configured key decrypts, so
 * keys rotate by appending a new one and retiring the old once no open workflow still needs it.
 */
export interface CodecOptions {
  /**
   * Off by default, in every mode: a payload that is not encrypted with one of our keys did not
   * come from our clients or workers (someone reached the Temporal frontend directly), so it is
   * refused, not read. On only to read histories from before encryption (CODEC_ACCEPT_PLAINTEXT,
   * replaying recorded fixtures), explicitly.
   */
  acceptPlaintext?: boolean;
}

export { UnencryptedPayloadError };

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer };

  constructor(
    keys: CodecKey[],
    private readonly options: CodecOptions = {},
  ) {
    if (keys.length === 0) throw new Error('at least one codec key is required');
    this.keys = new Map(
      keys.map((k) => {
        const raw = Buffer.from(k.key, 'base64');
        if (raw.length !== 32) throw new Error(`codec key ${k.id} must be 32 bytes`);
        return [k.id, raw];
      }),
    );
    const last = keys[keys.length - 1]!;
    this.current = { id: last.id, key: this.keys.get(last.id)! };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.current.id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) {
        if (!this.options.acceptPlaintext) throw new UnencryptedPayloadError();
        return payload;
      }
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`no codec key with id "${keyId}" is configured`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter every client and worker of this system uses. */
export const encryptedDataConverter = (keys: CodecKey[], options: CodecOptions = {}): DataConverter => ({
  payloadCodecs: [new AesGcmPayloadCodec(keys, options)],
});
