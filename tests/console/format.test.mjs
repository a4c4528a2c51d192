// Unit tests of the admin console's pure formatting functions (node --test tests/console/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytes, decimalToMicros, decimalToMs, duration, instant, microsToDecimal, minutes, money, msToSecondsText,
} from '../../src/Proxy/Admin/Console/js/format.js';

test('money is exact from the integer micros, at least the currency minor units, never rounded', () => {
  assert.equal(money(1234567, 'USD'), '1.234567 USD');
  assert.equal(money(1500000, 'USD'), '1.50 USD');
  assert.equal(money(0, 'EUR'), '0.00 EUR');
  assert.equal(money(-750000, 'EUR'), '-0.75 EUR');
  assert.equal(money(-1, 'USD'), '-0.000001 USD');
  assert.equal(money(1234567890000, 'USD'), '1,234,567.89 USD');
  assert.equal(money(3000000, 'JPY'), '3 JPY');
  assert.equal(money(3500000, 'JPY'), '3.5 JPY');
  assert.equal(money(1000, 'KWD'), '0.001 KWD');
  assert.equal(money(null, 'USD'), '–');
  // The largest exact JSON integer: float math would print …992 or …990.
  assert.equal(money(Number.MAX_SAFE_INTEGER, 'USD'), '9,007,199,254.740991 USD');
  assert.equal(money('9223372036854775807', 'USD'), '9,223,372,036,854.775807 USD');
  assert.throws(() => money(1.5, 'USD'), RangeError);
});

test('decimals typed by a person become exact micros and back', () => {
  assert.equal(decimalToMicros('12.345678'), 12345678n);
  assert.equal(decimalToMicros('0.1'), 100000n);
  assert.equal(decimalToMicros(' 7 '), 7000000n);
  assert.equal(decimalToMicros('.5'), 500000n);
  assert.equal(decimalToMicros('-2.5'), -2500000n);
  // 0.1 + 0.2 style float error cannot happen: 9007199254.740993 is not a double.
  assert.equal(decimalToMicros('9007199254.740993'), 9007199254740993n);
  assert.throws(() => decimalToMicros('1.0000001'), RangeError);
  assert.throws(() => decimalToMicros('1e3'), RangeError);
  assert.throws(() => decimalToMicros('12,5'), RangeError);
  assert.throws(() => decimalToMicros(''), RangeError);
  assert.throws(() => decimalToMicros('.'), RangeError);
  assert.equal(microsToDecimal(12345678), '12.345678');
  assert.equal(microsToDecimal(1500000), '1.5');
  assert.equal(microsToDecimal(2000000), '2');
});

test('durations are exact to the millisecond', () => {
  assert.equal(duration(3723456), '1 h 02 min 03.456 s');
  assert.equal(duration(123456), '2 min 03.456 s');
  assert.equal(duration(3456), '3.456 s');
  assert.equal(duration(0), '0.000 s');
  assert.equal(duration(60000), '1 min 00.000 s');
  assert.equal(duration(90061001), '25 h 01 min 01.001 s');
  assert.equal(duration(-1500), '-1.500 s');
  assert.equal(duration(null), '–');
});

test('inputs in seconds and minutes become exact milliseconds', () => {
  assert.equal(decimalToMs('45', 1000), 45000n);
  assert.equal(decimalToMs('1.5', 60000), 90000n);
  assert.equal(decimalToMs('0.001', 1000), 1n);
  assert.throws(() => decimalToMs('0.0001', 1000), RangeError);
  assert.throws(() => decimalToMs('-1', 1000), RangeError);
  assert.equal(msToSecondsText(45000), '45');
  assert.equal(msToSecondsText(1500), '1.5');
});

test('instants are UTC with milliseconds', () => {
  assert.equal(instant(Date.UTC(2026, 11, 8, 1, 2, 3, 456)), '2026-12-08 01:02:03.456');
  assert.equal(instant('2026-12-08T01:02:03.456Z'), '2026-12-08 01:02:03.456');
  assert.equal(instant(null), '–');
});

test('minutes are a decimal by integer arithmetic', () => {
  assert.equal(minutes(90000), '1.5');
  assert.equal(minutes(60000), '1');
  assert.equal(minutes(1), '0.000017');
  assert.equal(minutes(0), '0');
  assert.equal(minutes(Number.MAX_SAFE_INTEGER), '150119987579.016517');
});

test('bytes are binary units', () => {
  assert.equal(bytes(512), '512 B');
  assert.equal(bytes(1536), '1.5 KiB');
  assert.equal(bytes(1048576), '1.0 MiB');
});
