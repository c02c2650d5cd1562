/**
 * The k best rows in a binary min-heap (the root is the worst kept, so a candidate is compared
 * with one number). Ties go to the lower product id: results do not depend on row order, which
 * deletes change.
 */
export class TopK {
  private readonly heap: Int32Array;
  private size = 0;

  constructor(
    readonly k: number,
    private readonly scores: Float32Array,
    private readonly ids: Float64Array,
  ) {
    this.heap = new Int32Array(k);
  }

  /** Cheap pre-check before the caller does more work (e.g. an exclusion lookup). */
  accepts(score: number): boolean {
    return this.size < this.k || score >= this.scores[this.heap[0]!]!;
  }

  push(row: number): void {
    if (this.size < this.k) {
      this.heap[this.size] = row;
      this.siftUp(this.size++);
    } else if (this.better(row, this.heap[0]!)) {
      this.heap[0] = row;
      this.siftDown(0);
    }
  }

  /** Rows, best first. */
  sorted(): number[] {
    return Array.from(this.heap.subarray(0, this.size)).sort((a, b) => (this.better(a, b) ? -1 : 1));
  }

  private better(a: number, b: number): boolean {
    const scoreA = this.scores[a]!;
    const scoreB = this.scores[b]!;
    return scoreA > scoreB || (scoreA === scoreB && this.ids[a]! < this.ids[b]!);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      // Min-heap on "goodness": move up while this one is worse than its parent.
      if (!this.better(this.heap[parent]!, this.heap[i]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      // Both children by hand: this runs per level of every push, so no array per step.
      const left = 2 * i + 1;
      let worst = i;
      if (left < this.size && this.better(this.heap[worst]!, this.heap[left]!)) worst = left;
      if (left + 1 < this.size && this.better(this.heap[worst]!, this.heap[left + 1]!)) worst = left + 1;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    const row = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = row;
  }
}
