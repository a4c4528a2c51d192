// Every call to the admin API: the token from sessionStorage in the Authorization header, JSON in and out, errors as
// ApiError {status, code, message} from the API's {"error","message"} body.

import { clearToken, getToken } from './auth.js';

const BASE = '/admin/v1';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let unauthorizedHandler = () => {};

/** Called by the app with what to do on a 401 (show the login). */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === '') {
      continue;
    }
    params.append(name, String(value));
  }
  const search = params.toString();
  return BASE + path + (search ? `?${search}` : '');
}

async function send(method, path, { query, body, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  const token = getToken();
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), init);
  } catch (e) {
    throw new ApiError(0, 'network', `the gateway did not answer (${e.message})`);
  }
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response;
}

async function errorOf(response) {
  let code = `http_${response.status}`;
  let message = response.statusText || 'request failed';
  try {
    const text = await response.text();
    if (text) {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed.error === 'string') {
        code = parsed.error;
      }
      if (parsed && typeof parsed.message === 'string') {
        message = parsed.message;
      }
    }
  } catch {
    // Not JSON: keep the status line.
  }
  if (response.status === 401) {
    clearToken();
    unauthorizedHandler();
  }
  return new ApiError(response.status, code, message);
}

/** A JSON call: path relative to /admin/v1, query object (empty values skipped), body JSON-encoded. */
export async function api(method, path, { query, body } = {}) {
  const response = await send(method, path, { query, body });
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** The response body as a Blob, fetched with the header. */
export async function fetchBlob(path, { query, accept } = {}) {
  const response = await send('GET', path, { query, accept });
  return response.blob();
}

/** Downloads a file fetched with the header (object URL, a temporary <a download>, revoked after). */
export async function downloadFile(path, { query, accept, filename } = {}) {
  const blob = await fetchBlob(path, { query, accept });
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename || 'download';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** Opens a document fetched with the header in a new tab (the printable invoice). */
export async function openBlob(path, { query, accept } = {}) {
  // Open the tab first, in the click's user gesture, so a popup blocker lets it through; then point it at the blob.
  const tab = window.open('', '_blank');
  if (tab) {
    tab.opener = null; // the document shown there gets no handle on the console
  }
  try {
    const blob = await fetchBlob(path, { query, accept });
    const href = URL.createObjectURL(blob);
    if (tab) {
      tab.location.href = href;
    } else {
      window.open(href, '_blank');
    }
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
  } catch (e) {
    if (tab) {
      tab.close();
    }
    throw e;
  }
}
