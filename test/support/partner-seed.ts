import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Partner } from '../../src/domain/partner.aggregate';
import { KnexPartnerRepository } from '../../src/infra/db/partner.repository';
import { openDatabase } from '../../src/shared/db/knex-database';

export interface PartnerSeed {
  /** A fresh UUID unless given: partner API keys name their partner's id before it exists. */
  id?: string;
  name?: string;
  email?: string;
  payoutAccount?: string;
  webhookUrl?: string | null;
}

/**
 * Registers a partner straight in the database, not through the API: for partners whose id a
 * partner API key names, or a suite that runs no API. Returns the id.
 */
export async function seedPartner(db: Knex, seed: PartnerSeed = {}): Promise<string> {
  const id = seed.id ?? randomUUID();
  await new KnexPartnerRepository(db).save(
    Partner.create({
      id,
      name: seed.name ?? `Partner ${id.slice(0, 4)}`,
      email: seed.email ?? `p-${id.slice(0, 8)}@example.com`,
      payoutAccount: seed.payoutAccount ?? 'DE89 3704 0044 0532 0130 00',
      webhookUrl: seed.webhookUrl,
      now: new Date(),
    }),
  );
  return id;
}

/** The same before any system runs (its keys name these partners), over a connection of its own. */
export async function seedPartnersBeforeStart(databaseUrl: string, seeds: PartnerSeed[]): Promise<void> {
  const db = openDatabase({ kind: 'postgres', url: databaseUrl });
  try {
    for (const seed of seeds) await seedPartner(db, seed);
  } finally {
    await db.destroy();
  }
}
