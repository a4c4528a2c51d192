// Usage of one customer over a range of UTC days, per day, model or key: a bar chart of the cost, a table of every
// row field and the total, and the same rows as CSV (fetched with the header, saved as a file).
import { api, downloadFile } from '../api.js';
import { barChart } from '../chart.js';
import { clear, h, table } from '../dom.js';
import { customerSelect, facts, field, scrolling, utcDay, utcMonthStart } from '../finance.js';
import { duration, money } from '../format.js';

const GROUPS = [['day', 'Day'], ['model', 'Model'], ['key', 'Key']];

function rowName(report, row) {
  switch (report.group_by) {
    case 'key':
      return String(row.key_id);
    case 'model':
      return `${row.component} ${row.model}`;
    default:
      return String(row.day);
  }
}

function nameColumns(group) {
  switch (group) {
    case 'key':
      return [{ label: 'Key', value: (r) => String(r.key_id) }];
    case 'model':
      return [{ label: 'Component', value: (r) => String(r.component) }, { label: 'Model', value: (r) => String(r.model) }];
    default:
      return [{ label: 'Day (UTC)', value: (r) => String(r.day) }];
  }
}

function usageTable(report) {
  const currency = report.currency;
  const columns = [
    ...nameColumns(report.group_by),
    { label: 'Sessions', value: (r) => String(r.sessions), numeric: true },
    { label: 'Duration', value: (r) => duration(r.duration_ms), numeric: true },
    { label: 'Billable', value: (r) => duration(r.billable_ms), numeric: true },
    { label: 'Rated', value: (r) => duration(r.rated_ms), numeric: true },
    { label: 'Cost', value: (r) => money(r.cost_micros, currency), numeric: true },
  ];
  if (report.group_by === 'model') {
    columns.push({ label: 'Of which model surcharge', value: (r) => money(r.surcharge_micros, currency), numeric: true });
  }
  return table({ columns, rows: report.rows, testid: 'usage-table' });
}

function totalFacts(report) {
  const t = report.total;
  return facts([
    ['Sessions', String(t.sessions)],
    ['Duration', duration(t.duration_ms)],
    ['Billable', duration(t.billable_ms)],
    ['Rated', duration(t.rated_ms)],
    ['Cost', h('strong', null, money(t.cost_micros, report.currency))],
  ], { 'data-testid': 'usage-total', class: 'facts total' });
}

function chartOf(report) {
  if (report.rows.length === 0) {
    return h('p', { class: 'chart-empty' }, `No usage of ${report.customer} from ${report.from} to ${report.to}.`);
  }
  const per = GROUPS.find(([g]) => g === report.group_by);
  return barChart({
    rows: report.rows,
    value: (row) => row.cost_micros,
    label: (row) => rowName(report, row),
    formatValue: (micros) => money(micros, report.currency),
    title: `Cost of ${report.customer} per ${per ? per[1].toLowerCase() : report.group_by}, ${report.from} to ${report.to}`,
  });
}

export async function render(view, params, ctx) {
  const from = h('input', { type: 'date', id: 'usage-from', 'data-testid': 'usage-from', value: params.from || utcMonthStart(), required: true });
  const to = h('input', { type: 'date', id: 'usage-to', 'data-testid': 'usage-to', value: params.to || utcDay(), required: true });
  const group = h('select', { id: 'usage-group', 'data-testid': 'usage-group' },
    GROUPS.map(([value, label]) => h('option', { value, selected: value === (params.group_by || 'day') ? true : null }, label)));
  const customer = await customerSelect({ id: 'usage-customer', testid: 'usage-customer', selected: params.customer });
  const load = h('button', { type: 'submit', class: 'primary', 'data-testid': 'usage-load' }, 'Show usage');
  const result = h('div', { class: 'usage-result' });

  let loaded = null; // the query of the report shown, for the CSV of exactly those rows
  const csv = h('button', {
    type: 'button', 'data-testid': 'usage-csv', disabled: true,
    on: {
      click: async () => {
        if (!loaded) {
          return;
        }
        ctx.showError(null);
        csv.disabled = true;
        try {
          await downloadFile('/usage', {
            query: { ...loaded, format: 'csv' },
            accept: 'text/csv',
            filename: `usage-${loaded.customer}-${loaded.from}-${loaded.to}.csv`,
          });
        } catch (e) {
          ctx.showError(e);
        } finally {
          csv.disabled = false;
        }
      },
    },
  }, 'Download CSV');

  async function show() {
    ctx.showError(null);
    if (!customer.value) {
      ctx.showError(new RangeError('choose a customer'));
      return;
    }
    const query = { customer: customer.value, from: from.value, to: to.value, group_by: group.value };
    load.disabled = true;
    try {
      const report = await api('GET', '/usage', { query });
      // The report's own days: the API resolves defaults and instants, and the CSV's name says what it holds.
      loaded = { customer: report.customer, from: report.from, to: report.to, group_by: report.group_by };
      // The address says what is shown (a reload or a shared link shows it again); replaceState fires no hashchange.
      if (view.isConnected) {
        history.replaceState(null, '', `#/usage?${new URLSearchParams(loaded)}`);
      }
      clear(result);
      result.appendChild(h('h2', null, `Usage of ${report.customer}, ${report.from} to ${report.to} (UTC)`));
      result.appendChild(h('div', { class: 'chart-box', 'data-testid': 'usage-chart' }, chartOf(report)));
      result.appendChild(scrolling(usageTable(report)));
      result.appendChild(h('h3', null, 'Total'));
      result.appendChild(totalFacts(report));
      if (report.group_by !== 'day') {
        result.appendChild(h('p', { class: 'hint' },
          'The total is the sum of the days (the records); key and model rows need not add up to it: a session counts under each model it used, and sessions that named no model have no model row.'));
      }
      if (!report.currency) {
        result.appendChild(h('p', { class: 'hint' }, 'No billing in this range (no usage, or only usage from before billing): amounts are 0.'));
      }
      csv.disabled = false;
    } catch (e) {
      loaded = null;
      csv.disabled = true;
      clear(result);
      ctx.showError(e);
    } finally {
      load.disabled = false;
    }
  }

  const form = h('form', { class: 'toolbar', on: { submit: (e) => { e.preventDefault(); show(); } } },
    field('Customer', customer),
    field('From (UTC day)', from),
    field('To (UTC day)', to),
    field('Per', group),
    load,
    csv);
  view.appendChild(h('h1', null, 'Usage'));
  view.appendChild(form);
  view.appendChild(result);
  if (params.customer) {
    await show();
  }
}
