// A frontend's use of the generated types through openapi-fetch, type-checked by `cargo xtask verify`.
// Every `@ts-expect-error` line proves that a mistake is a compile error; if the types ever accept
// one of them, tsc fails with "Unused '@ts-expect-error' directive".

import createClient from "openapi-fetch";
import type { Item, NewItem, Problem, TokenPair, paths } from "@accord/api-types";

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function login(email: string, password: string): Promise<TokenPair | Problem> {
    const { data, error } = await api.POST("/api/v1/auth/login", { body: { email, password } });
    if (error) {
        const status: number = error.status;
        const code: string = error.code;
        void status;
        void code;
        return error;
    }
    const type: "Bearer" = data.token_type;
    void type;
    return data;
}

export async function listItems(token: string): Promise<Item[]> {
    const { data, response } = await api.GET("/api/v1/items", {
        params: { query: { limit: 10, q: "lamp" } },
        headers: { Authorization: `Bearer ${token}` },
    });
    const total: string | null = response.headers.get("X-Total-Count");
    void total;
    return data?.items ?? [];
}

export async function rename(id: string, name: string): Promise<string | undefined> {
    const { data } = await api.PATCH("/api/v1/items/{item_id}", {
        params: { path: { item_id: id } },
        body: { name },
    });
    return data?.name;
}

export async function presign(file: File): Promise<Record<string, string> | undefined> {
    const { data } = await api.POST("/api/v1/uploads", {
        body: { file_name: file.name, content_type: file.type, size_bytes: file.size },
    });
    return data?.fields;
}

export async function mistakes(): Promise<void> {
    const draft: NewItem = { name: "lamp", description: null };
    void draft;

    // A wrong field name in a body.
    // @ts-expect-error `title` is not a field of NewItem
    await api.POST("/api/v1/items", { body: { title: "lamp" } });

    // A wrong path.
    // @ts-expect-error `/api/v1/item` is not a path of the API
    await api.GET("/api/v1/item");

    // A missing required body field.
    // @ts-expect-error `password` is required by LoginRequest
    await api.POST("/api/v1/auth/login", { body: { email: "a@example.com" } });

    // A wrong method for a path.
    // @ts-expect-error `/api/v1/users/me` has no DELETE
    await api.DELETE("/api/v1/users/me");

    // A missing path parameter.
    // @ts-expect-error `item_id` is required
    await api.GET("/api/v1/items/{item_id}", { params: { path: {} } });

    // A wrong type in a query parameter.
    // @ts-expect-error `limit` is a number
    await api.GET("/api/v1/items", { params: { query: { limit: "ten" } } });

    const { data } = await api.GET("/api/v1/users/me");
    // @ts-expect-error `username` is not a field of User
    void data?.username;
}
