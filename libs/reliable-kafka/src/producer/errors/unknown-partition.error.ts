// UnknownPartitionError is a producer error like UnknownTopicError and DeliveryTimeoutError, but it
// is defined in errors/: the Kafka adapters (kafka/, below producer/ in the layers) throw it, and a
// layer imports only those below it. Re-exported here so that it is found with its siblings.
export {
  UnknownPartitionError,
  type UnknownPartitionReason,
} from '../../errors/unknown-partition.error';
