// Counts the library's imports that run from a lower layer up to a higher one, and its import
// cycles, as `npm run lint` checks them (the layers are LAYERS in eslint.config.mjs):
//   node tools/layers/count-upward-imports.mjs [eslint config file]
import { ESLint } from 'eslint';

const RULES = { 'import-x/no-restricted-paths': 'upward imports', 'import-x/no-cycle': 'cycles' };
const eslint = new ESLint(process.argv[2] ? { overrideConfigFile: process.argv[2] } : {});
const results = await eslint.lintFiles(['libs/reliable-kafka/src']);
const counts = Object.fromEntries(Object.keys(RULES).map((rule) => [rule, 0]));
for (const { filePath, messages } of results) {
  for (const { ruleId, line, message } of messages) {
    if (!(ruleId in counts)) continue;
    counts[ruleId]++;
    const file = filePath.slice(filePath.indexOf('libs/'));
    console.log(`${file}:${line}  ${message.replace(/ imported in restricted zone\..*/, '')}`);
  }
}
for (const [rule, label] of Object.entries(RULES)) console.log(`${label}: ${counts[rule]}`);
