import type { Partner } from '../domain/partner.aggregate';
import type { PartnerRepository } from '../ports/partner-repository.port';
import type { PartnerUseCases } from '../application/partner/partner-use-cases';
import type { PartnerPayability } from '../application/partner/payability';
import type { Principal } from '../ports/principal';
import { decodeCursor, page } from './pagination';
import { ProblemError } from '../shared/http/problem';
import {
  createPartnerBody,
  listPartnersQuery,
  partnerIdParam,
  partnerPage,
  partnerResponse,
  payoutHoldBody,
  accountChangeBody,
  payoutMethodBody,
  payoutMethodsResponse,
  updatePartnerBody,
  webhookEndpointBody,
} from './partner.schemas';
import type { RouteTable } from './route-kit';

export interface PartnerDirectory extends PartnerRepository {
  list(opts: { limit: number; after?: { createdAt: string; id: string } }): Promise<Partner[]>;
}

export interface PartnerRoutesDeps {
  partners: PartnerDirectory;
  /** Payability of a page of partners at once (`GET /partners?include=payability`); absent: not offered. */
  payabilityOf?: (partners: readonly Partner[]) => Promise<ReadonlyMap<string, PartnerPayability>>;
  /** Every change goes through a use case (one transaction, its audit entry inside it). */
  useCases: PartnerUseCases;
  now?: () => Date;
}

/** A partner key sees its own partner only; anything else looks like it does not exist. */
export const assertPartnerScope = (
  principal: Principal | undefined,
  partnerId: string,
  what: string,
): void => {
  if (principal?.role === 'partner' && principal.partnerId !== partnerId) {
    throw new ProblemError(404, `${what} not found`, `no ${what.toLowerCase()} with id ${partnerId}`);
  }
};

/** Partners: the payees. Payout accounts only ever leave masked (`toPublic`). */
export function partnerRoutes(routes: RouteTable, deps: PartnerRoutesDeps): void {
  const now = deps.now ?? (() => new Date());
  const uc = deps.useCases;
  const found = (partner: Partner | undefined, id: string): Partner => {
    if (!partner) throw new ProblemError(404, 'Partner not found', `no partner with id ${id}`);
    return partner;
  };
  /** As it stands now: an account change past its cool-off shows as done (written down on the next change). */
  const load = async (id: string): Promise<Partner> => {
    const partner = await deps.partners.findById(id);
    if (!partner) throw new ProblemError(404, 'Partner not found', `no partner with id ${id}`);
    partner.applyDueAccountChange(now());
    partner.pullEvents();
    return partner;
  };

  routes.add({
    method: 'post',
    path: '/partners',
    summary: 'Register a partner',
    tag: 'Partners',
    roles: ['admin'],
    body: createPartnerBody,
    responses: {
      201: { description: 'Created', schema: partnerResponse, headers: { Location: 'the partner’s URL' } },
    },
    handler: async ({ body, audit, res }) => {
      const partner = await uc.register({ ...body, audit });
      res.status(201).location(`/partners/${partner.id}`).json(partner.toPublic());
    },
  });

  routes.add({
    method: 'get',
    path: '/partners',
    summary: 'List partners',
    tag: 'Partners',
    // Never a partner key: the list (and its payability) is every partner's.
    roles: ['operator', 'viewer'],
    query: listPartnersQuery,
    responses: {
      200: {
        description: 'A page of partners, newest first; with include=payability each with its payability',
        schema: partnerPage,
      },
    },
    handler: async ({ query, res }) => {
      const rows = await deps.partners.list({ limit: query.limit + 1, after: decodeCursor(query.cursor) });
      const shown = rows.slice(0, query.limit);
      // One batch for the page (not a request per row): the same answer as the single-partner route.
      const payability =
        query.include === 'payability' && deps.payabilityOf ? await deps.payabilityOf(shown) : undefined;
      const publicRow = (p: Partner) => {
        const view = payability?.get(p.id);
        return view ? { ...p.toPublic(), payability: view } : p.toPublic();
      };
      res.json(page(rows.map(publicRow), query.limit));
    },
  });

  routes.add({
    method: 'get',
    path: '/partners/:id',
    summary: 'Read a partner',
    tag: 'Partners',
    roles: ['operator', 'viewer', 'partner'],
    params: partnerIdParam,
    responses: { 200: { description: 'The partner', schema: partnerResponse } },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      res.json((await load(params.id)).toPublic());
    },
  });

  routes.add({
    method: 'patch',
    path: '/partners/:id',
    summary: 'Change a partner',
    tag: 'Partners',
    roles: ['admin'],
    params: partnerIdParam,
    body: updatePartnerBody,
    responses: { 200: { description: 'The changed partner', schema: partnerResponse } },
    handler: async ({ params, body, audit, res }) => {
      const partner = await uc.update({ partnerId: params.id, changes: body, audit });
      res.json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'put',
    path: '/partners/:id/webhook-endpoint',
    summary: 'Set a partner’s webhook endpoint',
    tag: 'Partners',
    // The partner portal: a partner key changes its own endpoint, validated as an admin's would be.
    roles: ['partner'],
    audit: { action: 'partner.webhook-endpoint.update', targetType: 'partner' },
    params: partnerIdParam,
    body: webhookEndpointBody,
    responses: { 200: { description: 'The changed partner', schema: partnerResponse } },
    handler: async ({ params, body, principal, audit, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const partner = await uc.update({
        partnerId: params.id,
        changes: { webhookUrl: body.webhookUrl },
        audit,
      });
      res.json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/payout-hold',
    summary: 'Stop a partner’s payouts',
    tag: 'Partners',
    roles: ['operator'],
    audit: { action: 'partner.payout-hold.place' },
    params: partnerIdParam,
    body: payoutHoldBody,
    responses: {
      200: {
        description: 'The partner, on hold: settlements skip it and new payments are refused (422)',
        schema: partnerResponse,
      },
      409: { description: 'Already on hold (PARTNER.ALREADY_ON_HOLD)' },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      const partner = await uc.placePayoutHold({
        partnerId: params.id,
        reason: body.reason,
        actor: principal!.name,
        audit,
      });
      res.json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'delete',
    path: '/partners/:id/payout-hold',
    summary: 'Release a partner’s payout hold',
    tag: 'Partners',
    roles: ['operator'],
    audit: { action: 'partner.payout-hold.release' },
    params: partnerIdParam,
    responses: {
      200: { description: 'The partner, payable again', schema: partnerResponse },
      409: { description: 'Not on hold (PARTNER.NOT_ON_HOLD)' },
    },
    handler: async ({ params, principal, audit, res }) => {
      const partner = await uc.releasePayoutHold({
        partnerId: params.id,
        actor: principal!.name,
        audit,
      });
      res.json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/payout-account-change',
    summary: 'Request a new payout account (a second person approves it; it takes effect after a cool-off)',
    tag: 'Partners',
    roles: ['operator'],
    audit: { action: 'partner.payout-account-change.request' },
    params: partnerIdParam,
    body: accountChangeBody,
    responses: {
      202: {
        description:
          'Requested: the partner with its pending change (accounts masked). The partner is told (email, webhook, in-app)',
        schema: partnerResponse,
      },
      409: { description: 'A change is already pending (PARTNER.ACCOUNT_CHANGE_PENDING) or nothing changes' },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      const partner = await uc.requestAccountChange({
        partnerId: params.id,
        account: body.payoutAccount,
        actor: principal!.name,
        audit,
      });
      res.status(202).json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/payout-account-change/approve',
    summary: 'Approve a requested payout account (not by its requester)',
    tag: 'Partners',
    roles: ['operator'],
    params: partnerIdParam,
    responses: {
      200: {
        description:
          'Approved: `pendingAccountChange.effectiveAt` says when it takes effect. The partner is told',
        schema: partnerResponse,
      },
      409: {
        description:
          'Nothing to approve, already approved, or the requester approving (PARTNER.FOUR_EYES_VIOLATION)',
      },
    },
    handler: async ({ params, principal, audit, res }) => {
      const partner = await uc.approveAccountChange({ partnerId: params.id, actor: principal!.name, audit });
      res.json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'delete',
    path: '/partners/:id/payout-account-change',
    summary: 'Withdraw a payout-account change that has not taken effect',
    tag: 'Partners',
    roles: ['operator'],
    audit: { action: 'partner.payout-account-change.withdraw' },
    params: partnerIdParam,
    responses: {
      200: {
        description: 'The partner, its account unchanged. The partner is told',
        schema: partnerResponse,
      },
      409: { description: 'No change pending (PARTNER.NO_ACCOUNT_CHANGE)' },
    },
    handler: async ({ params, principal, audit, res }) => {
      const partner = await uc.withdrawAccountChange({
        partnerId: params.id,
        actor: principal!.name,
        audit,
      });
      res.json(found(partner, params.id).toPublic());
    },
  });

  routes.add({
    method: 'get',
    path: '/partners/:id/payout-methods',
    summary: 'Read a partner’s payout methods (masked) and any pending change',
    tag: 'Partners',
    roles: ['operator', 'viewer', 'partner'],
    params: partnerIdParam,
    responses: { 200: { description: 'Methods by currency, masked', schema: payoutMethodsResponse } },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const view = await uc.payoutMethods({ partnerId: params.id });
      if (!view) throw new ProblemError(404, 'Partner not found', `no partner with id ${params.id}`);
      res.json(view);
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/payout-methods',
    summary:
      'Request a payout method for a currency or `*` (approved or withdrawn like a payout-account change)',
    tag: 'Partners',
    // A partner key requests for itself (the portal); an operator still approves it, never the partner.
    roles: ['operator', 'partner'],
    audit: { action: 'partner.payout-method-change.request' },
    params: partnerIdParam,
    body: payoutMethodBody,
    responses: {
      202: {
        description:
          'Requested: the partner with its pending change (masked). Approve with POST /partners/:id/payout-account-change/approve (not by the requester), withdraw with DELETE /partners/:id/payout-account-change. The partner is told',
        schema: partnerResponse,
      },
      409: { description: 'A change is already pending (PARTNER.ACCOUNT_CHANGE_PENDING) or nothing changes' },
      422: {
        description: 'Invalid method (PAYOUT_METHOD.INVALID_IBAN, PAYOUT_METHOD.INVALID_BIC, …) or currency',
      },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const partner = await uc.requestMethodChange({
        partnerId: params.id,
        currency: body.currency,
        method: body.method,
        actor: principal!.name,
        audit,
      });
      res.status(202).json(found(partner, params.id).toPublic());
    },
  });
}
