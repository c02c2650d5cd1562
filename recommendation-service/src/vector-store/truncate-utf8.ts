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
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut code point.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}
