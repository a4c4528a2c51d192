// Shared helpers for the end-to-end client scripts in this folder.
// Every script prints exactly one JSON line on stdout and exits 0 on success,
// or writes a clear message to stderr and exits non-zero on failure.
import diagnosticsChannel from "node:diagnostics_channel";

export const AGENT_PATH = "/v1/agent/converse";

/** Reads a required environment variable or fails. */
export function requireEnv(name) {
  const value = process.env[name];
  if (value == null || value.trim() === "") {
    fail(`environment variable ${name} is required`);
  }
  return value.trim();
}

/** Reads a non-negative integer environment variable with a default. */
export function intEnv(name, defaultValue) {
  const raw = process.env[name];
  if (raw == null || raw.trim() === "") {
    return defaultValue;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    fail(`environment variable ${name} must be a non-negative integer, got '${raw}'`);
  }
  return value;
}

/** Validates PROXY_BASE_URL: a ws:// or wss:// origin without a path. */
export function baseUrlEnv() {
  const raw = requireEnv("PROXY_BASE_URL").replace(/\/+$/, "");
  let url;
  try {
    url = new URL(raw);
  } catch {
    fail(`PROXY_BASE_URL is not a valid URL: '${raw}'`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    fail(`PROXY_BASE_URL must start with ws:// or wss://, got '${raw}'`);
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    fail(`PROXY_BASE_URL must not contain a path (the client adds ${AGENT_PATH}), got '${raw}'`);
  }
  return raw;
}

const verbose = process.env.VERBOSE === "1" || process.env.VERBOSE === "true";
const startedAt = Date.now();

/** Progress log on stderr, only when VERBOSE=1. */
export function log(...args) {
  if (verbose) {
    process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(3)}s] ${args.join(" ")}\n`);
  }
}

export function elapsedMs() {
  return Date.now() - startedAt;
}

let finished = false;

/** Prints the summary line and exits with the given code. */
export function finish(summary, exitCode = 0) {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify(summary) + "\n", () => process.exit(exitCode));
  // Safety net in case the write callback never fires.
  setTimeout(() => process.exit(exitCode), 1000).unref();
}

/** Writes a clear error to stderr, prints the partial summary (if any) and exits 1. */
export function fail(message, summary) {
  if (finished) return;
  process.stderr.write(`FAIL: ${message}\n`);
  finished = true;
  // Synchronous write: fail() may be called at start-up before the event loop runs.
  process.stdout.write(JSON.stringify({ ...(summary ?? {}), ok: false, error: message }) + "\n");
  process.exit(1);
}

/**
 * Counts outgoing HTTP requests (each WebSocket upgrade attempt is one) through Node's
 * diagnostics channel, without touching the SDK. Counts attempts that failed before opening too.
 */
export function countConnectionAttempts() {
  const counter = { attempts: 0 };
  diagnosticsChannel.subscribe("http.client.request.start", () => {
    counter.attempts++;
    log(`connection attempt #${counter.attempts}`);
  });
  return counter;
}

/**
 * A small inbox: pushes every received JSON message, lets the flow wait for one that matches.
 * Rejections (unexpected close, server Error) are delivered to all waiters.
 */
export class Inbox {
  constructor() {
    this.messages = [];
    this.waiters = [];
    this.failure = null;
  }

  push(message) {
    this.messages.push(message);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(message)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  }

  /** Fails every pending and future wait with the given reason. */
  abort(reason) {
    if (this.failure) return;
    this.failure = reason;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new Error(reason));
    }
  }

  /** Waits for a message matching predicate (already received ones count). */
  waitFor(predicate, what, timeoutMs) {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    if (this.failure) return Promise.reject(new Error(this.failure));
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve, reject };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, Math.max(0, timeoutMs));
      waiter.resolve = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      waiter.reject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      this.waiters.push(waiter);
    });
  }

  waitForType(type, timeoutMs) {
    return this.waitFor((m) => m && m.type === type, `a ${type} message`, timeoutMs);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A realistic Voice Agent Settings message. */
export function buildSettings() {
  return {
    type: "Settings",
    tags: ["sdk-e2e"],
    audio: {
      input: { encoding: "linear16", sample_rate: 16000 },
      output: { encoding: "linear16", sample_rate: 16000, container: "none" },
    },
    agent: {
      language: "en",
      listen: { provider: { type: "deepgram", model: "nova-3" } },
      think: {
        provider: { type: "open_ai", model: "gpt-4o-mini", temperature: 0.7 },
        prompt: "You are a friendly test assistant. Keep answers short.",
      },
      speak: { provider: { type: "deepgram", model: "aura-2-thalia-en" } },
      greeting: "Hello from the sdk-e2e suite.",
    },
  };
}

/** One 20 ms frame of 16 kHz mono linear16 audio (640 bytes): a quiet 440 Hz tone. */
export function audioFrame(index) {
  const samples = 320;
  const buffer = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = (index * samples + i) / 16000;
    buffer.writeInt16LE(Math.round(Math.sin(2 * Math.PI * 440 * t) * 1000), i * 2);
  }
  return buffer;
}

/** The time left until a deadline (ms since epoch). */
export function remaining(deadline) {
  return Math.max(0, deadline - Date.now());
}
