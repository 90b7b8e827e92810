// The baseline workflow's activity: does nothing, so only Temporal's cost remains.
export async function noop(_id: string): Promise<number> {
  return 1;
}
