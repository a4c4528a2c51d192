// The audit log: every change made through the admin API (who – the token's name –, what, when, the answer), newest
// first, filtered by actor and period.

import { api } from '../api.js';
import { clear, h, table } from '../dom.js';
import { instant } from '../format.js';

const PAGE = 200;
const DAY_MS = 86_400_000;

export async function render(view, params, ctx) {
  const rows = [];
  let nextCursor = null;
  let filters = {};
  const actor = h('input', { id: 'audit-actor', type: 'search', autocomplete: 'off', value: params.actor || '' });
  const from = h('input', { id: 'audit-from', type: 'date', value: params.from || '' });
  const to = h('input', { id: 'audit-to', type: 'date', value: params.to || '' });
  const list = h('div');
  const more = h('button', { type: 'button', hidden: true, on: { click: () => load(nextCursor) } }, 'Load older');

  view.append(
    h('h1', null, 'Audit log'),
    h('p', { class: 'hint' }, 'Every change made through the admin API, also the refused ones; newest first. Times in UTC.'),
    h('form', { class: 'inline panel', on: { submit: (e) => { e.preventDefault(); apply(); } } },
      h('label', { for: 'audit-actor' }, 'Actor (token name)', actor),
      h('label', { for: 'audit-from' }, 'From (UTC day)', from),
      h('label', { for: 'audit-to' }, 'To (UTC day, inclusive)', to),
      h('button', { type: 'submit', class: 'primary' }, 'Show')),
    list,
    h('div', { class: 'actions' }, more));

  function apply() {
    filters = {
      actor: actor.value.trim(),
      // The API's from and to are inclusive Unix ms: a whole UTC day is [00:00, next 00:00 − 1 ms].
      from: from.value ? Date.parse(`${from.value}T00:00:00Z`) : null,
      to: to.value ? Date.parse(`${to.value}T00:00:00Z`) + DAY_MS - 1 : null,
    };
    load(null);
  }

  function draw() {
    clear(list).appendChild(table({
      testid: 'audit-table',
      rowTestid: () => 'audit-row',
      rows,
      columns: [
        { label: 'At (UTC)', value: (e) => instant(e.at_ms !== undefined ? e.at_ms : e.at) },
        { label: 'Actor', value: (e) => e.actor },
        { label: 'Role', value: (e) => e.role },
        { label: 'Method', value: (e) => h('code', null, e.method) },
        { label: 'Path', value: (e) => h('code', { title: e.route || null }, e.path) },
        { label: 'Status', numeric: true, value: (e) => h('span', { class: `badge ${e.status < 400 ? 'ok' : 'bad'}` }, String(e.status)) },
      ],
    }));
    more.hidden = !nextCursor;
  }

  async function load(cursor) {
    try {
      const page = await api('GET', '/audit', { query: { limit: PAGE, cursor, ...filters } });
      if (!cursor) {
        rows.length = 0;
      }
      rows.push(...(page.entries || []));
      nextCursor = page.next_cursor || null;
      ctx.showError(null);
      draw();
    } catch (e) {
      ctx.showError(e);
    }
  }

  apply();
}
