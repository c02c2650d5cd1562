import { loadInto } from './api.js';
import { h, integer, searchForm, section, show, table, terms } from './dom.js';
import { loadTable } from './product-table.js';

const STRATEGIES = { both: 'Side by side', hybrid: 'Hybrid (default)', original: 'Original' };

/** Customer inspector: search by id or name, then profile, purchases and recommendations. */
export function renderCustomers(main, { id, query }) {
  const results = h('div', { class: 'results' });
  const detail = h('div', { class: 'detail' });
  const input = h('input', {
    id: 'customer-query',
    name: 'q',
    type: 'search',
    required: true,
    maxlength: '150',
    autocomplete: 'off',
    value: query ?? '',
  });
  const form = searchForm(input, 'Customer id or name', 'Search', (q) => {
    location.hash = `#/customers?q=${encodeURIComponent(q)}`;
  });
  show(main, h('h1', { tabindex: '-1' }, 'Customers'), form, results, detail);
  if (query) search(results, query);
  if (id) loadCustomer(detail, id);
}

async function search(results, query) {
  const customers = await loadInto(
    results,
    'Searching…',
    `/dashboard/api/customers?q=${encodeURIComponent(query)}`,
  );
  if (!customers) return;
  if (customers.length === 0) {
    show(results, h('p', { role: 'status' }, `No customer matches “${query}”.`));
    return;
  }
  show(
    results,
    h('h2', {}, `${customers.length} match${customers.length === 1 ? '' : 'es'}`),
    h(
      'ul',
      { class: 'matches' },
      customers.map((c) =>
        h(
          'li',
          {},
          h('a', { href: `#/customers/${c.id}` }, c.title),
          ` · #${c.id} · ${c.age}, ${c.gender}, ${c.location}`,
        ),
      ),
    ),
  );
}

async function loadCustomer(detail, id) {
  const customer = await loadInto(detail, 'Loading customer…', `/dashboard/api/customers/${id}`);
  if (!customer) return;
  const lists = h('div', { class: 'recommendation-lists' });
  const switcher = h(
    'fieldset',
    { class: 'strategy' },
    h('legend', {}, 'Strategy'),
    Object.entries(STRATEGIES).map(([value, label]) =>
      h(
        'label',
        {},
        h('input', {
          type: 'radio',
          name: 'strategy',
          value,
          checked: value === 'both',
          onchange: () => renderLists(lists, id, value),
        }),
        ' ',
        label,
      ),
    ),
  );
  show(
    detail,
    h('h2', { id: 'customer-title' }, customer.title, h('span', { class: 'muted' }, ` #${customer.id}`)),
    terms([
      ['Age', customer.age],
      ['Gender', customer.gender],
      ['Location', customer.location],
      ['Preference', customer.preference],
      ['Purchases', integer(customer.purchase_count)],
    ]),
    section('h3', 'recommendations', 'Recommendations', switcher, lists),
    history(customer),
  );
  renderLists(lists, id, 'both');
}

function renderLists(lists, id, strategy) {
  const wanted = strategy === 'both' ? ['hybrid', 'original'] : [strategy];
  lists.classList.toggle('side-by-side', wanted.length > 1);
  show(
    lists,
    wanted.map((s) => {
      const box = h('div', { class: 'recommendations', 'data-strategy': s });
      const title = s === 'hybrid' ? 'Hybrid' : 'Original';
      loadTable(box, title, `/recommendation/${id}?strategy=${s}&limit=10`, 'h4');
      return box;
    }),
  );
}

function history(customer) {
  const shown = customer.purchases.length;
  return section(
    'h3',
    'history',
    'Purchase history',
    shown === 0
      ? h('p', {}, 'No purchases yet: recommendations come from the profile.')
      : table(
          shown < customer.purchase_count
            ? `Newest ${shown} of ${integer(customer.purchase_count)}`
            : `${shown} purchases, newest first`,
          ['When', 'Product', 'Category', 'Tags'],
          customer.purchases.map((p) => [
            h('td', {}, p.purchased_at ? new Date(p.purchased_at).toLocaleString('en-GB') : '—'),
            h('td', {}, h('a', { href: `#/products/${p.product_id}` }, p.product_title)),
            h('td', {}, p.category_title),
            h('td', {}, p.product_tags.join(', ')),
          ]),
        ),
  );
}
