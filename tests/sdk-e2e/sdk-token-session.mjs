// Deepgram's official JS SDK (@deepgram/sdk 5.13.0) used as a browser app would, unchanged:
// a backend client made with the proxy key asks the proxy for a short-lived token
// (client.auth.v1.tokens.grant, POST <baseUrl>/v1/auth/grant), then a client made with
// { accessToken, baseUrl } opens the agent through the proxy with it (Bearer).
// Welcome -> Settings -> SettingsApplied -> a few audio frames -> close 1000.
//
// Env: PROXY_HTTP_URL (http://host:port, for the grant), PROXY_BASE_URL (ws://host:port, for the agent),
//      PROXY_KEY, TTL_SECONDS (optional: omitted = the default 30), AUDIO_FRAMES (default 5),
//      TIMEOUT_MS (default 20000), VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits 0 only if the grant and the session both worked.
import { DeepgramClient } from "@deepgram/sdk";
import { Inbox, audioFrame, baseUrlEnv, buildSettings, fail, finish, intEnv, log, remaining, requireEnv, sleep } from "./common.mjs";

const httpUrl = requireEnv("PROXY_HTTP_URL").replace(/\/+$/, "");
const baseUrl = baseUrlEnv();
const apiKey = requireEnv("PROXY_KEY");
const ttlSeconds = process.env.TTL_SECONDS ? Number(process.env.TTL_SECONDS) : undefined;
const audioFrames = intEnv("AUDIO_FRAMES", 5);
const timeoutMs = intEnv("TIMEOUT_MS", 20000);
const deadline = Date.now() + timeoutMs;

const inbox = new Inbox();
const summary = { expires_in: null, token_segments: null, request_id: null, settings_applied: false, close_code: null };

const hardTimer = setTimeout(() => fail(`overall TIMEOUT_MS=${timeoutMs} exceeded`, summary), timeoutMs + 2000);
hardTimer.unref();

let socket;
let closing = false;
let resolveRealClose;
const realClosed = new Promise((resolve) => (resolveRealClose = resolve));

try {
  // The backend: the proxy key never leaves it.
  const backend = new DeepgramClient({ apiKey, baseUrl: httpUrl });
  const grant = await backend.auth.v1.tokens.grant(ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds });
  const accessToken = grant.access_token;
  if (typeof accessToken !== "string" || accessToken.length === 0) throw new Error(`grant had no access_token: ${JSON.stringify(grant)}`);
  summary.expires_in = grant.expires_in;
  summary.token_segments = accessToken.split(".").length;
  log(`granted a token for ${grant.expires_in} s`);

  // The browser: only the token.
  const client = new DeepgramClient({ accessToken, baseUrl });
  socket = await client.agent.v1.connect({});
  socket.on("message", (message) => {
    if (typeof message === "object" && message !== null && !(message instanceof Blob) && !ArrayBuffer.isView(message) && !(message instanceof ArrayBuffer)) {
      log(`<- ${message.type}`);
      if (message.type === "Error") inbox.abort(`server sent Error code=${message.code} description=${message.description}`);
      inbox.push(message);
    }
  });
  socket.on("error", (error) => {
    if (!closing) inbox.abort(`WebSocket error: ${error?.message}`);
  });
  socket.on("close", (event) => {
    if (!closing) inbox.abort(`server closed the session unexpectedly (code ${event?.code} ${event?.reason ?? ""})`);
  });
  socket.socket.addEventListener("close", (event) => {
    if (closing && summary.close_code === null) {
      summary.close_code = event.code;
      resolveRealClose();
    }
  });

  socket.connect();
  await Promise.race([
    socket.waitForOpen(),
    sleep(remaining(deadline)).then(() => {
      throw new Error("timed out waiting for the WebSocket to open");
    }),
  ]);

  const welcome = await inbox.waitForType("Welcome", remaining(deadline));
  summary.request_id = welcome.request_id ?? null;
  socket.sendSettings(buildSettings());
  await inbox.waitForType("SettingsApplied", remaining(deadline));
  summary.settings_applied = true;
  for (let i = 0; i < audioFrames; i++) {
    socket.sendMedia(audioFrame(i));
    await sleep(20);
  }

  closing = true;
  socket.close();
  await Promise.race([
    realClosed,
    sleep(remaining(deadline)).then(() => {
      throw new Error("timed out waiting for the close handshake");
    }),
  ]);
  finish({ ...summary, ok: true }, 0);
} catch (error) {
  closing = true;
  try {
    socket?.close();
  } catch {
    // already closed
  }
  fail(error?.message ?? String(error), summary);
}
