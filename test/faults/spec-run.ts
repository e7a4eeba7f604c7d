/** What the fault specs share: their log line, and the seed of the run (RK_FAULTS_SEED replays one). */
export const log = (line: string) => process.stdout.write(`${line}\n`);

export const runSeed = process.env.RK_FAULTS_SEED
  ? Number(process.env.RK_FAULTS_SEED)
  : Date.now() % 1_000_000;
