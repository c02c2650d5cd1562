// A tiny DOM helper: elements are built with text nodes only (never innerHTML), so product
// titles and customer names can never inject markup.

/** h('a', { href: '#/x', class: 'y', onclick: fn }, 'text', child, [more]) */
export function h(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

export function svg(tag, props = {}, ...children) {
  return build(document.createElementNS('http://www.w3.org/2000/svg', tag), props, children);
}

function build(element, props, children) {
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...nodes(children));
  return element;
}

// append() and replaceChildren() turn strings (and numbers) into text nodes themselves.
const nodes = (children) => children.flat(Infinity).filter((child) => child != null && child !== false);

export function show(element, ...children) {
  element.replaceChildren(...nodes(children));
}

export function integer(value) {
  return value == null ? '—' : Math.round(value).toLocaleString('en');
}

export function decimal(value, digits = 1) {
  if (value == null) return '—';
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function duration(seconds) {
  if (seconds == null) return '—';
  if (seconds < 60) return `${decimal(seconds, 1)} s`;
  if (seconds < 3600) return `${decimal(seconds / 60, 1)} min`;
  return `${decimal(seconds / 3600, 1)} h`;
}

/** A search form around `input`: submitting it calls `go` with the trimmed value, when there is one. */
export function searchForm(input, label, button, go) {
  const submit = (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) go(value);
  };
  return h(
    'form',
    { class: 'search', role: 'search', onsubmit: submit },
    h('label', { for: input.id }, label),
    input,
    h('button', { type: 'submit' }, button),
  );
}

/**
 * A table: header cells from `columns`, then one row per array of cells (`td` elements), in a
 * box that scrolls sideways when the table is wider than the window.
 */
export function table(caption, columns, rows) {
  const header = columns.map((c) => h('th', { scope: 'col' }, c));
  const body = rows.map((cells) => h('tr', {}, cells));
  return h(
    'div',
    { class: 'table-box' },
    h(
      'table',
      {},
      caption && h('caption', {}, caption),
      h('thead', {}, h('tr', {}, header)),
      h('tbody', {}, body),
    ),
  );
}

/** A section under a heading (`h2`, `h3`) whose id is `${name}-title`. */
export function section(heading, name, title, ...children) {
  const id = `${name}-title`;
  return h('section', { 'aria-labelledby': id }, h(heading, { id }, title), children);
}

/** Label/value pairs, e.g. a customer's profile. */
export function terms(pairs) {
  return h(
    'dl',
    { class: 'profile' },
    pairs.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))),
  );
}

/** An error message for the page, announced to screen readers. */
export function alertBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error));
}
