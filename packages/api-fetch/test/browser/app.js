// The page of the browser test: a frontend as a team would write it with openapi-fetch and
// @accord/api-fetch, run against the reference backend from this page's origin.
// `?api=URL&mode=body|cookie&email=...` ; the outcome goes to `window.__result` and the page.
import createClient from "openapi-fetch";
import { createAuthFetch, memoryTokenStore, unwrap, ApiError } from "@accord/api-fetch";

const params = new URLSearchParams(location.search);
const API = params.get("api");
const mode = params.get("mode") ?? "body";
const email = params.get("email") ?? "browser@example.com";
const password = "browser-password-1";
document.getElementById("setup").textContent = `API ${API}, page ${location.origin}, refresh in the ${mode}`;

const steps = [];
function record(name, ok, detail = "") {
  steps.push({ name, ok, detail });
  const li = document.createElement("li");
  li.className = ok ? "ok" : "failed";
  li.textContent = `${name}${detail ? `: ${detail}` : ""}`;
  document.getElementById("steps").append(li);
}

// Count what goes over the wire, to see the refresh happen.
const wire = { refresh: 0, requests: 0 };
const counting = (request) => {
  wire.requests++;
  if (new URL(request.url).pathname.endsWith("/auth/refresh")) wire.refresh++;
  return fetch(request);
};
const tokens = memoryTokenStore();
const refreshTokens = memoryTokenStore();
let signedOut = 0;
const refresh =
  mode === "cookie"
    ? { mode: "cookie", url: `${API}/api/v1/auth/refresh`, csrf: { cookie: "accord_csrf", header: "X-CSRF-Token" } }
    : { mode: "body", url: `${API}/api/v1/auth/refresh`, refreshTokens };
const api = createClient({
  baseUrl: API,
  fetch: createAuthFetch({ fetch: counting, tokens, refresh, onSignOut: () => signedOut++, timeoutMs: 10_000 }),
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run() {
  // Sign up (409 when the account exists) and sign in.
  await api.POST("/api/v1/auth/register", { body: { email, password } });
  const login = unwrap(await api.POST("/api/v1/auth/login", { body: { email, password } }));
  tokens.set(login.access_token);
  if (mode === "body") refreshTokens.set(login.refresh_token ?? null);
  record("signed in", true, `access token for ${login.expires_in} s; refresh token ${login.refresh_token ? "in the body" : "in an HttpOnly cookie"}`);
  result.refreshTokenInBody = Boolean(login.refresh_token);
  result.refreshCookieVisible = document.cookie.includes("accord_refresh");

  // Create and list; read the exposed X-Total-Count.
  const created = unwrap(await api.POST("/api/v1/items", { body: { name: "from the browser" } }));
  const listed = await api.GET("/api/v1/items", { params: { query: { limit: 10 } } });
  const page = unwrap(listed);
  result.totalHeader = listed.response.headers.get("X-Total-Count");
  result.listedCreated = page.items.some((i) => i.id === created.id);
  record("created and listed an item", result.listedCreated, `X-Total-Count: ${result.totalHeader}`);

  // Let the access token expire; the next call refreshes transparently.
  await sleep(login.expires_in * 1000 + 1500);
  const before = wire.refresh;
  const again = unwrap(await api.GET("/api/v1/items/{item_id}", { params: { path: { item_id: created.id } } }));
  result.refreshes = wire.refresh - before;
  result.readAfterExpiry = again.id === created.id;
  record("read after the token expired", result.readAfterExpiry, `${result.refreshes} refresh(es) on the wire`);

  // A typed error from the envelope.
  try {
    unwrap(await api.GET("/api/v1/items/{item_id}", { params: { path: { item_id: "00000000-0000-4000-8000-000000000000" } } }));
    result.typedError = null;
  } catch (e) {
    result.typedError = e instanceof ApiError ? { status: e.status, code: e.body?.code } : String(e);
  }
  record("a missing item is a typed ApiError", result.typedError?.status === 404, JSON.stringify(result.typedError));

  // Upload through the presigned POST, straight to the store.
  const content = new Blob(["hello from the browser"], { type: "text/plain" });
  const presigned = unwrap(
    await api.POST("/api/v1/uploads", { body: { file_name: "hello.txt", content_type: "text/plain", size_bytes: content.size } }),
  );
  const form = new FormData();
  for (const [k, v] of Object.entries(presigned.fields)) form.append(k, v);
  form.append("file", content, "hello.txt");
  const stored = await fetch(presigned.url, { method: "POST", body: form });
  result.storageStatus = stored.status;
  const upload = unwrap(await api.GET("/api/v1/uploads/{upload_id}", { params: { path: { upload_id: presigned.upload_id } } }));
  result.uploadStatus = upload.status;
  record("uploaded a file to the store", upload.status === "stored", `store answered ${stored.status}; the upload is ${upload.status}`);
  result.signedOut = signedOut;
}

const result = { origin: location.origin, mode };
try {
  await run();
  result.ok = steps.every((s) => s.ok);
} catch (e) {
  // From a refused origin the browser hides the answer: fetch rejects with a TypeError.
  result.ok = false;
  result.error = { name: e?.name, message: String(e?.message ?? e) };
  record("the API could not be reached", false, `${e?.name}: ${e?.message}`);
}
result.steps = steps;
document.getElementById("verdict").textContent = result.ok ? "all steps passed" : "a step failed";
window.__result = result;
