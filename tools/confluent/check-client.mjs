// Fails unless @confluentinc/kafka-javascript is installed, loads, and its librdkafka has every
// feature the library's users may configure. A source build on a machine missing one of the -dev
// packages still succeeds, with the feature left out (librdkafka's configure disables what it
// cannot find), so a green install alone proves little: this check runs right after `npm ci`.
import { createRequire } from 'node:module';

const PACKAGE = '@confluentinc/kafka-javascript';
// What Confluent's prebuilt Linux binary has (it is built without GSSAPI), so that a source build
// is no weaker than the download.
const REQUIRED_FEATURES = [
  'gzip', // zlib
  'ssl', // OpenSSL
  'zstd', // libzstd
  'lz4',
  'snappy',
  'sasl_plain',
  'sasl_scram',
  'sasl_oauthbearer',
  'oidc', // libcurl: librdkafka fetches OAUTHBEARER tokens itself
];

const HOW_TO_INSTALL =
  'On a machine with internet `npm ci` downloads its prebuilt binary. Offline, run ' +
  'tools/confluent/install-build-deps.sh, then `CKJS_LINKING=dynamic npm ci` (docs/clients.md).';

const require = createRequire(`${process.cwd()}/`);
let client;
try {
  client = require(PACKAGE);
} catch (error) {
  console.error(`${PACKAGE} does not load: ${error.message.split('\n')[0]}`);
  console.error(HOW_TO_INSTALL);
  process.exit(1);
}

const { version } = require(`${PACKAGE}/package.json`);
const missing = REQUIRED_FEATURES.filter((feature) => !client.features.includes(feature));
console.log(`${PACKAGE} ${version}, librdkafka ${client.librdkafkaVersion}`);
console.log(`features: ${client.features.join(', ')}`);
if (missing.length > 0) {
  console.error(`librdkafka was built without: ${missing.join(', ')}.`);
  console.error(HOW_TO_INSTALL);
  process.exit(1);
}
