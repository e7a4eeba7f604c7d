import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MissingPeerDependencyError } from '../../errors/missing-peer-dependency.error';
import { CONFLUENT_PACKAGE, loadConfluentKafkaJS } from './confluent-package';

describe('loadConfluentKafkaJS', () => {
  it("names the package and its install command when Node cannot find it (Node's own error)", () => {
    // A folder with no node_modules above it: there, Node's require cannot find the package.
    const dir = mkdtempSync(path.join(tmpdir(), 'rk-no-confluent-'));
    try {
      const requireHere = createRequire(path.join(dir, 'app.js'));
      const error = (() => {
        try {
          loadConfluentKafkaJS(requireHere);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(MissingPeerDependencyError);
      expect(error).toMatchObject({
        code: 'RK_MISSING_PEER_DEPENDENCY',
        packageName: CONFLUENT_PACKAGE,
        message: `The Confluent Kafka client needs the package "${CONFLUENT_PACKAGE}", which is not installed: run \`npm install ${CONFLUENT_PACKAGE}\``,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes on the error of an installed package that does not load, such as a module it needs', () => {
    const inner = Object.assign(new Error("Cannot find module 'bindings'"), {
      code: 'MODULE_NOT_FOUND',
    });
    expect(() =>
      loadConfluentKafkaJS(() => {
        throw inner;
      }),
    ).toThrow(inner);
  });

  it('returns the KafkaJS-style API of the package', () => {
    const KafkaJS = { Kafka: class {}, ErrorCodes: {} };
    expect(loadConfluentKafkaJS(() => ({ KafkaJS }))).toBe(KafkaJS);
  });
});
