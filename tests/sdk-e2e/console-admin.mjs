// The admin console (/admin/console/ on the admin port) in a real headless Chromium (Debian's chromium, driven by
// playwright-core), used the way its two kinds of users use it:
//   ops (an "admin" token): log in, create a customer, give it a plan, issue a key (shown once), watch a real session
//   of that key (Deepgram's JS SDK, from this script) appear in the live list, close it from the page, set a 3 s idle
//   timeout and see a silent session closed by it, read the usage chart and table, download the CSV, open the
//   printable invoice; customers named like HTML stay text.
//   finance (a "read" token, fresh browser context): sees no write control, and the audit log of ops' changes.
// All along: no cookie, the token in no URL the page requested (only in sessionStorage and the Authorization header),
// no CSP violation, no console error, no uncaught page error.
//
// Env: ADMIN_URL (http://host:port of the admin listener), PROXY_BASE_URL (ws://host:port of the agent listener),
//      OPS_TOKEN, FINANCE_TOKEN, CUSTOMER_ID, CUSTOMER_NAME, PLAN_ID (an existing plan), XSS_IMG_ID, XSS_SCRIPT_ID
//      (customer ids to create with HTML-shaped names), INSTANCE_ID (the proxy's), IDLE_TIMEOUT_SECONDS (default 3),
//      CHROMIUM_PATH (default /usr/bin/chromium), TIMEOUT_MS (default 300000), STEP_TIMEOUT_MS (default 15000: every
//      wait for the page or the API is bounded by it), CONSOLE_SCREENSHOT_DIR (optional: PNGs of the main pages),
//      VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits 0 only if every step held.
import fs from "node:fs";
import path from "node:path";
import { DeepgramClient } from "@deepgram/sdk";
import { chromium } from "playwright-core";
import { Inbox, audioFrame, baseUrlEnv, buildSettings, fail, finish, intEnv, log, requireEnv, sleep } from "./common.mjs";

const adminUrl = requireEnv("ADMIN_URL").replace(/\/+$/, "");
const proxyBaseUrl = baseUrlEnv();
const opsToken = requireEnv("OPS_TOKEN");
const financeToken = requireEnv("FINANCE_TOKEN");
const customerId = requireEnv("CUSTOMER_ID");
const customerName = requireEnv("CUSTOMER_NAME");
const planId = requireEnv("PLAN_ID");
const xssImgId = requireEnv("XSS_IMG_ID");
const xssScriptId = requireEnv("XSS_SCRIPT_ID");
const instanceId = requireEnv("INSTANCE_ID");
const idleSeconds = intEnv("IDLE_TIMEOUT_SECONDS", 3);
const executablePath = process.env.CHROMIUM_PATH?.trim() || "/usr/bin/chromium";
const timeoutMs = intEnv("TIMEOUT_MS", 300000);
const stepTimeout = intEnv("STEP_TIMEOUT_MS", 15000);
const screenshotDir = process.env.CONSOLE_SCREENSHOT_DIR?.trim() || null;

const XSS_IMG_NAME = `<img src=x onerror="window.__xss=1">`;
const XSS_SCRIPT_NAME = `<script>window.__xss=2</script>`;
const TOKEN_STORAGE_KEY = "dgp-admin-token";
const consoleUrl = `${adminUrl}/admin/console/`;

const summary = {
  step: null,
  steps: [],
  browser: null,
  key_id: null,
  admin_closed_session_id: null,
  admin_closed_request_id: null,
  admin_close_client: null,
  idle_request_id: null,
  idle_closed_after_ms: null,
  idle_close_client: null,
  sessions_made: 0,
  usage_total_sessions: null,
  csv_file: null,
  csv_rows: null,
  invoice_url_scheme: null,
  requests: 0,
  expected_404s: null,
  screenshots: [],
};

const hardTimer = setTimeout(() => fail(`overall TIMEOUT_MS=${timeoutMs} exceeded in step '${summary.step}'`, summary), timeoutMs);
hardTimer.unref();

function step(name) {
  summary.step = name;
  summary.steps.push(name);
  log(`step: ${name}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- the admin API, from this script (not the page): to cross-check what the page showed ----------------------------

async function adminApi(method, apiPath, token = opsToken) {
  const response = await fetch(`${adminUrl}/admin/v1${apiPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${apiPath}: HTTP ${response.status} ${text}`);
  return text.length ? JSON.parse(text) : null;
}

/** Polls fn until it returns a truthy value, at most `within` ms (a bounded wait, never a fixed sleep). */
async function until(fn, what, within = stepTimeout) {
  const deadline = Date.now() + within;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error?.message ?? error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${within} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(100);
  }
}

// ---- a real client session through Deepgram's JS SDK ----------------------------------------------------------------

/** Opens a Voice Agent session with the customer's key. With `audio`, a 20 ms frame every 250 ms keeps it active
 * (audio is activity in every idle mode); without, it stays silent after Settings. */
async function openSdkSession(key, { audio }) {
  const inbox = new Inbox();
  const session = { requestId: null, settingsSentAt: null, close: null, errors: [], audioTimer: null, socket: null };
  let resolveClose;
  session.closed = new Promise((resolve) => (resolveClose = resolve));
  let stopping = false;
  const client = new DeepgramClient({ apiKey: key, baseUrl: proxyBaseUrl });
  const socket = await client.agent.v1.connect({});
  session.socket = socket;
  socket.on("message", (message) => {
    if (typeof message !== "object" || message === null || message instanceof Blob || ArrayBuffer.isView(message) || message instanceof ArrayBuffer) return;
    if (message.type === "Error") session.errors.push({ code: message.code ?? null, description: message.description ?? null });
    inbox.push(message);
  });
  socket.on("close", (event) => {
    if (stopping || session.close) return; // our own close() fires a synthetic 1000
    session.close = { code: event?.code ?? null, reason: event?.reason || null, at: Date.now() };
    clearInterval(session.audioTimer);
    // A server close is final for this test: no SDK reconnect into a new session.
    try {
      socket.close();
    } catch {
      // already closed
    }
    resolveClose(session.close);
    inbox.abort(`closed with ${event?.code}`);
  });
  socket.connect();
  await Promise.race([
    socket.waitForOpen(),
    sleep(stepTimeout).then(() => {
      throw new Error("the SDK session did not open");
    }),
  ]);
  const welcome = await inbox.waitForType("Welcome", stepTimeout);
  session.requestId = welcome.request_id ?? null;
  session.settingsSentAt = Date.now();
  socket.sendSettings(buildSettings());
  await inbox.waitForType("SettingsApplied", stepTimeout);
  if (audio) {
    let frame = 0;
    session.audioTimer = setInterval(() => {
      try {
        socket.sendMedia(audioFrame(frame++));
      } catch {
        // closing
      }
    }, 250);
  }
  session.stop = () => {
    stopping = true;
    clearInterval(session.audioTimer);
    try {
      socket.close();
    } catch {
      // already closed
    }
  };
  summary.sessions_made++;
  return session;
}

async function waitForClientClose(session, within, what) {
  return await Promise.race([
    session.closed,
    sleep(within).then(() => {
      throw new Error(`the SDK client saw no close within ${within} ms (${what})`);
    }),
  ]);
}

// ---- the browser: every context is watched for the security rules ----------------------------------------------------

const watch = { requests: [], consoleErrors: [], pageErrors: [], cspViolations: [] };

async function newWatchedContext(browser, label) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  // Reported through a binding, so violations on a page that later navigated away are not lost; the init script runs
  // in every page and popup of the context (the printable invoice's blob: page too).
  await context.exposeBinding("__consoleTestCsp", (_source, violation) => watch.cspViolations.push({ context: label, ...violation }));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__consoleTestCsp({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, url: document.URL }),
    );
  });
  context.on("request", (request) => watch.requests.push({ context: label, url: request.url() }));
  context.on("console", (message) => {
    log(`[${label}] console.${message.type()}: ${message.text()}`);
    if (message.type() === "error") watch.consoleErrors.push({ context: label, text: message.text(), location: message.location()?.url ?? null });
  });
  context.on("weberror", (error) => watch.pageErrors.push({ context: label, text: String(error.error()?.stack ?? error.error()) }));
  return context;
}

const byId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function visible(page, id) {
  const locator = byId(page, id);
  await locator.first().waitFor({ state: "visible", timeout: stepTimeout });
  return locator.first();
}

/** Fails when the page shows an API error (data-testid="error" with text). */
async function noErrorShown(page, where) {
  for (const error of await byId(page, "error").all()) {
    if (await error.isVisible()) {
      const text = (await error.textContent())?.trim();
      if (text) throw new Error(`${where}: the page shows an error: ${text}`);
    }
  }
}

async function waitForText(locator, predicate, what) {
  return await until(async () => {
    const text = (await locator.textContent({ timeout: stepTimeout })) ?? "";
    return predicate(text) ? text : null;
  }, what);
}

async function absent(page, selector, where) {
  const count = await page.locator(selector).count();
  check(count === 0, `${where}: ${count} element(s) ${selector} are shown to a read token`);
}

async function screenshot(page, name, fullPage = true) {
  if (!screenshotDir) return;
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  summary.screenshots.push(path.basename(file));
}

async function navigate(page, nav, readyId) {
  await (await visible(page, nav)).click();
  return await visible(page, readyId);
}

async function logIn(page, token, name, role) {
  await page.goto(consoleUrl);
  await (await visible(page, "login-token")).fill(token);
  await (await visible(page, "login-submit")).click();
  const whoami = await visible(page, "whoami");
  await waitForText(whoami, (t) => t.includes(name) && t.includes(role), `whoami to show ${name} · ${role}`);
}

async function openCustomer(page, id) {
  await navigate(page, "nav-customers", "customers-table");
  await (await visible(page, `customer-link-${id}`)).click();
  await visible(page, "customer-title");
}

async function createCustomer(page, id, name) {
  await navigate(page, "nav-customers", "customers-table");
  await (await visible(page, "customer-new-id")).fill(id);
  await (await visible(page, "customer-new-name")).fill(name);
  await (await visible(page, "customer-create")).click();
  await visible(page, `customer-row-${id}`);
  await noErrorShown(page, `creating customer ${id}`);
}

/** The live row of the customer's session (the page knows the proxy's session id; the client knows its request id). */
async function liveRowOf(page, requestId) {
  return await until(async () => {
    for (const row of await page.locator(`[data-testid^="session-row-"]`, { hasText: customerId }).all()) {
      // The list redraws every 2 s: a row gone since all() must not hold this poll for a locator's default 30 s.
      const sessionId = (await row.getAttribute("data-testid", { timeout: 2000 })).slice("session-row-".length);
      const record = await adminApi("GET", `/sessions/${encodeURIComponent(sessionId)}`);
      if (record.deepgram_request_id === requestId) return sessionId;
    }
    return null;
  }, `the live list to show the session of request ${requestId}`);
}

function utcDay(offsetDays = 0) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

function parseCsv(text) {
  // The usage CSV holds ids, days, model names and integers; a quoted field is unquoted, CRLF or LF.
  return text
    .split(/\r?\n/)
    .filter((line) => line.length > 0)
    .map((line) => line.split(",").map((field) => field.replace(/^"(.*)"$/, "$1").replace(/""/g, '"')));
}

/** The number of sessions the page's usage total shows: a list's "Sessions" entry, the total row's cell under the
 * "sessions" header, or the number next to the word "sessions". */
async function pageTotalSessions(page) {
  const total = byId(page, "usage-total").first();
  const tag = await total.evaluate((el) => el.tagName);
  if (tag === "TR") {
    const headers = (await byId(page, "usage-table").first().locator("thead th").allTextContents()).map((t) => t.trim().toLowerCase());
    const column = headers.findIndex((h) => h === "sessions");
    check(column >= 0, `usage-table has no "sessions" column (headers: ${headers.join(" | ")})`);
    const cells = await total.locator("th, td").allTextContents();
    return Number(cells[column].replace(/[^\d]/g, ""));
  }
  if (tag === "DL") {
    const value = await total.evaluate((dl) => {
      for (const dt of dl.querySelectorAll("dt")) {
        if (dt.textContent.trim().toLowerCase() === "sessions") return dt.nextElementSibling?.textContent ?? null;
      }
      return null;
    });
    check(value !== null, "usage-total has no Sessions entry");
    return Number(value.replace(/[^\d]/g, ""));
  }
  const text = (await total.textContent()) ?? "";
  const match = /(\d[\d,  ]*)\s*sessions?\b/i.exec(text) ?? /sessions?\D{0,3}(\d[\d,  ]*)/i.exec(text);
  check(match, `usage-total shows no session count: '${text}'`);
  return Number(match[1].replace(/[^\d]/g, ""));
}

async function securityChecks(context, page, token, label) {
  check((await page.evaluate(() => document.cookie)) === "", `${label}: document.cookie is not empty`);
  const cookies = await context.cookies();
  check(cookies.length === 0, `${label}: the context holds cookies: ${cookies.map((c) => c.name).join(", ")}`);
  const stored = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_STORAGE_KEY);
  check(stored === token, `${label}: sessionStorage '${TOKEN_STORAGE_KEY}' does not hold the token`);
  const local = await page.evaluate(() => Object.keys(localStorage).length);
  check(local === 0, `${label}: localStorage holds ${local} item(s)`);
  const encoded = [token, encodeURIComponent(token), Buffer.from(token).toString("base64")];
  const leaked = watch.requests.filter((r) => encoded.some((t) => r.url.includes(t)));
  check(leaked.length === 0, `${label}: the token is in requested URL(s): ${leaked.map((r) => r.url.replace(token, "<token>")).join(", ")}`);
}

// Chromium reports every non-2xx answer as a console error ("Failed to load resource"). Two 404s are answers the API
// gives by contract and the pages expect: the customers page asks whether an id exists before it creates it (a create
// never overwrites a customer), and the reconcile page asks for the last run (404 until one ran). Only those, for the
// ids this run creates; any other console error fails the run.
const expected404Paths = new Set([
  "/admin/v1/reconcile/last",
  ...[customerId, xssImgId, xssScriptId].map((id) => `/admin/v1/customers/${encodeURIComponent(id)}`),
]);

function isExpected404(error) {
  if (!/^Failed to load resource: the server responded with a status of 404\b/.test(error.text) || !error.location) return false;
  const url = new URL(error.location);
  return url.origin === adminUrl && url.search === "" && expected404Paths.has(url.pathname);
}

/** Checked once at the end, so a run shows every step's outcome before it fails on these. */
function quietConsoleChecks() {
  check(watch.cspViolations.length === 0, `CSP violations: ${JSON.stringify(watch.cspViolations)}`);
  const unexpected = watch.consoleErrors.filter((e) => !isExpected404(e));
  summary.expected_404s = watch.consoleErrors.length - unexpected.length;
  check(unexpected.length === 0, `console errors: ${JSON.stringify(unexpected)}`);
  check(watch.pageErrors.length === 0, `uncaught page errors: ${JSON.stringify(watch.pageErrors)}`);
}

// ---- the run ----------------------------------------------------------------------------------------------------------

let browser;
let currentPage;
const sessions = [];
try {
  step("launch chromium");
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  summary.browser = browser.version();
  const ops = await newWatchedContext(browser, "ops");
  const page = await ops.newPage();
  currentPage = page;

  step("log in with the admin token");
  await logIn(page, opsToken, "ops", "admin");

  step("create the customer");
  await createCustomer(page, customerId, customerName);
  await waitForText(byId(page, `customer-link-${customerId}`), (t) => t.includes(customerName), "the customer's link to show its name");

  step("give the customer its plan");
  await openCustomer(page, customerId);
  await waitForText(byId(page, "customer-title"), (t) => t.includes(customerName), "customer-title to show the name");
  await (await visible(page, "customer-plan")).selectOption(planId, { timeout: stepTimeout });
  await (await visible(page, "customer-plan-save")).click();
  await until(async () => (await adminApi("GET", `/customers/${customerId}`)).plan === planId, `customer ${customerId} to have plan ${planId}`);
  await noErrorShown(page, "saving the plan");

  step("issue a key (shown once)");
  await (await visible(page, "key-issue")).click();
  const secret = (await waitForText(await visible(page, "key-secret"), (t) => t.trim().length >= 16, "key-secret to show the key")).trim();
  const keys = await adminApi("GET", `/customers/${customerId}/keys`);
  const issued = (keys.keys ?? []).map((k) => k.key_id);
  check(issued.length === 1, `the customer has ${issued.length} keys, expected the one just issued`);
  summary.key_id = issued[0];
  await visible(page, `key-row-${summary.key_id}`);
  await visible(page, "key-copy");
  await noErrorShown(page, "issuing a key");

  step("a real SDK session with the key appears in the live list");
  const live = await openSdkSession(secret, { audio: true });
  sessions.push(live);
  summary.admin_closed_request_id = live.requestId;
  await navigate(page, "nav-sessions", "sessions-table");
  const sessionId = await liveRowOf(page, live.requestId);
  summary.admin_closed_session_id = sessionId;
  const row = byId(page, `session-row-${sessionId}`);
  await waitForText(row, (t) => t.includes(customerId) && t.includes(instanceId), "the live row to name the customer and the instance");
  await visible(page, "sessions-count");
  await visible(page, "sessions-updated");
  await visible(page, `sessions-close-customer-${customerId}`);
  // The page polls: one more refresh after the row appeared shows the session's frames so far.
  const firstUpdate = await byId(page, "sessions-updated").textContent();
  await waitForText(byId(page, "sessions-updated"), (t) => t !== firstUpdate, "the live list to refresh itself");
  await visible(page, `session-row-${sessionId}`);
  await screenshot(page, "sessions");

  step("close the session from the page");
  page.once("dialog", (dialog) => dialog.accept());
  await (await visible(page, `session-close-${sessionId}`)).click();
  summary.admin_close_client = await waitForClientClose(live, stepTimeout, "closed from the page");
  check(summary.admin_close_client.code === 1000, `the client saw close code ${summary.admin_close_client.code}, not 1000`);
  check(live.errors.some((e) => e.code === "SESSION_CLOSED_BY_ADMIN"), `the client got no SESSION_CLOSED_BY_ADMIN error: ${JSON.stringify(live.errors)}`);
  await byId(page, `session-row-${sessionId}`).waitFor({ state: "detached", timeout: stepTimeout });
  const closedRecord = await until(async () => {
    const record = await adminApi("GET", `/sessions/${encodeURIComponent(sessionId)}`);
    return record.status === "closed" ? record : null;
  }, `the record of ${sessionId} to be closed`);
  check(closedRecord.close_reason === "admin_closed", `the record was closed with ${closedRecord.close_reason}, not admin_closed`);
  await noErrorShown(page, "closing the session");

  step(`set a ${idleSeconds} s idle timeout on the customer page`);
  await openCustomer(page, customerId);
  await (await visible(page, "setting-idle-timeout")).fill(String(idleSeconds));
  await (await visible(page, "settings-save")).click();
  await until(async () => (await adminApi("GET", `/customers/${customerId}/settings`)).effective.idle_timeout_ms === idleSeconds * 1000,
    `the customer's effective idle_timeout_ms to be ${idleSeconds * 1000}`);
  const idleText = new RegExp(`\\b${idleSeconds * 1000}\\b|\\b${idleSeconds}(\\.0+)?\\s*s\\b`);
  await waitForText(byId(page, "settings-effective").first(), (t) => idleText.test(t), `settings-effective to show the ${idleSeconds} s idle timeout`);
  await noErrorShown(page, "saving the settings");
  await screenshot(page, "customer");

  step("a silent session of the customer is closed by the idle timeout");
  const silent = await openSdkSession(secret, { audio: false });
  sessions.push(silent);
  summary.idle_request_id = silent.requestId;
  // Bounded: well past the timeout, far below the 30 s default, so only the page's setting explains the close.
  const idleBound = idleSeconds * 1000 + 12000;
  summary.idle_close_client = await waitForClientClose(silent, idleBound, `idle timeout ${idleSeconds} s`);
  summary.idle_closed_after_ms = summary.idle_close_client.at - silent.settingsSentAt;
  check(summary.idle_closed_after_ms >= idleSeconds * 1000 - 100,
    `the silent session closed after ${summary.idle_closed_after_ms} ms, before its ${idleSeconds} s idle timeout`);
  check(silent.errors.some((e) => e.code === "SESSION_IDLE_TIMEOUT"), `the client got no SESSION_IDLE_TIMEOUT error: ${JSON.stringify(silent.errors)}`);
  const idleRecord = await until(async () => {
    const list = await adminApi("GET", `/sessions?customer=${encodeURIComponent(customerId)}&state=closed`);
    return list.sessions.find((r) => r.deepgram_request_id === silent.requestId);
  }, "the silent session's closed record");
  check(idleRecord.close_reason === "idle_timeout", `the silent session was closed with ${idleRecord.close_reason}, not idle_timeout`);

  step("the usage page: chart, table total, CSV");
  const from = utcDay(-1);
  const to = utcDay(0);
  const usageQuery = `customer=${encodeURIComponent(customerId)}&from=${from}&to=${to}&group_by=day`;
  const usage = await until(async () => {
    const report = await adminApi("GET", `/usage?${usageQuery}`);
    return report.total.sessions === summary.sessions_made ? report : null;
  }, `the usage API to count the ${summary.sessions_made} sessions`);
  await navigate(page, "nav-usage", "usage-customer");
  await byId(page, "usage-customer").selectOption(customerId, { timeout: stepTimeout });
  await (await visible(page, "usage-from")).fill(from);
  await (await visible(page, "usage-to")).fill(to);
  await byId(page, "usage-group").selectOption("day", { timeout: stepTimeout });
  await (await visible(page, "usage-load")).click();
  await visible(page, "usage-chart");
  await until(async () => (await page.locator(`[data-testid="usage-chart"] svg rect.bar`).count()) >= 1, "usage-chart to draw at least one bar");
  await visible(page, "usage-table");
  await visible(page, "usage-total");
  summary.usage_total_sessions = await until(async () => {
    const shown = await pageTotalSessions(page);
    return shown === summary.sessions_made ? shown : null;
  }, `usage-total to show ${summary.sessions_made} sessions`);
  await noErrorShown(page, "loading usage");
  await screenshot(page, "usage");
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: stepTimeout }),
    (await visible(page, "usage-csv")).click(),
  ]);
  summary.csv_file = download.suggestedFilename();
  check(summary.csv_file === `usage-${customerId}-${from}-${to}.csv`, `the CSV is named ${summary.csv_file}`);
  const csvPath = await download.path();
  const csv = parseCsv(fs.readFileSync(csvPath, "utf8"));
  const header = ["day", "sessions", "duration_ms", "billable_ms", "rated_ms", "cost_micros"];
  check(JSON.stringify(csv[0]) === JSON.stringify(header), `the CSV header is ${csv[0]?.join(",")}, not ${header.join(",")}`);
  summary.csv_rows = csv.length - 1;
  for (const column of header.slice(1)) {
    const index = csv[0].indexOf(column);
    const sum = csv.slice(1).reduce((acc, row) => acc + BigInt(row[index]), 0n);
    check(sum === BigInt(usage.total[column]), `the CSV's ${column} sum ${sum} is not the API's total ${usage.total[column]}`);
  }
  check(csv.slice(1).every((row) => row[0] >= from && row[0] <= to), "the CSV has a day outside the range");

  step("customers named like HTML show as text");
  await createCustomer(page, xssImgId, XSS_IMG_NAME);
  await createCustomer(page, xssScriptId, XSS_SCRIPT_NAME);
  for (const [id, name] of [[xssImgId, XSS_IMG_NAME], [xssScriptId, XSS_SCRIPT_NAME]]) {
    await waitForText(byId(page, `customer-link-${id}`), (t) => t.includes(name), `customer-link-${id} to show its name literally`);
  }
  const table = byId(page, "customers-table").first();
  check((await table.locator("img").count()) === 0, "the customers table holds an <img>");
  check((await table.locator("script").count()) === 0, "the customers table holds a <script>");
  await screenshot(page, "customers");
  for (const [id, name] of [[xssImgId, XSS_IMG_NAME], [xssScriptId, XSS_SCRIPT_NAME]]) {
    await openCustomer(page, id);
    await waitForText(byId(page, "customer-title"), (t) => t.includes(name), `customer-title of ${id} to show its name literally`);
    check((await page.locator("main img, main script").count()) === 0, `the page of ${id} holds an <img> or a <script>`);
  }
  check((await page.evaluate(() => typeof window.__xss)) === "undefined", "window.__xss was set: a name ran as HTML");

  step("the plans page");
  await navigate(page, "nav-plans", "plans-table");
  await visible(page, `plan-row-${planId}`);
  await noErrorShown(page, "the plans page");
  await screenshot(page, "plans");

  step("the invoice and its printable page");
  const month = to.slice(0, 7);
  await navigate(page, "nav-invoices", "invoice-customer");
  await byId(page, "invoice-customer").selectOption(customerId, { timeout: stepTimeout });
  await (await visible(page, "invoice-month")).fill(month);
  await (await visible(page, "invoice-load")).click();
  await visible(page, "invoice-lines");
  await visible(page, "invoice-total");
  await noErrorShown(page, "loading the invoice");
  await screenshot(page, "invoices");
  const [printable] = await Promise.all([
    ops.waitForEvent("page", { timeout: stepTimeout }),
    (await visible(page, "invoice-print")).click(),
  ]);
  // The page opens the tab in the click's gesture (about:blank), then points it at the fetched blob.
  await printable.waitForURL((url) => url.protocol === "blob:", { timeout: stepTimeout });
  await printable.waitForLoadState("load", { timeout: stepTimeout });
  summary.invoice_url_scheme = new URL(printable.url()).protocol;
  check(summary.invoice_url_scheme === "blob:", `the printable invoice opened at ${printable.url()}, not a blob: URL`);
  await until(async () => ((await printable.textContent("body")) ?? "").includes(customerId), "the printable invoice to name the customer");
  await screenshot(printable, "invoice");
  await printable.close();

  step("the reconcile page");
  await navigate(page, "nav-reconcile", "reconcile-run");
  await visible(page, "reconcile-from");
  await visible(page, "reconcile-to");
  await visible(page, "reconcile-last");
  await screenshot(page, "reconcile");

  step("the instances page");
  await navigate(page, "nav-instances", "instances-table");
  await visible(page, `instance-row-${instanceId}`);
  await noErrorShown(page, "the instances page");
  await screenshot(page, "instances");

  step("no cookie, the token in no URL (admin token)");
  await securityChecks(ops, page, opsToken, "ops");

  step("log in with the read token in a fresh context");
  const finance = await newWatchedContext(browser, "finance");
  const readPage = await finance.newPage();
  currentPage = readPage;
  await logIn(readPage, financeToken, "finance", "read");
  await navigate(readPage, "nav-customers", "customers-table");
  await visible(readPage, `customer-row-${customerId}`);
  await absent(readPage, `[data-testid="customer-create"], [data-testid="customer-new-id"]`, "customers page");
  await (await visible(readPage, `customer-link-${customerId}`)).click();
  await waitForText(byId(readPage, "customer-title"), (t) => t.includes(customerName), "customer-title for the read token");
  await visible(readPage, "keys-table");
  await visible(readPage, "settings-effective"); // the settings are drawn: their absent save button means something
  await absent(readPage,
    `[data-testid="key-issue"], [data-testid^="key-revoke-"], [data-testid="settings-save"], [data-testid="customer-plan-save"], [data-testid="customer-disable"]`,
    "customer page");

  step("the read token sees a live session but no close control");
  const watched = await openSdkSession(secret, { audio: true });
  sessions.push(watched);
  await navigate(readPage, "nav-sessions", "sessions-table");
  const watchedId = await liveRowOf(readPage, watched.requestId);
  await visible(readPage, `session-row-${watchedId}`);
  await absent(readPage, `[data-testid^="session-close-"], [data-testid^="sessions-close-customer-"]`, "sessions page");
  watched.stop();

  step("the read token reads the audit log of ops' changes");
  await navigate(readPage, "nav-audit", "audit-table");
  await until(async () => (await readPage.locator(`[data-testid="audit-row"]`, { hasText: customerId }).filter({ hasText: "ops" }).count()) >= 1,
    "an audit row of ops' change to the customer");
  await until(async () => (await readPage.locator(`[data-testid="audit-row"]`, { hasText: sessionId }).filter({ hasText: "ops" }).count()) >= 1,
    "an audit row of ops closing the session");
  await screenshot(readPage, "audit");

  step("no cookie, the token in no URL (read token)");
  await securityChecks(finance, readPage, financeToken, "finance");

  step("no CSP violation, no console error, no uncaught error in the whole run");
  summary.requests = watch.requests.length;
  check(watch.requests.length > 0, "the browser made no request at all");
  quietConsoleChecks();
} catch (error) {
  for (const session of sessions) session.stop?.();
  let shown = null;
  try {
    shown = (await currentPage?.locator("body").innerText({ timeout: 2000 }))?.slice(0, 1500) ?? null;
  } catch {
    // the page is gone
  }
  await browser?.close().catch(() => {});
  fail(`step '${summary.step}': ${error instanceof Error ? error.message : String(error)}${shown ? `\n--- the page showed:\n${shown}` : ""}`, {
    ...summary,
    console_errors: watch.consoleErrors,
    csp_violations: watch.cspViolations,
    page_errors: watch.pageErrors,
  });
}
for (const session of sessions) session.stop?.();
await browser.close();
summary.step = "done";
finish({ ok: true, ...summary });
