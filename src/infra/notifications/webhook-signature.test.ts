import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

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
