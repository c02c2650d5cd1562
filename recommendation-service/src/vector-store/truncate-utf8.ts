/**
 * Milvus measures VarChar `max_length` in UTF-8 bytes; titles are at most 150 UTF-16 units by
 * contract (450 bytes), so only out-of-contract input is cut. Milvus Lite does not enforce the
 * limit, production Milvus rejects the batch: both stores cut the same way.
 */
export const MAX_TITLE_BYTES = 512;

/** Longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a code point. */
export function truncateUtf8(text: string, maxBytes: number = MAX_TITLE_BYTES): string {
  // Fast path: 3 bytes per UTF-16 unit is the worst case, so short strings always fit.
  if (text.length * 3 <= maxBytes) return text;
  // encodeInto writes whole code points only; `read` counts the UTF-16 units they came from.
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}
