import { alertBox, h, show } from './dom.js';

// Every call goes to this service (same origin): it reaches user-service and
// catalog-service on the page's behalf.

export async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch {
    throw new Error('The recommendation service did not answer');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(detailOf(body, response.status));
  return body;
}

/** Shows `loading` in `box` until `path` answers; on failure shows why there and answers undefined. */
export async function loadInto(box, loading, path) {
  show(box, h('p', {}, loading));
  try {
    return await getJson(path);
  } catch (error) {
    show(box, alertBox(error));
  }
}

function detailOf(body, status) {
  const detail = body?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((item) => item.msg).join('; ');
  return `Request failed (${status})`;
}
