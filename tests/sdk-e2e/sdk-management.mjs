// Deepgram's official JS SDK (@deepgram/sdk 5.13.0) against the emulator's management API, unchanged:
// client.manage.v1.projects.keys.create / list / get / delete, client.manage.v1.projects.requests.list and
// client.auth.v1.tokens.grant. A created key (scope "member") opens an agent session at once, grants a token that
// opens another, shows up as the api_key_id of both in the requests list (accessor filter), cannot manage, and is
// refused (agent and grant) once deleted.
//
// Env: EMULATOR_HTTP_URL (http://host:port), EMULATOR_KEY (a management key: one of Emulator:ApiKeys),
//      PROJECT_ID (default emulator-project), TIMEOUT_MS (default 20000), VERBOSE=1 for progress on stderr.
// Prints one JSON line; exits 0 only if every step answered as Deepgram would.
import { DeepgramClient } from "@deepgram/sdk";
import WebSocket from "ws";
import { AGENT_PATH, Inbox, audioFrame, buildSettings, fail, finish, intEnv, log, remaining, requireEnv, sleep } from "./common.mjs";

const httpUrl = requireEnv("EMULATOR_HTTP_URL").replace(/\/+$/, "");
const wsUrl = httpUrl.replace(/^http/, "ws");
const managementKey = requireEnv("EMULATOR_KEY");
const projectId = process.env.PROJECT_ID?.trim() || "emulator-project";
const timeoutMs = intEnv("TIMEOUT_MS", 20000);
const deadline = Date.now() + timeoutMs;

const summary = {
  created: null,
  listed: false,
  got_key_id: null,
  token_expires_in: null,
  key_request_id: null,
  token_request_id: null,
  requests: null,
  member_manage_status: null,
  deleted_message: null,
  listed_after_delete: null,
  deleted_grant_status: null,
  deleted_agent_status: null,
};

const hardTimer = setTimeout(() => fail(`overall TIMEOUT_MS=${timeoutMs} exceeded`, summary), timeoutMs + 2000);
hardTimer.unref();

/** The HTTP status of an SDK call that must fail (the SDK throws an error carrying it). */
async function statusOfFailure(call, what) {
  try {
    const answer = await call();
    throw new Error(`${what} succeeded but should have been refused: ${JSON.stringify(answer)}`);
  } catch (error) {
    if (typeof error?.statusCode !== "number") throw error;
    return error.statusCode;
  }
}

/** One agent session through the SDK: Welcome -> Settings -> SettingsApplied -> audio -> close 1000; its request_id. */
async function agentSession(client) {
  const inbox = new Inbox();
  const socket = await client.agent.v1.connect({});
  let closing = false;
  let resolveClosed;
  const closed = new Promise((resolve) => (resolveClosed = resolve));
  socket.on("message", (message) => {
    if (typeof message === "object" && message !== null && !(message instanceof Blob) && !ArrayBuffer.isView(message) && !(message instanceof ArrayBuffer)) {
      if (message.type === "Error") inbox.abort(`server sent Error code=${message.code}`);
      inbox.push(message);
    }
  });
  socket.on("error", (error) => {
    if (!closing) inbox.abort(`WebSocket error: ${error?.message}`);
  });
  socket.on("close", (event) => {
    if (!closing) inbox.abort(`server closed the session unexpectedly (code ${event?.code})`);
  });
  socket.socket.addEventListener("close", (event) => {
    if (closing) resolveClosed(event.code);
  });
  socket.connect();
  await Promise.race([
    socket.waitForOpen(),
    sleep(remaining(deadline)).then(() => {
      throw new Error("timed out waiting for the WebSocket to open");
    }),
  ]);
  const welcome = await inbox.waitForType("Welcome", remaining(deadline));
  socket.sendSettings(buildSettings());
  await inbox.waitForType("SettingsApplied", remaining(deadline));
  for (let i = 0; i < 3; i++) {
    socket.sendMedia(audioFrame(i));
    await sleep(20);
  }
  closing = true;
  socket.close();
  const code = await Promise.race([closed, sleep(remaining(deadline)).then(() => null)]);
  if (code !== 1000) throw new Error(`the session did not close with 1000 (got ${code})`);
  return welcome.request_id;
}

/** The status the emulator answers a WebSocket upgrade with this key (101 when it opens). */
function upgradeStatus(key) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl + AGENT_PATH, { headers: { Authorization: `Token ${key}` } });
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode);
      socket.terminate();
    });
    socket.on("open", () => {
      resolve(101);
      socket.close(1000);
    });
    socket.on("error", (error) => reject(error));
  });
}

try {
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  const admin = new DeepgramClient({ apiKey: managementKey, baseUrl: httpUrl });
  const keys = admin.manage.v1.projects.keys;

  const created = await keys.create(projectId, { comment: "sdk-e2e customer key", scopes: ["member"], tags: ["sdk-e2e", "customer-1"] });
  summary.created = { api_key_id: created.api_key_id, comment: created.comment, scopes: created.scopes, tags: created.tags, key_length: created.key?.length ?? 0 };
  if (typeof created.key !== "string" || typeof created.api_key_id !== "string") throw new Error(`create answered no key: ${JSON.stringify(summary.created)}`);
  log(`created key ${created.api_key_id}`);

  const listed = await keys.list(projectId);
  summary.listed = listed.api_keys.some((k) => k.api_key.api_key_id === created.api_key_id && k.member.member_id);
  const got = await keys.get(projectId, created.api_key_id);
  summary.got_key_id = got.item.member.api_key.api_key_id;

  // The created key, at once: a token, a session with the key, a session with the token.
  const customerHttp = new DeepgramClient({ apiKey: created.key, baseUrl: httpUrl });
  const grant = await customerHttp.auth.v1.tokens.grant({ ttl_seconds: 120 });
  summary.token_expires_in = grant.expires_in;
  summary.key_request_id = await agentSession(new DeepgramClient({ apiKey: created.key, baseUrl: wsUrl }));
  summary.token_request_id = await agentSession(new DeepgramClient({ accessToken: grant.access_token, baseUrl: wsUrl }));
  log(`sessions ${summary.key_request_id} (key) and ${summary.token_request_id} (token)`);

  const page = await admin.manage.v1.projects.requests.list(projectId, {
    start: startedAt,
    end: new Date(Date.now() + 60_000).toISOString(),
    limit: 10,
    page: 0,
    accessor: created.api_key_id,
    endpoint: "agent",
  });
  summary.requests = { page: page.page, limit: page.limit, entries: page.requests.map((r) => ({ request_id: r.request_id, api_key_id: r.api_key_id, path: r.path })) };

  // A member key opens sessions but does not manage the project.
  summary.member_manage_status = await statusOfFailure(() => customerHttp.manage.v1.projects.keys.list(projectId), "keys.list with a member key");

  const deleted = await keys.delete(projectId, created.api_key_id);
  summary.deleted_message = deleted.message;
  summary.listed_after_delete = (await keys.list(projectId)).api_keys.some((k) => k.api_key.api_key_id === created.api_key_id);
  summary.deleted_grant_status = await statusOfFailure(() => customerHttp.auth.v1.tokens.grant({}), "grant with a deleted key");
  summary.deleted_agent_status = await upgradeStatus(created.key);
  finish({ ...summary, ok: true }, 0);
} catch (error) {
  fail(error?.message ?? String(error), summary);
}
