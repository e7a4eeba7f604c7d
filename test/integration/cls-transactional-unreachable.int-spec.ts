import { Injectable, Logger, type INestApplicationContext } from '@nestjs/common';
import { AtLeastOnceHandler, Idempotent, Payload } from '@reliable-kafka/nestjs';
import type { TestDatabase } from '../support/db/test-database';
import { createTopic, uniqueName } from '../support/kafka';
import type { Credit } from '../support/ledger/credit';
import { createLedgerDatabase } from '../support/ledger/ledger-database';
import { startTestApp } from '../support/test-app';

/**
 * An app's TransactionHost that is not the class @nestjs-cls/transactional exports where the
 * library looks (a bundled app, a second copy of the package): this file never loads the package.
 */
@Injectable()
class TransactionHost {}

const WARNING = /TransactionHost provider.*not part of the dedup record's transaction/;

describe('a TransactionHost the library cannot join', () => {
  let db: TestDatabase;
  let app: INestApplicationContext | undefined;
  const warn = jest.spyOn(Logger.prototype, 'warn');
  beforeAll(async () => {
    db = await createLedgerDatabase('sqlite');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    warn.mockClear();
  });
  afterAll(async () => {
    warn.mockRestore();
    await db?.drop();
  });

  async function start(providers: Array<new (...args: never[]) => unknown>): Promise<void> {
    const topic = uniqueName('credits');
    await createTopic(topic);

    @Injectable()
    class Ledger {
      @AtLeastOnceHandler({ topics: topic })
      @Idempotent((m) => (m.payload as Credit).id)
      async credit(@Payload() credit: Credit) {
        return credit;
      }
    }
    app = await startTestApp({ db, providers: [Ledger, ...providers] });
  }

  it('is named in a warning at bootstrap: services writing through it would miss the dedup transaction', async () => {
    await start([TransactionHost]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(WARNING));
  });

  it('an app without one gets no such warning', async () => {
    await start([]);
    expect(warn).not.toHaveBeenCalledWith(expect.stringMatching(WARNING));
  });
});
