import type { Partner } from '../domain/partner.aggregate';

export interface PartnerRepository {
  findById(id: string): Promise<Partner | undefined>;
  save(partner: Partner): Promise<void>;
}
