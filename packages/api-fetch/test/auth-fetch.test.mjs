// Unit tests of createAuthFetch against a mock fetch, with Node's built-in test runner.
// Run by `cargo xtask verify` (and the api-fetch test of xtask) on the compiled module:
//   ACCORD_API_FETCH_DIST=target/api-fetch/dist node --test packages/api-fetch/test/*.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";

const dist = process.env.ACCORD_API_FETCH_DIST;
if (!dist) throw new Error("ACCORD_API_FETCH_DIST must name the compiled module's folder");
const { createAuthFetch, memoryTokenStore, retryAfterMs, ApiError, unwrap, isErrorEnvelope, errorMediaTypes } =
  await import(`${dist}/index.js`);

const API = "http://api.test";
const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const problem = (status, extra = {}) =>
  new Response(JSON.stringify({ type: "about:blank", title: "Error", status, ...extra }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

/** A backend: access tokens `a1`, `a2`...; `refresh_token` `r1`, `r2`... rotating. */
function backend({ refreshFails = false, refreshDelayMs = 20 } = {}) {
  const state = { access: "a1", refresh: "r1", refreshCalls: 0, calls: [] };
  const fetch = async (request) => {
    const url = new URL(request.url);
    const auth = request.headers.get("authorization");
    state.calls.push({ method: request.method, path: url.pathname, auth, body: request.body ? await request.clone().text() : null });
    if (url.pathname === "/auth/refresh") {
      state.refreshCalls++;
      await new Promise((r) => setTimeout(r, refreshDelayMs));
      const body = await request.json().catch(() => ({}));
      if (refreshFails || body.refresh_token !== state.refresh) return problem(401);
      const n = Number(state.access.slice(1)) + 1;
      state.access = `a${n}`;
      state.refresh = `r${n}`;
      return json(200, { access_token: state.access, refresh_token: state.refresh });
    }
    if (auth !== `Bearer ${state.access}`) return problem(401);
    return json(200, { ok: true, path: url.pathname });
  };
  return { state, fetch };
}

function client(b, extra = {}) {
  const tokens = memoryTokenStore("a0"); // stale: every first call gets a 401
  const refreshTokens = memoryTokenStore("r1");
  let signOuts = 0;
  const f = createAuthFetch({
    fetch: b.fetch,
    tokens,
    refresh: { mode: "body", url: `${API}/auth/refresh`, refreshTokens },
    onSignOut: () => signOuts++,
    sleep: async () => {},
    ...extra,
  });
  return { f, tokens, refreshTokens, signOuts: () => signOuts };
}

test("N concurrent 401s make exactly one refresh, and every request is retried once with the new token", async () => {
  const b = backend();
  const c = client(b);
  const responses = await Promise.all(
    Array.from({ length: 8 }, (_, i) => c.f(new Request(`${API}/items/${i}`))),
  );
  assert.equal(b.state.refreshCalls, 1);
  for (const r of responses) assert.equal(r.status, 200);
  assert.equal(c.tokens.get(), "a2");
  assert.equal(c.refreshTokens.get(), "r2");
  // Each request: one 401 with the stale token, one 200 with the new one.
  const items = b.state.calls.filter((c) => c.path.startsWith("/items/"));
  assert.equal(items.length, 16);
  assert.equal(items.filter((c) => c.auth === "Bearer a2").length, 8);
});

test("a refresh failure signs out once and retries nothing", async () => {
  const b = backend({ refreshFails: true });
  const c = client(b);
  const responses = await Promise.all(Array.from({ length: 5 }, () => c.f(new Request(`${API}/me`))));
  for (const r of responses) assert.equal(r.status, 401);
  assert.equal(b.state.refreshCalls, 1);
  assert.equal(c.signOuts(), 1);
  assert.equal(c.tokens.get(), null);
  assert.equal(c.refreshTokens.get(), null);
  assert.equal(b.state.calls.filter((x) => x.path === "/me").length, 5, "a request was retried");
  // Signed out: a later request is not refreshed again.
  const later = await c.f(new Request(`${API}/me`));
  assert.equal(later.status, 401);
  assert.equal(c.signOuts(), 1);
});

test("a request body survives the retry after a refresh", async () => {
  const b = backend();
  const c = client(b);
  const r = await c.f(new Request(`${API}/items`, { method: "POST", body: JSON.stringify({ name: "x" }), headers: { "content-type": "application/json" } }));
  assert.equal(r.status, 200);
  const posts = b.state.calls.filter((x) => x.path === "/items");
  assert.deepEqual(posts.map((p) => p.body), ['{"name":"x"}', '{"name":"x"}']);
});

function flaky(statuses, headers = {}) {
  const calls = [];
  const fetch = async (request) => {
    calls.push(request.method);
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)];
    if (status === "network") throw new TypeError("fetch failed");
    return status === 200 ? json(200, {}) : new Response("{}", { status, headers });
  };
  return { calls, fetch };
}

test("retries stop at the cap, only for idempotent methods, with capped exponential backoff", async () => {
  const waits = [];
  const b = flaky([503]);
  const f = createAuthFetch({ fetch: b.fetch, sleep: async (ms) => waits.push(ms), random: () => 0.999, retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 250 } });
  const r = await f(new Request(`${API}/x`));
  assert.equal(r.status, 503);
  assert.equal(b.calls.length, 4, "one attempt and three retries");
  assert.deepEqual(waits, [99, 199, 249]);
  const post = flaky([503]);
  const g = createAuthFetch({ fetch: post.fetch, sleep: async () => {} });
  assert.equal((await g(new Request(`${API}/x`, { method: "POST", body: "{}" }))).status, 503);
  assert.equal(post.calls.length, 1, "a POST was retried");
});

test("network errors are retried for idempotent methods, then thrown", async () => {
  const b = flaky(["network", "network", 200]);
  const f = createAuthFetch({ fetch: b.fetch, sleep: async () => {} });
  assert.equal((await f(new Request(`${API}/x`))).status, 200);
  const post = flaky(["network"]);
  const g = createAuthFetch({ fetch: post.fetch, sleep: async () => {} });
  await assert.rejects(g(new Request(`${API}/x`, { method: "POST", body: "{}" })), TypeError);
  assert.equal(post.calls.length, 1);
});

test("Retry-After is honoured in seconds and as an HTTP date", async () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs("7", now), 7000);
  assert.equal(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
  assert.equal(retryAfterMs("garbage", now), null);
  for (const [value, expected] of [["2", 2000], ["Thu, 01 Jan 2026 00:00:03 GMT", 3000]]) {
    const waits = [];
    const b = flaky([429, 200], { "retry-after": value });
    const f = createAuthFetch({ fetch: b.fetch, sleep: async (ms) => waits.push(ms), now: () => now });
    assert.equal((await f(new Request(`${API}/x`))).status, 200);
    assert.deepEqual(waits, [expected]);
  }
});

test("a per-request timeout aborts a hung request, and the caller's abort is honoured", async () => {
  const hung = (request) =>
    new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
  const f = createAuthFetch({ fetch: hung, timeoutMs: 30, retry: { attempts: 0 } });
  await assert.rejects(f(new Request(`${API}/slow`)), (e) => e.name === "TimeoutError");
  const g = createAuthFetch({ fetch: hung, timeoutMs: 0 });
  const controller = new AbortController();
  const pending = g(new Request(`${API}/slow`, { signal: controller.signal }));
  controller.abort();
  await assert.rejects(pending, (e) => e.name === "AbortError");
});

test("every documented error status decodes into one typed ApiError", async () => {
  assert.ok(errorMediaTypes.includes("application/problem+json"));
  for (const status of [400, 401, 403, 404, 409, 415, 422, 429, 500]) {
    const e = await ApiError.from(problem(status, { code: "x", detail: `status ${status}` }));
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, status);
    assert.equal(e.body.status, status);
    assert.equal(e.message, `status ${status}`);
  }
  // Not the envelope: kept raw, no body.
  const other = await ApiError.from(new Response("<html>", { status: 502, headers: { "content-type": "text/html" } }));
  assert.equal(other.body, undefined);
  assert.equal(other.raw, "<html>");
  assert.equal(isErrorEnvelope({ type: "t", title: "t", status: 1, code: "c" }), true);
  assert.equal(isErrorEnvelope({ detail: "fastapi" }), false);
  // unwrap: data, or the ApiError thrown.
  assert.deepEqual(unwrap({ data: { a: 1 }, response: new Response("{}") }), { a: 1 });
  assert.throws(
    () => unwrap({ error: { type: "t", title: "Not Found", status: 404, code: "not_found" }, response: new Response("{}", { status: 404 }) }),
    (e) => e instanceof ApiError && e.status === 404 && e.body.title === "Not Found",
  );
});

test("cookie mode sends credentials and the CSRF header, never a refresh token from JavaScript", async () => {
  globalThis.document = { cookie: "accord_csrf=c123; other=1" };
  const seen = [];
  let access = "a1";
  const fetch = async (request) => {
    seen.push({ path: new URL(request.url).pathname, credentials: request.credentials, csrf: request.headers.get("x-csrf-token"), body: request.body ? await request.clone().text() : null });
    if (request.url.endsWith("/auth/refresh")) {
      access = "a2";
      return json(200, { access_token: "a2" });
    }
    return request.headers.get("authorization") === `Bearer ${access}` ? json(200, {}) : problem(401);
  };
  const tokens = memoryTokenStore("a0");
  const f = createAuthFetch({
    fetch,
    tokens,
    refresh: { mode: "cookie", url: `${API}/auth/refresh`, csrf: { cookie: "accord_csrf", header: "X-CSRF-Token" } },
  });
  assert.equal((await f(new Request(`${API}/me`))).status, 200);
  const refresh = seen.find((s) => s.path === "/auth/refresh");
  assert.equal(refresh.credentials, "include");
  assert.equal(refresh.csrf, "c123");
  assert.equal(refresh.body, null);
  assert.equal(tokens.get(), "a2");
  delete globalThis.document;
});
