// The click buffer's queue: clicks in arrival order, taken from the front a batch at a time, a failed batch put back
// in front, and the oldest dropped past a bound, each without moving the rest. Array.splice and unshift at the front
// moved every click behind: once per batch, and once per click pushed past the bound, so a backlog of 500,000 clicks
// (Postgres away at redirect rate) made every redirect pay for moving all of them.
export class ClickQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** The i-th item from the front. */
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the first `n` (fewer when there are fewer). */
  take(n: number): T[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    this.compact();
    return out;
  }

  /** Drops the first `n` (the oldest); returns how many went. */
  drop(n: number): number {
    const k = Math.max(0, Math.min(n, this.length));
    this.head += k;
    this.compact();
    return k;
  }

  /** Puts `items` back in front, in their order. */
  putBack(items: readonly T[]): void {
    if (items.length <= this.head) {
      this.head -= items.length;
      for (let i = 0; i < items.length; i++) this.items[this.head + i] = items[i]!;
    } else {
      this.items = [...items, ...this.items.slice(this.head)];
      this.head = 0;
    }
  }

  /** Lets go of the taken slots once they are half the array (amortised: each item is copied about once). */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
