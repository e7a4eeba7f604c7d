/**
 * Whether the MariaDB cases may be skipped. On a developer machine without MariaDB they are, with
 * a line saying so; on CI (`CI` set, as CI services do) a missing MariaDB fails the run, so that a
 * broken server never passes for a green run that silently dropped a database.
 */

type Env = Record<string, string | undefined>;

/** `CI=true` (or any value but empty, "false" and "0"). */
export function isCi(env: Env = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * `undefined` when MariaDB is available; else the line to print about the skipped cases. Throws
 * on CI, unless the run itself leaves MariaDB out (RK_TEST_SKIP_MARIADB=1, or RK_TEST_DB_KINDS
 * without mariadb): that is a choice written in the run's settings, not a server gone missing.
 * `reason` says why MariaDB is not available.
 */
export function mariadbSkipLine(
  available: boolean,
  reason: string,
  env: Env = process.env,
): string | undefined {
  if (available) return undefined;
  const kinds = env.RK_TEST_DB_KINDS?.split(',').map((k) => k.trim());
  const leftOut =
    env.RK_TEST_SKIP_MARIADB === '1' || (kinds !== undefined && !kinds.includes('mariadb'));
  if (isCi(env) && !leftOut) {
    throw new Error(
      `${reason}. CI is set, so the MariaDB cases must run: start MariaDB (default ` +
        'mysql://root@127.0.0.1:3306/) or point MYSQL_URL at one.',
    );
  }
  return `${reason}: the MariaDB test cases are skipped${leftOut ? '' : ' (with CI=true this fails the run)'}`;
}
