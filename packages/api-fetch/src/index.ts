/**
 * `@accord/api-fetch`: what a frontend writes by hand around a generated client, once.
 *
 * `createAuthFetch` returns a `fetch` for openapi-fetch's `createClient({ fetch })` (or any
 * code calling `fetch`) that
 * - attaches the bearer token from a token store (in memory by default, never localStorage);
 * - on a 401, refreshes once for any number of concurrent 401s (single flight), retries each
 *   waiting request once with the new token, and signs out once when the refresh fails;
 * - retries idempotent requests on 429, 503 and network errors with capped exponential
 *   backoff and full jitter, honouring `Retry-After` (seconds or an HTTP date);
 * - aborts an attempt after `timeoutMs` (and honours the caller's `AbortSignal`).
 *
 * `ApiError` is the one error value: the status and the decoded error envelope of the spec.
 */

export { type ErrorEnvelope, isErrorEnvelope, errorMediaTypes } from "./generated/envelope.js";
import { type ErrorEnvelope, isErrorEnvelope, errorMediaTypes } from "./generated/envelope.js";

/** Where the access token (or, in body mode, the refresh token) is kept. */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

/** A token store in memory: gone on reload, out of reach of other scripts' storage reads. */
export function memoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial;
  return {
    get: () => token,
    set: (t) => {
      token = t;
    },
  };
}

/** How the session is refreshed. */
export type RefreshMode =
  /** The refresh token is in the body of login's and refresh's answers, kept in `refreshTokens`. */
  | { mode: "body"; url: string; refreshTokens: TokenStore; accessField?: string; refreshField?: string }
  /**
   * The refresh token is in an HttpOnly cookie JavaScript never sees: the refresh request
   * is sent with `credentials: "include"`, and the CSRF cookie echoed in a header if given.
   */
  | { mode: "cookie"; url: string; accessField?: string; csrf?: { cookie: string; header: string } }
  /** Any other way: returns the new access token, or null when the session is over. */
  | { mode: "custom"; refresh: () => Promise<string | null> };

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  attempts?: number;
  /** The first backoff, doubled each time (default 250 ms). */
  baseDelayMs?: number;
  /** The longest wait, for backoff and for `Retry-After` alike (default 10 s). */
  maxDelayMs?: number;
  /** The statuses retried (default 429 and 503). */
  statuses?: number[];
}

export interface AuthFetchOptions {
  /** The fetch underneath (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
  /** The access token (default: a memory store). */
  tokens?: TokenStore;
  /** How to refresh; without it a 401 is returned as is. */
  refresh?: RefreshMode;
  /** Called once when the session ends (the refresh failed); tokens are cleared first. */
  onSignOut?: () => void;
  retry?: RetryOptions;
  /** Per attempt, in milliseconds (default 15 s; 0 for none). */
  timeoutMs?: number;
  /** `credentials` for API requests (default "same-origin"; "include" for cookie mode). */
  credentials?: RequestCredentials;
  /** For tests: the clock and the randomness of the backoff. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** Seconds or an HTTP date (RFC 9110 §10.2.3) as milliseconds from now; null when absent or bad. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The one error of an API call: its status and, when it is one, the spec's error envelope. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorEnvelope | undefined;
  readonly raw: unknown;
  readonly response: Response | undefined;

  constructor(status: number, raw: unknown, response?: Response) {
    const body = isErrorEnvelope(raw) ? raw : undefined;
    const detail =
      body && typeof (body as Record<string, unknown>)["detail"] === "string"
        ? String((body as Record<string, unknown>)["detail"])
        : body && typeof (body as Record<string, unknown>)["title"] === "string"
          ? String((body as Record<string, unknown>)["title"])
          : `HTTP ${status}`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
    this.raw = raw;
    this.response = response;
  }

  /** Decodes a failed response (its body is read). */
  static async from(response: Response): Promise<ApiError> {
    const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    let raw: unknown = undefined;
    try {
      const text = await response.text();
      raw = errorMediaTypes.includes(type) || type.endsWith("+json") || type === "application/json"
        ? JSON.parse(text)
        : text;
    } catch {
      raw = undefined;
    }
    return new ApiError(response.status, raw, response);
  }
}

/**
 * The `data` of an openapi-fetch result, or the `ApiError` of its `error` thrown:
 * `const items = unwrap(await api.GET("/api/v1/items"))`.
 */
export function unwrap<D>(result: { data?: D; error?: unknown; response: Response }): D {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error, result.response);
  }
  return result.data as D;
}

function readCookie(name: string): string | null {
  const cookies = (globalThis as { document?: { cookie?: string } }).document?.cookie ?? "";
  for (const part of cookies.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`the request took longer than ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** The `fetch` described at the top of this module. */
export function createAuthFetch(options: AuthFetchOptions = {}): (input: Request) => Promise<Response> {
  const base = options.fetch ?? ((r: Request) => globalThis.fetch(r));
  const tokens = options.tokens ?? memoryTokenStore();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const retry = {
    attempts: options.retry?.attempts ?? 3,
    baseDelayMs: options.retry?.baseDelayMs ?? 250,
    maxDelayMs: options.retry?.maxDelayMs ?? 10_000,
    statuses: options.retry?.statuses ?? [429, 503],
  };
  const timeoutMs = options.timeoutMs ?? 15_000;
  const credentials = options.credentials ?? (options.refresh?.mode === "cookie" ? "include" : "same-origin");

  let inflight: Promise<string | null> | null = null;
  let signedOut = false;

  /** One attempt, with the per-attempt timeout joined to the caller's signal. */
  async function attempt(request: Request, token: string | null): Promise<Response> {
    const headers = new Headers(request.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    const controller = new AbortController();
    const callerSignal = request.signal;
    const onAbort = () => controller.abort(callerSignal.reason);
    if (callerSignal.aborted) controller.abort(callerSignal.reason);
    else callerSignal.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs) : undefined;
    try {
      return await base(new Request(request, { headers, signal: controller.signal, credentials }));
    } catch (e) {
      if (timedOut) throw new TimeoutError(timeoutMs);
      throw e;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal.removeEventListener("abort", onAbort);
    }
  }

  async function doRefresh(): Promise<string | null> {
    const mode = options.refresh;
    if (!mode) return null;
    if (mode.mode === "custom") return mode.refresh();
    const accessField = mode.accessField ?? "access_token";
    const headers = new Headers({ Accept: "application/json" });
    let body: string | undefined;
    if (mode.mode === "body") {
      const refreshToken = mode.refreshTokens.get();
      if (!refreshToken) return null;
      headers.set("Content-Type", "application/json");
      body = JSON.stringify({ [mode.refreshField ?? "refresh_token"]: refreshToken });
    } else if (mode.csrf) {
      const value = readCookie(mode.csrf.cookie);
      if (value) headers.set(mode.csrf.header, value);
    }
    const response = await base(
      new Request(mode.url, { method: "POST", headers, body, credentials: mode.mode === "cookie" ? "include" : credentials }),
    );
    if (!response.ok) return null;
    const json = (await response.json()) as Record<string, unknown>;
    const access = typeof json[accessField] === "string" ? (json[accessField] as string) : null;
    if (mode.mode === "body") {
      const next = json[mode.refreshField ?? "refresh_token"];
      if (typeof next === "string") mode.refreshTokens.set(next);
    }
    return access;
  }

  /** Every concurrent caller shares one refresh; a failure signs out once. */
  function refreshOnce(): Promise<string | null> {
    if (!inflight) {
      inflight = doRefresh()
        .catch(() => null)
        .then((token) => {
          if (token) {
            tokens.set(token);
            signedOut = false;
          } else {
            tokens.set(null);
            if (options.refresh?.mode === "body") options.refresh.refreshTokens.set(null);
            if (!signedOut) {
              signedOut = true;
              options.onSignOut?.();
            }
          }
          return token;
        })
        .finally(() => {
          inflight = null;
        });
    }
    return inflight;
  }

  function backoff(n: number, response: Response | null): number {
    const hinted = response ? retryAfterMs(response.headers.get("retry-after"), now()) : null;
    if (hinted !== null) return Math.min(hinted, retry.maxDelayMs);
    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** n);
    return Math.floor(random() * ceiling);
  }

  return async function authFetch(input: Request): Promise<Response> {
    const request = input;
    const idempotent = IDEMPOTENT.has(request.method.toUpperCase());
    let refreshed = false;
    for (let n = 0; ; n++) {
      // A refresh under way: wait for it rather than spend a doomed request.
      if (inflight) await inflight;
      const token = tokens.get();
      let response: Response;
      try {
        response = await attempt(request.clone(), token);
      } catch (e) {
        const aborted = request.signal.aborted || (e instanceof Error && e.name === "AbortError");
        if (!aborted && !(e instanceof TimeoutError) && idempotent && n < retry.attempts) {
          await sleep(backoff(n, null));
          continue;
        }
        throw e;
      }
      if (response.status === 401 && token && options.refresh && !refreshed) {
        refreshed = true;
        // Another request may have refreshed already: then just use the new token.
        const current = tokens.get();
        const next = current && current !== token ? current : await refreshOnce();
        if (!next) return response;
        n--; // the retry after a refresh is not a backoff attempt
        continue;
      }
      if (idempotent && retry.statuses.includes(response.status) && n < retry.attempts) {
        await sleep(backoff(n, response));
        continue;
      }
      return response;
    }
  };
}
