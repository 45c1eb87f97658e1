import pg from 'pg';
import { fileDatabasePrefix } from './test-env';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__alpesTestState;
  await state?.devServer?.stop();
  if (state?.template) {
    // The template and every test file's copy of it.
    const admin = new pg.Client({ connectionString: state.template.adminUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or starts_with(datname, $2)`,
        [state.template.name, fileDatabasePrefix(state.template.name)],
      );
      for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    } finally {
      await admin.end();
    }
  }
  if (state?.scratchDatabase) {
    const admin = new pg.Client({ connectionString: state.scratchDatabase.adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${state.scratchDatabase.name} with (force)`);
    await admin.end();
  }
}
