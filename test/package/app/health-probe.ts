/**
 * Run by the packaged-app test after @nestjs/terminus was uninstalled from the throwaway app: the
 * library's main entry still loads, and importing '@reliable-kafka/nestjs/health' fails with an
 * error that names the missing package. Prints `CORE LOADED`, then `LOADED` or `ERROR <message>`.
 */
async function probe(): Promise<void> {
  const core = await import('@reliable-kafka/nestjs');
  if (typeof core.ReliableKafkaModule === 'function') process.stdout.write('CORE LOADED\n');
  try {
    await import('@reliable-kafka/nestjs/health');
    process.stdout.write('LOADED\n');
  } catch (error) {
    process.stdout.write(`ERROR ${(error as Error).message}\n`);
  }
}

void probe();
