import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { OrdersConfig } from '../config/orders.config';
import type { OrderPlaced } from './order-placed.message';

/** The header the library reads the idempotency key from by default (the consumer here uses a key function). */
const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Publishes orders. acks=-1 and the idempotent producer: once `publish` resolves the record is on
 * every in-sync replica, and the producer's own retries never write it twice. A client that retries
 * the HTTP call can still write it twice; the consumer's dedup record absorbs that.
 */
@Injectable()
export class OrderPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly producer: Producer;

  constructor(private readonly config: OrdersConfig) {
    const kafka = new Kafka({
      clientId: 'orders-api',
      brokers: config.kafkaBrokers,
      logLevel: logLevel.WARN,
    });
    // One request in flight: kafkajs's idempotent producer does not guarantee order with more.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.producer.disconnect();
  }

  /** Returns the order id: the caller's, or a new one. */
  async publish(order: Omit<OrderPlaced, 'orderId'> & { orderId?: string }): Promise<string> {
    const orderId = order.orderId ?? randomUUID();
    const value: OrderPlaced = { orderId, accountId: order.accountId, amount: order.amount };
    await this.producer.send({
      topic: this.config.topic,
      acks: -1,
      // Keyed by account: one account's orders stay in one partition, in order.
      messages: [
        {
          key: order.accountId,
          value: JSON.stringify(value),
          headers: { [IDEMPOTENCY_KEY_HEADER]: orderId },
        },
      ],
    });
    return orderId;
  }
}
