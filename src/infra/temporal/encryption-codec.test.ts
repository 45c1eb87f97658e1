import { randomBytes } from 'node:crypto';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, UnencryptedPayloadError } from './encryption-codec';

const KEYS = [{ id: 'k1', key: randomBytes(32).toString('base64') }];
const utf8 = (s: string) => new TextEncoder().encode(s);
const plain = { metadata: { encoding: utf8('json/plain') }, data: utf8('{"amount":1}') };

describe('AesGcmPayloadCodec', () => {
  it('refuses an unencrypted payload by default', async () => {
    await expect(new AesGcmPayloadCodec(KEYS).decode([plain])).rejects.toBeInstanceOf(
      UnencryptedPayloadError,
    );
  });

  it('passes it through only when told to accept plaintext (old histories)', async () => {
    await expect(new AesGcmPayloadCodec(KEYS, { acceptPlaintext: true }).decode([plain])).resolves.toEqual([
      plain,
    ]);
  });

  it('decodes what it encoded, strict or not', async () => {
    const codec = new AesGcmPayloadCodec(KEYS);
    const [encrypted] = await codec.encode([plain]);
    expect(new TextDecoder().decode(encrypted!.metadata!.encoding!)).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted!.data!).includes(Buffer.from('amount'))).toBe(false);
    const [decoded] = await codec.decode([encrypted!]);
    expect(Buffer.from(decoded!.data!).toString()).toBe('{"amount":1}');
  });
});
