import type { ProductVector, SearchHit, SearchOptions } from '../vector-store.js';
import { createKernel, createMemory, STRIDE_ALIGN } from './dot-kernel.js';
import type { Metadata } from './records.js';
import { TopK } from './top-k.js';

const INITIAL_CAPACITY = 1024;
const PAGE = 65_536;

/**
 * All vectors in one row-major float32 block (grown by doubling), metadata per row and an
 * id -> row map. Deleting moves the last row into the hole: a search is one linear pass.
 * The block is a WebAssembly.Memory the SIMD kernel reads in place:
 *   [query: stride floats][vectors: capacity x stride floats][scores: capacity floats]
 * Rows are zero-padded to `stride` (a multiple of 16): the kernel needs no tail loop.
 */
export class VectorTable {
  readonly stride: number;
  private readonly memory = createMemory();
  private readonly kernel: ReturnType<typeof createKernel>;
  private readonly vectorsOffset: number;
  private capacity = 0;
  // Ids also in typed arrays: the search loop reads them for every row.
  private productIds = new Float64Array(0);
  private categoryIds = new Float64Array(0);
  /** Metadata of the live rows, in row order (as snapshots store it). */
  readonly meta: Metadata[] = [];
  private readonly rowById = new Map<number, number>();
  private rows = 0;
  /** View over the whole memory; replaced whenever the memory grows. */
  private f32 = new Float32Array(this.memory.buffer);

  constructor(readonly dimension: number) {
    this.stride = Math.ceil(dimension / STRIDE_ALIGN) * STRIDE_ALIGN;
    this.vectorsOffset = this.stride * 4;
    this.kernel = createKernel(this.memory);
  }

  get size(): number {
    return this.rows;
  }

  upsert(product: ProductVector): void {
    const row = this.rowFor(product.productId);
    this.setRow(row, [product.productId, product.categoryId, product.productTitle, product.categoryTitle]);
    this.f32.set(product.vector, this.rowStart(row));
  }

  /** Fills rows from a snapshot or log record: row i's vector at byte `i * dimension * 4` of `source`. */
  upsertRows(metadata: readonly Metadata[], source: Uint8Array): void {
    const bytes = this.dimension * 4;
    metadata.forEach((meta, i) => {
      const row = this.rowFor(meta[0]);
      this.setRow(row, meta);
      const start = i * bytes;
      // Byte copy: the source offset need not be 4-byte aligned, a Float32Array view would.
      new Uint8Array(this.memory.buffer, this.rowStart(row) * 4, bytes).set(
        source.subarray(start, start + bytes),
      );
    });
  }

  delete(productId: number): void {
    const row = this.rowById.get(productId);
    if (row === undefined) return;
    this.rowById.delete(productId);
    const last = --this.rows;
    if (row !== last) {
      const from = this.rowStart(last);
      this.f32.copyWithin(this.rowStart(row), from, from + this.stride);
      this.setRow(row, this.meta[last]!);
      this.rowById.set(this.productIds[row]!, row);
    }
    this.meta.pop();
  }

  has(productId: number): boolean {
    return this.rowById.has(productId);
  }

  /**
   * These products' vectors (unknown ids skipped), copied out into one block. A first
   * recommendation reads a few dozen, and creating an ArrayBuffer costs more than copying 4 KiB
   * into it: one block instead of one buffer per vector (docs/benchmarks.md, "Goal 2, third look").
   */
  getMany(productIds: Iterable<number>): ProductVector[] {
    const rows = [...productIds].map((id) => this.rowById.get(id)).filter((row) => row !== undefined);
    const block = new Float32Array(rows.length * this.dimension);
    return rows.map((row, i) => {
      const start = this.rowStart(row);
      const vector = block.subarray(i * this.dimension, (i + 1) * this.dimension);
      vector.set(this.f32.subarray(start, start + this.dimension));
      const [productId, categoryId, productTitle, categoryTitle] = this.meta[row]!;
      return { productId, categoryId, productTitle, categoryTitle, vector };
    });
  }

  /** Exact inner-product top-k; the filters are applied while collecting the scores. */
  search(query: Float32Array, options: SearchOptions): SearchHit[] {
    const k = Math.min(options.limit, this.rows);
    if (k === 0) return [];
    this.f32.set(query, 0);
    const scoresOffset = this.vectorsOffset + this.capacity * this.stride * 4;
    this.kernel(0, this.vectorsOffset, this.rows, this.stride, scoresOffset);
    const scores = new Float32Array(this.memory.buffer, scoresOffset, this.rows);
    const { productIds, categoryIds } = this;
    const category = options.categoryId;
    const excluded = options.excludeProductIds?.length ? new Set(options.excludeProductIds) : undefined;
    const top = new TopK(k, scores, productIds);
    for (let row = 0; row < scores.length; row++) {
      if (category !== undefined && categoryIds[row] !== category) continue;
      // The exclusion lookup runs only for rows good enough to enter the top k.
      if (top.accepts(scores[row]!) && !excluded?.has(productIds[row]!)) top.push(row);
    }
    // One object per hit, not a metadata object spread into another: this is most of a new answer's garbage.
    return top.sorted().map((row) => {
      const [productId, categoryId, productTitle, categoryTitle] = this.meta[row]!;
      return { productId, categoryId, productTitle, categoryTitle, score: scores[row]! };
    });
  }

  /** Vectors of the live rows, row-major without padding (the snapshot layout). */
  packedVectors(): Uint8Array {
    const dim = this.dimension;
    if (dim === this.stride) {
      return new Uint8Array(this.memory.buffer, this.vectorsOffset, this.rows * dim * 4).slice();
    }
    const packed = new Float32Array(this.rows * dim);
    for (let row = 0; row < this.rows; row++) {
      const start = this.rowStart(row);
      packed.set(this.f32.subarray(start, start + dim), row * dim);
    }
    return new Uint8Array(packed.buffer);
  }

  private rowFor(productId: number): number {
    let row = this.rowById.get(productId);
    if (row === undefined) {
      if (this.rows === this.capacity) this.grow();
      row = this.rows++;
      this.rowById.set(productId, row);
    }
    return row;
  }

  /** Index (in floats) of the first element of a row. */
  private rowStart(row: number): number {
    return (this.vectorsOffset >> 2) + row * this.stride;
  }

  private setRow(row: number, meta: Metadata): void {
    this.meta[row] = meta;
    this.productIds[row] = meta[0];
    this.categoryIds[row] = meta[1];
  }

  private grow(): void {
    const capacity = Math.max(INITIAL_CAPACITY, this.capacity * 2);
    const pages = Math.ceil((this.vectorsOffset + capacity * this.stride * 4 + capacity * 4) / PAGE);
    const current = this.memory.buffer.byteLength / PAGE;
    if (pages > current) {
      try {
        this.memory.grow(pages - current);
      } catch (cause) {
        throw new RangeError(`embedded vector store cannot grow to ${capacity} rows`, { cause });
      }
      this.f32 = new Float32Array(this.memory.buffer);
    }
    const grown = (ids: Float64Array) => {
      const copy = new Float64Array(capacity);
      copy.set(ids);
      return copy;
    };
    this.productIds = grown(this.productIds);
    this.categoryIds = grown(this.categoryIds);
    this.capacity = capacity;
  }
}
