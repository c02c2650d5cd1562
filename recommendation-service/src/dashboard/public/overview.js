import { getJson } from './api.js';
import { lineChart } from './chart.js';
import { alertBox, decimal, duration, h, integer, section, show } from './dom.js';

const REFRESH_MS = 5000;

/** The overview: counts, what runs, how far behind things are, and recent latency. Refreshes itself. */
export function renderOverview(main) {
  const body = h('div', { class: 'overview' }, h('p', {}, 'Loading…'));
  show(main, h('h1', { tabindex: '-1' }, 'Overview'), body);
  let stopped = false;
  let timer;
  const refresh = async () => {
    try {
      const overview = await getJson('/dashboard/api/overview');
      // Keyboard users keep their place: no re-render while focus is inside the overview.
      if (!stopped && !body.contains(document.activeElement)) show(body, content(overview));
    } catch (error) {
      if (!stopped) show(body, alertBox(error));
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  };
  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function content(o) {
  const feed = o.purchase_feed;
  return [
    section(
      'h2',
      'counts',
      'Catalog and customers',
      cards(
        card('Customers', integer(o.customers)),
        card('Products', integer(o.products)),
        card('Categories', integer(o.categories)),
        card('Purchases', integer(o.purchases)),
        card('Product vectors', integer(o.vectors)),
      ),
    ),
    section(
      'h2',
      'engine',
      'Engine',
      cards(
        card('Embedder', o.embedder.id, `${o.embedder.model} · ${o.embedder.dimension} dimensions`),
        card('Vector store', o.embedder.store, o.embedder.collection),
        backlogCard(o.outbox),
        card(
          'Purchase feed lag',
          feed.purchases_behind === null ? 'unknown' : `${integer(feed.purchases_behind)} purchases`,
          feed.lag_seconds === null ? 'not caught up yet' : `caught up ${duration(feed.lag_seconds)} ago`,
        ),
        cacheCard('Answer cache', o.answer_cache),
        cacheCard('History cache', o.history_cache),
      ),
      h(
        'ul',
        { class: 'dependencies', 'aria-label': 'Dependencies' },
        Object.entries(o.dependencies).map(([name, state]) =>
          h('li', { class: state === 'ok' ? 'ok' : 'down' }, `${name.replaceAll('_', ' ')}: ${state}`),
        ),
      ),
    ),
    latencySection(o.latency),
  ];
}

function cards(...children) {
  return h('dl', { class: 'cards' }, children);
}

/** The outbox backlog; while deliveries fail, the card says so and why, not only how much waits. */
function backlogCard(outbox) {
  if (outbox === null) return card('Sync backlog', 'unknown', 'catalog-service did not answer');
  const failing = {
    token_refused:
      "Failing: recommendation-service refuses catalog-service's token. Set the same INTERNAL_API_TOKEN on both services (docs/internal-api.md).",
    failing: `Failing: ${integer(outbox.consecutive_failures)} failed attempts in a row, retried (catalog-service's /outbox/status says why).`,
  }[outbox.delivery];
  const waiting =
    outbox.pending_products === 0
      ? 'every product vector is current'
      : `oldest waiting ${duration(outbox.oldest_pending_age_seconds)}`;
  return card('Sync backlog', `${integer(outbox.pending_products)} products`, failing ?? waiting, !!failing);
}

function cacheCard(label, cache) {
  return card(
    label,
    cache.hit_ratio === null ? '—' : `${decimal(cache.hit_ratio * 100, 0)} % hits`,
    `${integer(cache.hits)} hits, ${integer(cache.misses)} misses`,
  );
}

function card(label, value, note, failing = false) {
  return h(
    'div',
    { class: failing ? 'card failing' : 'card' },
    h('dt', {}, label),
    h('dd', { class: 'value' }, value),
    note ? h('dd', { class: 'note' }, note) : null,
  );
}

function latencySection(latency) {
  const points = latency.points;
  const last = points.at(-1);
  const whole = latency.window;
  const span = duration(whole?.seconds ?? 0);
  const times = points.map((p) => new Date(p.at));
  const ms = (value) => (value == null ? '—' : `${decimal(value, 1)} ms`);
  return section(
    'h2',
    'latency',
    `GET /recommendation/{id}, last ${span}`,
    cards(
      card(
        'Requests per second',
        whole ? decimal(whole.requests_per_second, 1) : '—',
        last ? `latest ${latency.interval_seconds} s: ${decimal(last.requests_per_second, 1)}` : null,
      ),
      card('p50 latency', ms(whole?.p50_ms), `over the last ${span}`),
      card('p99 latency', ms(whole?.p99_ms), `over the last ${span}`),
    ),
    points.length < 2
      ? h(
          'p',
          { class: 'note' },
          `The chart fills in as samples arrive (every ${latency.interval_seconds} s).`,
        )
      : null,
    h(
      'div',
      { class: 'charts' },
      lineChart({
        title: 'Requests per second',
        unit: 'req/s',
        times,
        series: [{ label: 'requests/s', values: points.map((p) => p.requests_per_second), className: 'rps' }],
        summary: last ? `latest ${decimal(last.requests_per_second, 1)} requests per second` : 'no data yet',
      }),
      lineChart({
        title: 'Latency',
        unit: 'ms',
        times,
        series: [
          { label: 'p50', values: points.map((p) => p.p50_ms), className: 'p50' },
          { label: 'p99', values: points.map((p) => p.p99_ms), className: 'p99' },
        ],
        summary:
          last?.p50_ms == null
            ? 'no requests in the latest interval'
            : `latest p50 ${decimal(last.p50_ms, 1)} ms, p99 ${decimal(last.p99_ms, 1)} ms`,
      }),
    ),
  );
}
