import { Logger } from '@nestjs/common';
import type { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { HandlerDefinition } from '../discovery/handler-definition';
import type { HandlerExplorer } from '../discovery/handler.explorer';
import type { FailureRecordSender } from '../failure/failure-record-sender';
import type { AdminClient } from '../kafka/port/admin-client';
import type { KafkaClientFactory } from '../kafka/port/client-factory';
import type { ConsumerClient } from '../kafka/port/consumer-client';
import type { ConsumersReadModel } from '../observability/consumers-read-model';
import { ReliableKafkaEvents } from '../observability/reliable-kafka.events';
import { resolveOptions } from '../options/reliable-kafka.options-resolver';
import { ReliableKafkaConsumers } from './reliable-kafka-consumers';

const handler = {
  id: 'Orders.place',
  groupId: 'orders',
  topics: ['orders'],
  retryTopics: [],
  createDeadLetterTopic: false,
  fromBeginning: true,
  processing: { mode: 'sequential' },
} as unknown as HandlerDefinition;

/** Consumers of one group over fake clients; the first disconnect of a group's consumer fails. */
function consumersWhoseFirstDisconnectFails() {
  let disconnects = 0;
  const consumer: ConsumerClient = {
    start: async () => undefined,
    commit: async () => undefined,
    stop: async () => undefined,
    disconnect: async () => {
      if (disconnects++ === 0) throw new Error('disconnect failed');
    },
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => ['orders'],
    isConnectionFailure: () => false,
  } as unknown as AdminClient;
  const clients = {
    brokers: ['127.0.0.1:9092'],
    createConsumer: () => consumer,
    createAdmin: () => admin,
  } as unknown as KafkaClientFactory;
  const sender = { open: jest.fn(async () => undefined), close: jest.fn(async () => undefined) };
  const options = resolveOptions({
    client: { brokers: ['127.0.0.1:9092'] },
    consumer: { groupId: 'orders' },
    dedup: { retention: 'forever' },
  });
  const consumers = new ReliableKafkaConsumers(
    options,
    clients,
    { get: () => undefined } as unknown as ModuleRef,
    {} as HandlerExplorer,
    new ReliableKafkaEvents(),
    { getProviders: () => [] } as unknown as DiscoveryService,
    sender as unknown as FailureRecordSender,
    {} as ConsumersReadModel,
  );
  // What onModuleInit would have found (it reaches the database): the handlers and a data source.
  Object.assign(consumers, { handlers: [handler], dataSource: { options: { type: 'postgres' } } });
  return { consumers, sender };
}

describe('ReliableKafkaConsumers: a stop that fails partway', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('leaves no group behind and closes the sender, so that a retried start runs each group once', async () => {
    const { consumers, sender } = consumersWhoseFirstDisconnectFails();
    await consumers.start();
    expect(consumers.status().groups).toHaveLength(1);

    await expect(consumers.stop()).rejects.toThrow('disconnect failed');
    expect(consumers.status()).toEqual({ started: false, groups: [] });
    expect(sender.close).toHaveBeenCalledTimes(1);

    await consumers.start();
    expect(consumers.status().groups.map((group) => group.groupId)).toEqual(['orders']);
    await consumers.stop();
    expect(consumers.status().groups).toEqual([]);
  });
});
