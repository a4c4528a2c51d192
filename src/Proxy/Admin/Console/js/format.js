// Numbers for people, exact: money and durations are integers from the API and are formatted with BigInt integer
// arithmetic only, never floating point.

// ISO 4217 codes whose minor unit is not 2 (as the printed invoice's MoneyFormat); any other code shows at least 2.
const MINOR_UNITS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0,
  XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3, CLF: 4, UYW: 4,
};

export function minorUnits(currency) {
  return currency && Object.prototype.hasOwnProperty.call(MINOR_UNITS, currency) ? MINOR_UNITS[currency] : 2;
}

function integer(value) {
  if (typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`not an exact integer: ${value}`);
    }
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    return BigInt(value);
  }
  throw new RangeError(`not an integer: ${value}`);
}

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// The decimal of an integer count of 10^-scale units, trailing zeros dropped down to minDecimals.
function scaled(value, scale, minDecimals, separators) {
  const n = integer(value);
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  const unit = 10n ** BigInt(scale);
  const whole = (magnitude / unit).toString();
  let fraction = (magnitude % unit).toString().padStart(scale, '0');
  while (fraction.length > minDecimals && fraction.endsWith('0')) {
    fraction = fraction.slice(0, -1);
  }
  const wholeText = separators ? groupThousands(whole) : whole;
  return (negative ? '-' : '') + wholeText + (fraction ? `.${fraction}` : '');
}

/**
 * An amount in micro-units, exact: `1.234567 USD`, `1,500.50 USD`, `3 JPY` (at least the currency's minor-unit
 * decimals, more only when the micros have them; never rounded).
 */
export function money(micros, currency) {
  if (micros === null || micros === undefined) {
    return '–';
  }
  const number = scaled(micros, 6, minorUnits(currency), true);
  return currency ? `${number} ${currency}` : number;
}

/** Micro-units as a plain decimal for an input (no separators, no code): 1500000 → `1.5`. */
export function microsToDecimal(micros) {
  return scaled(micros, 6, 0, false);
}

/**
 * A decimal typed by a person (`12`, `12.5`, `0.000001`) → integer micro-units as a BigInt, by string arithmetic;
 * throws RangeError for anything else (more than 6 decimals, letters, exponents).
 */
export function decimalToMicros(text) {
  const match = /^\s*(-?)(\d*)(?:\.(\d*))?\s*$/.exec(String(text));
  if (!match || (match[2] === '' && (match[3] === undefined || match[3] === ''))) {
    throw new RangeError(`'${text}' is not a decimal number`);
  }
  const fraction = match[3] || '';
  if (fraction.length > 6) {
    throw new RangeError(`'${text}' has more than 6 decimals (the smallest amount is one micro-unit)`);
  }
  const micros = BigInt((match[2] || '0') + fraction.padEnd(6, '0'));
  return match[1] === '-' ? -micros : micros;
}

function pad(n, width) {
  return String(n).padStart(width, '0');
}

/** Milliseconds as `1 h 02 min 03.456 s`, `2 min 03.456 s`, `3.456 s`; exact from the integer. */
export function duration(ms) {
  if (ms === null || ms === undefined) {
    return '–';
  }
  const n = integer(ms);
  const negative = n < 0n;
  let rest = negative ? -n : n;
  const hours = rest / 3_600_000n;
  rest %= 3_600_000n;
  const minutes = rest / 60_000n;
  rest %= 60_000n;
  const millis = pad(rest % 1000n, 3);
  let text;
  if (hours > 0n) {
    text = `${hours} h ${pad(minutes, 2)} min ${pad(rest / 1000n, 2)}.${millis} s`;
  } else if (minutes > 0n) {
    text = `${minutes} min ${pad(rest / 1000n, 2)}.${millis} s`;
  } else {
    text = `${rest / 1000n}.${millis} s`;
  }
  return negative ? `-${text}` : text;
}

/** An instant (epoch ms or ISO 8601 text) in UTC: `2026-12-08 01:02:03.456`. */
export function instant(msOrIso) {
  if (msOrIso === null || msOrIso === undefined || msOrIso === '') {
    return '–';
  }
  const date = new Date(typeof msOrIso === 'number' ? msOrIso : String(msOrIso));
  if (Number.isNaN(date.getTime())) {
    return String(msOrIso);
  }
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A byte count for people: `512 B`, `1.5 KiB`, `12.0 MiB` (one decimal, display only). */
export function bytes(n) {
  if (n === null || n === undefined) {
    return '–';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Number(n);
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Milliseconds as minutes, a decimal string by integer arithmetic: exact to the millisecond when that is a finite
 * decimal (90000 → `1.5`), otherwise rounded half up at 6 decimals (1 → `0.000017`).
 */
export function minutes(ms) {
  if (ms === null || ms === undefined) {
    return '–';
  }
  const n = integer(ms);
  const negative = n < 0n;
  const magnitude = negative ? -n : n;
  // micro-minutes = ms × 10^6 / 60000 = ms × 100 / 6, rounded half up.
  const microMinutes = (magnitude * 100n + 3n) / 6n;
  const text = scaled(microMinutes, 6, 0, false);
  return negative && microMinutes !== 0n ? `-${text}` : text;
}

/** Whole seconds of a millisecond count as text for an input (`90000` → `90`, `1500` → `1.5`). */
export function msToSecondsText(ms) {
  return scaled(ms, 3, 0, false);
}

/** A decimal number of `unitMs` units typed by a person → integer milliseconds (BigInt), exact or RangeError. */
export function decimalToMs(text, unitMs) {
  const match = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(String(text));
  if (!match || (match[1] === '' && !match[2])) {
    throw new RangeError(`'${text}' is not a number`);
  }
  const fraction = match[2] || '';
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt((match[1] || '0') + fraction) * BigInt(unitMs);
  if (numerator % scale !== 0n) {
    throw new RangeError(`'${text}' is not a whole number of milliseconds`);
  }
  return numerator / scale;
}
