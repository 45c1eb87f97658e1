import { createHmac } from 'node:crypto';
import {
  newWebhookSecret,
  signStandardWebhook,
  signWebhook,
  verifyWebhookSignature,
} from './webhook-signature';

const body = '{"id":"n-1","type":"PAYMENT_COMPLETED"}';
const t = 1_800_000_000;
const hex = (secret: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

describe('X-Alpes-Signature', () => {
  it('one secret: t=<ts>,v1=<hmac>, as before', () => {
    expect(signWebhook('new', t, body)).toBe(`t=${t},v1=${hex('new')}`);
    expect(signWebhook('new', t, body, [])).toBe(`t=${t},v1=${hex('new')}`);
  });

  it('during an overlap: one v1 per secret, the current one first', () => {
    const header = signWebhook('new', t, body, ['old']);
    expect(header).toBe(`t=${t},v1=${hex('new')},v1=${hex('old')}`);
    // A receiver that reads the first v1 only works once it holds the new secret.
    expect(/^t=\d+,v1=([0-9a-f]{64})/.exec(header)![1]).toBe(hex('new'));
  });

  it('verifies with any of the secrets the header was signed with, and with no other', () => {
    const header = signWebhook('new', t, body, ['old']);
    const at = { nowSeconds: t };
    expect(verifyWebhookSignature('new', header, body, at)).toBe(true);
    expect(verifyWebhookSignature('old', header, body, at)).toBe(true);
    expect(verifyWebhookSignature('other', header, body, at)).toBe(false);
    expect(verifyWebhookSignature('new', header, `${body} `, at)).toBe(false);
    expect(verifyWebhookSignature('new', header, body, { nowSeconds: t + 301 })).toBe(false);
    expect(verifyWebhookSignature('new', `t=${t},t=${t + 1},v1=${hex('new')}`, body, at)).toBe(false);
    expect(verifyWebhookSignature('new', `t=${t}`, body, at)).toBe(false);
    expect(verifyWebhookSignature('new', undefined, body, at)).toBe(false);
  });
});

describe('Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)', () => {
  // The reference library partners use: our signatures must verify with it as they are.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Webhook } = require('standardwebhooks') as typeof import('standardwebhooks');
  const now = Math.floor(Date.now() / 1000);
  const headers = (signature: string) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(now),
    'webhook-signature': signature,
  });

  it('new secrets are whsec_<base64 of 32 bytes>, and verify with the standardwebhooks package', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const signature = signStandardWebhook('msg_1', now, body, secret);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers(signature))).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers(signature))).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers(signature))).toThrow();
  });

  it('during an overlap: one v1 per secret, space-separated, the current one first; either verifies', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const signature = signStandardWebhook('msg_1', now, body, current, [previous]);
    const parts = signature.split(' ');
    expect(parts).toEqual([
      signStandardWebhook('msg_1', now, body, current),
      signStandardWebhook('msg_1', now, body, previous),
    ]);
    expect(new Webhook(current).verify(body, headers(signature))).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers(signature))).toBeTruthy();
  });

  it('a secret issued before (whsec_<base64url>) signs with the same key its standard-base64 spelling names', () => {
    const legacy = `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`;
    expect(legacy).toMatch(/[-_]/);
    const converted = `whsec_${Buffer.alloc(32, 0xfb).toString('base64')}`;
    const signature = signStandardWebhook('msg_1', now, body, legacy);
    expect(new Webhook(converted).verify(body, headers(signature))).toBeTruthy();
  });
});
