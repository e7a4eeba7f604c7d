/**
 * The broker's classpath: the jars of one Kafka release, fetched once from Maven Central (with
 * tools/kafka/pom.xml and -Dkafka.version) into `.kafka/jars/<version>` and shared by every
 * broker home and tool run of that release.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_HOME, TOOLS_DIR } from './broker-home';

const execFileAsync = promisify(execFile);

const POM = path.join(TOOLS_DIR, 'pom.xml');
const JARS_DIR = path.join(KAFKA_HOME, 'jars');
const MARKER = '.installed.json';
const MAVEN_TIMEOUT_MS = 10 * 60_000;

/** Where the jars of `version` are kept. */
export function kafkaLibDir(version: string): string {
  return path.join(JARS_DIR, version);
}

async function commandOutput(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  const { stdout, stderr } = await execFileAsync(cmd, args, {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return `${stdout}${stderr}`;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Kafka 4.x brokers need Java 17+. Fails with install advice rather than a cryptic spawn error. */
async function checkJava(): Promise<void> {
  let out: string;
  try {
    out = await commandOutput('java', ['-version'], 20_000); // prints on stderr
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        'Java not found on PATH: the local Kafka broker needs a Java 17+ runtime. ' +
          'Install one (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`, macOS: ' +
          '`brew install openjdk@17`) and make sure `java -version` works.',
      );
    }
    throw new Error(`\`java -version\` failed: ${(err as Error).message}`);
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(`Kafka 4.x needs Java 17 or newer; \`java -version\` says: ${out.trim()}`);
  }
}

async function checkMaven(): Promise<void> {
  try {
    await commandOutput('mvn', ['-v'], 30_000);
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        'Maven (`mvn`) not found on PATH: it is needed once, to download the Kafka jars from ' +
          'Maven Central. Install it (Debian/Ubuntu: `apt-get install maven`, macOS: ' +
          '`brew install maven`), or copy an existing .kafka/lib into this checkout.',
      );
    }
    throw new Error(`\`mvn -v\` failed: ${(err as Error).message}`);
  }
}

function pomDigest(): string {
  return createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
}

/** The version in the kafka_2.13-<v>.jar actually present in the lib dir. */
function jarVersion(libDir: string): string | undefined {
  for (const name of fs.existsSync(libDir) ? fs.readdirSync(libDir) : []) {
    const m = /^kafka_2\.13-(.+)\.jar$/.exec(name);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Makes sure java works and `.kafka/jars/<version>` holds the jars of that release. Maven runs
 * only when the marker is missing or records another pom (an added dependency, an exclusion).
 */
export async function ensureKafkaJars(version: string): Promise<{ libDir: string }> {
  await checkJava();
  const libDir = kafkaLibDir(version);
  const digest = pomDigest();
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(libDir, MARKER), 'utf8')) as {
      pomSha256?: string;
    };
    if (marker.pomSha256 === digest && jarVersion(libDir) === version) return { libDir };
  } catch {
    // no marker yet: download below
  }

  await checkMaven();
  // Download next to the final dir, then swap: a failed or interrupted run never leaves a
  // half-filled lib dir that a later run would mistake for a complete one.
  const tmpDir = `${libDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  process.stderr.write(`Downloading Kafka ${version} jars with Maven (one-time)...\n`);
  const began = Date.now();
  try {
    await execFileAsync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM,
        'dependency:copy-dependencies',
        `-Dkafka.version=${version}`,
        `-DoutputDirectory=${tmpDir}`,
      ],
      { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    const e = err as Error & { stdout?: string; stderr?: string; killed?: boolean };
    const why = e.killed ? `timed out after ${MAVEN_TIMEOUT_MS / 1000} s` : e.message;
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`Maven could not download the Kafka ${version} jars (${why}).\n${output}`);
  }
  const got = jarVersion(tmpDir);
  if (got !== version) {
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw new Error(`Maven produced kafka_2.13-${got ?? '?'}.jar, expected ${version}`);
  }
  const jars = fs.readdirSync(tmpDir).filter((f) => f.endsWith('.jar')).length;
  fs.writeFileSync(
    path.join(tmpDir, MARKER),
    JSON.stringify({ kafkaVersion: version, pomSha256: digest, jars }, null, 2),
  );
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.renameSync(tmpDir, libDir);
  process.stderr.write(
    `Downloaded ${jars} jars in ${((Date.now() - began) / 1000).toFixed(1)} s\n`,
  );
  return { libDir };
}
