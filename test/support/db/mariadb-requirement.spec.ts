import { isCi, mariadbSkipNote, requireMariadbOnCi } from './mariadb-requirement';

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
    expect(mariadbSkipNote(false, reason, {})).toBe(
      `${reason}: the MariaDB test cases are skipped (with CI=true this fails the run)`,
    );
  });

  it('fails a CI run without MariaDB, naming why', () => {
    expect(() => requireMariadbOnCi(false, reason, { CI: 'true' })).toThrow(reason);
    expect(() => requireMariadbOnCi(false, reason, {})).not.toThrow();
    expect(() => requireMariadbOnCi(true, reason, { CI: 'true' })).not.toThrow();
  });

  it('on CI, skips only when the run leaves MariaDB out itself', () => {
    const skipped = { CI: 'true', RK_TEST_SKIP_MARIADB: '1' };
    expect(() => requireMariadbOnCi(false, reason, skipped)).not.toThrow();
    expect(mariadbSkipNote(false, reason, skipped)).toBe(
      `${reason}: the MariaDB test cases are skipped`,
    );
    const otherKinds = { CI: 'true', RK_TEST_DB_KINDS: 'postgres,sqlite' };
    expect(() => requireMariadbOnCi(false, reason, otherKinds)).not.toThrow();
    expect(mariadbSkipNote(false, reason, otherKinds)).toBe(
      `${reason}: the MariaDB test cases are skipped`,
    );
    expect(() =>
      requireMariadbOnCi(false, reason, { CI: 'true', RK_TEST_DB_KINDS: 'mariadb,sqlite' }),
    ).toThrow(reason);
  });

  it('says nothing when MariaDB is available', () => {
    expect(mariadbSkipNote(true, '', { CI: 'true' })).toBeUndefined();
    expect(mariadbSkipNote(true, '', {})).toBeUndefined();
  });
});
