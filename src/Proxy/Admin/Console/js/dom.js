// Building DOM without markup strings: every value becomes a text node or an attribute set through setAttribute, so
// nothing from the API is ever parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, child) {
  if (child === null || child === undefined || child === false) {
    return;
  }
  if (Array.isArray(child)) {
    for (const c of child) {
      append(parent, c);
    }
    return;
  }
  if (child instanceof Node) {
    parent.appendChild(child);
    return;
  }
  parent.appendChild(document.createTextNode(String(child)));
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === 'on') {
      for (const [event, fn] of Object.entries(value || {})) {
        el.addEventListener(event, fn);
      }
      continue;
    }
    // An on… attribute is an inline handler the CSP refuses anyway; failing here finds the mistake at once.
    if (/^on/i.test(name)) {
      throw new Error(`inline handler attribute '${name}' is not allowed; use on: {…}`);
    }
    // So is a style attribute (the CSP has no 'unsafe-inline'): a class, or el.style.x from script.
    if (name.toLowerCase() === 'style') {
      throw new Error('a style attribute is blocked by the CSP; use a class');
    }
    if (value === null || value === undefined || value === false) {
      continue;
    }
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** An HTML element: attrs via setAttribute (on: {event: fn} for listeners), children as text nodes or nodes. */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same as h in the SVG namespace. */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Removes every child of el. */
export function clear(el) {
  while (el.firstChild) {
    el.removeChild(el.firstChild);
  }
  return el;
}

/**
 * A table: columns [{label, value: row => string|number|Node, numeric?}], rows, data-testid, optional row testid.
 */
export function table({ columns, rows, testid, rowTestid }) {
  const head = h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.numeric ? 'num' : null, scope: 'col' }, c.label))));
  const body = h('tbody', null, rows.map((row) => h('tr', { 'data-testid': rowTestid ? rowTestid(row) : null },
    columns.map((c) => h('td', { class: c.numeric ? 'num' : null }, c.value(row))))));
  const empty = rows.length === 0
    ? h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, 'Nothing to show.'))
    : null;
  append(body, empty);
  return h('table', { class: 'data', 'data-testid': testid }, head, body);
}
