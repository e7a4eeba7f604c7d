import { SetMetadata } from '@nestjs/common';
import { IDEMPOTENT_METADATA } from '../reliable-kafka.constants';
import type { IdempotencyKeyFn, IdempotentOptions } from '../pipeline/idempotency-key';

/**
 * Names the idempotency key of a handler's messages. With a function, the key is what it returns
 * for a message, and a message without one is dead-lettered. Without one, the key is the
 * `idempotency-key` header, then `topic/partition/offset`.
 */
export function Idempotent(keyFnOrOptions?: IdempotencyKeyFn | IdempotentOptions): MethodDecorator {
  const options: IdempotentOptions =
    typeof keyFnOrOptions === 'function' ? { key: keyFnOrOptions } : (keyFnOrOptions ?? {});
  return SetMetadata(IDEMPOTENT_METADATA, options);
}
