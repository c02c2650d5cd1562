import { alertBox, h, show } from './dom.js';

// Every call goes to this service (same origin): it reaches user-service and
// catalog-service on the page's behalf.

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } }).catch(() => {
    throw new Error('The recommendation service did not answer');
  });
  const body = await response.json().catch(() => null);
  if (response.ok && body !== null) return body;
  if (response.ok) throw new Error('The answer was not JSON');
  const detail = body?.detail;
  if (typeof detail === 'string') throw new Error(detail);
  if (Array.isArray(detail)) throw new Error(detail.map((item) => item.msg).join('; '));
  throw new Error(`Request failed (${response.status})`);
}

/** Shows `loading` in `box` until `path` answers; on failure shows `before` and why, answering undefined. */
export async function loadInto(box, loading, path, before = null) {
  show(box, h('p', {}, loading));
  try {
    return await getJson(path);
  } catch (error) {
    show(box, before, alertBox(error));
  }
}
