import type { PartnerPayability } from '../application/partner/payability';
import type { PublicTaxProfile, TaxFormInput } from '../domain/tax-profile.aggregate';
import { taxYearEndHeader, taxYearEndLine, type TaxYearEndRow } from '../domain/tax-year-end';
import type { AuditStamp } from '../ports/audit.port';
import { ProblemError } from '../shared/http/problem';
import { assertPartnerScope } from './partner.routes';
import { partnerIdParam } from './partner.schemas';
import type { RouteTable } from './route-kit';
import {
  payabilityResponse,
  rejectTaxProfileBody,
  taxProfileBody,
  taxProfileResponse,
  taxYearEndQuery,
  taxYearEndResponse,
} from './tax-profile.schemas';

/** The use cases, bound to their ports in the composition root. */
export interface TaxProfileRoutesDeps {
  submit(input: {
    partnerId: string;
    form: TaxFormInput;
    actor: string;
    audit?: AuditStamp;
  }): Promise<PublicTaxProfile | undefined>;
  review(
    input:
      | { partnerId: string; decision: 'approve'; actor: string; audit?: AuditStamp }
      | { partnerId: string; decision: 'reject'; reason: string; actor: string; audit?: AuditStamp },
  ): Promise<PublicTaxProfile | undefined>;
  read(partnerId: string): Promise<{ partner: boolean; profile: PublicTaxProfile | null }>;
  payability(partnerId: string): Promise<PartnerPayability | undefined>;
  yearEnd(year: number): Promise<{ year: number; rows: TaxYearEndRow[] }>;
}

const noPartner = (id: string): ProblemError =>
  new ProblemError(404, 'Partner not found', `no partner with id ${id}`);

/** Tax forms (filed by the partner or an admin, reviewed by an operator) and payability. Tax ids leave masked. */
export function taxProfileRoutes(routes: RouteTable, deps: TaxProfileRoutesDeps): void {
  const found = (profile: PublicTaxProfile | undefined, id: string): PublicTaxProfile => {
    if (!profile) throw noPartner(id);
    return profile;
  };

  routes.add({
    method: 'put',
    path: '/partners/:id/tax-profile',
    summary: 'File a partner’s tax form (replaces the one on file; it waits for review again)',
    tag: 'Partners',
    roles: ['partner', 'operator'],
    audit: { action: 'partner.tax-profile.submit', targetType: 'partner' },
    params: partnerIdParam,
    body: taxProfileBody,
    responses: {
      200: { description: 'The form on file, SUBMITTED, tax id masked', schema: taxProfileResponse },
      422: { description: 'Not a valid form (TAX_PROFILE.INVALID_…)' },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const profile = await deps.submit({ partnerId: params.id, form: body, actor: principal!.name, audit });
      res.json(found(profile, params.id));
    },
  });

  routes.add({
    method: 'get',
    path: '/partners/:id/tax-profile',
    summary: 'Read a partner’s tax form (tax id masked)',
    tag: 'Partners',
    roles: ['operator', 'viewer', 'partner'],
    params: partnerIdParam,
    responses: { 200: { description: 'The form on file', schema: taxProfileResponse } },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const { partner, profile } = await deps.read(params.id);
      if (!partner) throw noPartner(params.id);
      if (!profile)
        throw new ProblemError(404, 'Tax profile not found', `partner ${params.id} has filed none`);
      res.json(profile);
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/tax-profile/approve',
    summary: 'Approve a partner’s tax form',
    tag: 'Partners',
    roles: ['operator'],
    audit: { action: 'partner.tax-profile.approve', targetType: 'partner' },
    params: partnerIdParam,
    responses: {
      200: { description: 'The form, APPROVED', schema: taxProfileResponse },
      409: { description: 'Not waiting for review (TAX_PROFILE.NOT_IN_REVIEW)' },
    },
    handler: async ({ params, principal, audit, res }) => {
      const profile = await deps.review({
        partnerId: params.id,
        decision: 'approve',
        actor: principal!.name,
        audit,
      });
      res.json(found(profile, params.id));
    },
  });

  routes.add({
    method: 'post',
    path: '/partners/:id/tax-profile/reject',
    summary: 'Reject a partner’s tax form, with the reason the partner sees',
    tag: 'Partners',
    roles: ['operator'],
    audit: { action: 'partner.tax-profile.reject', targetType: 'partner' },
    params: partnerIdParam,
    body: rejectTaxProfileBody,
    responses: {
      200: { description: 'The form, REJECTED with its reason', schema: taxProfileResponse },
      409: { description: 'Not waiting for review (TAX_PROFILE.NOT_IN_REVIEW)' },
    },
    handler: async ({ params, body, principal, audit, res }) => {
      const profile = await deps.review({
        partnerId: params.id,
        decision: 'reject',
        reason: body.reason,
        actor: principal!.name,
        audit,
      });
      res.json(found(profile, params.id));
    },
  });

  routes.add({
    method: 'get',
    path: '/partners/:id/payability',
    summary: 'Whether a partner will be paid, why not and what to do, and per currency how much and when',
    tag: 'Partners',
    roles: ['operator', 'viewer', 'partner'],
    params: partnerIdParam,
    responses: {
      200: {
        description:
          'The reasons are the settlement planner’s (it skips the partner with the same codes); per currency the net payable now and the next run’s time when it would pay it',
        schema: payabilityResponse,
      },
    },
    handler: async ({ params, principal, res }) => {
      assertPartnerScope(principal, params.id, 'Partner');
      const view = await deps.payability(params.id);
      if (!view) throw noPartner(params.id);
      res.json(view);
    },
  });

  routes.add({
    method: 'get',
    path: '/tax/year-end',
    summary:
      'Per partner, currency and form type: paid in the calendar year (COMPLETED) minus refunded in it, for 1099 / 1042-S style filing',
    tag: 'Partners',
    roles: ['operator'],
    query: taxYearEndQuery,
    responses: {
      200: {
        description:
          'JSON (amounts as exact decimal strings), or with format=csv text/csv whose amounts are plain numbers (a negative net too)',
        schema: taxYearEndResponse,
      },
    },
    handler: async ({ query, res }) => {
      const report = await deps.yearEnd(query.year);
      if (query.format === 'json') {
        res.json(report);
        return;
      }
      res.status(200).type('text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="tax-year-end-${report.year}.csv"`);
      const lines = [taxYearEndHeader(), ...report.rows.map((r) => taxYearEndLine(report.year, r))];
      res.send(`${lines.join('\r\n')}\r\n`);
    },
  });
}
