import { randomBytes } from 'node:crypto';
import { WebhookSecretBox, WebhookSecretUnreadableError } from './webhook-secret-box';

const key = (id: string) => ({ id, key: randomBytes(32).toString('base64') });
const SECRET = 'whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

describe('webhook secrets at rest (AES-256-GCM, key id in front)', () => {
  const k1 = key('k1');
  const k2 = key('k2');

  it('seals with the last key, never keeping the plaintext, and opens it again', () => {
    const box = new WebhookSecretBox([k1, k2]);
    const sealed = box.seal(SECRET, 'partner-a');
    expect(sealed).toMatch(/^whenc:v1:k2:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(box.seal(SECRET, 'partner-a')).not.toBe(sealed);
    expect(box.open(sealed, 'partner-a')).toEqual({ secret: SECRET, needsReseal: false });
    expect(WebhookSecretBox.keyIdOf(sealed)).toBe('k2');
  });

  it('opens values sealed under an older listed key (key rotation), flagging them for resealing', () => {
    const old = new WebhookSecretBox([k1]).seal(SECRET, 'partner-a');
    const rotated = new WebhookSecretBox([k1, k2]);
    expect(rotated.open(old, 'partner-a')).toEqual({ secret: SECRET, needsReseal: true });
  });

  it('reads a legacy plaintext value as it is, flagged for sealing', () => {
    expect(new WebhookSecretBox([k1]).open(SECRET, 'p')).toEqual({ secret: SECRET, needsReseal: true });
  });

  it('refuses clearly when the key is missing, wrong, or the value altered or moved', () => {
    const sealed = new WebhookSecretBox([k1]).seal(SECRET, 'partner-a');
    const fail = (box: WebhookSecretBox, value: string, partner = 'partner-a') => {
      try {
        box.open(value, partner);
      } catch (e) {
        expect(e).toBeInstanceOf(WebhookSecretUnreadableError);
        return e as WebhookSecretUnreadableError;
      }
      throw new Error('opened');
    };
    expect(fail(new WebhookSecretBox([k2]), sealed)).toMatchObject({ keyId: 'k1', problem: 'unknown-key' });
    expect(fail(new WebhookSecretBox([k2]), sealed).message).toMatch(/key id "k1".*WEBHOOK_SECRET_KEYS/);
    // Same id, other key material: GCM's tag does not verify.
    expect(fail(new WebhookSecretBox([{ ...k2, id: 'k1' }]), sealed)).toMatchObject({
      problem: 'authentication-failed',
    });
    const box = new WebhookSecretBox([k1]);
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'AB' : 'AA');
    expect(fail(box, tampered).problem).toBe('authentication-failed');
    // Copied to another partner's row: the partner id is authenticated with the value.
    expect(fail(box, sealed, 'partner-b').problem).toBe('authentication-failed');
    expect(fail(box, 'whenc:v1:k1:AAAA').problem).toBe('malformed');
    expect(fail(box, 'whenc:v1:nokey').problem).toBe('malformed');
  });

  it('validates the key list', () => {
    expect(() => new WebhookSecretBox([])).toThrow(/at least one key/);
    expect(() => new WebhookSecretBox([{ id: 'x', key: 'c2hvcnQ=' }])).toThrow(/32 bytes/);
    expect(() => new WebhookSecretBox([k1, k1])).toThrow(/listed twice/);
  });
});
