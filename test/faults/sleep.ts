/** A promise that resolves after `ms` milliseconds, shared by the fault-suite modules. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
