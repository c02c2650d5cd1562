/**
 * Score kernel: out[r] = <query, row r> over a row-major matrix in a WebAssembly.Memory.
 * dot-kernel.wat compiled by wabt 1.0.39 (`wabt().parseWat(name, text, { simd: true
 * }).toBinary({}).buffer`, base64 below), ~3x the best JavaScript loop (docs/vector-stores.md).
 * Node >= 20.19 (package.json `engines`) always has WebAssembly SIMD: no JavaScript fallback.
 * Offsets in bytes, `stride` in floats.
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

/**
 * The few WebAssembly APIs used here. Our TypeScript lib (ES2023 + @types/node 20) declares no
 * WebAssembly global, and pulling in the DOM lib for it would leak browser types everywhere.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export function createMemory(): WasmMemory {
  return new wasm.Memory({ initial: 1 });
}

export function createKernel(memory: WasmMemory): ScoreKernel {
  const module = new wasm.Module(Buffer.from(SIMD_KERNEL, 'base64'));
  const instance = new wasm.Instance(module, { env: { memory } });
  return instance.exports.scores as ScoreKernel;
}
