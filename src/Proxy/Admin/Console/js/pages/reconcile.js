// Reconciliation with Deepgram's own records: the last report on open; for admin tokens a run over a period (with an
// uploaded requests list, or fetched by the gateway when Deepgram:ProjectId and Deepgram:ManagementKey are set).
import { api, ApiError } from '../api.js';
import { clear, h } from '../dom.js';
import { customerSelect, facts, field, utcDay, utcMonthStart } from '../finance.js';
import { duration, instant } from '../format.js';

const MAX_UPLOAD_BYTES = 64 * 1024 * 1024; // beyond Kestrel's default body limit anyway: reconcile a shorter period

function idList(title, ids, count, testid) {
  const shown = Array.isArray(ids) ? ids : [];
  const more = Number(count) > shown.length ? ` (first ${shown.length} of ${count})` : '';
  return h('section', { class: 'id-list', 'data-testid': testid },
    h('h4', null, `${title}: ${count}${more}`),
    shown.length === 0 ? h('p', { class: 'hint' }, 'none') : h('ul', null, shown.map((id) => h('li', null, h('code', null, String(id))))));
}

/** A reconciliation report (POST /reconcile's answer and GET /reconcile/last's), every value as text. */
export function reportView(report, testid) {
  const drift = report.duration_drift_ms || {};
  return h('div', { class: 'reconcile-report', 'data-testid': testid },
    facts([
      ['Period (UTC, end excluded)', `${instant(report.from)} – ${instant(report.to)}`],
      ['Customer', report.customer == null ? 'all customers' : String(report.customer)],
      ['Ran at (UTC)', instant(report.ran_at_ms)],
      ['Trigger', report.trigger === 'scheduled' ? 'scheduled' : 'on demand'],
      ['Deepgram requests', String(report.deepgram_requests)],
      ['Our records with an upstream session', String(report.records)],
      ['Matched', h('strong', { 'data-testid': 'reconcile-matched' }, String(report.matched))],
      ['Matched by time overlap', String(report.matched_by_overlap)],
      ['Missing in our records', String(report.missing_in_records_count)],
      ['Missing at Deepgram', String(report.missing_at_deepgram_count)],
      ['Duration drift (matched pairs compared)', String(drift.compared)],
      ['Duration drift, total', duration(drift.total)],
      ['Duration drift, largest', duration(drift.max)],
      ['Deepgram requests outside the period', String(report.outside_period)],
      ['Our records still open', String(report.open_records)],
    ]),
    idList('Deepgram request ids we have no record of', report.missing_in_records, report.missing_in_records_count, 'reconcile-missing-in-records'),
    idList('Our session ids Deepgram does not list', report.missing_at_deepgram, report.missing_at_deepgram_count, 'reconcile-missing-at-deepgram'));
}

/** The chosen file's text, checked to be JSON here so a wrong file is named before anything is sent. */
async function readRequestsList(file) {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new RangeError(`${file.name} is ${file.size} bytes: reconcile a shorter period`);
  }
  const text = await file.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RangeError(`${file.name} is not JSON (${e.message}); upload Deepgram's requests list as GET /v1/projects/<project>/requests answers it`);
  }
}

export async function render(view, params, ctx) {
  const last = h('div', { 'data-testid': 'reconcile-last' });
  const result = h('div', { class: 'reconcile-result' });

  async function showLast(customerId) {
    clear(last);
    try {
      const report = await api('GET', '/reconcile/last', { query: { customer: customerId } });
      last.appendChild(reportView(report, 'reconcile-last-report'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        last.appendChild(h('p', { class: 'hint' }, e.message));
        return;
      }
      throw e;
    }
  }

  view.appendChild(h('h1', null, 'Reconciliation with Deepgram'));
  view.appendChild(h('p', { class: 'hint' },
    'Compares our session records of a period with Deepgram\'s requests list: what matched, what is missing on either side, and how far the durations drift.'));

  let customer = null;
  if (ctx.canWrite) {
    const from = h('input', { type: 'date', id: 'reconcile-from', 'data-testid': 'reconcile-from', value: params.from || utcMonthStart(), required: true });
    const to = h('input', { type: 'date', id: 'reconcile-to', 'data-testid': 'reconcile-to', value: params.to || utcDay(), required: true });
    customer = await customerSelect({ id: 'reconcile-customer', testid: 'reconcile-customer', selected: params.customer, anyLabel: 'all customers' });
    const file = h('input', { type: 'file', id: 'reconcile-file', 'data-testid': 'reconcile-file', accept: 'application/json,.json' });
    const run = h('button', { type: 'submit', class: 'primary', 'data-testid': 'reconcile-run' }, 'Run reconciliation');

    const go = async () => {
      ctx.showError(null);
      clear(result);
      run.disabled = true;
      try {
        const chosen = file.files && file.files[0];
        const body = chosen ? await readRequestsList(chosen) : undefined;
        const report = await api('POST', '/reconcile', { query: { from: from.value, to: to.value, customer: customer.value }, body });
        result.appendChild(h('h2', null, 'Result'));
        result.appendChild(reportView(report, 'reconcile-result-report'));
        ctx.notify(`Reconciled: ${report.matched} matched.`);
        await showLast(customer.value);
      } catch (e) {
        ctx.showError(e);
      } finally {
        run.disabled = false;
      }
    };

    customer.addEventListener('change', () => { ctx.showError(null); showLast(customer.value).catch((e) => ctx.showError(e)); });
    view.appendChild(h('form', { class: 'toolbar', on: { submit: (e) => { e.preventDefault(); go(); } } },
      field('From (UTC day)', from),
      field('To (UTC day, included)', to),
      field('Customer', customer),
      field('Deepgram requests list (JSON, optional)', file),
      run));
    view.appendChild(h('p', { class: 'hint' },
      'Without a file the gateway fetches the list from Deepgram itself, which needs Deepgram:ProjectId and Deepgram:ManagementKey; at most 31 days at a time.'));
    view.appendChild(h('div', { 'data-testid': 'reconcile-result' }, result));
  }
  view.appendChild(h('h2', null, 'Last reconciliation'));
  view.appendChild(last);
  await showLast(customer ? customer.value : params.customer);
}
