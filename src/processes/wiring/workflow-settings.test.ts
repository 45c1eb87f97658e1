import { loadConfig } from '../../infra/config';
import { settlementSettings } from './workflow-settings';

describe('settlementSettings', () => {
  it('carries SETTLEMENT_TIME_ZONE into every run’s input (and the Schedule’s), so a run keeps its zone', () => {
    expect(settlementSettings(loadConfig({})).timeZone).toBe('UTC');
    expect(settlementSettings(loadConfig({ SETTLEMENT_TIME_ZONE: 'Asia/Tokyo' })).timeZone).toBe(
      'Asia/Tokyo',
    );
  });
});
