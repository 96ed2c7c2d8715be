// Type-checked by `cargo xtask verify` (tsconfig.test.json): the auth fetch plugs into
// openapi-fetch's typed client, and a wrong path or field is still a compile error.
import createClient from "openapi-fetch";
import type { paths } from "@accord/api-types";
import { ApiError, createAuthFetch, memoryTokenStore, unwrap, type ErrorEnvelope } from "../src/index.js";

const tokens = memoryTokenStore();
const api = createClient<paths>({
  baseUrl: "http://127.0.0.1:8080",
  fetch: createAuthFetch({
    tokens,
    refresh: { mode: "body", url: "http://127.0.0.1:8080/api/v1/auth/refresh", refreshTokens: memoryTokenStore() },
  }),
});

export async function typed(): Promise<void> {
  const page = unwrap(await api.GET("/api/v1/items", { params: { query: { limit: 5 } } }));
  const total: number = page.total;
  void total;
  // @ts-expect-error: no such path
  await api.GET("/api/v1/itemz");
  // @ts-expect-error: `name` is required
  await api.POST("/api/v1/items", { body: { description: "x" } });
  try {
    unwrap(await api.GET("/api/v1/users/me"));
  } catch (e) {
    if (e instanceof ApiError && e.body) {
      const envelope: ErrorEnvelope = e.body;
      const code: string = envelope.code;
      void code;
    }
  }
}
