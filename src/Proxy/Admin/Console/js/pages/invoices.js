// A customer's invoice for one UTC month: its lines, the adjustments of finalized months it carries, the total and
// the status; the printable HTML invoice (fetched with the header, opened as a blob); finalizing a month that ended.
import { api, openBlob } from '../api.js';
import { clear, h, table } from '../dom.js';
import { customerSelect, facts, field, scrolling, segment, utcMonth } from '../finance.js';
import { duration, instant, minutes, money } from '../format.js';

const KINDS = {
  usage: 'Usage',
  flat_fee: 'Per-session fee',
  model_surcharge: 'Model surcharge',
  indicator: 'Outcome indicator',
  adjustment: 'Adjustment',
};

/** What a line is about: the plan version, the model, or the indicator. */
function subject(line) {
  if (line.plan_id != null) {
    return `plan ${line.plan_id} v${line.plan_version}`;
  }
  if (line.component != null) {
    return `${line.component} ${line.model}`;
  }
  if (line.name != null) {
    return String(line.name);
  }
  return '';
}

export function description(line) {
  if (line.kind === 'adjustment') {
    return `${line.adjusts_month} ${KINDS[line.adjusts_kind] || line.adjusts_kind}: ${subject(line)}`;
  }
  return subject(line);
}

export function quantity(line) {
  if (line.unit === 'ms') {
    return `${duration(line.quantity)} (${minutes(line.quantity)} min)`;
  }
  const unit = line.unit === 'session' ? 'session' : line.unit;
  return `${line.quantity} ${unit}${line.quantity === 1 || line.quantity === -1 ? '' : 's'}`;
}

function linesTable(lines, currency, testid, first) {
  return table({
    testid,
    rows: lines,
    columns: [
      { label: first, value: (l) => KINDS[l.kind] || String(l.kind) },
      { label: 'For', value: (l) => description(l) },
      { label: 'Sessions', value: (l) => (l.sessions == null ? '' : String(l.sessions)), numeric: true },
      { label: 'Quantity', value: (l) => quantity(l), numeric: true },
      { label: 'Amount', value: (l) => money(l.amount_micros, currency), numeric: true },
    ],
  });
}

function sumMicros(lines) {
  return lines.reduce((sum, l) => sum + BigInt(l.amount_micros), 0n);
}

function invoiceView(invoice) {
  const own = invoice.lines.filter((l) => l.kind !== 'adjustment');
  const adjustments = invoice.lines.filter((l) => l.kind === 'adjustment');
  const final = invoice.status === 'final';
  const parts = [
    h('h2', null, `Invoice ${invoice.month} – ${invoice.customer}`),
    facts([
      ['Customer', String(invoice.customer)],
      ['Month (UTC)', String(invoice.month)],
      ['Status', h('span', { class: `status status-${final ? 'final' : 'open'}`, 'data-testid': 'invoice-status' },
        final ? 'finalized' : 'open (changes while sessions of the month finalize)')],
      final ? ['Finalized at (UTC)', instant(invoice.finalized_at_ms)] : null,
      ['Currency', invoice.currency == null ? 'none (no usage)' : String(invoice.currency)],
      ['Sessions', String(invoice.sessions)],
      ['Rated time', `${duration(invoice.rated_ms)} (${minutes(invoice.rated_ms)} min)`],
    ]),
    h('h3', null, 'Lines'),
    scrolling(linesTable(own, invoice.currency, 'invoice-lines', 'Line')),
  ];
  if (adjustments.length > 0) {
    parts.push(h('h3', null, 'Adjustments of finalized months'));
    parts.push(h('p', { class: 'hint' }, 'What changed in a finalized month after it was billed (negative: a credit), billed on this month.'));
    parts.push(scrolling(linesTable(adjustments, invoice.currency, 'invoice-adjustments', 'Adjustment')));
  }
  parts.push(h('p', { class: 'invoice-total' }, 'Total ',
    h('strong', { 'data-testid': 'invoice-total' }, money(invoice.total_micros, invoice.currency))));
  // The API guarantees total = sum of lines; say so plainly if an answer ever broke that, rather than hide it.
  if (sumMicros(invoice.lines) !== BigInt(invoice.total_micros)) {
    parts.push(h('p', { class: 'error', role: 'alert' },
      `The lines add up to ${money(sumMicros(invoice.lines), invoice.currency)}, not the total.`));
  }
  return h('article', { class: 'invoice' }, parts);
}

export async function render(view, params, ctx) {
  const customer = await customerSelect({ id: 'invoice-customer', testid: 'invoice-customer', selected: params.customer });
  const month = h('input', { type: 'month', id: 'invoice-month', 'data-testid': 'invoice-month', value: params.month || utcMonth(), required: true });
  const load = h('button', { type: 'submit', class: 'primary', 'data-testid': 'invoice-load' }, 'Show invoice');
  const actions = h('div', { class: 'actions no-print' });
  const result = h('div', { class: 'invoice-result' });

  function pathOf(shown) {
    return `/customers/${segment(shown.customer)}/invoices/${segment(shown.month)}`;
  }

  function showInvoice(invoice) {
    const shown = { customer: invoice.customer, month: invoice.month };
    if (view.isConnected) {
      history.replaceState(null, '', `#/invoices?${new URLSearchParams(shown)}`);
    }
    clear(result);
    result.appendChild(invoiceView(invoice));
    clear(actions);
    actions.appendChild(h('button', {
      type: 'button', 'data-testid': 'invoice-print',
      on: {
        click: async () => {
          ctx.showError(null);
          try {
            await openBlob(pathOf(shown), { accept: 'text/html' });
          } catch (e) {
            ctx.showError(e);
          }
        },
      },
    }, 'Printable invoice'));
    if (ctx.canWrite && invoice.status !== 'final') {
      const finalize = h('button', {
        type: 'button', class: 'danger', 'data-testid': 'invoice-finalize',
        on: {
          click: async () => {
            if (!window.confirm(`Finalize ${shown.month} of ${shown.customer}? The invoice is stored as it is now and never changes; later changes are billed as adjustments on the next open month.`)) {
              return;
            }
            ctx.showError(null);
            finalize.disabled = true;
            try {
              showInvoice(await api('POST', `${pathOf(shown)}/finalize`));
              ctx.notify(`${shown.month} of ${shown.customer} finalized.`);
            } catch (e) {
              finalize.disabled = false;
              ctx.showError(e);
            }
          },
        },
      }, 'Finalize month');
      actions.appendChild(finalize);
    }
  }

  async function show() {
    ctx.showError(null);
    clear(actions);
    if (!customer.value || !/^\d{4}-\d{2}$/.test(month.value)) {
      ctx.showError(new RangeError('choose a customer and a month'));
      return;
    }
    load.disabled = true;
    try {
      showInvoice(await api('GET', pathOf({ customer: customer.value, month: month.value })));
    } catch (e) {
      clear(result);
      ctx.showError(e);
    } finally {
      load.disabled = false;
    }
  }

  view.appendChild(h('h1', { class: 'no-print' }, 'Invoices'));
  view.appendChild(h('form', { class: 'toolbar no-print', on: { submit: (e) => { e.preventDefault(); show(); } } },
    field('Customer', customer),
    field('Month (UTC)', month),
    load));
  view.appendChild(actions);
  view.appendChild(result);
  if (params.customer) {
    await show();
  }
}
