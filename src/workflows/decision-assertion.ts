import { ed25519 } from '@noble/curves/ed25519';
import { hexToBytes, utf8ToBytes } from '@noble/curves/utils';
import { decisionMessage, type DecisionAssertion, type DecisionClaim } from './payment.messages';

export type DecisionCheck = 'ok' | 'missing' | 'expired' | 'forged';

/**
 * Checks an operator decision's proof of origin inside the workflow: the API's Ed25519 signature
 * over `decisionMessage(…)` (the assertion and the signed bytes are part of the payment workflow's
 * messages, see payment.messages.ts). Verification is pure and deterministic.
 */
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
