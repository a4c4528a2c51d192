// A real browser runs a voice-agent page the way a web app does. The page never sees the proxy key:
// it asks its own backend for a short-lived token. The backend is this script's HTTP server, which holds
// the key and calls the gateway's POST /v1/auth/grant. The page then opens
// `new WebSocket(url, ["bearer", token])` and runs Welcome -> Settings -> SettingsApplied -> audio frames ->
// close 1000. The browser is Debian's headless Chromium driven by playwright-core (no browser download).
//
// Env: PROXY_BASE_URL (ws://host:port, no path), PROXY_KEY (held by the backend only),
//      CHROMIUM_PATH (default /usr/bin/chromium), AUDIO_FRAMES (default 5), TIMEOUT_MS (default 30000),
//      TOKEN_TTL_SECONDS (default 30), EXPECT_ECHO (default 1), VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits non-zero unless the gateway answered the "bearer" subprotocol and the
// whole flow completed.
import http from "node:http";
import { chromium } from "playwright-core";
import { AGENT_PATH, baseUrlEnv, buildSettings, fail, finish, intEnv, log, requireEnv } from "./common.mjs";

const wsBase = baseUrlEnv();
const httpBase = wsBase.replace(/^ws/, "http");
const proxyKey = requireEnv("PROXY_KEY");
const executablePath = process.env.CHROMIUM_PATH?.trim() || "/usr/bin/chromium";
const audioFrames = intEnv("AUDIO_FRAMES", 5);
const timeoutMs = intEnv("TIMEOUT_MS", 30000);
const ttlSeconds = intEnv("TOKEN_TTL_SECONDS", 30);
const expectEcho = (process.env.EXPECT_ECHO ?? "1") !== "0";

const summary = { browser: null, page_origin: null, token_expires_in: null, grant_calls: 0 };
const hardTimer = setTimeout(() => fail(`overall TIMEOUT_MS=${timeoutMs} exceeded`, summary), timeoutMs + 5000);
hardTimer.unref();

// The page: plain browser APIs only (fetch, WebSocket). It reports through window.__result.
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>voice agent</title></head>
<body><p id="status">starting</p>
<script>
window.runSession = async ({ url, settings, frames, expectEcho, timeoutMs }) => {
  const status = (text) => (document.getElementById("status").textContent = text);
  const grant = await fetch("/token", { method: "POST" });
  if (!grant.ok) throw new Error("the backend could not get a token: HTTP " + grant.status + " " + (await grant.text()));
  const { access_token } = await grant.json();
  return await new Promise((resolve, reject) => {
    const result = { protocol: null, request_id: null, settings_applied: false, audio_frames_sent: 0,
                     audio_frames_received: 0, close_code: null, close_reason: null, errors: [] };
    const timer = setTimeout(() => reject(new Error("page timed out: " + JSON.stringify(result))), timeoutMs);
    const ws = new WebSocket(url, ["bearer", access_token]);
    ws.binaryType = "arraybuffer";
    let closing = false;
    const closeWhenDone = () => {
      if (!closing && result.audio_frames_sent === frames && (!expectEcho || result.audio_frames_received >= frames)) {
        closing = true;
        ws.close(1000, "done");
      }
    };
    const sendAudio = async () => {
      for (let n = 0; n < frames; n++) {
        const samples = new Int16Array(320);
        for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin(2 * Math.PI * 440 * (n * 320 + i) / 16000) * 1000);
        ws.send(samples.buffer);
        result.audio_frames_sent++;
        await new Promise((r) => setTimeout(r, 20));
      }
      closeWhenDone();
    };
    ws.onopen = () => { result.protocol = ws.protocol; status("open"); };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") { result.audio_frames_received++; closeWhenDone(); return; }
      const message = JSON.parse(event.data);
      if (message.type === "Welcome") { result.request_id = message.request_id; ws.send(JSON.stringify(settings)); }
      else if (message.type === "SettingsApplied") { result.settings_applied = true; sendAudio(); }
      else if (message.type === "Error") { result.errors.push(message); }
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      result.close_code = event.code;
      result.close_reason = event.reason;
      status("closed " + event.code);
      resolve(result);
    };
  });
};
</script></body></html>`;

// The app's backend: serves the page and mints a token per page load with the key only it knows.
const backend = http.createServer(async (request, response) => {
  try {
    if (request.method === "GET" && request.url === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    if (request.method === "POST" && request.url === "/token") {
      summary.grant_calls++;
      const grant = await fetch(`${httpBase}/v1/auth/grant`, {
        method: "POST",
        headers: { authorization: `Token ${proxyKey}`, "content-type": "application/json" },
        body: JSON.stringify({ ttl_seconds: ttlSeconds }),
      });
      const body = await grant.text();
      if (grant.ok) summary.token_expires_in = JSON.parse(body).expires_in;
      response.writeHead(grant.status, { "content-type": "application/json" }).end(body);
      return;
    }
    response.writeHead(404).end();
  } catch (error) {
    response.writeHead(502, { "content-type": "text/plain" }).end(String(error));
  }
});
await new Promise((resolve) => backend.listen(0, "127.0.0.1", resolve));
summary.page_origin = `http://127.0.0.1:${backend.address().port}`;

let browser;
try {
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  summary.browser = browser.version();
  log(`browser ${summary.browser}, page ${summary.page_origin}`);
  const tab = await browser.newPage();
  tab.on("console", (message) => log(`page: ${message.text()}`));
  await tab.goto(summary.page_origin + "/");
  const result = await tab.evaluate((args) => window.runSession(args), {
    url: `${wsBase}${AGENT_PATH}`,
    settings: buildSettings(),
    frames: audioFrames,
    expectEcho,
    timeoutMs,
  });
  Object.assign(summary, result);
} catch (error) {
  await browser?.close().catch(() => {});
  backend.close();
  fail(error instanceof Error ? error.message : String(error), summary);
}
await browser.close();
backend.close();

if (summary.protocol !== "bearer") fail(`the gateway answered subprotocol '${summary.protocol}', not 'bearer'`, summary);
if (!summary.settings_applied) fail("no SettingsApplied", summary);
if (summary.close_code !== 1000) fail(`closed with ${summary.close_code}, not 1000`, summary);
if (expectEcho && summary.audio_frames_received < audioFrames) {
  fail(`${summary.audio_frames_received} of ${audioFrames} audio frames came back`, summary);
}
finish({ ok: true, ...summary });
