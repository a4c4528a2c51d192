// Streaming load on Node's `ws`: a second opinion beside the C# generator of the load comparison
// (tests/Proxy.Benchmarks, `compare --generator node|both`), written the way a Node voice client is: one WebSocket
// per session, each session paced by its own timer, one 640-byte binary frame every 20 ms, the sessions' phases
// spread evenly over the 20 ms. The upstream echoes every frame; the round trip of each is taken from the stamp the
// frame carries. Its own CPU (process.cpuUsage(): every thread of this process) is reported with the results, so a
// reader can see whether the generator was the bottleneck.
//
// Phases: open SESSIONS sessions (CONNECT_CONCURRENCY at a time; Welcome → Settings → SettingsApplied), KeepAlive
// every 5 s while the others open, then all stream; after WARMUP_MS the measured window of DURATION_MS begins
// ("load-ws: measuring" on stderr, so the caller reads the target's CPU at the same instant) and ends
// ("load-ws: measured"); echoes still on their way get DRAIN_MS; then every session closes (1000, the target's
// Close awaited). Prints exactly one JSON line on stdout; exit 0 when nothing failed, was lost or reordered.
//
// env: TARGET_URL (ws://host:port/v1/agent/converse), TARGET_KEY, SESSIONS (20), WARMUP_MS (1000),
//      DURATION_MS (3000), CONNECT_CONCURRENCY (50), DRAIN_MS (30000)
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { intEnv, requireEnv } from "./common.mjs";

const FRAME_PERIOD_MS = 20;
const AUDIO_PAYLOAD_BYTES = 640;
const KEEPALIVE_MS = 5000;
const OPEN_TIMEOUT_MS = 30000;
const CLOSE_TIMEOUT_MS = 10000;
const KEPT_ERROR_MESSAGES = 20;
// Bounded wait for the last echoes: polled, never a loop without an end.
const DRAIN_POLL_MS = 10;

const SETTINGS = JSON.stringify({
  type: "Settings",
  audio: { input: { encoding: "linear16", sample_rate: 16000 }, output: { encoding: "linear16", sample_rate: 16000 } },
  agent: {
    listen: { provider: { type: "deepgram", model: "nova-3" } },
    think: { provider: { type: "open_ai", model: "gpt-4o-mini" } },
    speak: { provider: { type: "deepgram", model: "aura-2-thalia-en" } },
  },
  tags: ["load-test"],
});
const KEEPALIVE = JSON.stringify({ type: "KeepAlive" });

const url = requireEnv("TARGET_URL");
const key = requireEnv("TARGET_KEY");
const sessionCount = Math.max(1, intEnv("SESSIONS", 20));
const warmUpMs = intEnv("WARMUP_MS", 1000);
const durationMs = Math.max(1, intEnv("DURATION_MS", 3000));
const connectConcurrency = Math.max(1, intEnv("CONNECT_CONCURRENCY", 50));
const drainMs = intEnv("DRAIN_MS", 30000);

/**
 * HDR-style histogram of microsecond values, the same buckets as the C# generator's LatencyHistogram: exact below
 * 2,048 µs, then 1,024 linear sub-buckets per power of two; a percentile is the bucket's highest value.
 */
class LatencyHistogram {
  static SUB_BUCKET_BITS = 11;
  static SUB_BUCKET_COUNT = 1 << 11;
  static HALF = 1 << 10;
  static MAGNITUDES = 22;

  constructor() {
    this.counts = new Float64Array(LatencyHistogram.SUB_BUCKET_COUNT + LatencyHistogram.MAGNITUDES * LatencyHistogram.HALF);
    this.total = 0;
    this.max = 0;
  }

  record(micros) {
    const value = Math.min(Math.max(0, Math.round(micros)), 2 ** 32);
    this.counts[LatencyHistogram.indexOf(value)]++;
    this.total++;
    if (value > this.max) this.max = value;
  }

  valueAtPercentile(percentile) {
    if (this.total === 0) return 0;
    const wanted = Math.max(1, Math.ceil((this.total * percentile) / 100));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= wanted) return Math.min(LatencyHistogram.highestValueAt(i), this.max);
    }
    return this.max;
  }

  static indexOf(value) {
    if (value < LatencyHistogram.SUB_BUCKET_COUNT) return value;
    const magnitude = Math.floor(Math.log2(value)) - (LatencyHistogram.SUB_BUCKET_BITS - 1);
    const subBucket = Math.floor(value / 2 ** magnitude);
    return LatencyHistogram.SUB_BUCKET_COUNT + (magnitude - 1) * LatencyHistogram.HALF + (subBucket - LatencyHistogram.HALF);
  }

  static highestValueAt(index) {
    if (index < LatencyHistogram.SUB_BUCKET_COUNT) return index;
    const offset = index - LatencyHistogram.SUB_BUCKET_COUNT;
    const magnitude = Math.floor(offset / LatencyHistogram.HALF) + 1;
    const subBucket = (offset % LatencyHistogram.HALF) + LatencyHistogram.HALF;
    return (subBucket + 1) * 2 ** magnitude - 1;
  }
}

const roundTrip = new LatencyHistogram();
const sendLag = new LatencyHistogram();
const errorMessages = [];
let errors = 0;
let measuring = false;
let closing = false;

function sessionFailed(session, message) {
  if (session.failed) return;
  session.failed = true;
  session.stopPacing();
  errors++;
  if (errorMessages.length < KEPT_ERROR_MESSAGES) errorMessages.push(`session ${session.index}: ${message}`);
  try {
    session.ws?.terminate();
  } catch {
    // Already gone.
  }
}

class Session {
  constructor(index) {
    this.index = index;
    this.ws = null;
    this.failed = false;
    this.ready = false;
    this.closedByUs = false;
    this.closeSeen = null;
    this.timer = null;
    this.keepAlive = null;
    this.due = 0;
    this.nextSequence = 0;
    this.expectedSequence = 0;
    this.sentMeasured = 0;
    this.receivedMeasured = 0;
    this.outOfOrder = 0;
    this.skipped = 0;
    // ws masks into a fresh buffer on every send (the payload is read-only to it), so one payload per session is
    // reused; only the stamp at its front changes.
    this.payload = Buffer.alloc(AUDIO_PAYLOAD_BYTES);
    this.tick = () => this.onTick();
  }

  /** Connects, upgrades and completes Welcome → Settings → SettingsApplied. */
  open() {
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        sessionFailed(this, `no SettingsApplied within ${OPEN_TIMEOUT_MS} ms`);
        resolve();
      }, OPEN_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timeout);
        resolve();
      };
      const ws = new WebSocket(url, { headers: { Authorization: `Token ${key}` }, perMessageDeflate: false });
      this.ws = ws;
      ws.on("unexpected-response", (_request, response) => {
        sessionFailed(this, `upgrade refused: HTTP ${response.statusCode}`);
        done();
      });
      ws.on("error", (error) => {
        sessionFailed(this, error.message);
        done();
      });
      ws.on("close", (code, reason) => {
        this.closeSeen = code;
        if (!this.closedByUs) sessionFailed(this, `the target closed: ${code} ${reason.toString().slice(0, 200)}`);
        this.onClosed?.();
        done();
      });
      ws.on("message", (data, isBinary) => {
        if (isBinary) {
          this.onEcho(data);
          return;
        }
        const text = data.toString();
        let type = null;
        try {
          type = JSON.parse(text).type;
        } catch {
          // Not JSON: reported below.
        }
        if (!this.ready && type === "Welcome") {
          ws.send(SETTINGS);
        } else if (!this.ready && type === "SettingsApplied") {
          this.ready = true;
          done();
        } else {
          // A Warning, an Error or anything else: under this load nothing but echoes is expected.
          sessionFailed(this, `unexpected message: ${text.slice(0, 200)}`);
          done();
        }
      });
    });
  }

  startKeepAlive() {
    this.keepAlive = setInterval(() => {
      if (this.ready && !this.failed && this.ws.bufferedAmount === 0) this.ws.send(KEEPALIVE);
    }, KEEPALIVE_MS);
  }

  /** Starts the session's own timer: its first frame is due at firstDue, then one every period. */
  startPacing(firstDue) {
    clearInterval(this.keepAlive);
    this.keepAlive = null;
    this.due = firstDue;
    this.schedule(performance.now());
  }

  stopPacing() {
    clearTimeout(this.timer);
    clearInterval(this.keepAlive);
    this.timer = null;
    this.keepAlive = null;
  }

  schedule(now) {
    // Whole milliseconds (Node's timer lists are per duration); due times are absolute, so rounding and late
    // wake-ups never accumulate into drift.
    this.timer = setTimeout(this.tick, Math.max(1, Math.round(this.due - now)));
  }

  onTick() {
    if (this.failed || closing) return;
    const now = performance.now();
    if (now < this.due - 1) {
      // Woke more than a millisecond early (the event loop's cached clock): not yet due.
      this.schedule(now);
      return;
    }
    let late = now - this.due;
    if (late >= FRAME_PERIOD_MS) {
      // More than a period late: one frame now, the missed slots are skipped, as the C# sender loops do.
      const missed = Math.floor(late / FRAME_PERIOD_MS);
      if (measuring) this.skipped += missed;
      this.due += missed * FRAME_PERIOD_MS;
      late = now - this.due;
    }
    sendLag.record(Math.max(0, late) * 1000);
    if (this.ws.bufferedAmount > 0) {
      // The previous frame still waits for room in the socket: the target is not reading. Never queue more.
      if (measuring) this.skipped++;
    } else {
      const payload = this.payload;
      payload.writeUInt32LE(this.nextSequence++, 0);
      payload.writeDoubleLE(performance.now(), 8);
      payload[16] = measuring ? 1 : 0;
      if (measuring) this.sentMeasured++;
      this.ws.send(payload, { binary: true });
    }
    this.due += FRAME_PERIOD_MS;
    this.schedule(now);
  }

  onEcho(data) {
    const now = performance.now();
    if (!this.ready || data.length !== AUDIO_PAYLOAD_BYTES) {
      sessionFailed(this, `unexpected binary frame of ${data.length} bytes`);
      return;
    }
    const sequence = data.readUInt32LE(0);
    if (sequence === this.expectedSequence) {
      this.expectedSequence++;
    } else if (sequence > this.expectedSequence) {
      // A gap: the missing frames are counted as lost unless they still arrive (then as out of order).
      this.expectedSequence = sequence + 1;
    } else {
      this.outOfOrder++;
    }
    if (data[16] === 1) {
      roundTrip.record((now - data.readDoubleLE(8)) * 1000);
      this.receivedMeasured++;
    }
  }

  /** Close 1000 and wait (bounded) for the target's Close; a failed session is just dropped. */
  close() {
    this.stopPacing();
    if (this.failed || this.closeSeen !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        sessionFailed(this, `no Close from the target within ${CLOSE_TIMEOUT_MS} ms of ours`);
        resolve();
      }, CLOSE_TIMEOUT_MS);
      this.onClosed = () => {
        clearTimeout(timeout);
        resolve();
      };
      this.closedByUs = true;
      this.ws.close(1000);
    });
  }
}

/** Runs work(i) for i in [0, count), at most `concurrency` at a time. */
async function inBatches(count, concurrency, work) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      await work(next++);
    }
  });
  await Promise.all(lanes);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sum = (sessions, field) => sessions.reduce((total, s) => total + s[field], 0);

async function main() {
  const sessions = Array.from({ length: sessionCount }, (_, i) => new Session(i));
  process.stderr.write(`load-ws: opening ${sessionCount} sessions (${connectConcurrency} at a time)\n`);
  await inBatches(sessionCount, connectConcurrency, async (i) => {
    await sessions[i].open();
    if (!sessions[i].failed) sessions[i].startKeepAlive();
  });
  const opened = sessions.filter((s) => s.ready && !s.failed).length;

  // Every session on its own timer, session i's frames due at start + i × 20 ms / N + k × 20 ms.
  const start = performance.now() + FRAME_PERIOD_MS;
  sessions.forEach((s, i) => {
    if (!s.failed) s.startPacing(start + (i * FRAME_PERIOD_MS) / sessionCount);
  });
  process.stderr.write(`load-ws: streaming; warming up ${warmUpMs} ms, then measuring ${durationMs} ms\n`);
  await sleep(warmUpMs);

  // Histograms hold the window only: the warm-up's send lag is not the generator's steady state.
  sendLag.counts.fill(0);
  sendLag.total = 0;
  sendLag.max = 0;
  process.stderr.write("load-ws: measuring\n");
  const cpuStart = process.cpuUsage();
  const windowStart = performance.now();
  measuring = true;
  await sleep(durationMs);
  measuring = false;
  const windowMs = performance.now() - windowStart;
  const cpu = process.cpuUsage(cpuStart);
  process.stderr.write("load-ws: measured\n");
  for (const s of sessions) s.stopPacing();

  // Echoes of the last frames are still on their way; bounded.
  const live = () => sessions.filter((s) => !s.failed);
  const drainDeadline = performance.now() + drainMs;
  while (sum(live(), "receivedMeasured") < sum(live(), "sentMeasured") && performance.now() < drainDeadline) {
    await sleep(DRAIN_POLL_MS);
  }

  const sent = sum(sessions, "sentMeasured");
  const received = sum(sessions, "receivedMeasured");
  const outOfOrder = sum(sessions, "outOfOrder");
  const skipped = sum(sessions, "skipped");
  process.stderr.write(`load-ws: closing ${opened} sessions\n`);
  closing = true;
  await inBatches(sessionCount, connectConcurrency, (i) => sessions[i].close());

  const result = {
    ok: errors === 0 && sent === received && outOfOrder === 0 && opened === sessionCount,
    sessions: sessionCount,
    opened,
    window_ms: windowMs,
    sent,
    received,
    out_of_order: outOfOrder,
    skipped,
    errors,
    error_messages: errorMessages,
    rtt_p50_us: roundTrip.valueAtPercentile(50),
    rtt_p99_us: roundTrip.valueAtPercentile(99),
    rtt_p999_us: roundTrip.valueAtPercentile(99.9),
    rtt_max_us: roundTrip.max,
    send_lag_p99_us: sendLag.valueAtPercentile(99),
    send_lag_max_us: sendLag.max,
    generator_cpu_user_us: cpu.user,
    generator_cpu_system_us: cpu.system,
    node: process.version,
    ws: await wsVersion(),
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  return result.ok ? 0 : 1;
}

async function wsVersion() {
  const { readFile } = await import("node:fs/promises");
  const manifest = JSON.parse(await readFile(new URL("./node_modules/ws/package.json", import.meta.url), "utf8"));
  return manifest.version;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error?.stack ?? error) }) + "\n");
    process.stderr.write(`FAIL: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
