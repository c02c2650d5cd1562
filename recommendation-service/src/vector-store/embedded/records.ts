import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { ProductVector } from '../vector-store.js';

/**
 * Encoders and decoders of `log.bin` and `snapshot.bin` (little-endian), laid out as the table in
 * docs/vector-stores.md says; metadata JSON is an array of `Metadata` tuples.
 */
const LOG_MAGIC = 'ECVLOG01';
export const LOG_HEADER_BYTES = 16;
const RECORD_HEADER_BYTES = 12;
const SNAPSHOT_MAGIC = 'ECVSNAP1';
const SNAPSHOT_HEADER_BYTES = 24;

const UPSERT = 1;
export const DELETE = 2;

export type Metadata = [number, number, string, string];

type LogRecord =
  | { type: typeof UPSERT; metadata: Metadata[]; vectors: Uint8Array }
  | { type: typeof DELETE; productIds: number[] };

export function logHeader(dimension: number): Buffer {
  const header = Buffer.alloc(LOG_HEADER_BYTES);
  header.write(LOG_MAGIC, 0, 'latin1');
  header.writeUInt32LE(dimension, 8);
  return header;
}

export function readLogHeader(buffer: Buffer): { dimension: number } | undefined {
  if (buffer.length < LOG_HEADER_BYTES || buffer.toString('latin1', 0, 8) !== LOG_MAGIC) return undefined;
  return { dimension: buffer.readUInt32LE(8) };
}

export function encodeUpsert(products: readonly ProductVector[], dimension: number): Buffer {
  const metadata = Buffer.from(
    JSON.stringify(products.map((p) => [p.productId, p.categoryId, p.productTitle, p.categoryTitle])),
  );
  const vectorBytes = products.length * dimension * 4;
  const payload = Buffer.alloc(8 + vectorBytes + metadata.length);
  payload.writeUInt32LE(products.length, 0);
  payload.writeUInt32LE(metadata.length, 4);
  for (const [i, { vector }] of products.entries()) {
    payload.set(new Uint8Array(vector.buffer, vector.byteOffset, dimension * 4), 8 + i * dimension * 4);
  }
  payload.set(metadata, 8 + vectorBytes);
  return frame(UPSERT, payload);
}

export function encodeDelete(productIds: readonly number[]): Buffer {
  const payload = Buffer.alloc(4 + productIds.length * 8);
  payload.writeUInt32LE(productIds.length, 0);
  for (const [i, id] of productIds.entries()) payload.writeDoubleLE(id, 4 + i * 8);
  return frame(DELETE, payload);
}

function frame(type: number, payload: Buffer): Buffer {
  const record = Buffer.alloc(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(type, 0);
  record.writeUInt32LE(payload.length, 4);
  record.writeUInt32LE(crc32(payload), 8);
  record.set(payload, RECORD_HEADER_BYTES);
  return record;
}

/**
 * Records from `start` up to the first one cut short or failing its checksum (a write torn by a
 * crash: it and anything after it are ignored). `end` is where the intact part ends, for the
 * caller to cut the file there. Records reference `buffer` (no copies). A bad record followed
 * by an intact one is damage, not a torn write (writes are appended one at a time, each synced
 * before the next): that throws, so acknowledged records are never cut away; without the folder
 * the service re-indexes.
 */
export function readRecords(
  buffer: Buffer,
  start: number,
  dimension: number,
  file: string,
): { records: LogRecord[]; end: number } {
  const records: LogRecord[] = [];
  let offset = start;
  for (let read = readRecord(buffer, offset, dimension); read; read = readRecord(buffer, offset, dimension)) {
    records.push(read.record);
    offset = read.next;
  }
  if (offset + RECORD_HEADER_BYTES <= buffer.length) {
    const next = offset + RECORD_HEADER_BYTES + buffer.readUInt32LE(offset + 4);
    if (readRecord(buffer, next, dimension)) {
      throw new Error(
        `${file}: the record at byte ${offset} is damaged and intact records follow it (not a torn write). ` +
          `Move ${path.dirname(file)} aside to rebuild it from the catalog.`,
      );
    }
  }
  return { records, end: offset };
}

function readRecord(
  buffer: Buffer,
  offset: number,
  dimension: number,
): { record: LogRecord; next: number } | undefined {
  if (offset + RECORD_HEADER_BYTES > buffer.length) return undefined;
  const type = buffer.readUInt32LE(offset);
  const length = buffer.readUInt32LE(offset + 4);
  const checksum = buffer.readUInt32LE(offset + 8);
  const payloadStart = offset + RECORD_HEADER_BYTES;
  if (payloadStart + length > buffer.length) return undefined;
  const payload = buffer.subarray(payloadStart, payloadStart + length);
  if (crc32(payload) !== checksum) return undefined;
  const record = decode(type, payload, dimension);
  return record && { record, next: payloadStart + length };
}

function decode(type: number, payload: Buffer, dimension: number): LogRecord | undefined {
  if (payload.length < 4 || (type !== UPSERT && type !== DELETE)) return undefined;
  const count = payload.readUInt32LE(0);
  if (type === DELETE) {
    if (payload.length !== 4 + count * 8) return undefined;
    const productIds = Array.from({ length: count }, (_, i) => payload.readDoubleLE(4 + i * 8));
    return { type: DELETE, productIds };
  }
  if (payload.length < 8) return undefined;
  const metadataLength = payload.readUInt32LE(4);
  const vectorBytes = count * dimension * 4;
  if (payload.length !== 8 + vectorBytes + metadataLength) return undefined;
  const metadata = parseMetadata(payload.subarray(8 + vectorBytes), count);
  if (!metadata) return undefined;
  return { type: UPSERT, metadata, vectors: payload.subarray(8) };
}

function parseMetadata(bytes: Buffer, count: number): Metadata[] | undefined {
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return Array.isArray(parsed) && parsed.length === count ? (parsed as Metadata[]) : undefined;
  } catch {
    return undefined;
  }
}

export function encodeSnapshot(dimension: number, metadata: Metadata[], vectors: Uint8Array): Buffer[] {
  const meta = Buffer.from(JSON.stringify(metadata));
  const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  header.write(SNAPSHOT_MAGIC, 0, 'latin1');
  header.writeUInt32LE(dimension, 8);
  header.writeUInt32LE(metadata.length, 12);
  header.writeUInt32LE(meta.length, 16);
  header.writeUInt32LE(crc32(meta, crc32(vectors)), 20);
  return [header, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength), meta];
}

/** A snapshot is written to a temporary file and renamed, so a bad one is real damage: throw. */
export function decodeSnapshot(buffer: Buffer, file: string) {
  if (buffer.length < SNAPSHOT_HEADER_BYTES || buffer.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) {
    throw new Error(`${file}: not a vector snapshot`);
  }
  const dimension = buffer.readUInt32LE(8);
  const count = buffer.readUInt32LE(12);
  const metaLength = buffer.readUInt32LE(16);
  const checksum = buffer.readUInt32LE(20);
  const vectorBytes = count * dimension * 4;
  if (buffer.length !== SNAPSHOT_HEADER_BYTES + vectorBytes + metaLength) {
    throw new Error(`${file}: size does not match its header`);
  }
  const vectors = buffer.subarray(SNAPSHOT_HEADER_BYTES, SNAPSHOT_HEADER_BYTES + vectorBytes);
  const meta = buffer.subarray(SNAPSHOT_HEADER_BYTES + vectorBytes);
  if (crc32(meta, crc32(vectors)) !== checksum) throw new Error(`${file}: checksum mismatch`);
  const metadata = parseMetadata(meta, count);
  if (!metadata) throw new Error(`${file}: bad metadata`);
  return { dimension, metadata, vectors };
}
