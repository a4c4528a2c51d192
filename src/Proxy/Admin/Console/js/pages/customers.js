// Customers: the list (a page of 200 at a time, filtered in the page) and, for admins, creating one.

import { api, ApiError } from '../api.js';
import { clear, h, table } from '../dom.js';
import { instant } from '../format.js';

const PAGE = 200;
const ID_RULE = /^[A-Za-z0-9._-]{1,64}$/;

export async function render(view, params, ctx) {
  const rows = [];
  let nextCursor = null;
  const tableHolder = h('div');
  const filter = h('input', { type: 'search', id: 'customers-filter', placeholder: 'id or name', autocomplete: 'off' });
  const more = h('button', { type: 'button', hidden: true, on: { click: () => load(nextCursor) } }, 'Load more');
  const count = h('span', { class: 'muted' });

  function draw() {
    const needle = filter.value.trim().toLowerCase();
    const shown = needle
      ? rows.filter((c) => c.customer_id.toLowerCase().includes(needle) || (c.name || '').toLowerCase().includes(needle))
      : rows;
    clear(tableHolder).appendChild(table({
      testid: 'customers-table',
      rowTestid: (c) => `customer-row-${c.customer_id}`,
      rows: shown,
      columns: [
        { label: 'Id', value: (c) => h('code', null, c.customer_id) },
        {
          label: 'Name',
          value: (c) => h('a', { href: `#/customers/${encodeURIComponent(c.customer_id)}`, 'data-testid': `customer-link-${c.customer_id}` },
            c.name || c.customer_id),
        },
        { label: 'Plan', value: (c) => c.plan || '–' },
        { label: 'Status', value: (c) => (c.disabled ? h('span', { class: 'badge bad' }, 'disabled') : h('span', { class: 'badge ok' }, 'enabled')) },
        { label: 'Upstream key', value: (c) => (c.has_upstream_key ? 'own' : 'shared') },
        { label: 'Created (UTC)', value: (c) => instant(c.created_at_ms) },
      ],
    }));
    count.textContent = nextCursor ? `${rows.length} loaded (more exist)` : `${rows.length} customers`;
    more.hidden = !nextCursor;
  }

  async function load(cursor) {
    try {
      const page = await api('GET', '/customers', { query: { limit: PAGE, cursor } });
      if (!cursor) {
        rows.length = 0;
      }
      rows.push(...page.customers);
      nextCursor = page.next_cursor || null;
      ctx.showError(null);
      draw();
    } catch (e) {
      ctx.showError(e);
    }
  }

  filter.addEventListener('input', draw);
  view.appendChild(h('h1', null, 'Customers'));
  if (ctx.canWrite) {
    view.appendChild(createForm(ctx, () => load(null)));
  }
  view.appendChild(h('div', { class: 'toolbar' }, h('label', { for: 'customers-filter' }, 'Filter'), filter, count));
  view.appendChild(tableHolder);
  view.appendChild(h('div', { class: 'actions' }, more));
  await load(null);
}

function createForm(ctx, reload) {
  const id = h('input', { id: 'customer-new-id', 'data-testid': 'customer-new-id', required: true, maxlength: 64, autocomplete: 'off', placeholder: 'acme' });
  const name = h('input', { id: 'customer-new-name', 'data-testid': 'customer-new-name', maxlength: 200, autocomplete: 'off', placeholder: 'Acme Inc.' });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'customer-create' }, 'Create customer');
  const form = h('form', { class: 'inline panel', on: { submit: (e) => { e.preventDefault(); create(); } } },
    h('label', { for: 'customer-new-id' }, 'Id', id),
    h('label', { for: 'customer-new-name' }, 'Name', name),
    button,
    h('span', { class: 'help muted' }, 'Id: 1-64 letters, digits, ".", "_" or "-".'));

  async function create() {
    const customerId = id.value.trim();
    if (!ID_RULE.test(customerId)) {
      ctx.showError(new RangeError('a customer id is 1-64 characters: letters, digits, ".", "_" or "-"'));
      return;
    }
    button.disabled = true;
    try {
      // PUT creates or updates: refuse to silently rename an existing customer from a "create" form.
      const existing = await api('GET', `/customers/${encodeURIComponent(customerId)}`).catch((e) => {
        if (e instanceof ApiError && e.status === 404) {
          return null;
        }
        throw e;
      });
      if (existing) {
        throw new ApiError(409, 'customer_exists', `customer '${customerId}' already exists`);
      }
      await api('PUT', `/customers/${encodeURIComponent(customerId)}`, { body: { name: name.value.trim() || null } });
      form.reset();
      ctx.showError(null);
      ctx.notify(`Customer ${customerId} created`);
      await reload();
    } catch (e) {
      ctx.showError(e);
    } finally {
      button.disabled = false;
    }
  }
  return form;
}
