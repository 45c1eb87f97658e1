import { createPrivateKey, createPublicKey, sign } from 'node:crypto';

/**
 * Operator decisions reach the payment workflow as Updates; whoever can reach the Temporal
 * frontend could send one in any actor's name. The API therefore signs each decision (Ed25519):
 * bound to the payment, the action and the actor, with a short expiry. The workflow verifies it
 * with the public key its worker reported, so the verification key — never a secret — is all
 * that workflow code and history ever hold.
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

export interface ActorClaim {
  paymentId: string;
  action: string;
  actor: string;
  /** Epoch milliseconds after which the assertion is refused. */
  expiresAt: number;
}

/** The exact bytes signed: one line per field, so no field can bleed into another. */
export const assertionMessage = (c: ActorClaim): string =>
  ['alpes-decision-v1', c.paymentId, c.action, c.actor, String(c.expiresAt)].join('\n');

export class ActorAssertionSigner {
  private readonly key;

  constructor(
    seedBase64: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.key = privateKeyOf(seedBase64);
  }

  sign(claim: Omit<ActorClaim, 'expiresAt'>): { expiresAt: number; signature: string } {
    const expiresAt = this.clock() + this.ttlMs;
    const signature = sign(null, Buffer.from(assertionMessage({ ...claim, expiresAt })), this.key).toString(
      'base64',
    );
    return { expiresAt, signature };
  }
}
