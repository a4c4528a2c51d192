// What the finance pages (usage, invoices, reconcile, plans) share: UTC days and months, the customer picker, and a
// labelled form field.
import { api } from './api.js';
import { h } from './dom.js';

const CUSTOMER_PAGE = 1000; // the API's largest page
const MAX_CUSTOMER_PAGES = 50; // 50,000 customers: a bound, so a cursor bug cannot loop for ever

/** Today as a UTC day, `YYYY-MM-DD` (usage and invoices are per UTC day and month). */
export function utcDay(date = new Date()) {
  return date.toISOString().slice(0, 10);
}

/** The first day of the UTC month of date, `YYYY-MM-01`. */
export function utcMonthStart(date = new Date()) {
  return `${utcMonth(date)}-01`;
}

/** The UTC month of date, `YYYY-MM`. */
export function utcMonth(date = new Date()) {
  return date.toISOString().slice(0, 7);
}

/** A path segment from a value (a customer or plan id). */
export function segment(value) {
  return encodeURIComponent(String(value));
}

/** Every customer (all pages of GET /customers), ordered as the API lists them. */
export async function listCustomers() {
  const customers = [];
  let cursor = null;
  for (let page = 0; page < MAX_CUSTOMER_PAGES; page++) {
    const answer = await api('GET', '/customers', { query: { limit: CUSTOMER_PAGE, cursor } });
    customers.push(...(answer && Array.isArray(answer.customers) ? answer.customers : []));
    cursor = answer ? answer.next_cursor : null;
    if (!cursor) {
      break;
    }
  }
  return customers;
}

function customerOption(id, name, selected) {
  const text = name && name !== id ? `${name} (${id})` : id;
  return h('option', { value: id, selected: selected ? true : null }, text);
}

/**
 * A select of the customers: `selected` chosen when given (added even when the list does not name it, e.g. an
 * offboarded customer whose usage is still kept); with `anyLabel` a first option of value '' (e.g. all customers).
 */
export async function customerSelect({ id, testid, selected, anyLabel }) {
  const customers = await listCustomers();
  const select = h('select', { id, 'data-testid': testid });
  if (anyLabel) {
    select.appendChild(h('option', { value: '' }, anyLabel));
  }
  const ids = new Set();
  for (const c of customers) {
    ids.add(c.customer_id);
    select.appendChild(customerOption(c.customer_id, c.name, c.customer_id === selected));
  }
  if (selected && !ids.has(selected)) {
    select.appendChild(customerOption(selected, null, true));
  }
  if (!anyLabel && select.options.length === 0) {
    select.appendChild(h('option', { value: '', disabled: true, selected: true }, 'no customers yet'));
  }
  return select;
}

/** A label and its control. */
export function field(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

/** A small key/value list (`dl`) of [label, value] pairs; values become text unless they are nodes. */
export function facts(pairs, attrs = {}) {
  return h('dl', { class: 'facts', ...attrs }, pairs.filter((p) => p).map(([label, value]) => [h('dt', null, label), h('dd', null, value)]));
}

/** A wide table in a box that scrolls sideways on a narrow screen instead of squeezing its columns. */
export function scrolling(node) {
  return h('div', { class: 'table-scroll' }, node);
}
