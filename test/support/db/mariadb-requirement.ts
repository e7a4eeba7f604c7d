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
 * The run's own settings leave MariaDB out (RK_TEST_SKIP_MARIADB=1, or RK_TEST_DB_KINDS without
 * mariadb): a choice written down, not a server gone missing, so CI may skip it too.
 */
function leftOutByTheRun(env: Env): boolean {
  const kinds = env.RK_TEST_DB_KINDS?.split(',').map((k) => k.trim());
  return env.RK_TEST_SKIP_MARIADB === '1' || (kinds !== undefined && !kinds.includes('mariadb'));
}

/** Throws on CI when MariaDB is not available and the run did not leave it out itself. */
export function requireMariadbOnCi(
  available: boolean,
  reason: string,
  env: Env = process.env,
): void {
  if (available || !isCi(env) || leftOutByTheRun(env)) return;
  throw new Error(
    `${reason}. CI is set, so the MariaDB cases must run: start MariaDB (default ` +
      'mysql://root@127.0.0.1:3306/) or point MYSQL_URL at one.',
  );
}

/** The line to print when the MariaDB cases are skipped; `undefined` when they run. */
export function mariadbSkipNote(
  available: boolean,
  reason: string,
  env: Env = process.env,
): string | undefined {
  if (available) return undefined;
  const onCi = leftOutByTheRun(env) ? '' : ' (with CI=true this fails the run)';
  return `${reason}: the MariaDB test cases are skipped${onCi}`;
}
