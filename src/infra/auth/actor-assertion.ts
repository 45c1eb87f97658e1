import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import {
  decisionMessage,
  type DecisionAssertion,
  type DecisionClaim,
} from '../../workflows/payment.messages';

/**
 * Signs operator decisions for the payment workflow (see src/workflows/payment.messages.ts for
 * why, and decision-assertion.ts beside it for how they are checked). Keys: the 32-byte Ed25519
 * seed as base64 (ACTOR_SIGNING_KEY); the workers only need the public half.
 */

/** PKCS#8 DER prefix of an Ed25519 private key: the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const privateKeyOf = (seedBase64: string) =>
  createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seedBase64, 'base64')]),
    format: 'der',
    type: 'pkcs8',
  });

/** The raw 32-byte public key (base64) of a seed. */
export function ed25519PublicKey(seedBase64: string): string {
  const spki = createPublicKey(privateKeyOf(seedBase64)).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32).toString('base64');
}

/** The form the workflow checks against (hex, what its pure verifier reads). */
export const verifyKeyHex = (publicKeyBase64: string): string =>
  Buffer.from(publicKeyBase64, 'base64').toString('hex');

export class DecisionSigner {
  private readonly key;

  constructor(
    seedBase64: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.key = privateKeyOf(seedBase64);
  }

  sign(claim: Omit<DecisionClaim, 'expiresAt'>): DecisionAssertion {
    const expiresAt = this.clock() + this.ttlMs;
    const message = Buffer.from(decisionMessage({ ...claim, expiresAt }));
    return { expiresAt, signature: sign(null, message, this.key).toString('hex') };
  }
}
