// Builds onnx/model.onnx (fp32, or int8 with --q8 for onnx/model_quantized.onnx) for transformers.js from a BERT checkpoint's config.json and
// model.safetensors, without PyTorch: the BERT encoder written out as plain ONNX operators
// (opset 17), the weights copied as they are. Output: last_hidden_state [batch, sequence, hidden],
// inputs input_ids / attention_mask / token_type_ids, as transformers.js expects of a BERT.
//
//   npx tsx scripts/bert-to-onnx.ts <checkpoint-folder> <out.onnx> [--q8]
//
// Verified against torch.onnx.export of the same checkpoint (all-MiniLM-L6-v2): hidden states
// agree to ~1e-5, pooled vectors to cosine 1.000000 (docs/embedders.md).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;
const { FLOAT, INT8, INT64 } = onnx.TensorProto.DataType;

interface BertConfig {
  model_type: string;
  hidden_size: number;
  num_attention_heads: number;
  num_hidden_layers: number;
  layer_norm_eps: number;
  hidden_act: string;
  position_embedding_type?: string;
}

interface SafeTensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

async function readSafetensors(file: string): Promise<Map<string, SafeTensor>> {
  const bytes = await readFile(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const tensors = new Map<string, SafeTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__' || info.dtype !== 'F32') continue;
    const [start, end] = info.data_offsets;
    // Copy: the file buffer's offset is not necessarily 4-byte aligned.
    const data = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + base + start, bytes.byteOffset + base + end),
    );
    tensors.set(name.replace(/^bert\./, ''), { dtype: info.dtype, shape: info.shape, data });
  }
  return tensors;
}

class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private counter = 0;

  constructor(
    private readonly weights: Map<string, SafeTensor>,
    private readonly quantize: boolean,
  ) {}

  private fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  op(opType: string, inputs: string[], attributes: OnnxTypes.IAttributeProto[] = [], hint = opType): string {
    const output = this.fresh(hint);
    this.nodes.push({ name: output, opType, input: inputs, output: [output], attribute: attributes });
    return output;
  }

  floats(name: string, data: Float32Array, dims: number[]): string {
    this.initializers.push({
      name,
      dataType: FLOAT,
      dims,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  ints(name: string, values: number[], dims: number[] = [values.length]): string {
    this.initializers.push({ name, dataType: INT64, dims, int64Data: values });
    return name;
  }

  scalar(name: string, value: number): string {
    return this.floats(name, new Float32Array([value]), []);
  }

  weight(name: string): string {
    const tensor = this.weights.get(name);
    if (!tensor) throw new Error(`checkpoint has no tensor "${name}"`);
    return this.floats(name, tensor.data, tensor.shape);
  }

  /** x @ W^T + b for a torch Linear (weight [out, in]); the transpose is done once, here. */
  linear(x: string, prefix: string): string {
    const tensor = this.weights.get(`${prefix}.weight`);
    if (!tensor) throw new Error(`checkpoint has no tensor "${prefix}.weight"`);
    const [rows, cols] = tensor.shape as [number, number];
    const transposed = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) transposed[c * rows + r] = tensor.data[r * cols + c]!;
    }
    const product = this.quantize
      ? this.quantizedMatMul(x, prefix, transposed, cols, rows)
      : this.op('MatMul', [x, this.floats(`${prefix}.weight_t`, transposed, [cols, rows])]);
    return this.op('Add', [product, this.weight(`${prefix}.bias`)], [], prefix);
  }

  /**
   * Dynamic int8 quantisation, as onnxruntime's quantize_dynamic(per_channel=True, QInt8)
   * does: weights symmetric int8 with one scale per output column, activations quantised to
   * uint8 at run time (DynamicQuantizeLinear), an integer MatMul, then rescaled to float.
   */
  private quantizedMatMul(x: string, prefix: string, w: Float32Array, rows: number, cols: number): string {
    const q = new Int8Array(rows * cols);
    const scales = new Float32Array(cols);
    for (let c = 0; c < cols; c++) {
      let max = 0;
      for (let r = 0; r < rows; r++) max = Math.max(max, Math.abs(w[r * cols + c]!));
      const scale = max / 127 || 1;
      scales[c] = scale;
      for (let r = 0; r < rows; r++) q[r * cols + c] = Math.round(w[r * cols + c]! / scale);
    }
    this.initializers.push({
      name: `${prefix}.weight_q`,
      dataType: INT8,
      dims: [rows, cols],
      rawData: new Uint8Array(q.buffer),
    });
    const scaleName = this.floats(`${prefix}.weight_scale`, scales, [cols]);
    const xq = this.fresh(`${prefix}.x_q`);
    const xScale = this.fresh(`${prefix}.x_scale`);
    const xZero = this.fresh(`${prefix}.x_zero`);
    this.nodes.push({ name: xq, opType: 'DynamicQuantizeLinear', input: [x], output: [xq, xScale, xZero] });
    // B's zero point is omitted: symmetric int8 weights have zero point 0.
    const integer = this.op('MatMulInteger', [xq, `${prefix}.weight_q`, xZero]);
    const asFloat = this.op(
      'Cast',
      [integer],
      [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
    );
    return this.op('Mul', [asFloat, this.op('Mul', [xScale, scaleName])]);
  }

  layerNorm(x: string, prefix: string, epsilon: number): string {
    return this.op(
      'LayerNormalization',
      [x, this.weight(`${prefix}.weight`), this.weight(`${prefix}.bias`)],
      [
        { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
        { name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: epsilon },
      ],
      prefix,
    );
  }
}

const intsAttr = (name: string, ints: number[]) => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints,
});
const intAttr = (name: string, i: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });

function buildGraph(config: BertConfig, weights: Map<string, SafeTensor>, quantize: boolean) {
  if (config.model_type !== 'bert' || !['gelu', 'gelu_python'].includes(config.hidden_act)) {
    throw new Error(`only BERT with exact gelu is supported, got ${config.model_type}/${config.hidden_act}`);
  }
  if ((config.position_embedding_type ?? 'absolute') !== 'absolute') {
    throw new Error('only absolute position embeddings are supported');
  }
  const g = new GraphBuilder(weights, quantize);
  const hidden = config.hidden_size;
  const heads = config.num_attention_heads;
  const headSize = hidden / heads;
  const eps = config.layer_norm_eps;

  // Embeddings: words + positions 0..S-1 + token types, then LayerNorm.
  const words = g.op(
    'Gather',
    [g.weight('embeddings.word_embeddings.weight'), 'input_ids'],
    [intAttr('axis', 0)],
  );
  const seqLength = g.op(
    'Gather',
    [g.op('Shape', ['input_ids']), g.ints('one_scalar', [1], [])],
    [intAttr('axis', 0)],
  );
  const positionIds = g.op('Range', [g.ints('zero_scalar', [0], []), seqLength, 'one_scalar']);
  const positions = g.op(
    'Gather',
    [g.weight('embeddings.position_embeddings.weight'), positionIds],
    [intAttr('axis', 0)],
  );
  const types = g.op(
    'Gather',
    [g.weight('embeddings.token_type_embeddings.weight'), 'token_type_ids'],
    [intAttr('axis', 0)],
  );
  let x = g.layerNorm(g.op('Add', [g.op('Add', [words, positions]), types]), 'embeddings.LayerNorm', eps);

  // Additive attention mask [B, 1, 1, S]: 0 where attended, float32 min where padded (as HF does).
  const mask = g.op('Cast', ['attention_mask'], [intAttr('to', FLOAT)]);
  const mask4 = g.op('Unsqueeze', [mask, g.ints('mask_axes', [1, 2])]);
  const maskBias = g.op('Mul', [
    g.op('Sub', [g.scalar('one_f', 1), mask4]),
    g.scalar('min_f', -3.4028234663852886e38),
  ]);

  const splitHeads = g.ints('split_heads_shape', [0, 0, heads, headSize]);
  const mergeHeads = g.ints('merge_heads_shape', [0, 0, hidden]);
  const scale = g.scalar('attention_scale', 1 / Math.sqrt(headSize));
  const half = g.scalar('half_f', 0.5);
  const sqrt2 = g.scalar('sqrt2_f', Math.SQRT2);
  const oneF = 'one_f';

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `encoder.layer.${layer}`;
    const heads4 = (name: string, perm: number[]) =>
      g.op(
        'Transpose',
        [g.op('Reshape', [g.linear(x, `${p}.attention.self.${name}`), splitHeads])],
        [intsAttr('perm', perm)],
      );
    const q = heads4('query', [0, 2, 1, 3]);
    const k = heads4('key', [0, 2, 3, 1]);
    const v = heads4('value', [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), maskBias]);
    const probs = g.op('Softmax', [scores], [intAttr('axis', -1)]);
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], [intsAttr('perm', [0, 2, 1, 3])]),
      mergeHeads,
    ]);
    const attention = g.layerNorm(
      g.op('Add', [g.linear(context, `${p}.attention.output.dense`), x]),
      `${p}.attention.output.LayerNorm`,
      eps,
    );
    // Exact gelu: 0.5 * h * (1 + erf(h / sqrt 2)).
    const h = g.linear(attention, `${p}.intermediate.dense`);
    const gelu = g.op('Mul', [
      g.op('Mul', [h, half]),
      g.op('Add', [g.op('Erf', [g.op('Div', [h, sqrt2])]), oneF]),
    ]);
    x = g.layerNorm(
      g.op('Add', [g.linear(gelu, `${p}.output.dense`), attention]),
      `${p}.output.LayerNorm`,
      eps,
    );
  }
  g.nodes.push({ name: 'output', opType: 'Identity', input: [x], output: ['last_hidden_state'] });
  return g;
}

function tensorInfo(name: string, elemType: number, shape: (string | number)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

async function main() {
  const [checkpoint, out, flag] = process.argv.slice(2);
  if (!checkpoint || !out || (flag && flag !== '--q8')) {
    throw new Error('usage: bert-to-onnx.ts <checkpoint-folder> <out.onnx> [--q8]');
  }
  const quantize = flag === '--q8';
  const config = JSON.parse(await readFile(path.join(checkpoint, 'config.json'), 'utf8')) as BertConfig;
  const weights = await readSafetensors(path.join(checkpoint, 'model.safetensors'));
  const graph = buildGraph(config, weights, quantize);
  const tokens = (name: string) => tensorInfo(name, INT64, ['batch_size', 'sequence_length']);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'recommendation-service bert-to-onnx',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'bert',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [tokens('input_ids'), tokens('attention_mask'), tokens('token_type_ids')],
      output: [tensorInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', config.hidden_size])],
    },
  });
  await writeFile(out, onnx.ModelProto.encode(model).finish());
  console.log(
    `wrote ${out}: ${config.num_hidden_layers} layers, hidden ${config.hidden_size}, ${quantize ? 'int8' : 'fp32'}`,
  );
}

await main();
