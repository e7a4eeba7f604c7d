export interface DeadLetterOptions {
  /**
   * Dead-letter topic of a handler: a name, or a function of the source topic.
   * Default `<topic>.dlq`.
   */
  topic?: string | ((sourceTopic: string) => string);
  /** Create the dead-letter topic at bootstrap when it is missing. Default true. */
  createTopic?: boolean;
}
