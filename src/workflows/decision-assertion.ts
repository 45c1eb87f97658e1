import { ed25519 } from '@noble/curves/ed25519';
import { hexToBytes, utf8ToBytes } from '@noble/curves/utils';

/**
 * The operator decision's proof of origin, checked inside the workflow. The API signs each
 * decision it forwards (Ed25519) — bound to the payment, the action and the actor, and short-lived
 * — so reaching the Temporal frontend is not enough to approve a payment in someone's name. Only
 * the public key ever enters workflow code and history; verification is pure and deterministic.
 */
export interface DecisionAssertion {
  /** Epoch milliseconds after which the assertion is refused. */
  expiresAt: number;
  /** Ed25519 signature (hex) of `decisionMessage(…)`. */
  signature: string;
}

export interface DecisionClaim {
  paymentId: string;
  action: 'approve' | 'reject' | 'cancel' | 'refund';
  actor: string;
  expiresAt: number;
}

/** The exact bytes signed: one field per line, so no field can bleed into another. */
export const decisionMessage = (c: DecisionClaim): string =>
  ['alpes-decision-v1', c.paymentId, c.action, c.actor, String(c.expiresAt)].join('\n');

export type DecisionCheck = 'ok' | 'missing' | 'expired' | 'forged';

export function checkDecision(
  verifyKeyHex: string,
  claim: Omit<DecisionClaim, 'expiresAt'>,
  assertion: DecisionAssertion | undefined,
  nowMs: number,
): DecisionCheck {
  if (!assertion || typeof assertion.signature !== 'string' || typeof assertion.expiresAt !== 'number') {
    return 'missing';
  }
  if (assertion.expiresAt < nowMs) return 'expired';
  try {
    const message = utf8ToBytes(decisionMessage({ ...claim, expiresAt: assertion.expiresAt }));
    return ed25519.verify(hexToBytes(assertion.signature), message, hexToBytes(verifyKeyHex))
      ? 'ok'
      : 'forged';
  } catch {
    // Malformed hex or a signature of the wrong length: as good as forged.
    return 'forged';
  }
}
