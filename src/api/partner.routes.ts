import { Router } from 'express';
import { Partner } from '../domain/partner.aggregate';
import type { PartnerRepository } from '../domain/payment.repository.port';
import { decodeCursor, page } from './pagination';
import { ProblemError } from './problem';
import { createPartnerBody, listPartnersQuery, partnerIdParam, updatePartnerBody } from './partner.schemas';

export interface PartnerDirectory extends PartnerRepository {
  list(opts: { limit: number; after?: { createdAt: string; id: string } }): Promise<Partner[]>;
}

export interface PartnerRoutesDeps {
  partners: PartnerDirectory;
  newId: () => string;
  now?: () => Date;
}

/** Partners: the payees. Payout accounts only ever leave masked (`toPublic`). */
export function partnerRoutes(deps: PartnerRoutesDeps): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());

  const load = async (id: string): Promise<Partner> => {
    const partner = await deps.partners.findById(id);
    if (!partner) throw new ProblemError(404, 'Partner not found', `no partner with id ${id}`);
    return partner;
  };

  router.post('/partners', async (req, res) => {
    const body = createPartnerBody.parse(req.body);
    const partner = Partner.create({ ...body, id: deps.newId(), now: now() });
    await deps.partners.save(partner);
    res.status(201).location(`/partners/${partner.id}`).json(partner.toPublic());
  });

  router.get('/partners', async (req, res) => {
    const q = listPartnersQuery.parse(req.query);
    const rows = await deps.partners.list({ limit: q.limit + 1, after: decodeCursor(q.cursor) });
    const { items, nextCursor } = page(
      rows.map((p) => p.toPublic()),
      q.limit,
    );
    res.json({ items, nextCursor });
  });

  router.get('/partners/:id', async (req, res) => {
    const { id } = partnerIdParam.parse(req.params);
    res.json((await load(id)).toPublic());
  });

  router.patch('/partners/:id', async (req, res) => {
    const { id } = partnerIdParam.parse(req.params);
    const changes = updatePartnerBody.parse(req.body);
    const partner = await load(id);
    partner.update(changes, now());
    await deps.partners.save(partner);
    res.json(partner.toPublic());
  });

  return router;
}
