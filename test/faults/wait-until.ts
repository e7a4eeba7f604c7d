import { sleep } from './sleep';

/** Polls until `condition` holds or `ms` passed; false on time-out. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  ms: number,
): Promise<boolean> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() >= until) return false;
    await sleep(200);
  }
  return true;
}
