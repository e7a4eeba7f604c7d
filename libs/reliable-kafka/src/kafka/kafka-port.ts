// The port to Kafka clients, one file per concept under port/; this name is kept for its importers.
export type * from './port/producer-client';
