// The console's shell: login, header, navigation and a hash router that loads one page module per route.

import { ApiError, onUnauthorized } from './api.js';
import { clearToken, getToken, setToken, whoami } from './auth.js';
import { clear, h } from './dom.js';

const NAV = [
  ['customers', 'Customers'],
  ['sessions', 'Live sessions'],
  ['plans', 'Plans'],
  ['usage', 'Usage'],
  ['invoices', 'Invoices'],
  ['reconcile', 'Reconcile'],
  ['instances', 'Instances'],
  ['audit', 'Audit log'],
];

// [pattern, page module, names of the captured params]
const ROUTES = [
  [/^\/customers$/, 'customers', []],
  [/^\/customers\/([^/]+)$/, 'customer', ['id']],
  [/^\/sessions$/, 'sessions', []],
  [/^\/instances$/, 'instances', []],
  [/^\/audit$/, 'audit', []],
  [/^\/plans$/, 'plans', []],
  [/^\/usage$/, 'usage', []],
  [/^\/invoices$/, 'invoices', []],
  [/^\/reconcile$/, 'reconcile', []],
];

const DEFAULT_ROUTE = '#/customers';

const header = document.getElementById('header');
const main = document.getElementById('view');
const notice = document.getElementById('notice');

let leaveHandlers = [];
let generation = 0;

/** `code: message` of an error, for the error box. */
export function errorText(err) {
  if (err instanceof ApiError) {
    return `${err.code}: ${err.message}`;
  }
  if (err instanceof RangeError) {
    return `invalid_input: ${err.message}`;
  }
  return `error: ${err && err.message ? err.message : String(err)}`;
}

function leave() {
  const handlers = leaveHandlers;
  leaveHandlers = [];
  for (const fn of handlers) {
    try {
      fn();
    } catch (e) {
      console.error(e);
    }
  }
}

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '';
  const [path, search] = raw.split('?', 2);
  const query = Object.fromEntries(new URLSearchParams(search || ''));
  return { path: path || '', query };
}

function showLogin(message) {
  leave();
  generation += 1;
  clear(header);
  header.hidden = true;
  clear(main);
  const token = h('input', {
    id: 'login-token', type: 'password', 'data-testid': 'login-token', autocomplete: 'off', required: true,
    spellcheck: 'false',
  });
  const error = message ? h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, message) : null;
  const form = h('form', { class: 'login', on: { submit: (e) => { e.preventDefault(); login(token.value.trim(), form); } } },
    h('h1', null, 'Gateway admin console'),
    h('p', { class: 'hint' }, 'The admin token stays in this tab only (session storage) and is sent in the Authorization header.'),
    h('label', { for: 'login-token' }, 'Admin token'),
    token,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Sign in'),
    error);
  main.appendChild(form);
  token.focus();
}

async function login(token, form) {
  if (!token) {
    return;
  }
  setToken(token);
  try {
    await whoami();
  } catch (e) {
    clearToken();
    showLogin(e instanceof ApiError && e.status === 401 ? 'unauthorized: the gateway refused this token' : errorText(e));
    return;
  }
  form.reset();
  if (!window.location.hash || window.location.hash === '#' || window.location.hash === '#/login') {
    window.location.hash = DEFAULT_ROUTE;
  } else {
    route();
  }
}

function renderHeader(who, active) {
  clear(header);
  header.hidden = false;
  header.appendChild(h('div', { class: 'brand' }, 'Gateway console'));
  header.appendChild(h('nav', null, NAV.map(([name, label]) => h('a', {
    href: `#/${name}`, 'data-testid': `nav-${name}`, class: name === active ? 'active' : null,
    'aria-current': name === active ? 'page' : null,
  }, label))));
  header.appendChild(h('div', { class: 'who' },
    h('span', { 'data-testid': 'whoami', title: 'token name · role' }, `${who.name} · ${who.role}`),
    h('button', { type: 'button', 'data-testid': 'logout', on: { click: logout } }, 'Sign out')));
}

function logout() {
  clearToken();
  showLogin(null);
}

function notify(text) {
  clear(notice);
  notice.appendChild(h('span', null, text));
  notice.hidden = false;
  const shown = notice.firstChild;
  setTimeout(() => {
    if (notice.firstChild === shown) {
      notice.hidden = true;
      clear(notice);
    }
  }, 4000);
}

async function route() {
  if (!getToken()) {
    showLogin(null);
    return;
  }
  leave();
  const mine = ++generation;
  const { path, query } = parseHash();
  let match = null;
  for (const [pattern, page, names] of ROUTES) {
    const found = pattern.exec(path);
    if (found) {
      const params = { ...query };
      names.forEach((name, i) => { params[name] = decodeURIComponent(found[i + 1]); });
      match = { page, params };
      break;
    }
  }
  if (!match) {
    window.location.replace(DEFAULT_ROUTE);
    return;
  }

  let who;
  try {
    who = await whoami();
  } catch (e) {
    if (mine === generation) {
      if (e instanceof ApiError && e.status === 401) {
        showLogin('unauthorized: sign in again');
      } else {
        clear(main);
        main.appendChild(h('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, errorText(e)));
      }
    }
    return;
  }
  if (mine !== generation) {
    return;
  }
  renderHeader(who, match.page === 'customer' ? 'customers' : match.page);

  // Each route gets a fresh element: a page still finishing a request after the route changed writes into a
  // detached element, never into the next page.
  clear(main);
  const errorBox = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const view = h('section', { class: `page page-${match.page}` });
  main.appendChild(errorBox);
  main.appendChild(view);

  const ctx = {
    whoami: who,
    canWrite: who.role === 'admin',
    navigate: (hash) => { window.location.hash = hash; },
    notify,
    showError: (err) => {
      if (err === null || err === undefined) {
        errorBox.hidden = true;
        clear(errorBox);
        return;
      }
      if (mine !== generation) {
        return;
      }
      clear(errorBox);
      errorBox.appendChild(document.createTextNode(errorText(err)));
      errorBox.hidden = false;
      if (!(err instanceof ApiError) && !(err instanceof RangeError)) {
        console.error(err);
      }
    },
    onLeave: (fn) => {
      if (mine === generation) {
        leaveHandlers.push(fn);
      } else {
        fn();
      }
    },
  };

  try {
    const module = await import(`./pages/${match.page}.js`);
    if (mine !== generation) {
      return;
    }
    await module.render(view, match.params, ctx);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      return; // the 401 handler has shown the login
    }
    ctx.showError(e);
  }
}

onUnauthorized(() => showLogin('unauthorized: sign in again'));
window.addEventListener('hashchange', route);
route();
