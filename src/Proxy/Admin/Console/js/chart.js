// A small SVG bar chart of our own (no library): the geometry is a pure function of the values (unit-tested with
// node --test), the drawing only turns that geometry into SVG elements. Values are integers (money in micros) and
// stay BigInt throughout, so an axis label is an exact value and a huge amount does not lose digits.
import { svg } from './dom.js';

/** The drawing area in viewBox units; the SVG scales to its container. */
export const CHART_LAYOUT = Object.freeze({ width: 640, height: 260, left: 112, right: 12, top: 14, bottom: 40 });

const HEIGHT_SCALE = 1_000_000n;

/** An exact integer as BigInt: a BigInt, a safe integer number, or a decimal integer string. */
export function toBigInt(value) {
  if (typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${value} is not an exact integer`);
    }
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) {
    return BigInt(value);
  }
  throw new TypeError(`${String(value)} is not an integer`);
}

/**
 * The axis: the smallest step of 1, 2 or 5 times a power of ten that covers max in at most maxTicks steps, and
 * the top of the axis (a whole number of steps, at least max). Exact for any size of max.
 */
export function niceAxis(max, maxTicks = 4) {
  const top = toBigInt(max);
  if (top <= 0n) {
    return { step: 1n, top: 0n, ticks: [0n] };
  }
  const ticks = BigInt(maxTicks);
  const wanted = (top + ticks - 1n) / ticks; // the step that would just fit, rounded up
  let power = 1n;
  let step = 0n;
  while (step === 0n) {
    for (const factor of [1n, 2n, 5n]) {
      if (factor * power >= wanted) {
        step = factor * power;
        break;
      }
    }
    power *= 10n;
  }
  const steps = (top + step - 1n) / step;
  const values = [];
  for (let i = 0n; i <= steps; i++) {
    values.push(i * step);
  }
  return { step, top: steps * step, ticks: values };
}

/** Which of n bars get a label under them: all when they fit, else at most maxLabels spread evenly, first and last included. */
export function labelIndexes(n, maxLabels = 8) {
  if (n <= 0) {
    return [];
  }
  if (n <= maxLabels) {
    return Array.from({ length: n }, (_, i) => i);
  }
  const picked = new Set();
  for (let i = 0; i < maxLabels; i++) {
    picked.add(Math.round((i * (n - 1)) / (maxLabels - 1)));
  }
  return [...picked].sort((a, b) => a - b);
}

const round2 = (x) => Math.round(x * 100) / 100;

/** A bar's name under the axis, cut to fit its slot (the bar's tooltip has it whole). */
export function shortLabel(text, max = 14) {
  const chars = [...String(text)];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** Width of one character of the 10-unit bar labels, in viewBox units (a little more than a digit needs). */
export const LABEL_CHAR_WIDTH = 6;

/**
 * Bar positions and heights for integer values (negative ones draw as 0 high: usage is never negative), the axis
 * ticks with their y, and which bars get a label: as many as fit the longest label (longestLabel characters) whole,
 * at most 8. Pure: the same input always gives the same geometry.
 */
export function barChartGeometry(values, layout = CHART_LAYOUT, longestLabel = 0) {
  const amounts = values.map(toBigInt);
  const max = amounts.reduce((m, v) => (v > m ? v : m), 0n);
  const axis = niceAxis(max);
  const plot = {
    x: layout.left,
    y: layout.top,
    width: layout.width - layout.left - layout.right,
    height: layout.height - layout.top - layout.bottom,
  };
  const baseline = plot.y + plot.height;
  // Scaled in integers first: a Number division of two huge micros values would round both before dividing.
  const fraction = (v) => (axis.top === 0n || v <= 0n ? 0 : Number((v * HEIGHT_SCALE) / axis.top) / Number(HEIGHT_SCALE));
  const slot = amounts.length === 0 ? 0 : plot.width / amounts.length;
  const barWidth = slot * 0.7;
  const bars = amounts.map((value, index) => {
    const height = round2(plot.height * fraction(value));
    return {
      index,
      value,
      x: round2(plot.x + index * slot + (slot - barWidth) / 2),
      width: round2(barWidth),
      y: round2(baseline - height),
      height,
      center: round2(plot.x + index * slot + slot / 2),
    };
  });
  const ticks = axis.ticks.map((value) => ({ value, y: round2(baseline - plot.height * fraction(value)) }));
  const fitting = Math.floor(plot.width / (longestLabel * LABEL_CHAR_WIDTH + 12));
  const labels = labelIndexes(amounts.length, Math.max(2, Math.min(8, fitting)));
  // A label may use the width between it and the next labelled bar; longer ones are cut (the tooltip has them whole).
  const labelSpan = labels.length === 0 ? 0 : plot.width / labels.length;
  const labelChars = Math.max(4, Math.floor((labelSpan - 12) / LABEL_CHAR_WIDTH));
  return { layout, plot, baseline, max, top: axis.top, step: axis.step, ticks, bars, labels, labelChars };
}

/**
 * An accessible bar chart: role=img with a label that says what it shows, a <title> per bar (the tooltip), a value
 * axis with exact labels. rows: the data; value(row) an integer; label(row) the bar's name; formatValue(bigint) text.
 */
export function barChart({ rows, value, label, formatValue, title }) {
  const names = rows.map((row) => String(label(row)));
  const geometry = barChartGeometry(rows.map(value), CHART_LAYOUT, names.reduce((m, n) => Math.max(m, [...n].length), 0));
  const { layout, plot, baseline } = geometry;
  const total = geometry.bars.reduce((sum, bar) => sum + (bar.value > 0n ? bar.value : 0n), 0n);
  const summary = rows.length === 0
    ? `${title}: no data`
    : `${title}: ${rows.length} bar${rows.length === 1 ? '' : 's'}, highest ${formatValue(geometry.max)}, sum ${formatValue(total)}`;
  const ticks = geometry.ticks.map((tick) => svg('g', { class: 'tick' },
    svg('line', { x1: plot.x - 4, x2: plot.x + plot.width, y1: tick.y, y2: tick.y, class: tick.value === 0n ? 'axis' : 'grid' }),
    svg('text', { x: plot.x - 8, y: tick.y, class: 'tick-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, formatValue(tick.value))));
  const bars = geometry.bars.map((bar) => svg('rect', { class: 'bar', x: bar.x, y: bar.y, width: bar.width, height: bar.height },
    svg('title', {}, `${names[bar.index]}: ${formatValue(bar.value)}`)));
  const labels = geometry.labels.map((index) => svg('text', {
    x: geometry.bars[index].center, y: baseline + 16, class: 'bar-label', 'text-anchor': 'middle',
  }, shortLabel(names[index], geometry.labelChars)));
  return svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    preserveAspectRatio: 'xMidYMid meet',
    role: 'img',
    'aria-label': summary,
  },
  svg('title', {}, summary),
  ticks,
  bars,
  labels);
}
