// A workflow for the start adapter's contract test: it waits to be released,
// so a second start finds its run open, then returns its argument.
import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const releaseSignal = defineSignal('release');

export async function awaitRelease(value: string): Promise<string> {
  let released = false;
  setHandler(releaseSignal, () => void (released = true));
  await condition(() => released);
  return value;
}
