// Opens a Voice Agent session through Deepgram's JS SDK (@deepgram/sdk 5.13.0), applies Settings,
// then stays silent (or sends only KeepAlive every KEEPALIVE_MS) until the server closes the session.
// Afterwards it keeps the SDK alive for OBSERVE_RECONNECT_MS to see whether the SDK reconnects
// on its own (v5 reconnects on every close code except 1000).
//
// Env: PROXY_BASE_URL (ws://host:port, no path), PROXY_KEY,
//      TIMEOUT_MS (default 30000: from start until the server must have closed the session),
//      KEEPALIVE_MS (optional; 0/unset = send nothing after Settings),
//      OBSERVE_RECONNECT_MS (default 6000; the SDK's first reconnect delay is a per-process random
//      value in [1000, 5000) ms, so use more than 5000 to be sure to see a reconnect),
//      VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits 0 if the server closed the session within TIMEOUT_MS.
import { DeepgramClient } from "@deepgram/sdk";
import {
  AGENT_PATH,
  Inbox,
  baseUrlEnv,
  buildSettings,
  countConnectionAttempts,
  fail,
  finish,
  intEnv,
  log,
  remaining,
  requireEnv,
  sleep,
} from "./common.mjs";

const baseUrl = baseUrlEnv();
const apiKey = requireEnv("PROXY_KEY");
const timeoutMs = intEnv("TIMEOUT_MS", 30000);
const keepAliveMs = intEnv("KEEPALIVE_MS", 0);
const observeMs = intEnv("OBSERVE_RECONNECT_MS", 6000);
const deadline = Date.now() + timeoutMs;

const connections = countConnectionAttempts();
const inbox = new Inbox();
const summary = {
  request_ids: [],
  events: [],
  close_codes: [],
  close_reasons: [],
  opened_connections: 0,
  connection_attempts: 0,
  reconnect_scheduled: null,
  settings_applied: false,
  keepalives_sent: 0,
  server_closed_after_ms: null,
  session_id: null,
};
const snapshot = () => ({ ...summary, connection_attempts: connections.attempts });

const hardTimer = setTimeout(() => {
  fail(`overall time limit exceeded (TIMEOUT_MS=${timeoutMs} + OBSERVE_RECONNECT_MS=${observeMs})`, snapshot());
}, timeoutMs + observeMs + 3000);
hardTimer.unref();

let socket;
let stopping = false;
let settingsAppliedAt = null;
let resolveFirstClose;
const firstClose = new Promise((resolve) => (resolveFirstClose = resolve));

try {
  const client = new DeepgramClient({ apiKey, baseUrl });
  summary.session_id = client.sessionId;
  socket = await client.agent.v1.connect({});
  const rws = socket.socket; // the SDK's ReconnectingWebSocket

  socket.on("open", () => {
    summary.opened_connections++;
    log(`open #${summary.opened_connections}`);
  });
  socket.on("message", (message) => {
    const connection = summary.opened_connections;
    if (message instanceof Blob || message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
      const last = summary.events[summary.events.length - 1];
      if (last && last.type === "binary" && last.connection === connection) last.count++;
      else summary.events.push({ type: "binary", code: null, connection, count: 1 });
      return;
    }
    if (typeof message !== "object" || message === null) {
      summary.events.push({ type: "text", code: null, connection });
      return;
    }
    log(`<- ${JSON.stringify(message)}`);
    const event = { type: message.type ?? null, code: message.code ?? null, connection };
    if (message.type === "Error" || message.type === "Warning") {
      event.description = message.description ?? null;
    }
    summary.events.push(event);
    if (message.type === "Welcome") summary.request_ids.push(message.request_id ?? null);
    inbox.push(message);
  });
  socket.on("error", (error) => {
    log(`error event: ${error?.message}`);
    summary.events.push({ type: "socket_error", code: null, description: error?.message ?? null });
  });
  socket.on("close", (event) => {
    if (stopping) return; // our own final close() fires a synthetic {code:1000}
    summary.close_codes.push(event?.code ?? null);
    summary.close_reasons.push(event?.reason || null);
    log(`close ${event?.code} ${event?.reason ?? ""}`);
    if (summary.close_codes.length === 1) {
      // The SDK decides before notifying listeners: _shouldReconnect is false when the close
      // code is not reconnectable (1000 with the default policy).
      summary.reconnect_scheduled = rws._shouldReconnect === true;
      if (settingsAppliedAt) summary.server_closed_after_ms = Date.now() - settingsAppliedAt;
      resolveFirstClose();
    }
    inbox.abort(`closed with code ${event?.code}`);
  });

  socket.connect();
  try {
    await Promise.race([
      socket.waitForOpen(),
      sleep(remaining(deadline)).then(() => {
        throw new Error("timed out waiting for the WebSocket to open");
      }),
    ]);
  } catch (error) {
    throw new Error(`could not open ${baseUrl}${AGENT_PATH}: ${error?.message ?? error}`);
  }

  await inbox.waitForType("Welcome", remaining(deadline));
  socket.sendSettings(buildSettings());
  await inbox.waitForType("SettingsApplied", remaining(deadline));
  summary.settings_applied = true;
  settingsAppliedAt = Date.now();
  log("SettingsApplied; now idle" + (keepAliveMs ? `, KeepAlive every ${keepAliveMs} ms` : ""));

  let keepAliveTimer = null;
  if (keepAliveMs > 0) {
    keepAliveTimer = setInterval(() => {
      if (summary.close_codes.length === 0 && socket.readyState === 1) {
        socket.sendKeepAlive({ type: "KeepAlive" });
        summary.keepalives_sent++;
      }
    }, keepAliveMs);
  }

  const closedInTime = await Promise.race([
    firstClose.then(() => true),
    sleep(remaining(deadline)).then(() => false),
  ]);
  if (keepAliveTimer) clearInterval(keepAliveTimer);

  if (closedInTime) {
    log(`server closed; observing reconnects for ${observeMs} ms`);
    await sleep(observeMs);
  }

  stopping = true;
  socket.close(); // stops any pending reconnect
  await sleep(200);
  summary.connection_attempts = connections.attempts;

  if (!closedInTime) {
    fail(`the server did not close the session within TIMEOUT_MS=${timeoutMs}`, summary);
  } else {
    finish({ ...summary, ok: true }, 0);
  }
} catch (error) {
  stopping = true;
  try {
    socket?.close();
  } catch {
    // already closed
  }
  fail(error?.message ?? String(error), snapshot());
}
