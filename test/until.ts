/** Waiting on a condition in tests. */

/**
 * Polls `condition` every 5 ms until it holds; throws after `timeoutMs`, below the tests' 60-s timeout, so
 * a wait that never ends fails at the line that waited rather than as the whole test's timeout.
 */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
