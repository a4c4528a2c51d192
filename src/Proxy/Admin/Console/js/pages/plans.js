// Plans: the list of current versions, one plan's current terms and all its versions, and for admin tokens an editor
// (a PUT makes a new version; sessions keep the version in force when they opened) and the delete.
import { api, ApiError } from '../api.js';
import { clear, h, table } from '../dom.js';
import { facts, field, scrolling, segment } from '../finance.js';
import { duration, instant, money } from '../format.js';

/** The fields a PUT takes; plan_id, version and created_at_ms are the API's. */
const EDITABLE = ['currency', 'per_minute_micros', 'rounding', 'minimum_ms', 'per_session_micros', 'model_rates', 'indicators'];

const NEW_PLAN = {
  currency: 'USD',
  per_minute_micros: 0,
  rounding: 'exact_ms',
  minimum_ms: 1000,
  per_session_micros: 0,
  model_rates: [],
  indicators: {},
};

const ROUNDING = { exact_ms: 'exact ms', ceil_second: 'up to the second', ceil_minute: 'up to the minute' };

function perMinute(micros, currency) {
  return `${money(micros, currency)} / min`;
}

function modelRatesText(plan) {
  const rates = plan.model_rates || [];
  return rates.length === 0 ? 'none' : rates.map((r) => `${r.component} ${r.model} +${perMinute(r.per_minute_micros, plan.currency)}`).join('; ');
}

function indicatorsText(plan) {
  const names = Object.keys(plan.indicators || {});
  return names.length === 0 ? 'none' : names.map((n) => `${n} ${money(plan.indicators[n] ? plan.indicators[n].flat_micros : 0, plan.currency)}`).join('; ');
}

function editableOf(plan) {
  const doc = {};
  for (const name of EDITABLE) {
    if (plan[name] !== undefined) {
      doc[name] = plan[name];
    }
  }
  return doc;
}

/** The first number in value that JSON cannot carry exactly through a JavaScript number (beyond 2^53), as a path. */
export function inexactNumber(value, path = '') {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? path || '(value)' : null;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = inexactNumber(inner, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
      if (found) {
        return found;
      }
    }
  }
  return null;
}

function versionsTable(list) {
  return table({
    testid: 'plan-versions',
    rows: [...list.versions].reverse(), // newest first: the one in force on top
    rowTestid: (v) => `plan-version-${v.version}`,
    columns: [
      { label: 'Version', value: (v) => String(v.version), numeric: true },
      { label: 'Created (UTC)', value: (v) => instant(v.created_at_ms) },
      { label: 'Currency', value: (v) => String(v.currency) },
      { label: 'Per minute', value: (v) => perMinute(v.per_minute_micros, v.currency), numeric: true },
      { label: 'Rounding', value: (v) => ROUNDING[v.rounding] || String(v.rounding) },
      { label: 'Minimum', value: (v) => duration(v.minimum_ms), numeric: true },
      { label: 'Per session', value: (v) => money(v.per_session_micros, v.currency), numeric: true },
      { label: 'Model rates', value: (v) => modelRatesText(v) },
      { label: 'Indicators', value: (v) => indicatorsText(v) },
    ],
  });
}

function currentView(plan) {
  const rates = plan.model_rates || [];
  const indicators = Object.entries(plan.indicators || {});
  return h('div', { class: 'plan-current', 'data-testid': 'plan-current' },
    h('h3', null, `Version ${plan.version} (in force)`),
    facts([
      ['Currency', String(plan.currency)],
      ['Per minute', perMinute(plan.per_minute_micros, plan.currency)],
      ['Rounding', ROUNDING[plan.rounding] || String(plan.rounding)],
      ['Minimum per session', duration(plan.minimum_ms)],
      ['Per session', money(plan.per_session_micros, plan.currency)],
      ['Created (UTC)', instant(plan.created_at_ms)],
    ]),
    h('h4', null, 'Model rates (added to the per-minute rate)'),
    table({
      testid: 'plan-model-rates',
      rows: rates,
      columns: [
        { label: 'Component', value: (r) => String(r.component) },
        { label: 'Model', value: (r) => String(r.model) },
        { label: 'Per minute', value: (r) => perMinute(r.per_minute_micros, plan.currency), numeric: true },
      ],
    }),
    h('h4', null, 'Outcome indicators (fee once per session)'),
    table({
      testid: 'plan-indicators',
      rows: indicators,
      columns: [
        { label: 'Indicator', value: ([name]) => String(name) },
        { label: 'Fee', value: ([, price]) => money(price ? price.flat_micros : 0, plan.currency), numeric: true },
      ],
    }));
}

export async function render(view, params, ctx) {
  const list = h('div', { class: 'plans-list' });
  const details = h('div', { class: 'plan-details' });
  const openId = h('input', { type: 'text', id: 'plan-open-id', 'data-testid': 'plan-open-id', required: true, spellcheck: 'false', autocomplete: 'off' });
  const openForm = h('form', { class: 'toolbar', on: { submit: (e) => { e.preventDefault(); openPlan(openId.value.trim()); } } },
    field('Plan id', openId),
    h('button', { type: 'submit', 'data-testid': 'plan-open' }, 'Open plan'));

  const planId = h('input', { type: 'text', id: 'plan-id', 'data-testid': 'plan-id', required: true, spellcheck: 'false', autocomplete: 'off' });
  const planJson = h('textarea', { id: 'plan-json', 'data-testid': 'plan-json', rows: 16, cols: 60, spellcheck: 'false', class: 'code' });
  planJson.value = JSON.stringify(NEW_PLAN, null, 2);

  function edit(plan) {
    if (!ctx.canWrite) {
      return;
    }
    planId.value = plan.plan_id;
    planJson.value = JSON.stringify(editableOf(plan), null, 2);
  }

  async function loadList() {
    clear(list);
    let answer;
    try {
      answer = await api('GET', '/plans');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        list.appendChild(h('p', { class: 'hint' }, 'This gateway does not list plans: open one by its id.'));
        return;
      }
      throw e;
    }
    const plans = answer && Array.isArray(answer.plans) ? answer.plans : [];
    list.appendChild(scrolling(table({
      testid: 'plans-table',
      rows: plans,
      rowTestid: (p) => `plan-row-${p.plan_id}`,
      columns: [
        { label: 'Plan', value: (p) => String(p.plan_id) },
        { label: 'Version', value: (p) => String(p.version), numeric: true },
        { label: 'Currency', value: (p) => String(p.currency) },
        { label: 'Per minute', value: (p) => perMinute(p.per_minute_micros, p.currency), numeric: true },
        { label: 'Rounding', value: (p) => ROUNDING[p.rounding] || String(p.rounding) },
        { label: 'Per session', value: (p) => money(p.per_session_micros, p.currency), numeric: true },
        { label: 'Model rates', value: (p) => String((p.model_rates || []).length), numeric: true },
        { label: 'Indicators', value: (p) => String(Object.keys(p.indicators || {}).length), numeric: true },
        {
          label: '',
          value: (p) => h('button', {
            type: 'button', 'data-testid': `plan-versions-${p.plan_id}`, on: { click: () => openPlan(p.plan_id) },
          }, ctx.canWrite ? 'Versions · edit' : 'Versions'),
        },
      ],
    })));
  }

  async function openPlan(id) {
    ctx.showError(null);
    if (!id) {
      return;
    }
    clear(details);
    try {
      const [current, versions] = await Promise.all([
        api('GET', `/plans/${segment(id)}`),
        api('GET', `/plans/${segment(id)}/versions`),
      ]);
      details.appendChild(h('h2', { 'data-testid': 'plan-title' }, `Plan ${current.plan_id}`));
      details.appendChild(currentView(current));
      details.appendChild(h('h3', null, 'All versions (newest first)'));
      details.appendChild(h('p', { class: 'hint' }, 'A session is rated by the version in force when it opened.'));
      details.appendChild(scrolling(versionsTable(versions)));
      edit(current);
    } catch (e) {
      ctx.showError(e);
    }
  }

  async function save(saveButton) {
    ctx.showError(null);
    const id = planId.value.trim();
    let body;
    try {
      if (!id) {
        throw new RangeError('a plan id is required');
      }
      try {
        body = JSON.parse(planJson.value);
      } catch (e) {
        throw new RangeError(`the plan is not JSON: ${e.message}`);
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        throw new RangeError('the plan is a JSON object, e.g. {"currency":"USD","per_minute_micros":150000}');
      }
      const inexact = inexactNumber(body);
      if (inexact) {
        throw new RangeError(`${inexact} is beyond 9007199254740991, which the console cannot send exactly; use the admin API directly`);
      }
    } catch (e) {
      ctx.showError(e);
      return;
    }
    saveButton.disabled = true;
    try {
      const created = await api('PUT', `/plans/${segment(id)}`, { body });
      ctx.notify(`Plan ${created.plan_id} version ${created.version} saved.`);
      await loadList();
      await openPlan(created.plan_id);
    } catch (e) {
      ctx.showError(e);
    } finally {
      saveButton.disabled = false;
    }
  }

  async function remove() {
    ctx.showError(null);
    const id = planId.value.trim();
    if (!id || !window.confirm(`Delete plan ${id}? Its versions that rated sessions are kept; it is gone from the API until put again.`)) {
      return;
    }
    try {
      await api('DELETE', `/plans/${segment(id)}`);
      ctx.notify(`Plan ${id} deleted.`);
      clear(details);
      await loadList();
    } catch (e) {
      ctx.showError(e); // 409 plan_in_use names the customers on the plan
    }
  }

  view.appendChild(h('h1', null, 'Plans'));
  view.appendChild(list);
  view.appendChild(openForm);
  view.appendChild(details);
  if (ctx.canWrite) {
    const saveButton = h('button', { type: 'submit', class: 'primary', 'data-testid': 'plan-save' }, 'Save as new version');
    view.appendChild(h('section', { class: 'plan-editor' },
      h('h2', null, 'Edit or create a plan'),
      h('p', { class: 'hint' },
        'Saving makes a new version (the first of a new plan id); money in integer micro-units of the currency, times in ms. rounding: exact_ms, ceil_second or ceil_minute; model_rates: [{"component":"think","model":"gpt-5","per_minute_micros":500000}]; indicators: {"lead_qualified":{"flat_micros":200000}}.'),
      h('form', { class: 'stack', on: { submit: (e) => { e.preventDefault(); save(saveButton); } } },
        field('Plan id', planId),
        field('Plan (JSON)', planJson),
        h('div', { class: 'actions' },
          saveButton,
          h('button', {
            type: 'button', class: 'danger', 'data-testid': 'plan-delete', on: { click: () => remove() },
          }, 'Delete plan'),
          h('button', {
            type: 'button', 'data-testid': 'plan-new',
            on: { click: () => { planId.value = ''; planJson.value = JSON.stringify(NEW_PLAN, null, 2); planId.focus(); } },
          }, 'New plan')))));
  }
  await loadList();
  if (params.plan) {
    openId.value = params.plan;
    await openPlan(params.plan);
  }
}
