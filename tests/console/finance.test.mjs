// Pure helpers of the finance pages (src/Proxy/Admin/Console/js): UTC days and months, the plan editor's exactness
// check, invoice line texts. No DOM needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utcDay, utcMonth, utcMonthStart, segment } from '../../src/Proxy/Admin/Console/js/finance.js';
import { inexactNumber } from '../../src/Proxy/Admin/Console/js/pages/plans.js';
import { description, quantity } from '../../src/Proxy/Admin/Console/js/pages/invoices.js';

test('days and months are UTC, whatever the local time zone says', () => {
  const lateOnNewYearsEveInNewYork = new Date('2027-01-01T04:30:00Z'); // 23:30 on Dec 31 in UTC-5
  assert.equal(utcDay(lateOnNewYearsEveInNewYork), '2027-01-01');
  assert.equal(utcMonth(lateOnNewYearsEveInNewYork), '2027-01');
  assert.equal(utcMonthStart(new Date('2026-12-08T01:02:03Z')), '2026-12-01');
});

test('ids become one path segment', () => {
  assert.equal(segment('a/b?c'), 'a%2Fb%3Fc');
});

test('the plan editor refuses integers a JavaScript number cannot carry exactly', () => {
  assert.equal(inexactNumber({ per_minute_micros: 150000, model_rates: [{ per_minute_micros: 9007199254740991 }] }), null);
  assert.equal(inexactNumber(JSON.parse('{"model_rates":[{"per_minute_micros":9007199254740993}]}')), 'model_rates[0].per_minute_micros');
  assert.equal(inexactNumber(JSON.parse('{"indicators":{"x":{"flat_micros":1e20}}}')), 'indicators.x.flat_micros');
  assert.equal(inexactNumber({ minimum_ms: 1.5 }), null); // not an integer: the API answers that one
});

test('invoice lines say what they are for and how much, exactly', () => {
  assert.equal(description({ kind: 'usage', plan_id: 'gold', plan_version: 2 }), 'plan gold v2');
  assert.equal(description({ kind: 'model_surcharge', component: 'think', model: 'gpt-5' }), 'think gpt-5');
  assert.equal(description({ kind: 'adjustment', adjusts_month: '2026-10', adjusts_kind: 'indicator', name: 'lead' }), '2026-10 Outcome indicator: lead');
  assert.equal(quantity({ unit: 'ms', quantity: 90000 }), '1 min 30.000 s (1.5 min)');
  assert.equal(quantity({ unit: 'session', quantity: 1 }), '1 session');
  assert.equal(quantity({ unit: 'indicator', quantity: -2 }), '-2 indicators');
});
