// Drives one Voice Agent session through Deepgram's official JS SDK (@deepgram/sdk 5.13.0)
// pointed at the proxy: Welcome -> Settings -> SettingsApplied -> paced audio (echoed back by
// the emulator) -> InjectUserMessage -> ConversationText -> KeepAlive -> close 1000.
//
// Env: PROXY_BASE_URL (ws://host:port, no path), PROXY_KEY, AUDIO_FRAMES (default 25),
//      TIMEOUT_MS (default 20000), EXPECT_ECHO (default 1: every audio frame must come back),
//      VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits 0 only if every step happened on a single connection.
import { DeepgramClient } from "@deepgram/sdk";
import {
  AGENT_PATH,
  Inbox,
  audioFrame,
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
const audioFrames = intEnv("AUDIO_FRAMES", 25);
const timeoutMs = intEnv("TIMEOUT_MS", 20000);
const expectEcho = (process.env.EXPECT_ECHO ?? "1") !== "0";
const deadline = Date.now() + timeoutMs;

const connections = countConnectionAttempts();
const inbox = new Inbox();
const summary = {
  request_id: null,
  settings_applied: false,
  audio_frames_sent: 0,
  audio_frames_received: 0,
  audio_bytes_received: 0,
  conversation_text: [],
  warnings: [],
  close_code: null,
  close_reason: null,
  opened_connections: 0,
  connection_attempts: 0,
  session_id: null,
};

const snapshot = () => ({ ...summary, connection_attempts: connections.attempts });

const hardTimer = setTimeout(() => {
  fail(`overall TIMEOUT_MS=${timeoutMs} exceeded`, snapshot());
}, timeoutMs + 2000);
hardTimer.unref();

let socket;
let closing = false;
let realClose = null;
let resolveRealClose;
const realClosed = new Promise((resolve) => (resolveRealClose = resolve));

try {
  const client = new DeepgramClient({ apiKey, baseUrl });
  summary.session_id = client.sessionId; // sent as the x-deepgram-session-id header
  socket = await client.agent.v1.connect({});

  socket.on("open", () => {
    summary.opened_connections++;
    log(`open #${summary.opened_connections} ${socket.socket.url}`);
    if (summary.opened_connections > 1) {
      inbox.abort(`the SDK reconnected (opened connection #${summary.opened_connections})`);
    }
  });
  socket.on("message", (message) => {
    if (message instanceof Blob || message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
      summary.audio_frames_received++;
      summary.audio_bytes_received += message.size ?? message.byteLength;
      return;
    }
    if (typeof message !== "object" || message === null) {
      log(`non-JSON text message: ${String(message).slice(0, 200)}`);
      return;
    }
    log(`<- ${message.type}`);
    if (message.type === "ConversationText") {
      summary.conversation_text.push({ role: message.role, content: message.content });
    } else if (message.type === "Warning") {
      summary.warnings.push({ code: message.code ?? null, description: message.description ?? null });
    } else if (message.type === "Error") {
      inbox.abort(`server sent Error code=${message.code} description=${message.description}`);
    }
    inbox.push(message);
  });
  socket.on("error", (error) => {
    log(`error event: ${error?.message}`);
    if (!closing) inbox.abort(`WebSocket error: ${error?.message}`);
  });
  socket.on("close", (event) => {
    // Note: the SDK's own close() fires this handler synchronously with a synthetic {code:1000};
    // the real close handshake is observed on socket.socket (below).
    if (!closing && summary.opened_connections > 0) {
      log(`unexpected close ${event?.code} ${event?.reason ?? ""}`);
      summary.close_code = event?.code ?? null;
      summary.close_reason = event?.reason || null;
      inbox.abort(`server closed the session unexpectedly (code ${event?.code} ${event?.reason ?? ""})`);
    }
  });
  // Raw listener on the SDK's ReconnectingWebSocket: sees the real close frame even after
  // socket.close() has detached the SDK's handlers.
  socket.socket.addEventListener("close", (event) => {
    if (closing && !realClose) {
      realClose = { code: event.code, reason: event.reason };
      resolveRealClose();
    }
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

  const welcome = await inbox.waitForType("Welcome", remaining(deadline));
  summary.request_id = welcome.request_id ?? null;
  if (!summary.request_id) throw new Error("Welcome carried no request_id");

  socket.sendSettings(buildSettings());
  await inbox.waitForType("SettingsApplied", remaining(deadline));
  summary.settings_applied = true;

  // Paced audio: one 640-byte frame (20 ms of 16 kHz linear16) every 20 ms.
  const start = Date.now();
  for (let i = 0; i < audioFrames; i++) {
    if (inbox.failure) throw new Error(inbox.failure);
    socket.sendMedia(audioFrame(i));
    summary.audio_frames_sent++;
    const next = start + (i + 1) * 20;
    await sleep(Math.max(0, next - Date.now()));
  }
  if (expectEcho) {
    const echoDeadline = Math.min(deadline, Date.now() + 5000);
    while (summary.audio_frames_received < summary.audio_frames_sent && Date.now() < echoDeadline) {
      if (inbox.failure) throw new Error(inbox.failure);
      await sleep(20);
    }
    if (summary.audio_frames_received < summary.audio_frames_sent) {
      throw new Error(
        `only ${summary.audio_frames_received} of ${summary.audio_frames_sent} audio frames came back`,
      );
    }
  }

  socket.sendInjectUserMessage({ type: "InjectUserMessage", content: "hello" });
  await inbox.waitForType("ConversationText", remaining(deadline));
  // The emulator answers with two ConversationText messages (user + assistant); give the second a moment.
  const textDeadline = Math.min(deadline, Date.now() + 1000);
  while (summary.conversation_text.length < 2 && Date.now() < textDeadline) await sleep(10);

  socket.sendKeepAlive({ type: "KeepAlive" });
  await sleep(100);
  if (inbox.failure) throw new Error(inbox.failure);

  closing = true;
  socket.close(); // ReconnectingWebSocket.close(1000) – disables reconnects
  await Promise.race([
    realClosed,
    sleep(remaining(deadline)).then(() => {
      throw new Error("timed out waiting for the close handshake");
    }),
  ]);
  summary.close_code = realClose.code;
  summary.close_reason = realClose.reason || null;

  // Stay a moment to catch a (wrong) reconnect after the close.
  await sleep(300);
  summary.connection_attempts = connections.attempts;
  if (summary.close_code !== 1000) throw new Error(`close code was ${summary.close_code}, expected 1000`);
  if (summary.opened_connections !== 1 || connections.attempts !== 1) {
    throw new Error(
      `expected exactly one connection, got opened=${summary.opened_connections} attempts=${connections.attempts}`,
    );
  }
  finish({ ...summary, ok: true }, 0);
} catch (error) {
  closing = true;
  try {
    socket?.close();
  } catch {
    // already closed
  }
  fail(error?.message ?? String(error), snapshot());
}
