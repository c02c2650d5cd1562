/**
 * The k best (score, row) pairs in a binary min-heap (the root is the worst kept, so a candidate
 * is compared with one number). Ties go to the lower product id: results do not depend on row
 * order, which deletes change.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;
  private readonly ids: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.rows = new Int32Array(k);
    this.ids = new Float64Array(k);
  }

  /** Cheap pre-check before the caller does more work (e.g. an exclusion lookup). */
  accepts(score: number): boolean {
    return this.size < this.k || score >= this.scores[0]!;
  }

  push(score: number, row: number, productId: number): void {
    if (this.size < this.k) {
      this.scores[this.size] = score;
      this.rows[this.size] = row;
      this.ids[this.size] = productId;
      this.siftUp(this.size++);
      return;
    }
    if (!this.better(score, productId, this.scores[0]!, this.ids[0]!)) return;
    this.scores[0] = score;
    this.rows[0] = row;
    this.ids[0] = productId;
    this.siftDown(0);
  }

  /** Best first. */
  sorted(): Array<{ score: number; row: number }> {
    const out: Array<{ score: number; row: number; id: number }> = [];
    for (let i = 0; i < this.size; i++)
      out.push({ score: this.scores[i]!, row: this.rows[i]!, id: this.ids[i]! });
    out.sort((a, b) => b.score - a.score || a.id - b.id);
    return out.map(({ score, row }) => ({ score, row }));
  }

  private better(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
    return scoreA > scoreB || (scoreA === scoreB && idA < idB);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      // Min-heap on "goodness": move up while this one is worse than its parent.
      if (!this.better(this.scores[parent]!, this.ids[parent]!, this.scores[i]!, this.ids[i]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < this.size && this.worse(left, worst)) worst = left;
      if (right < this.size && this.worse(right, worst)) worst = right;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private worse(a: number, b: number): boolean {
    return this.better(this.scores[b]!, this.ids[b]!, this.scores[a]!, this.ids[a]!);
  }

  private swap(a: number, b: number): void {
    [this.scores[a], this.scores[b]] = [this.scores[b]!, this.scores[a]!];
    [this.rows[a], this.rows[b]] = [this.rows[b]!, this.rows[a]!];
    [this.ids[a], this.ids[b]] = [this.ids[b]!, this.ids[a]!];
  }
}
