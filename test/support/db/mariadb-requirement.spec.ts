import { isCi, mariadbSkipLine } from './mariadb-requirement';

const reason = 'MariaDB: not available (mysql://root@127.0.0.1:3399/: connect ECONNREFUSED)';

describe('MariaDB requirement of a test run', () => {
  it('reads CI as CI services set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
  });

  it('skips the MariaDB cases on a developer machine, with a line saying so', () => {
    expect(mariadbSkipLine(false, reason, {})).toBe(
      `${reason}: the MariaDB test cases are skipped (with CI=true this fails the run)`,
    );
  });

  it('fails a CI run without MariaDB, naming why', () => {
    expect(() => mariadbSkipLine(false, reason, { CI: 'true' })).toThrow(reason);
  });

  it('on CI, skips only when the run leaves MariaDB out itself', () => {
    expect(mariadbSkipLine(false, reason, { CI: 'true', RK_TEST_SKIP_MARIADB: '1' })).toBe(
      `${reason}: the MariaDB test cases are skipped`,
    );
    expect(
      mariadbSkipLine(false, reason, { CI: 'true', RK_TEST_DB_KINDS: 'postgres,sqlite' }),
    ).toBeDefined();
    expect(() =>
      mariadbSkipLine(false, reason, { CI: 'true', RK_TEST_DB_KINDS: 'mariadb,sqlite' }),
    ).toThrow(reason);
  });

  it('says nothing when MariaDB is available', () => {
    expect(mariadbSkipLine(true, '', { CI: 'true' })).toBeUndefined();
    expect(mariadbSkipLine(true, '', {})).toBeUndefined();
  });
});
