/**
 * The fallback cache's expiry heap: a binary min-heap of (at, slot, generation) items kept in
 * three parallel typed arrays, so an item costs no object. Items are never removed from the
 * middle: the cache bumps a slot's generation instead, and skips popped items whose generation
 * no longer matches (see cache_slots.ts).
 */

const INITIAL_CAPACITY = 64

function grown<T extends Uint32Array | Float64Array>(from: T, length: number, make: new (n: number) => T): T {
  const to = new make(length)
  to.set(from)
  return to
}

/**
 * A min-heap of (at, slot, generation) items; the earliest is at index 0 of the three arrays.
 * @example
 * const heap = new ExpiryHeap()
 * heap.push(2000, 7, 0)
 * heap.push(1000, 3, 0)
 * heap.slot[0] // 3: due first
 * heap.pop()
 */
export class ExpiryHeap {
  /** Items in heap order; index 0 is the earliest. Read directly by the cache on hot paths. */
  at = new Float64Array(INITIAL_CAPACITY)
  /** The slot of each item. */
  slot = new Uint32Array(INITIAL_CAPACITY)
  /** The slot's generation when the item was pushed; a different one now means the item is stale. */
  generation = new Uint32Array(INITIAL_CAPACITY)
  /** Items held (the arrays may be longer). */
  length = 0

  /**
   * Drops every item and the grown arrays.
   * @example
   * heap.clear()
   * heap.length // 0
   */
  clear(): void {
    this.at = new Float64Array(INITIAL_CAPACITY)
    this.slot = new Uint32Array(INITIAL_CAPACITY)
    this.generation = new Uint32Array(INITIAL_CAPACITY)
    this.length = 0
  }

  /**
   * Adds an item, growing the arrays by doubling when full.
   * @example
   * heap.push(now + ttl, slot, generations[slot])
   */
  push(at: number, slot: number, generation: number): void {
    if (this.length === this.at.length) {
      const length = this.length * 2
      this.at = grown(this.at, length, Float64Array)
      this.slot = grown(this.slot, length, Uint32Array)
      this.generation = grown(this.generation, length, Uint32Array)
    }
    let i = this.length++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (this.at[parent]! <= at) break
      this.#move(parent, i)
      i = parent
    }
    this.#put(i, at, slot, generation)
  }

  /**
   * Drops the earliest item (the caller has read it at index 0).
   * @example
   * while (heap.length > 0 && heap.at[0]! <= now) { expire(heap.slot[0]!, heap.generation[0]!); heap.pop() }
   */
  pop(): void {
    const last = --this.length
    if (last > 0) this.#siftDown(0, this.at[last]!, this.slot[last]!, this.generation[last]!)
  }

  /**
   * Replaces the items with those `each` reports, in any order, then restores heap order (O(n)).
   * @example
   * heap.rebuild((add) => { for (const slot of live) add(expiries[slot], slot, generations[slot]) })
   */
  rebuild(each: (add: (at: number, slot: number, generation: number) => void) => void): void {
    let len = 0
    each((at, slot, generation) => this.#put(len++, at, slot, generation))
    this.length = len
    for (let i = (len >> 1) - 1; i >= 0; i--) this.#siftDown(i, this.at[i]!, this.slot[i]!, this.generation[i]!)
  }

  /** Places the item at or below index `i`, moving smaller children up. */
  #siftDown(i: number, at: number, slot: number, generation: number): void {
    const len = this.length
    const heapAt = this.at
    for (;;) {
      let child = 2 * i + 1
      if (child >= len) break
      if (child + 1 < len && heapAt[child + 1]! < heapAt[child]!) child++
      if (at <= heapAt[child]!) break
      this.#move(child, i)
      i = child
    }
    this.#put(i, at, slot, generation)
  }

  #move(from: number, to: number): void {
    this.at[to] = this.at[from]!
    this.slot[to] = this.slot[from]!
    this.generation[to] = this.generation[from]!
  }

  #put(i: number, at: number, slot: number, generation: number): void {
    this.at[i] = at
    this.slot[i] = slot
    this.generation[i] = generation
  }
}
