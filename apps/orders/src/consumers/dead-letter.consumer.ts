import { Injectable } from '@nestjs/common';
import {
  Ctx,
  DeadLetterHandler,
  Payload,
  readDeadLetterInfo,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { ORDERS_TOPIC } from '../config/orders-topic';
import { DeadLetter } from '../db/dead-letter.entity';

/**
 * Records what lands on the orders dead-letter topic, so `GET /dead-letters` can show it. It is an
 * at-least-once handler like any other; `@DeadLetterHandler` hands over the raw bytes (a
 * dead-lettered value may be exactly the bytes that could not be decoded) and keys the dedup
 * record on the ORIGINAL record, so a record dead-lettered twice (the consumer crashed after the
 * dead-letter write, before its offset commit) is still one row.
 */
@Injectable()
export class DeadLetterConsumer {
  @DeadLetterHandler(ORDERS_TOPIC)
  async onDeadLetter(
    @Payload() value: Buffer | null,
    @Ctx() ctx: ReliableKafkaContext,
  ): Promise<void> {
    const info = readDeadLetterInfo(ctx.record);
    await ctx.entityManager.insert(DeadLetter, {
      // A record put on the dead-letter topic by hand has no origin headers: it is its own identity.
      id: info
        ? `${info.originalTopic}/${info.originalPartition}/${info.originalOffset}`
        : `${ctx.topic}/${ctx.partition}/${ctx.offset}`,
      originalTopic: info?.originalTopic ?? ctx.topic,
      originalPartition: info?.originalPartition ?? ctx.partition,
      originalOffset: info?.originalOffset ?? ctx.offset,
      handler: info?.handler ?? null,
      errorClass: info?.errorClass ?? null,
      errorCode: info?.errorCode ?? null,
      errorMessage: info?.errorMessage ?? null,
      attempts: info?.attempts ?? null,
      idempotencyKey: ctx.headers['idempotency-key'] ?? null,
      messageKey: ctx.key,
      valueBase64: value ? value.toString('base64') : null,
    });
  }
}
