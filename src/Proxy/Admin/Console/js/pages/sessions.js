// Live sessions across every instance, refreshed every 2 s while this page is shown and the tab is visible; an admin
// can close one session or all of a customer's.

import { api } from '../api.js';
import { clear, h, table } from '../dom.js';
import { bytes, duration, instant } from '../format.js';

const REFRESH_MS = 2000;

export async function render(view, params, ctx) {
  let customer = params.customer || '';
  let timer = null;
  let stopped = false;
  let loading = false;

  const filter = h('input', { id: 'sessions-customer', type: 'search', placeholder: 'all customers', value: customer, autocomplete: 'off' });
  const count = h('span', { 'data-testid': 'sessions-count', class: 'badge' }, '…');
  const updated = h('span', { 'data-testid': 'sessions-updated', class: 'muted' }, 'loading…');
  const byCustomer = h('div');
  const list = h('div');

  view.append(
    h('h1', null, 'Live sessions'),
    h('form', { class: 'toolbar', on: { submit: (e) => { e.preventDefault(); applyFilter(); } } },
      h('label', { for: 'sessions-customer' }, 'Customer'), filter,
      h('button', { type: 'submit' }, 'Show'),
      count, updated),
    byCustomer,
    list);

  function applyFilter() {
    customer = filter.value.trim();
    refreshNow();
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!stopped && document.visibilityState === 'visible') {
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  function refreshNow() {
    clearTimeout(timer);
    timer = null;
    refresh();
  }

  async function refresh() {
    if (stopped || loading) {
      return;
    }
    loading = true;
    try {
      const result = await api('GET', '/sessions/live', { query: { customer } });
      if (stopped) {
        return;
      }
      ctx.showError(null);
      draw(result.sessions || []);
      updated.textContent = `updated ${instant(Date.now())} UTC`;
    } catch (e) {
      if (!stopped) {
        ctx.showError(e);
        updated.textContent = `refresh failed at ${instant(Date.now())} UTC; retrying`;
      }
    } finally {
      loading = false;
      schedule();
    }
  }

  function draw(sessions) {
    sessions.sort((a, b) => (a.customer_id < b.customer_id ? -1 : a.customer_id > b.customer_id ? 1 : a.client_opened_at_ms - b.client_opened_at_ms));
    count.textContent = `${sessions.length} live`;

    const counts = new Map();
    for (const s of sessions) {
      counts.set(s.customer_id, (counts.get(s.customer_id) || 0) + 1);
    }
    clear(byCustomer);
    if (ctx.canWrite && counts.size > 0) {
      byCustomer.appendChild(h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Close all of:'),
        [...counts].map(([id, n]) => h('button', {
          type: 'button', class: 'danger small', 'data-testid': `sessions-close-customer-${id}`,
          on: { click: () => closeCustomer(id, n) },
        }, `${id} (${n})`))));
    }

    const columns = [
      { label: 'Session', value: (s) => h('code', { title: s.client_session_id ? `client session ${s.client_session_id}` : null }, s.session_id) },
      { label: 'Customer', value: (s) => h('a', { href: `#/customers/${encodeURIComponent(s.customer_id)}` }, s.customer_id) },
      { label: 'Key', value: (s) => h('code', null, s.key_id) },
      { label: 'Instance', value: (s) => s.instance_id },
      { label: 'Opened (UTC)', value: (s) => instant(s.client_opened_at_ms) },
      { label: 'Idle for', numeric: true, value: (s) => (s.idle_ms === null || s.idle_ms === undefined ? '–' : duration(s.idle_ms)) },
      { label: 'Frames in / out', numeric: true, value: (s) => `${s.frames_in} / ${s.frames_out}` },
      { label: 'Bytes in / out', numeric: true, value: (s) => `${bytes(s.bytes_in)} / ${bytes(s.bytes_out)}` },
    ];
    if (ctx.canWrite) {
      columns.push({
        label: '',
        value: (s) => h('button', {
          type: 'button', class: 'danger small', 'data-testid': `session-close-${s.session_id}`,
          on: { click: () => closeSession(s) },
        }, 'Close'),
      });
    }
    clear(list).appendChild(table({ testid: 'sessions-table', rowTestid: (s) => `session-row-${s.session_id}`, rows: sessions, columns }));
  }

  async function closeSession(session) {
    if (!window.confirm(`Close session ${session.session_id} of ${session.customer_id}? The client is disconnected now.`)) {
      return;
    }
    try {
      await api('DELETE', `/sessions/${encodeURIComponent(session.session_id)}`);
      ctx.notify(`Closing session ${session.session_id}`);
    } catch (e) {
      ctx.showError(e);
    }
    refreshNow();
  }

  async function closeCustomer(customerId, n) {
    if (!window.confirm(`Close all ${n} live session(s) of ${customerId}? Its clients are disconnected now.`)) {
      return;
    }
    try {
      const accepted = await api('POST', `/customers/${encodeURIComponent(customerId)}/sessions/close`);
      ctx.notify(`Closing ${accepted && accepted.live_sessions !== undefined ? accepted.live_sessions : n} session(s) of ${customerId}`);
    } catch (e) {
      ctx.showError(e);
    }
    refreshNow();
  }

  function onVisibility() {
    if (document.visibilityState === 'visible') {
      refreshNow();
    } else {
      clearTimeout(timer);
      timer = null;
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  ctx.onLeave(() => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });
  await refresh();
}
