// NFKD splits "é" into "e" + a combining accent and folds compatibility forms ("ﬁ" -> "fi",
// full-width digits -> ASCII); the accents are then dropped, so "Café" and "cafe" are one word.
const COMBINING_MARKS = /\p{M}+/gu;
// Everything that is not a letter or a digit separates words: punctuation, symbols, spaces.
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/** Lower-cased, accent-free words of a text; punctuation and symbols only separate words. */
export function normalizeWords(text: string): string[] {
  const folded = text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
  return folded.split(SEPARATORS).filter((word) => word.length > 0);
}
