/**
 * A binary min-heap. The scheduler's queue: a simulated day holds ~100k timer events,
 * so O(log n) insert and pop matter where a sorted array would be O(n) per insert.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** `less(a, b)`: a comes out before b. Must be a strict total order for determinism. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as T;
      if (!this.less(item, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Changes items in place (their keys included), then restores the heap order: O(n). */
  update(fn: (item: T) => void): void {
    for (const item of this.items) fn(item);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const a = this.items;
    const item = a[start] as T;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && this.less(a[r] as T, a[l] as T) ? r : l;
      if (!this.less(a[child] as T, item)) break;
      a[i] = a[child] as T;
      i = child;
    }
    a[i] = item;
  }
}
