// The admin token lives only in this tab's sessionStorage (never a URL, cookie or localStorage) and in the
// Authorization header of each call.

const KEY = 'dgp-admin-token';

let cached = null; // {token, promise}

export function getToken() {
  return sessionStorage.getItem(KEY);
}

export function setToken(token) {
  sessionStorage.setItem(KEY, token);
  cached = null;
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
  cached = null;
}

/** {name, role} of the current token, asked once per token (GET /admin/v1/whoami). */
export function whoami() {
  const token = getToken();
  if (cached && cached.token === token) {
    return cached.promise;
  }
  const promise = import('./api.js').then(({ api, ApiError }) => api('GET', '/whoami').catch((e) => {
    // A gateway from before token roles has no whoami: every token it accepts is an admin token. Its other calls
    // still check the token, so a wrong one fails there with 401.
    if (e instanceof ApiError && e.status === 404) {
      return { name: 'unknown', role: 'admin' };
    }
    throw e;
  })).then((who) => ({
    name: String(who && who.name != null ? who.name : ''),
    role: who && who.role === 'admin' ? 'admin' : 'read',
  }));
  cached = { token, promise };
  promise.catch(() => {
    if (cached && cached.promise === promise) {
      cached = null;
    }
  });
  return promise;
}

/** Whether the current token may change things (role admin); resolves false until whoami has answered admin. */
export async function canWrite() {
  const who = await whoami();
  return who.role === 'admin';
}
