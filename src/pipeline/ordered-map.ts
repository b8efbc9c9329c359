/**
 * Map an async iterable with up to `window` calls of `fn` in flight, yielding results in input order.
 * Backpressure: the input is pulled only when the window has room and the consumer has taken the head, so a slow
 * consumer stops new work instead of letting results pile up.
 */
export async function* orderedMap<T, R>(input: AsyncIterable<T>, fn: (item: T) => Promise<R>, window: number): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  for await (const item of input) {
    const p = fn(item);
    p.catch(() => {}); // awaited below in order; this only stops an early rejection from being "unhandled"
    pending.push(p);
    if (pending.length >= window) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}

/** Group an async iterable into arrays; a group closes when `full(group)` says so, and at the end. */
export async function* groupBy<T>(input: AsyncIterable<T>, full: (group: T[]) => boolean): AsyncGenerator<T[]> {
  let group: T[] = [];
  for await (const item of input) {
    group.push(item);
    if (full(group)) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}
