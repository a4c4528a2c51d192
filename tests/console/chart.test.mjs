// The usage chart's geometry (src/Proxy/Admin/Console/js/chart.js): pure functions, no DOM needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChartGeometry, niceAxis, labelIndexes, shortLabel, toBigInt, CHART_LAYOUT, LABEL_CHAR_WIDTH } from '../../src/Proxy/Admin/Console/js/chart.js';

const plotHeight = CHART_LAYOUT.height - CHART_LAYOUT.top - CHART_LAYOUT.bottom;
const plotWidth = CHART_LAYOUT.width - CHART_LAYOUT.left - CHART_LAYOUT.right;
const baseline = CHART_LAYOUT.top + plotHeight;

test('niceAxis picks a 1/2/5 step and a top of whole steps covering the maximum', () => {
  assert.deepEqual(niceAxis(101n), { step: 50n, top: 150n, ticks: [0n, 50n, 100n, 150n] });
  assert.deepEqual(niceAxis(1_200_001n), { step: 500_000n, top: 1_500_000n, ticks: [0n, 500_000n, 1_000_000n, 1_500_000n] });
  assert.deepEqual(niceAxis(400n), { step: 100n, top: 400n, ticks: [0n, 100n, 200n, 300n, 400n] });
  assert.deepEqual(niceAxis(1n), { step: 1n, top: 1n, ticks: [0n, 1n] });
});

test('niceAxis of nothing to show is a single zero tick', () => {
  assert.deepEqual(niceAxis(0n), { step: 1n, top: 0n, ticks: [0n] });
  assert.deepEqual(niceAxis(-5n), { step: 1n, top: 0n, ticks: [0n] });
});

test('bars are placed in equal slots and are as high as their share of the axis top', () => {
  const g = barChartGeometry([100_000, 200_000, 400_000, 0]);
  assert.equal(g.top, 400_000n);
  assert.equal(g.bars.length, 4);
  const slot = plotWidth / 4;
  g.bars.forEach((bar, i) => {
    assert.equal(bar.x, Math.round((CHART_LAYOUT.left + i * slot + slot * 0.15) * 100) / 100);
    assert.equal(bar.width, Math.round(slot * 0.7 * 100) / 100);
    assert.equal(bar.y + bar.height, baseline);
  });
  assert.deepEqual(g.bars.map((b) => b.height), [plotHeight / 4, plotHeight / 2, plotHeight, 0]);
  assert.deepEqual(g.ticks.map((t) => t.value), [0n, 100_000n, 200_000n, 300_000n, 400_000n]);
  assert.deepEqual(g.ticks.map((t) => t.y), [baseline, baseline - plotHeight / 4, baseline - plotHeight / 2, baseline - plotHeight * 3 / 4, CHART_LAYOUT.top]);
});

test('no rows: no bars, no labels, one zero tick on the baseline', () => {
  const g = barChartGeometry([]);
  assert.deepEqual(g.bars, []);
  assert.deepEqual(g.labels, []);
  assert.deepEqual(g.ticks, [{ value: 0n, y: baseline }]);
});

test('a single row fills the plot height when it is the axis top, centred in the one slot', () => {
  const g = barChartGeometry(['400000']);
  assert.equal(g.bars.length, 1);
  const [bar] = g.bars;
  assert.equal(bar.height, plotHeight);
  assert.equal(bar.y, CHART_LAYOUT.top);
  assert.equal(bar.center, CHART_LAYOUT.left + plotWidth / 2);
  assert.deepEqual(g.labels, [0]);
});

test('all-zero rows draw zero-height bars without dividing by zero', () => {
  const g = barChartGeometry([0, 0]);
  assert.deepEqual(g.bars.map((b) => [b.height, b.y]), [[0, baseline], [0, baseline]]);
});

test('huge values beyond 2^53 keep exact tick labels and proportional heights', () => {
  const big = 9_223_372_036_854_775_807n; // long.MaxValue micros
  const g = barChartGeometry([big, big / 2n, 1n]);
  assert.equal(g.max, big);
  assert.equal(g.step, 5_000_000_000_000_000_000n);
  assert.equal(g.top, 10_000_000_000_000_000_000n);
  assert.deepEqual(g.ticks.map((t) => t.value), [0n, 5_000_000_000_000_000_000n, 10_000_000_000_000_000_000n]);
  assert.ok(Math.abs(g.bars[0].height - plotHeight * 0.9223372) < 0.01);
  assert.ok(Math.abs(g.bars[1].height - plotHeight * 0.4611686) < 0.01);
  assert.equal(g.bars[2].height, 0);
  g.bars.forEach((b) => assert.ok(Number.isFinite(b.y) && b.y >= CHART_LAYOUT.top && b.y <= baseline));
});

test('negative values draw as zero height (usage is never negative)', () => {
  const g = barChartGeometry([-100, 100]);
  assert.equal(g.bars[0].height, 0);
  assert.equal(g.bars[1].height, plotHeight);
});

test('toBigInt refuses what is not an exact integer', () => {
  assert.equal(toBigInt('-12'), -12n);
  assert.equal(toBigInt(7), 7n);
  assert.throws(() => toBigInt(1.5), RangeError);
  assert.throws(() => toBigInt(2 ** 60), RangeError);
  assert.throws(() => toBigInt('1e3'), TypeError);
});

test('labels: all of a few bars, at most 8 spread evenly (first and last) of many', () => {
  assert.deepEqual(labelIndexes(3), [0, 1, 2]);
  const many = labelIndexes(31);
  assert.equal(many.length, 8);
  assert.equal(many[0], 0);
  assert.equal(many.at(-1), 30);
  assert.deepEqual(labelIndexes(0), []);
});

test('labels: as many as fit the longest name whole (2 to 8), each as long as its share of the width', () => {
  const days = Array.from({ length: 60 }, (_, i) => i);
  const dayLabels = barChartGeometry(days, CHART_LAYOUT, 10); // 2026-12-01
  assert.equal(dayLabels.labels.length, Math.floor(plotWidth / (10 * LABEL_CHAR_WIDTH + 12)));
  assert.ok(dayLabels.labelChars >= 10, `a day fits whole (${dayLabels.labelChars} characters)`);
  assert.equal(barChartGeometry(days, CHART_LAYOUT, 1).labels.length, 8);
  assert.equal(barChartGeometry(days, CHART_LAYOUT, 500).labels.length, 2);
  const models = barChartGeometry([1, 2, 3], CHART_LAYOUT, 26); // think some-long-model-name
  assert.deepEqual(models.labels, [0, 1, 2]);
  assert.equal(models.labelChars, Math.floor((plotWidth / 3 - 12) / LABEL_CHAR_WIDTH));
  assert.equal(barChartGeometry([]).labelChars, 4);
});

test('long bar names are shortened under the axis', () => {
  assert.equal(shortLabel('2026-12-01'), '2026-12-01');
  assert.equal(shortLabel('think:a-very-long-model-name'), 'think:a-very-…');
});
