import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const LIB = 'libs/reliable-kafka/src';

/**
 * The library's layers, bottom to top (docs/architecture.md says why this order). A file may import
 * its own layer and the layers below it, never one above: data flows up from the Kafka record to
 * the module, and so do the imports.
 */
const LAYERS = [
  ['errors', 'reliable-kafka.constants.ts'],
  ['kafka'],
  ['decoding', 'dedup'],
  ['options'],
  ['pipeline'],
  ['observability'],
  ['producer'],
  ['failure'],
  ['decorators'],
  ['discovery'],
  ['consumer'],
  [
    'reliable-kafka.module-definition.ts',
    'reliable-kafka.module.ts',
    'index.ts',
    'health.ts',
    'terminus-peer.ts',
  ],
];
const place = (entry) => `./${LIB}/${entry}${entry.endsWith('.ts') ? '' : '/**'}`;
// The rule takes globs (folders) and plain paths (files) in separate zones.
const layerZones = LAYERS.slice(0, -1).flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  const message = `${layer.join(', ')} may import only its own layer and those below (see LAYERS in eslint.config.mjs)`;
  const target = layer.map(place);
  return [above.filter((e) => !e.endsWith('.ts')), above.filter((e) => e.endsWith('.ts'))]
    .filter((from) => from.length > 0)
    .map((from) => ({ target, from: from.map(place), message }));
});

/**
 * Each Kafka client package and the one adapter folder that may import it: the rest of the library
 * reaches a client through the port (kafka/port/), so a second client changes nothing above it.
 */
const CLIENT_ADAPTERS = {
  kafkajs: 'kafka/kafkajs',
  '@confluentinc/kafka-javascript': 'kafka/confluent',
};
const clientImports = (adapter) => {
  const restricted = Object.entries(CLIENT_ADAPTERS).filter(([, folder]) => folder !== adapter);
  const message = (folder) =>
    `only ${LIB}/${folder}/ imports it; elsewhere use the port (kafka/port/)`;
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: restricted.map(([name, folder]) => ({ name, message: message(folder) })),
        patterns: restricted.map(([name, folder]) => ({
          group: [`${name}/*`],
          message: message(folder),
        })),
      },
    ],
  };
};
const adapterFolders = Object.values(CLIENT_ADAPTERS);

export default tseslint.config(
  { ignores: ['node_modules/', '**/dist/', '.kafka/', 'coverage/', '.bench-build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: ['tools/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Confluent's client is an optional peer that its adapter loads when used
    // (kafka/confluent/confluent-package.ts): an import of it, even of a type, anywhere else would
    // make the package necessary to load or type-check the library.
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@confluentinc/kafka-javascript',
              message: 'load it with loadConfluentKafkaJS() (kafka/confluent/confluent-package.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // The library imports downward only, without cycles; its tests may reach anywhere.
    files: [`${LIB}/**/*.ts`],
    ignores: [`${LIB}/**/*.spec.ts`, `${LIB}/**/*.int-spec.ts`],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    // Specs included: a test of kafkajs's behaviour sits beside its adapter.
    files: [`${LIB}/**/*.ts`],
    ignores: adapterFolders.map((folder) => `${LIB}/${folder}/**`),
    rules: clientImports(null),
  },
  ...adapterFolders.map((folder) => ({
    files: [`${LIB}/${folder}/**/*.ts`],
    rules: clientImports(folder),
  })),
);
