// The coordinates of a record as header text, read back. The library writes them in one form
// only (String() of a partition, Kafka's offset and timestamp strings), so a value in another form
// was not written by it, and taking it anyway would key or report the record by a guess: Number()
// makes `abc` NaN and `02` the same partition as `2`. Header values are the lenient decoding of
// their bytes, so bytes that are not UTF-8 fail here too (U+FFFD is in none of these forms).

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const NON_NEGATIVE_DECIMAL = /^(0|[1-9][0-9]*)$/;
const DECIMAL = /^(0|-?[1-9][0-9]*)$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A Kafka topic name: 1 to 249 of `a-z A-Z 0-9 . _ -`, and neither `.` nor `..`. */
export function isTopicName(text: string | undefined): text is string {
  return text !== undefined && TOPIC_NAME.test(text) && text !== '.' && text !== '..';
}

/** A partition: a non-negative safe integer in canonical decimal (no sign, no leading zero). */
export function isPartitionText(text: string | undefined): text is string {
  return (
    text !== undefined && NON_NEGATIVE_DECIMAL.test(text) && Number.isSafeInteger(Number(text))
  );
}

/** An offset: a non-negative 64-bit integer in canonical decimal (kept as text: past 2^53). */
export function isOffsetText(text: string | undefined): text is string {
  return text !== undefined && NON_NEGATIVE_DECIMAL.test(text) && BigInt(text) <= INT64_MAX;
}

/** A timestamp: a 64-bit integer in canonical decimal (Kafka's -1 is "none"). */
export function isTimestampText(text: string | undefined): text is string {
  if (text === undefined || !DECIMAL.test(text)) return false;
  const value = BigInt(text);
  return value >= INT64_MIN && value <= INT64_MAX;
}
