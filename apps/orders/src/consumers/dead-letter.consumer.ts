import { Injectable } from '@nestjs/common';
import {
  AtLeastOnceHandler,
  Ctx,
  DeadLetterHeaders,
  Idempotent,
  type KafkaMessageRecord,
  Payload,
  ReliableKafkaContext,
} from '@reliable-kafka/nestjs';
import { ORDERS_DEAD_LETTER_TOPIC } from '../config/orders-topic';
import { DeadLetter } from '../db/dead-letter.entity';

/**
 * The failed record's identity: its original coordinates. A record dead-lettered twice (the
 * consumer crashed after publishing to the dead-letter topic, before committing its offset) is
 * still one failure, and the dedup record keeps it one row.
 */
function originalId(record: KafkaMessageRecord): string {
  const h = record.headers;
  const topic = h[DeadLetterHeaders.originalTopic];
  const partition = h[DeadLetterHeaders.originalPartition];
  const offset = h[DeadLetterHeaders.originalOffset];
  // A record put on the dead-letter topic by hand has no origin headers: it is its own identity.
  if (!topic || !partition || !offset)
    return `${record.topic}/${record.partition}/${record.offset}`;
  return `${topic}/${partition}/${offset}`;
}

/**
 * Records what lands on the orders dead-letter topic, so `GET /dead-letters` can show it. It is an
 * at-least-once handler like any other: the `buffer` decoder hands over the bytes as they are,
 * because a dead-lettered value may be exactly the bytes that could not be decoded.
 */
@Injectable()
export class DeadLetterConsumer {
  @AtLeastOnceHandler({ topics: ORDERS_DEAD_LETTER_TOPIC, decoder: 'buffer' })
  @Idempotent((m) => originalId(m))
  async onDeadLetter(
    @Payload() value: Buffer | null,
    @Ctx() ctx: ReliableKafkaContext,
  ): Promise<void> {
    const h = ctx.headers;
    const attempts = Number(h[DeadLetterHeaders.attempts]);
    await ctx.entityManager.insert(DeadLetter, {
      id: originalId(ctx.record),
      originalTopic: h[DeadLetterHeaders.originalTopic] ?? ctx.topic,
      originalPartition: Number(h[DeadLetterHeaders.originalPartition] ?? ctx.partition),
      originalOffset: h[DeadLetterHeaders.originalOffset] ?? ctx.offset,
      handler: h[DeadLetterHeaders.handler] ?? null,
      errorClass: h[DeadLetterHeaders.errorClass] ?? null,
      errorCode: h[DeadLetterHeaders.errorCode] ?? null,
      errorMessage: h[DeadLetterHeaders.errorMessage] ?? null,
      attempts: Number.isFinite(attempts) ? attempts : null,
      idempotencyKey: h['idempotency-key'] ?? null,
      messageKey: ctx.key,
      valueBase64: value ? value.toString('base64') : null,
    });
  }
}
