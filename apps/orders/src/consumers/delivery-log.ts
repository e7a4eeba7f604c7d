import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type DeliveryEvent, ReliableKafkaEvents } from '@reliable-kafka/nestjs';

/**
 * One log line per skipped duplicate and per dead-lettered record: the two outcomes an operator
 * wants to see. (The demo script counts the "duplicate skipped" lines of every app process, since
 * DeliveryStats counters live in memory and die with a killed process.)
 */
@Injectable()
export class DeliveryLog implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Deliveries');
  private readonly onDuplicate = (e: DeliveryEvent) =>
    this.logger.log(`duplicate skipped: key ${e.idempotencyKey} at ${where(e)} (${e.handlerId})`);
  private readonly onDeadLettered = (
    e: DeliveryEvent & { error: unknown; deadLetterTopic: string },
  ) =>
    this.logger.warn(
      `dead-lettered: ${where(e)} to ${e.deadLetterTopic}: ${(e.error as Error)?.name ?? e.error}`,
    );

  constructor(private readonly events: ReliableKafkaEvents) {}

  onModuleInit(): void {
    this.events.on('duplicate', this.onDuplicate);
    this.events.on('dead-lettered', this.onDeadLettered);
  }

  onModuleDestroy(): void {
    this.events.off('duplicate', this.onDuplicate);
    this.events.off('dead-lettered', this.onDeadLettered);
  }
}

function where(e: DeliveryEvent): string {
  return `${e.record.topic}[${e.record.partition}]@${e.record.offset}`;
}
