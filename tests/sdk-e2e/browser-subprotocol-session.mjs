// A browser-style Voice Agent client: no custom headers, the API key travels only as WebSocket
// subprotocols, exactly like `new WebSocket(url, ["token", key])` in a browser.
// Flow: Welcome -> Settings -> SettingsApplied -> a few paced audio frames -> close 1000.
//
// Env: PROXY_BASE_URL (ws://host:port, no path), PROXY_KEY, AUDIO_FRAMES (default 5),
//      TIMEOUT_MS (default 20000), PROXY_PATH (default /v1/agent/converse; /agent also works),
//      EXPECT_ECHO (default 1: every audio frame must come back), VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits non-zero unless the server selected the "token" subprotocol
// and the whole flow completed.
import WebSocket from "ws";
import {
  AGENT_PATH,
  Inbox,
  audioFrame,
  baseUrlEnv,
  buildSettings,
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
const audioFrames = intEnv("AUDIO_FRAMES", 5);
const timeoutMs = intEnv("TIMEOUT_MS", 20000);
const path = process.env.PROXY_PATH?.trim() || AGENT_PATH;
const expectEcho = (process.env.EXPECT_ECHO ?? "1") !== "0";
const deadline = Date.now() + timeoutMs;

const summary = {
  url: `${baseUrl}${path}`,
  protocol: null,
  request_id: null,
  settings_applied: false,
  audio_frames_sent: 0,
  audio_frames_received: 0,
  close_code: null,
  close_reason: null,
};

const hardTimer = setTimeout(() => fail(`overall TIMEOUT_MS=${timeoutMs} exceeded`, summary), timeoutMs + 2000);
hardTimer.unref();

const inbox = new Inbox();
let closing = false;
let resolveClosed;
const closed = new Promise((resolve) => (resolveClosed = resolve));

// Like a browser: only the URL and the protocol list. (ws, like browsers, also offers
// permessage-deflate; that is a standard handshake header, not an auth header.)
const ws = new WebSocket(summary.url, ["token", apiKey]);

ws.on("unexpected-response", (request, response) => {
  inbox.abort(`handshake rejected with HTTP ${response.statusCode} ${response.statusMessage ?? ""}`.trim());
  request.destroy();
});
ws.on("error", (error) => {
  log(`error: ${error.message}`);
  if (!closing) inbox.abort(`WebSocket error: ${error.message}`);
});
ws.on("open", () => {
  summary.protocol = ws.protocol;
  log(`open, server selected protocol '${ws.protocol}'`);
  inbox.push({ type: "__open" });
});
ws.on("message", (data, isBinary) => {
  if (isBinary) {
    summary.audio_frames_received++;
    return;
  }
  let message;
  try {
    message = JSON.parse(data.toString("utf8"));
  } catch {
    log(`non-JSON text message: ${data.toString("utf8").slice(0, 200)}`);
    return;
  }
  log(`<- ${message.type}`);
  if (message.type === "Error") {
    inbox.abort(`server sent Error code=${message.code} description=${message.description}`);
  }
  inbox.push(message);
});
ws.on("close", (code, reason) => {
  summary.close_code = code;
  summary.close_reason = reason?.toString("utf8") || null;
  log(`close ${code} ${summary.close_reason ?? ""}`);
  if (!closing) inbox.abort(`server closed the session unexpectedly (code ${code} ${summary.close_reason ?? ""})`);
  resolveClosed();
});

try {
  await inbox.waitForType("__open", remaining(deadline));
  if (ws.protocol !== "token") {
    const answered = ws.protocol === apiKey ? "<the API key itself>" : `'${ws.protocol}'`;
    throw new Error(`server answered subprotocol ${answered}, expected 'token'`);
  }

  const welcome = await inbox.waitForType("Welcome", remaining(deadline));
  summary.request_id = welcome.request_id ?? null;
  if (!summary.request_id) throw new Error("Welcome carried no request_id");

  ws.send(JSON.stringify(buildSettings()));
  await inbox.waitForType("SettingsApplied", remaining(deadline));
  summary.settings_applied = true;

  const start = Date.now();
  for (let i = 0; i < audioFrames; i++) {
    if (inbox.failure) throw new Error(inbox.failure);
    ws.send(audioFrame(i), { binary: true });
    summary.audio_frames_sent++;
    await sleep(Math.max(0, start + (i + 1) * 20 - Date.now()));
  }
  if (expectEcho) {
    const echoDeadline = Math.min(deadline, Date.now() + 5000);
    while (summary.audio_frames_received < summary.audio_frames_sent && Date.now() < echoDeadline) {
      if (inbox.failure) throw new Error(inbox.failure);
      await sleep(20);
    }
    if (summary.audio_frames_received < summary.audio_frames_sent) {
      throw new Error(`only ${summary.audio_frames_received} of ${summary.audio_frames_sent} audio frames came back`);
    }
  }
  if (inbox.failure) throw new Error(inbox.failure);

  closing = true;
  ws.close(1000, "done");
  await Promise.race([
    closed,
    sleep(remaining(deadline)).then(() => {
      throw new Error("timed out waiting for the close handshake");
    }),
  ]);
  if (summary.close_code !== 1000) throw new Error(`close code was ${summary.close_code}, expected 1000`);
  finish({ ...summary, ok: true }, 0);
} catch (error) {
  closing = true;
  try {
    ws.terminate();
  } catch {
    // already closed
  }
  fail(error?.message ?? String(error), summary);
}
