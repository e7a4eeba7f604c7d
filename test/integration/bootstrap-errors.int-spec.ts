import { createServer } from 'node:net';
import { Controller, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AtLeastOnceHandler,
  BrokerUnreachableError,
  Payload,
  ReliableKafkaConfigurationError,
  ReliableKafkaConsumers,
  ReliableKafkaModule,
  type ReliableKafkaModuleOptions,
} from '../../libs/reliable-kafka/src';
import { createTestDatabase, type TestDatabase } from '../support/db/test-database';
import { brokers, createTopic, eventually, produce, uniqueName } from '../support/kafka';
import { startTestApp } from '../support/test-app';

const silent = { log() {}, warn() {}, error() {}, debug() {}, verbose() {} };

async function bootstrapError(
  build: () => Promise<unknown>,
): Promise<ReliableKafkaConfigurationError> {
  try {
    await build();
  } catch (error) {
    if (error instanceof ReliableKafkaConfigurationError) return error;
    throw error;
  }
  throw new Error('bootstrap succeeded, expected a configuration error');
}

describe('bad configuration fails at bootstrap, naming the setting', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(() => db?.drop());

  @Injectable()
  class OrdersHandler {
    @AtLeastOnceHandler({ topics: 'orders', id: 'orders' })
    handle() {}
  }

  it('an unknown named data source', async () => {
    const error = await bootstrapError(() =>
      startTestApp({ db, options: { dataSource: 'reporting' } }),
    );
    expect(error.setting).toBe('dataSource');
    expect(error.message).toMatch(/no TypeORM DataSource named "reporting"/);
  });

  it('finds a named data source registered with @nestjs/typeorm', async () => {
    const app = await startTestApp({
      db,
      imports: [TypeOrmModule.forRoot({ ...db.dataSourceOptions, name: 'ledger' } as never)],
      options: { dataSource: 'ledger' },
    });
    await app.close();
  });

  it('two handlers with one id', async () => {
    @Injectable()
    class Duplicate {
      @AtLeastOnceHandler({ topics: 'payments', id: 'orders' })
      handle() {}
    }
    const error = await bootstrapError(() =>
      startTestApp({ db, providers: [OrdersHandler, Duplicate] }),
    );
    expect(error.setting).toBe('@AtLeastOnceHandler id "orders"');
    expect(error.message).toMatch(/OrdersHandler\.handle and Duplicate\.handle/);
  });

  it('a handler on a controller', async () => {
    @Controller()
    class WrongPlace {
      @AtLeastOnceHandler('orders')
      handle() {}
    }
    const error = await bootstrapError(() => startTestApp({ db, controllers: [WrongPlace] }));
    expect(error.message).toMatch(/WrongPlace\.handle.*controller/);
  });

  it('missing brokers', async () => {
    const options = {
      client: { brokers: [] },
      consumer: { groupId: 'g' },
      dataSource: db.dataSource,
    } as ReliableKafkaModuleOptions;
    @Module({ imports: [ReliableKafkaModule.forRoot(options)] })
    class AppModule {}
    const error = await bootstrapError(async () => {
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
        .setLogger(silent)
        .compile();
      await moduleRef.init();
    });
    expect(error.setting).toBe('client.brokers');
  });

  it('an unreachable broker: a library error naming client.brokers and the address tried', async () => {
    const address = `127.0.0.1:${await closedLocalPort()}`;
    const error = await bootstrapError(() =>
      startTestApp({
        db,
        providers: [OrdersHandler],
        options: {
          client: { brokers: [address], clientId: uniqueName('app'), retry: { retries: 1 } },
        },
      }),
    );
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect(error.code).toBe('RK_BROKER_UNREACHABLE');
    expect(error.setting).toBe('client.brokers');
    expect(error.message).toContain(address);
  });

  it('a missing dedup table, unless createTable is set', async () => {
    const error = await bootstrapError(() =>
      startTestApp({ db, options: { dedup: { tableName: 'not_migrated' } } }),
    );
    expect(error.setting).toBe('dedup.tableName');
    expect(error.message).toMatch(/createDedupTableMigration\('not_migrated'\)/);
  });

  it('a handler topic that does not exist on the broker', async () => {
    const topic = uniqueName('nowhere');
    @Injectable()
    class Lost {
      @AtLeastOnceHandler(topic)
      handle() {}
    }
    const error = await bootstrapError(() => startTestApp({ db, providers: [Lost] }));
    expect(error.setting).toBe('topics');
    expect(error.message).toContain(topic);
  });

  it('a start that failed can be tried again, and then consumes', async () => {
    const topic = uniqueName('later');
    const received: string[] = [];
    @Injectable()
    class Later {
      @AtLeastOnceHandler(topic)
      handle(@Payload() value: { n: string }) {
        received.push(value.n);
      }
    }
    const app = await startTestApp({ db, providers: [Later], options: { autoStart: false } });
    try {
      const consumers = app.get(ReliableKafkaConsumers);
      const error = await bootstrapError(() => consumers.start());
      expect(error.setting).toBe('topics');
      expect(consumers.status()).toEqual({ started: false, groups: [] });

      await createTopic(topic);
      await produce(topic, [{ value: JSON.stringify({ n: 'first' }) }]);
      await consumers.start();
      await eventually(() => received.length > 0, 'the record consumed after the second start');
      expect(received).toEqual(['first']);
      expect(consumers.status().started).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('forRootAsync takes its options from a factory', async () => {
    @Module({
      imports: [
        ReliableKafkaModule.forRootAsync({
          useFactory: () => ({
            client: { brokers: brokers() },
            consumer: { groupId: '' },
            dataSource: db.dataSource,
          }),
        }),
      ],
    })
    class AsyncModule {}
    const error = await bootstrapError(async () => {
      const moduleRef = await Test.createTestingModule({ imports: [AsyncModule] })
        .setLogger(silent)
        .compile();
      await moduleRef.init();
    });
    expect(error.setting).toBe('consumer.groupId');
  });
});

/** A loopback port that nothing listens on: taken from the OS, then closed again. */
function closedLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
