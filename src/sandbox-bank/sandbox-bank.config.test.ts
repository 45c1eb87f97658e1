import { loadSandboxBankConfig } from './sandbox-bank.config';

describe('sandbox bank configuration: bank files', () => {
  it('takes files without a schema check and without folders by default', () => {
    expect(loadSandboxBankConfig({}).files).toEqual({
      pain001Xsd: undefined,
      closedAccounts: [],
      folder: undefined,
    });
  });

  it('reads the XSD, the closed accounts and the folders', () => {
    const config = loadSandboxBankConfig({
      SANDBOX_BANK_PAIN001_XSD: '/schemas/pain.001.001.10_1.xsd',
      SANDBOX_BANK_CLOSED_ACCOUNTS: ' GB82WEST12345698765432 , ,DE89 3704 0044 0532 0130 00',
      SANDBOX_BANK_FILE_INBOX: '/srv/bank/in',
      SANDBOX_BANK_FILE_OUTBOX: '/srv/bank/out',
      SANDBOX_BANK_FILE_POLL: '250ms',
    });
    expect(config.files).toEqual({
      pain001Xsd: '/schemas/pain.001.001.10_1.xsd',
      closedAccounts: ['GB82WEST12345698765432', 'DE89 3704 0044 0532 0130 00'],
      folder: { inbox: '/srv/bank/in', outbox: '/srv/bank/out', pollMs: 250 },
    });
  });

  it('refuses one folder without the other', () => {
    expect(() => loadSandboxBankConfig({ SANDBOX_BANK_FILE_INBOX: '/srv/bank/in' })).toThrow(
      /SANDBOX_BANK_FILE_INBOX and SANDBOX_BANK_FILE_OUTBOX go together/,
    );
  });
});

describe('sandbox bank configuration: statements', () => {
  it('writes no statement files unless a folder is set, then polls it as often as the file folders', () => {
    expect(loadSandboxBankConfig({}).statements).toEqual({ folder: undefined });
    expect(
      loadSandboxBankConfig({
        SANDBOX_BANK_STATEMENT_OUTBOX: '/srv/bank/camt',
        SANDBOX_BANK_FILE_POLL: '250ms',
      }).statements,
    ).toEqual({ folder: { outbox: '/srv/bank/camt', pollMs: 250 } });
  });
});
