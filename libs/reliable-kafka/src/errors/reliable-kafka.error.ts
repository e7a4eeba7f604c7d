/**
 * Base class of every error this library throws. `code` is stable across releases so that
 * applications can match on it instead of on messages.
 */
export abstract class ReliableKafkaError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
