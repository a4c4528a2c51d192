// One customer: what it is, enable/disable, its plan, its session and budget settings (overrides and the values in
// force), and its proxy keys (issue – the secret is shown once –, revoke).

import { api, ApiError } from '../api.js';
import { clear, h, table } from '../dom.js';
import { decimalToMicros, decimalToMs, duration, instant, microsToDecimal, money, msToSecondsText } from '../format.js';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60_000;

function path(customerId, rest = '') {
  return `/customers/${encodeURIComponent(customerId)}${rest}`;
}

export async function render(view, params, ctx) {
  const customerId = params.id;
  const title = h('h1', { 'data-testid': 'customer-title' }, customerId);
  const facts = h('div');
  const controls = h('div');
  const settings = h('div');
  const keys = h('div');
  view.append(
    h('p', null, h('a', { href: '#/customers' }, '← Customers')),
    title,
    h('div', { class: 'columns' }, h('section', { class: 'panel' }, h('h2', null, 'Customer'), facts, controls),
      h('section', { class: 'panel' }, h('h2', null, 'Proxy keys'), keys)),
    h('section', { class: 'panel' }, h('h2', null, 'Session and budget settings'), settings));

  let customer;
  try {
    customer = await api('GET', path(customerId));
  } catch (e) {
    ctx.showError(e);
    return;
  }
  const currency = await planCurrency(customer.plan);

  function showCustomer() {
    clear(title).append(customer.name || customer.customer_id);
    clear(facts).appendChild(h('dl', { class: 'facts' },
      h('dt', null, 'Id'), h('dd', null, h('code', null, customer.customer_id)),
      h('dt', null, 'Name'), h('dd', null, customer.name || '–'),
      h('dt', null, 'Status'), h('dd', null, customer.disabled ? h('span', { class: 'badge bad' }, 'disabled') : h('span', { class: 'badge ok' }, 'enabled')),
      h('dt', null, 'Plan'), h('dd', null, customer.plan || '–', currency ? ` (${currency})` : null),
      h('dt', null, 'Upstream key'), h('dd', null, customer.upstream_key ? `own (${customer.upstream_key.source})` : 'the gateway\'s'),
      h('dt', null, 'Created (UTC)'), h('dd', null, instant(customer.created_at_ms)),
      h('dt', null, 'Sessions'), h('dd', null,
        h('a', { href: `#/sessions?customer=${encodeURIComponent(customer.customer_id)}` }, 'live'), ' · ',
        h('a', { href: `#/usage?customer=${encodeURIComponent(customer.customer_id)}` }, 'usage'), ' · ',
        h('a', { href: `#/invoices?customer=${encodeURIComponent(customer.customer_id)}` }, 'invoices'))));
  }

  async function update(body, done) {
    try {
      customer = await api('PUT', path(customerId), { body });
      ctx.showError(null);
      showCustomer();
      drawControls();
      ctx.notify(done);
    } catch (e) {
      ctx.showError(e);
    }
  }

  async function drawControls() {
    clear(controls);
    if (!ctx.canWrite) {
      return;
    }
    const toggle = h('button', {
      type: 'button', class: customer.disabled ? 'primary' : 'danger', 'data-testid': 'customer-disable',
      on: {
        click: () => {
          if (customer.disabled) {
            update({ disabled: false }, 'Customer enabled');
          } else if (window.confirm(`Disable ${customerId}? Its live sessions are closed now and new ones are refused.`)) {
            update({ disabled: true }, 'Customer disabled');
          }
        },
      },
    }, customer.disabled ? 'Enable customer' : 'Disable customer');

    const plan = h('select', { id: 'customer-plan', 'data-testid': 'customer-plan' });
    const planIds = await knownPlans(ctx);
    if (!customer.plan) {
      plan.appendChild(h('option', { value: '', selected: true }, '(no plan)'));
    }
    for (const id of new Set([...(customer.plan ? [customer.plan] : []), ...planIds])) {
      plan.appendChild(h('option', { value: id, selected: id === customer.plan }, id));
    }
    const save = h('button', {
      type: 'button', 'data-testid': 'customer-plan-save',
      on: {
        click: () => {
          if (plan.value && plan.value !== customer.plan) {
            // The plan decides the currency the budget is entered in: draw the page again with the new one.
            update({ plan: plan.value }, `Plan set to ${plan.value}`).then(() => {
              if (customer.plan === plan.value) {
                render(clear(view), params, ctx);
              }
            });
          }
        },
      },
    }, 'Set plan');
    controls.append(h('div', { class: 'actions' }, toggle),
      h('div', { class: 'actions' }, h('label', { for: 'customer-plan' }, 'Plan'), plan, save));
  }

  showCustomer();
  await Promise.all([
    drawControls(),
    renderSettings(settings, customerId, currency, ctx),
    renderKeys(keys, customerId, ctx),
  ]);
}

async function planCurrency(planId) {
  if (!planId) {
    return null;
  }
  try {
    const plan = await api('GET', `/plans/${encodeURIComponent(planId)}`);
    return plan && plan.currency ? plan.currency : null;
  } catch {
    return null;
  }
}

async function knownPlans(ctx) {
  try {
    const list = await api('GET', '/plans');
    return (list.plans || []).map((p) => p.plan_id).sort();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) {
      ctx.showError(e);
    }
    return [];
  }
}

// ---- settings -------------------------------------------------------------------------------------------------

// Each input: the API's name, how a person types it, and the conversions both ways (exact, no floating point).
function settingFields(currency) {
  const unitText = currency || 'currency units of the plan';
  return [
    {
      name: 'idle_timeout_ms', testid: 'setting-idle-timeout', label: 'Idle timeout (seconds)', kind: 'number',
      help: '0 = off. Closes a session idle for this long.',
      toInput: (v) => msToSecondsText(v), fromInput: (t) => msInput(t, MS_PER_SECOND), show: (v) => (v === 0 ? 'off' : duration(v)),
    },
    {
      name: 'idle_mode', testid: 'setting-idle-mode', label: 'Idle means no', kind: 'select', options: ['audio', 'messages', 'any'],
      help: 'audio: no audio from the client; messages: no messages; any: nothing at all.',
      toInput: (v) => v, fromInput: (t) => t, show: (v) => v,
    },
    {
      name: 'max_duration_ms', testid: 'setting-max-duration', label: 'Max duration (minutes)', kind: 'number',
      help: '0 = off. Closes a session that lasts this long.',
      toInput: (v) => minutesText(v), fromInput: (t) => msInput(t, MS_PER_MINUTE), show: (v) => (v === 0 ? 'off' : duration(v)),
    },
    {
      name: 'max_concurrent_sessions', testid: 'setting-max-concurrent', label: 'Max concurrent sessions', kind: 'number',
      help: '0 = unlimited.',
      toInput: (v) => String(v), fromInput: (t) => wholeNumber(t), show: (v) => (v === 0 ? 'unlimited' : String(v)),
    },
    {
      name: 'monthly_budget_micros', testid: 'setting-budget', label: `Monthly budget (${unitText})`, kind: 'decimal',
      help: '0 = no budget. Up to 6 decimals.',
      toInput: (v) => microsToDecimal(v), fromInput: (t) => safe(decimalToMicros(t)), show: (v) => (v === 0 ? 'no budget' : money(v, currency)),
    },
    {
      name: 'budget_action', testid: 'setting-budget-action', label: 'When the budget is spent', kind: 'select', options: ['refuse', 'close'],
      help: 'refuse: refuse new sessions; close: also close the live ones.',
      toInput: (v) => v, fromInput: (t) => t, show: (v) => v,
    },
  ];
}

function minutesText(ms) {
  // Minutes as typed: exact when whole seconds make it a finite decimal; the input refuses anything else on save.
  const n = BigInt(ms);
  const whole = n / 60_000n;
  const rest = n % 60_000n;
  if (rest === 0n) {
    return whole.toString();
  }
  // ms / 60000 as a decimal: finite only when rest × 10^k is a multiple of 60000 for some k ≤ 6.
  for (let k = 1n; k <= 6n; k += 1n) {
    const scaled = rest * 10n ** k;
    if (scaled % 60_000n === 0n) {
      return `${whole}.${(scaled / 60_000n).toString().padStart(Number(k), '0')}`;
    }
  }
  return null;
}

// A duration typed in the field's unit, or as `<n> ms` (how a value not exact in that unit is shown).
function msInput(text, unitMs) {
  const exact = /^\s*(\d+)\s*ms\s*$/.exec(text);
  return safe(exact ? BigInt(exact[1]) : decimalToMs(text, unitMs));
}

function safe(big) {
  if (big < BigInt(Number.MIN_SAFE_INTEGER) || big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError('the number is too large');
  }
  return Number(big);
}

function wholeNumber(text) {
  if (!/^\s*\d+\s*$/.test(text)) {
    throw new RangeError(`'${text}' is not a whole number`);
  }
  return safe(BigInt(text.trim()));
}

function jsonText(value) {
  return value === null || value === undefined ? 'inherited' : typeof value === 'string' ? value : JSON.stringify(value);
}

async function renderSettings(holder, customerId, currency, ctx) {
  let current;
  try {
    current = await api('GET', path(customerId, '/settings'));
  } catch (e) {
    ctx.showError(e);
    return;
  }
  const fields = settingFields(currency);
  const inputs = new Map();
  const effective = h('div', { 'data-testid': 'settings-effective' });

  function drawEffective() {
    const e = current.effective || {};
    clear(effective).appendChild(h('dl', { class: 'facts' }, Object.keys(e).flatMap((name) => {
      const field = fields.find((f) => f.name === name);
      const value = e[name];
      const raw = jsonText(value);
      const spoken = field && value !== null && value !== undefined ? field.show(value) : raw;
      const shown = spoken === raw ? raw : `${raw} (${spoken})`;
      return [h('dt', null, h('code', null, name)), h('dd', null, shown)];
    })));
  }

  const form = h('form', { class: 'grid', on: { submit: (ev) => { ev.preventDefault(); save(); } } });
  for (const field of fields) {
    const id = field.testid;
    const override = current.overrides ? current.overrides[field.name] : null;
    const disabled = !ctx.canWrite;
    let input;
    if (field.kind === 'select') {
      input = h('select', { id, 'data-testid': field.testid, disabled },
        h('option', { value: '' }, '(inherit)'),
        field.options.map((o) => h('option', { value: o }, o)));
      input.value = override === null || override === undefined ? '' : field.toInput(override);
    } else {
      input = h('input', {
        id, 'data-testid': field.testid, type: 'text', inputmode: field.kind === 'decimal' || field.name.endsWith('_ms') ? 'decimal' : 'numeric',
        autocomplete: 'off', placeholder: 'inherit', disabled,
      });
      input.value = override === null || override === undefined ? '' : (field.toInput(override) ?? `${override} ms`);
    }
    inputs.set(field.name, { input, initial: input.value });
    form.append(h('label', { for: id }, field.label), input, h('span', { class: 'help' }, field.help));
  }
  if (ctx.canWrite) {
    form.append(h('span'), h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'settings-save' }, 'Save settings')), h('span'));
  }

  async function save() {
    const body = {};
    try {
      // Only what was changed: a value shown in another unit than it was set in is not rewritten by a save.
      for (const field of fields) {
        const { input, initial } = inputs.get(field.name);
        if (input.value === initial) {
          continue;
        }
        const text = input.value.trim();
        body[field.name] = text === '' ? null : field.fromInput(text);
      }
    } catch (e) {
      ctx.showError(e);
      return;
    }
    try {
      current = await api('PATCH', path(customerId, '/settings'), { body });
      for (const field of fields) {
        const entry = inputs.get(field.name);
        entry.initial = entry.input.value;
      }
      ctx.showError(null);
      drawEffective();
      ctx.notify('Settings saved; live sessions use them now');
    } catch (e) {
      ctx.showError(e);
    }
  }

  drawEffective();
  holder.append(
    h('p', { class: 'hint' }, 'Empty fields inherit the gateway\'s configuration. Changes reach the customer\'s live sessions at once.'),
    form,
    h('h2', null, 'In force'),
    effective);
}

// ---- keys -----------------------------------------------------------------------------------------------------

async function renderKeys(holder, customerId, ctx) {
  const secret = h('div');
  const list = h('div');

  async function load() {
    try {
      const page = await api('GET', path(customerId, '/keys'), { query: { limit: 1000 } });
      drawKeys(page.keys);
    } catch (e) {
      ctx.showError(e);
    }
  }

  function drawKeys(keys) {
    const columns = [
      { label: 'Key', value: (k) => h('code', null, `${k.prefix}…`) },
      { label: 'Status', value: (k) => h('span', { class: `badge ${k.status === 'active' ? 'ok' : 'bad'}` }, k.status) },
      { label: 'Created (UTC)', value: (k) => instant(k.created_at_ms) },
      { label: 'Expires (UTC)', value: (k) => (k.expires_at_ms ? instant(k.expires_at_ms) : '–') },
    ];
    if (ctx.canWrite) {
      columns.push({
        label: '',
        value: (k) => (k.status === 'revoked' ? null : h('button', {
          type: 'button', class: 'danger small', 'data-testid': `key-revoke-${k.key_id}`,
          on: { click: () => revoke(k) },
        }, 'Revoke')),
      });
    }
    clear(list).appendChild(table({ testid: 'keys-table', rowTestid: (k) => `key-row-${k.key_id}`, rows: keys, columns }));
  }

  async function revoke(key) {
    if (!window.confirm(`Revoke key ${key.prefix}…? Apps using it are refused from now on.`)) {
      return;
    }
    try {
      await api('DELETE', `/keys/${encodeURIComponent(key.key_id)}`);
      ctx.showError(null);
      ctx.notify('Key revoked');
      await load();
    } catch (e) {
      ctx.showError(e);
    }
  }

  async function issue(button) {
    button.disabled = true;
    try {
      const issued = await api('POST', path(customerId, '/keys'), { body: {} });
      ctx.showError(null);
      showSecret(issued);
      await load();
    } catch (e) {
      ctx.showError(e);
    } finally {
      button.disabled = false;
    }
  }

  function showSecret(issued) {
    const text = h('code', { class: 'secret-text', 'data-testid': 'key-secret' }, issued.key);
    const status = h('span', { class: 'muted', role: 'status' });
    const copy = h('button', {
      type: 'button', 'data-testid': 'key-copy',
      on: { click: () => copyText(issued.key, text, status) },
    }, 'Copy');
    const done = h('button', { type: 'button', on: { click: () => clear(secret) } }, 'Done');
    clear(secret).appendChild(h('div', { class: 'secret' },
      h('strong', null, 'New key – shown only now:'), text, copy, done, status,
      h('p', { class: 'hint' }, 'The gateway keeps only a hash: store the key now, it cannot be shown again.')));
  }

  if (ctx.canWrite) {
    const issueButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'key-issue', on: { click: () => issue(issueButton) } }, 'Issue key');
    holder.appendChild(h('div', { class: 'actions' }, issueButton));
  }
  holder.append(secret, list);
  await load();
}

async function copyText(value, element, status) {
  try {
    await navigator.clipboard.writeText(value);
    status.textContent = 'Copied.';
    return;
  } catch {
    // No clipboard API (plain http on a non-loopback host) or no permission: select the text for Ctrl+C.
  }
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  status.textContent = copied ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.';
}
