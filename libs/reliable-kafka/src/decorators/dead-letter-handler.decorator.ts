import { applyDecorators } from '@nestjs/common';
import { originalIdempotencyKey } from '../failure/dead-letter-info';
import { DEFAULT_DEAD_LETTER_SUFFIX } from '../reliable-kafka.constants';
import { AtLeastOnceHandler } from './at-least-once-handler.decorator';
import type { AtLeastOnceHandlerOptions } from '../options/at-least-once-handler.options';
import { Idempotent } from './idempotent.decorator';

export type DeadLetterHandlerOptions = Omit<AtLeastOnceHandlerOptions, 'topics'> & {
  /** The dead-letter topic. Default `<sourceTopic>.dlq`. */
  topic?: string;
};

/**
 * Consumes the dead-letter topic of `sourceTopic` with the same guarantees as any handler. The
 * payload is the raw bytes (a dead-lettered record may not decode), the idempotency key is the
 * original record's (so copies of one failure are handled once), and `readDeadLetterInfo(ctx.record)`
 * says where it came from and why it failed. Use `DeadLetterReplayer` to send it back.
 */
export function DeadLetterHandler(
  sourceTopic: string,
  options: DeadLetterHandlerOptions = {},
): MethodDecorator {
  const { topic, ...handlerOptions } = options;
  return applyDecorators(
    AtLeastOnceHandler({
      decoder: 'buffer',
      ...handlerOptions,
      topics: topic ?? `${sourceTopic}${DEFAULT_DEAD_LETTER_SUFFIX}`,
    }),
    Idempotent({
      key: (message) =>
        originalIdempotencyKey(message) ??
        `${message.topic}/${message.partition}/${message.offset}`,
    }),
  );
}
