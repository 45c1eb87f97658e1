import { newEventId, type DomainEvent } from './domain-event';
import { DomainError } from './domain-error';

/**
 * An operator's invitation of a partner (issue 27 §1): single-use, expiring (INVITATION_TTL), and
 * stored by the SHA-256 of its token only, like API keys — the token itself exists in the email
 * and nowhere else. Accepting it is what moves the partner from INVITED to ONBOARDING and is the
 * only way an invited partner gets a key. Pure: the caller draws the token and hashes it.
 *
 * Not wired yet: the routes (`POST /partners/invitations`, `POST /onboarding/:token/accept`), the
 * INVITED/ONBOARDING partner statuses and a database-backed partner key store are still to come.
 */
export const InvitationErrorCodes = {
  /** Used already: a second accept is refused (410). */
  USED: 'INVITATION.USED',
  EXPIRED: 'INVITATION.EXPIRED',
  REVOKED: 'INVITATION.REVOKED',
  INVALID_TTL: 'INVITATION.INVALID_TTL',
} as const;

export type InvitationStatus = 'PENDING' | 'ACCEPTED' | 'REVOKED';

export interface InvitationSnapshot {
  id: string;
  partnerId: string;
  /** Hex SHA-256 of the token. */
  tokenHash: string;
  invitedBy: string;
  status: InvitationStatus;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  version: number;
}

export type InvitationEventType = 'PartnerInvited' | 'PartnerInvitationAccepted' | 'PartnerInvitationRevoked';
export type InvitationDomainEvent = DomainEvent<
  InvitationEventType,
  { partnerId: string; invitationId: string; actor: string; expiresAt: string }
>;

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export class PartnerInvitation {
  private pending: InvitationDomainEvent[] = [];

  private constructor(private state: InvitationSnapshot) {}

  static issue(p: {
    id: string;
    partnerId: string;
    tokenHash: string;
    actor: string;
    ttlMs: number;
    now: Date;
  }): PartnerInvitation {
    if (!Number.isSafeInteger(p.ttlMs) || p.ttlMs <= 0) {
      throw new DomainError(
        InvitationErrorCodes.INVALID_TTL,
        'An invitation must expire after a positive time',
      );
    }
    // A bug, not an expected failure: only our own hashing reaches here.
    if (!HEX_SHA256.test(p.tokenHash)) throw new TypeError('tokenHash must be a hex SHA-256');
    const at = p.now.toISOString();
    const invitation = new PartnerInvitation({
      id: p.id,
      partnerId: p.partnerId,
      tokenHash: p.tokenHash,
      invitedBy: p.actor,
      status: 'PENDING',
      createdAt: at,
      expiresAt: new Date(p.now.getTime() + p.ttlMs).toISOString(),
      acceptedAt: null,
      version: 1,
    });
    invitation.record('PartnerInvited', p.actor, at);
    return invitation;
  }

  static fromSnapshot(s: InvitationSnapshot): PartnerInvitation {
    return new PartnerInvitation({ ...s });
  }

  get id(): string {
    return this.state.id;
  }
  get partnerId(): string {
    return this.state.partnerId;
  }
  get status(): InvitationStatus {
    return this.state.status;
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= Date.parse(this.state.expiresAt);
  }

  /** Once, before it expires; the partner is the actor (no key yet: the token vouches for them). */
  accept(now: Date): void {
    const refuse = (code: string, message: string): DomainError =>
      new DomainError(code, message, { invitationId: this.state.id });
    if (this.state.status === 'ACCEPTED')
      throw refuse(InvitationErrorCodes.USED, 'The invitation was used already');
    if (this.state.status === 'REVOKED')
      throw refuse(InvitationErrorCodes.REVOKED, 'The invitation was withdrawn');
    if (this.isExpired(now)) throw refuse(InvitationErrorCodes.EXPIRED, 'The invitation has expired');
    const at = now.toISOString();
    this.state = { ...this.state, status: 'ACCEPTED', acceptedAt: at, version: this.state.version + 1 };
    this.record('PartnerInvitationAccepted', `partner:${this.state.partnerId}`, at);
  }

  revoke(p: { actor: string; now: Date }): void {
    if (this.state.status !== 'PENDING') {
      throw new DomainError(InvitationErrorCodes.USED, `The invitation is ${this.state.status}`, {
        invitationId: this.state.id,
      });
    }
    const at = p.now.toISOString();
    this.state = { ...this.state, status: 'REVOKED', version: this.state.version + 1 };
    this.record('PartnerInvitationRevoked', p.actor, at);
  }

  pullEvents(): InvitationDomainEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  toSnapshot(): InvitationSnapshot {
    return { ...this.state };
  }

  private record(type: InvitationEventType, actor: string, at: string): void {
    this.pending.push({
      id: newEventId(),
      type,
      occurredAt: at,
      aggregate: { type: 'Partner', id: this.state.partnerId },
      partnerId: this.state.partnerId,
      data: {
        partnerId: this.state.partnerId,
        invitationId: this.state.id,
        actor,
        expiresAt: this.state.expiresAt,
      },
    });
  }
}
