import { loadInto } from './api.js';
import { h, searchForm, show, terms } from './dom.js';
import { loadTable } from './product-table.js';

const SIMILAR_NOTE = 'Score is the cosine similarity of the product vectors.';
const TOGETHER_NOTE = 'Score weighs customers who bought both, closer purchases more.';
const SIMILAR_NONE = 'No other product has a vector yet.';
const TOGETHER_NONE = 'Nobody bought this product with another one yet.';

/** Product inspector: one product, its most similar products and its bought-together partners. */
export function renderProducts(main, { id }) {
  const input = h('input', {
    id: 'product-id',
    name: 'id',
    type: 'number',
    min: '1',
    required: true,
    value: id ?? '',
  });
  const form = searchForm(input, 'Product id', 'Show', (value) => {
    location.hash = `#/products/${Number(value)}`;
  });
  const detail = h('div', { class: 'detail' });
  show(
    main,
    h('h1', { tabindex: '-1' }, 'Products'),
    h(
      'p',
      { class: 'note' },
      'Open a product from a customer’s recommendations or purchases, or enter its id.',
    ),
    form,
    detail,
  );
  if (id) loadProduct(detail, id);
}

async function loadProduct(detail, id) {
  const product = await loadInto(detail, 'Loading product…', `/dashboard/api/products/${id}`);
  if (!product) return;
  const similar = h('div', { class: 'recommendations' });
  const together = h('div', { class: 'recommendations' });
  show(
    detail,
    h('h2', {}, product.title, h('span', { class: 'muted' }, ` #${product.id}`)),
    terms([
      ['Category', product.category ?? `#${product.category_id}`],
      ['Tags', product.tags.join(', ') || '—'],
      ['Vector', product.has_vector ? 'stored' : 'not yet'],
    ]),
    product.description ? h('p', { class: 'description' }, product.description) : null,
    h('div', { class: 'recommendation-lists side-by-side' }, similar, together),
  );
  if (!product.has_vector) {
    show(similar, h('p', {}, 'This product has no vector yet, so neither list is available.'));
    return;
  }
  const note = (explanation, none) => (items) =>
    h('p', { class: 'note' }, items.length === 0 ? none : explanation);
  const url = `/recommendation/products/${id}`;
  loadTable(similar, 'Similar products', `${url}/similar?limit=10`, 'h3', note(SIMILAR_NOTE, SIMILAR_NONE));
  loadTable(
    together,
    'Bought together',
    `${url}/bought-together?limit=10`,
    'h3',
    note(TOGETHER_NOTE, TOGETHER_NONE),
  );
}
