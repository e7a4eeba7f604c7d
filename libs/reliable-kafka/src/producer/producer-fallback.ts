import type { Logger } from '@nestjs/common';
import { safeText } from '../errors/safe-text';
import { describeThrown, thrownCode, thrownMessage, thrownName } from '../errors/thrown-value';
import type { ProducerMessage } from '../options/producer.options';
import type { ResolvedProducerOptions } from '../options/producer-settings';
import type { ProducerConnection } from './producer-connection';
import { encodeValue } from './record-encoding';

/**
 * Where the records that failed for good go besides their callers' rejections: the app's
 * `producer.fallback`, a callback or a dead-letter topic. A failure of the fallback is logged,
 * never thrown: the caller already has the record's own error.
 */
export class ProducerFallback {
  constructor(
    private readonly fallback: ResolvedProducerOptions['fallback'],
    private readonly connection: ProducerConnection,
    private readonly logger: Logger,
  ) {}

  async take(topic: string, messages: ProducerMessage[], error: Error): Promise<void> {
    const fallback = this.fallback;
    if (!fallback) return;
    try {
      if (typeof fallback === 'function') {
        for (const message of messages) await fallback({ topic, message, error });
        return;
      }
      const client = await this.connection.connect();
      await client.send(
        fallback.deadLetterTopic,
        messages.map((m) => ({
          key: m.key ?? null,
          value: encodeValue(topic, m.value),
          headers: {
            ...m.headers,
            'rk-produce-topic': topic,
            'rk-produce-error': safeText(
              `${thrownCode(error) ?? thrownName(error)}: ${thrownMessage(error)}`,
            ),
          },
        })),
      );
    } catch (fallbackError) {
      this.logger.error(
        `fallback for ${messages.length} record(s) to "${topic}" failed: ${describeThrown(fallbackError)}`,
      );
    }
  }
}
