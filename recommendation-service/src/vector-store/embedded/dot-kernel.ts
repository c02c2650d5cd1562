/**
 * Score kernels: out[r] = <query, row r> over a row-major matrix in a WebAssembly.Memory.
 * The SIMD one is dot-kernel.wat compiled by wabt 1.0.39 (`wabt().parseWat(name, text, { simd:
 * true }).toBinary({}).buffer`, base64 below), ~3x the best JavaScript loop (docs/vector-stores.md);
 * the JavaScript one is for runtimes without SIMD, and tests. Offsets in bytes, `stride` in floats.
 */
type ScoreKernel = (
  queryOffset: number,
  rowsOffset: number,
  rows: number,
  stride: number,
  outOffset: number,
) => void;

/** The SIMD loop consumes 16 floats per step. */
export const STRIDE_ALIGN = 16;

const SIMD_KERNEL =
  'AGFzbQEAAAABCQFgBX9/f39/AAIPAQNlbnYGbWVtb3J5AgABAwIBAAcKAQZzY29yZXMAAAqkAgGhAgIDfwR7IAAgA0ECdGohBwJAA0AgBSACTw0B/QwAAAAAAAAAAAAAAAAAAAAAIQj9DAAAAAAAAAAAAAAAAAAAAAAhCf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQsgACEGA0AgCCAG/QAEACAB/QAEAP3mAf3kASEIIAkgBv0ABBAgAf0ABBD95gH95AEhCSAKIAb9AAQgIAH9AAQg/eYB/eQBIQogCyAG/QAEMCAB/QAEMP3mAf3kASELIAZBwABqIQYgAUHAAGohASAGIAdJDQALIAggCf3kASAKIAv95AH95AEhCCAEIAVBAnRqIAj9HwAgCP0fAZIgCP0fAiAI/R8DkpI4AgAgBUEBaiEFDAALCws=';

export type KernelKind = 'simd' | 'js';

/**
 * The few WebAssembly APIs used here. Our TypeScript lib (ES2023 + @types/node 20) declares no
 * WebAssembly global, and pulling in the DOM lib for it would leak browser types everywhere.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function simdAvailable(): boolean {
  return wasm.validate(Buffer.from(SIMD_KERNEL, 'base64'));
}

export function createMemory(): WasmMemory {
  return new wasm.Memory({ initial: 1 });
}

export function createKernel(kind: KernelKind, memory: WasmMemory): ScoreKernel {
  if (kind === 'simd') {
    const module = new wasm.Module(Buffer.from(SIMD_KERNEL, 'base64'));
    const instance = new wasm.Instance(module, { env: { memory } });
    return instance.exports.scores as ScoreKernel;
  }
  return (queryOffset, rowsOffset, rows, stride, outOffset) => {
    // Views are taken per call: growing the memory detaches the previous ArrayBuffer.
    const f32 = new Float32Array(memory.buffer);
    const q = queryOffset >> 2;
    let v = rowsOffset >> 2;
    const out = outOffset >> 2;
    for (let r = 0; r < rows; r++, v += stride) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < stride; i += 4) {
        s0 += f32[q + i]! * f32[v + i]!;
        s1 += f32[q + i + 1]! * f32[v + i + 1]!;
        s2 += f32[q + i + 2]! * f32[v + i + 2]!;
        s3 += f32[q + i + 3]! * f32[v + i + 3]!;
      }
      f32[out + r] = s0 + s1 + (s2 + s3);
    }
  };
}
