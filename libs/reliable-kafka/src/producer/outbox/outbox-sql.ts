/** The few SQL differences between the dialects the outbox supports. */
export interface OutboxDialect {
  quote(identifier: string): string;
  placeholder(n: number): string;
  /** Appended to the pending-rows SELECT: row locks other relays skip, or nothing (SQLite). */
  lockClause: string;
}

export function outboxDialect(type: string): OutboxDialect {
  switch (type) {
    case 'postgres':
      return {
        quote: (id) =>
          id
            .split('.')
            .map((p) => `"${p}"`)
            .join('.'),
        placeholder: (n) => `$${n}`,
        lockClause: 'FOR UPDATE SKIP LOCKED',
      };
    case 'mysql':
    case 'mariadb':
      // MySQL 8.0+ and MariaDB 10.6+ support SKIP LOCKED.
      return {
        quote: (id) =>
          id
            .split('.')
            .map((p) => `\`${p}\``)
            .join('.'),
        placeholder: () => '?',
        lockClause: 'FOR UPDATE SKIP LOCKED',
      };
    case 'better-sqlite3':
    case 'sqlite':
      // One writer at a time: the relay's transaction is the lock.
      return { quote: (id) => `"${id}"`, placeholder: () => '?', lockClause: '' };
    default:
      throw new Error(`The outbox does not support the "${type}" database`);
  }
}
