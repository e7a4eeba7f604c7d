import { ReliableKafkaError } from './reliable-kafka.error';

/** Throw this (or a subclass) to force a retry even when a classifier would say otherwise. */
export class RetriableError extends ReliableKafkaError {
  readonly code: string = 'RK_RETRIABLE';
}
