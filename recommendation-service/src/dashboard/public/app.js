import { renderCustomers } from './customers.js';
import { renderOverview } from './overview.js';
import { renderProducts } from './products.js';

// Hash routes keep the server to one page: #/overview, #/customers?q=ann, #/customers/3,
// #/products/5.
const main = document.getElementById('main');
let leave = () => {};
let first = true;

function route() {
  const [path, search = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/overview').split('/').filter(Boolean);
  const section = ['overview', 'customers', 'products'].includes(parts[0]) ? parts[0] : 'overview';
  const id = /^\d+$/.test(parts[1] ?? '') ? Number(parts[1]) : undefined;
  const params = new URLSearchParams(search);

  leave();
  leave = () => {};
  for (const link of document.querySelectorAll('nav a[data-section]')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (section === 'overview') leave = renderOverview(main);
  else if (section === 'customers') renderCustomers(main, { id, query: params.get('q') ?? undefined });
  else renderProducts(main, { id });
  document.title = `${section[0].toUpperCase()}${section.slice(1)} · Recommender dashboard`;
  // After navigation, move focus to the new heading so keyboard and screen-reader users start there.
  if (!first) main.querySelector('h1')?.focus();
  first = false;
}

// The skip link's #main would be routed like any hash (to the Overview): move focus, keep the page.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route();
