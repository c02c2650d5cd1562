import { h, svg, table } from './dom.js';

const WIDTH = 560;
const HEIGHT = 150;
const PAD = { top: 10, right: 12, bottom: 22, left: 44 };

/**
 * A small line chart as inline SVG. `series`: [{ label, values: (number|null)[], className }],
 * `times`: Date per point. The figure is described for screen readers by `summary`, and the
 * numbers are in a table under "Show data".
 */
export function lineChart({ title, unit, times, series, summary }) {
  const all = series.flatMap((s) => s.values).filter((v) => v !== null);
  const max = niceMax(Math.max(1e-9, ...all));
  const x = (i) =>
    PAD.left + (times.length <= 1 ? 0 : (i / (times.length - 1)) * (WIDTH - PAD.left - PAD.right));
  const y = (v) => PAD.top + (1 - v / max) * (HEIGHT - PAD.top - PAD.bottom);

  const grid = [0, 0.5, 1].map((f) =>
    svg(
      'g',
      { class: 'grid' },
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(max * f), y2: y(max * f) }),
      svg('text', { x: PAD.left - 6, y: y(max * f) + 4, 'text-anchor': 'end' }, formatTick(max * f)),
    ),
  );
  const lines = series.map((s) => {
    const points = s.values
      .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
      .filter(Boolean)
      .join(' ');
    return svg('polyline', { class: `line ${s.className}`, points });
  });
  const label = (x, anchor, time) =>
    svg('text', { x, y: HEIGHT - 6, class: 'axis', 'text-anchor': anchor }, clock(time));
  const axis = times.length
    ? [label(PAD.left, undefined, times[0]), label(WIDTH - PAD.right, 'end', times.at(-1))]
    : [];

  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title, ' ', h('span', { class: 'muted' }, `(${unit})`)),
    svg(
      'svg',
      { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': `${title}: ${summary}` },
      grid,
      lines,
      axis,
    ),
    h(
      'ul',
      { class: 'legend' },
      series.map((s) =>
        h('li', {}, h('span', { class: `swatch ${s.className}`, 'aria-hidden': 'true' }), s.label),
      ),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Show data'),
      table(
        null,
        ['Time', ...series.map((s) => s.label)],
        times.map((time, i) => [
          h('td', {}, clock(time)),
          series.map((s) => h('td', {}, s.values[i] === null ? '—' : formatTick(s.values[i]))),
        ]),
      ),
    ),
  );
}

function niceMax(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function formatTick(value) {
  if (value === 0) return '0';
  if (value >= 100) return Math.round(value).toLocaleString('en');
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toFixed(2);
}

function clock(time) {
  return time.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
