import { loadInto } from './api.js';
import { alertBox, decimal, h, show, table } from './dom.js';

/**
 * A ranked list of products (recommendations, similar products, bought-together partners) as
 * a table: rank, product link, category, score bar and, when the ranking gives them, reasons.
 */
function productTable(title, items) {
  const best = Math.max(1e-9, ...items.map((item) => item.score ?? 0));
  // The ranking says why for each item when it can (`reason`); other lists do not.
  const withReasons = items.some((item) => item.reason?.text);
  const columns = ['#', 'Product', 'Category', 'Score', ...(withReasons ? ['Why'] : [])];
  return table(
    `${title}: ${items.length} products`,
    columns,
    items.map((item, index) => [
      h('td', {}, String(index + 1)),
      h('td', {}, h('a', { href: `#/products/${item.product_id}` }, item.product)),
      h('td', {}, item.category),
      h('td', { class: 'score' }, scoreCell(item.score, best)),
      withReasons ? h('td', { class: 'reason' }, item.reason?.text ?? '—') : null,
    ]),
  );
}

/** Fills `box` with the list at `url` (and `note(items)` under it), or says under `heading` why not. */
export async function loadTable(box, title, url, heading, note = () => null) {
  const before = h(heading, {}, title);
  const items = await loadInto(box, 'Loading…', url, before);
  if (!items) return;
  try {
    show(box, productTable(title, items), note(items));
  } catch (error) {
    show(box, before, alertBox(error));
  }
}

function scoreCell(score, best) {
  if (score == null) return '—';
  return [
    h('meter', { min: '0', max: String(best), value: String(score), 'aria-hidden': 'true' }),
    ' ',
    decimal(score, 3),
  ];
}
