import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__alpesTestState;
  await state?.devServer?.stop();
  if (state?.scratchDatabase) {
    const admin = new pg.Client({ connectionString: state.scratchDatabase.adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${state.scratchDatabase.name} with (force)`);
    await admin.end();
  }
}
