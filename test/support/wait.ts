// Polling helpers for asynchronous outcomes. They wait on observable state
// (rows, workflow status), never on fixed sleeps, and fail with what they saw.

/** Thrown by a probe to stop waiting at once (the thing waited for can no longer happen). */
export class StopWaiting extends Error {}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${String(last)}`);
}
