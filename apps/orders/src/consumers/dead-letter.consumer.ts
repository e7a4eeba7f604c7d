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
import { storableText } from '../db/storable-text';

/**
 * Records what lands on the orders dead-letter topic, so `GET /dead-letters` can show it. It is an
 * at-least-once handler like any other; `@DeadLetterHandler` hands over the raw bytes (a
 * dead-lettered value may be exactly the bytes that could not be decoded) and keys the dedup
 * record on the ORIGINAL record, so a record dead-lettered twice (the consumer crashed after the
 * dead-letter write, before its offset commit) is still one row. Every dead letter must fit a row:
 * key and value are stored as base64 of their bytes, header texts made storable.
 */
@Injectable()
export class DeadLetterConsumer {
  @DeadLetterHandler(ORDERS_TOPIC)
  async onDeadLetter(
    @Payload() value: Buffer | null,
    @Ctx() ctx: ReliableKafkaContext,
  ): Promise<void> {
    const read = readDeadLetterInfo(ctx.record);
    // Origin headers that are not coordinates (written by hand): the record is its own origin.
    const info =
      read && Number.isSafeInteger(read.originalPartition) && /^\d{1,20}$/.test(read.originalOffset)
        ? read
        : null;
    const topic = storableText(info?.originalTopic ?? ctx.topic, 249) as string;
    const partition = info?.originalPartition ?? ctx.partition;
    const offset = info?.originalOffset ?? ctx.offset;
    await ctx.entityManager.insert(DeadLetter, {
      id: `${topic}/${partition}/${offset}`,
      originalTopic: topic,
      originalPartition: partition,
      originalOffset: offset,
      handler: storableText(read?.handler, 200),
      errorClass: storableText(read?.errorClass, 200),
      errorCode: storableText(read?.errorCode, 100),
      errorMessage: storableText(read?.errorMessage, 10_000),
      attempts: Number.isSafeInteger(read?.attempts) ? (read?.attempts as number) : null,
      idempotencyKey: storableText(ctx.headers['idempotency-key'], 255),
      messageKeyBase64: ctx.record.key ? ctx.record.key.toString('base64') : null,
      valueBase64: value ? value.toString('base64') : null,
    });
  }
}
