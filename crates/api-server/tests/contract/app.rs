//! An in-test implementation of the generated `Api` trait: users, tokens and items in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use api_server::rt::{self, axum};
use api_server::types::{self, FieldError, Problem};
use api_server::*;
use axum::http::{HeaderValue, header};
use chrono::Utc;
use uuid::Uuid;

#[derive(Default)]
pub struct Memory {
    pub users: Mutex<Vec<(types::User, String)>>,
    /// access or refresh token -> user id
    pub access: Mutex<HashMap<String, Uuid>>,
    pub refresh: Mutex<HashMap<String, Uuid>>,
    pub items: Mutex<Vec<types::Item>>,
    pub uploads: Mutex<Vec<(Uuid, types::Upload)>>,
    /// API keys: (owner, description, secret).
    pub api_keys: Mutex<Vec<(Uuid, types::ApiKey, String)>>,
    /// When set, the next operation answers its documented 500.
    pub fail_next: AtomicBool,
    pub body_limit: Option<usize>,
}

pub fn problem(ctx: &rt::Context, status: u16, code: &str, detail: &str) -> Problem {
    serde_json::from_value(serde_json::json!({
        "type": "about:blank",
        "title": axum::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error"),
        "status": status,
        "code": code,
        "detail": detail,
        "request_id": ctx.header("x-request-id"),
    }))
    .expect("a valid problem")
}

impl Memory {
    fn failing(&self) -> bool {
        self.fail_next.swap(false, Ordering::SeqCst)
    }

    fn pair(&self, user: &types::User) -> types::TokenPair {
        let access = format!("access-{}", Uuid::new_v4());
        let refresh = format!("refresh-{}", Uuid::new_v4());
        self.access.lock().unwrap().insert(access.clone(), user.id);
        self.refresh
            .lock()
            .unwrap()
            .insert(refresh.clone(), user.id);
        serde_json::from_value(serde_json::json!({
            "access_token": access, "refresh_token": refresh, "token_type": "Bearer",
            "expires_in": 900, "refresh_expires_in": 86400, "user": user,
        }))
        .expect("a valid token pair")
    }

    fn user(&self, id: Uuid) -> Option<types::User> {
        self.users
            .lock()
            .unwrap()
            .iter()
            .find(|(u, _)| u.id == id)
            .map(|(u, _)| u.clone())
    }

    fn owned_item(&self, owner: Uuid, id: Uuid) -> Option<types::Item> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .find(|i| i.id == id && i.owner_id == owner)
            .cloned()
    }
}

fn boom(ctx: &rt::Context) -> Problem {
    problem(
        ctx,
        500,
        "internal_error",
        "The server could not complete the request",
    )
}

impl Api for Memory {
    type Principal = Uuid;

    async fn authenticate(
        &self,
        _ctx: &rt::Context,
        credential: rt::auth::Credential,
    ) -> Result<Uuid, rt::auth::Rejection> {
        if let rt::auth::Secret::ApiKey(key) = &credential.secret {
            return self
                .api_keys
                .lock()
                .unwrap()
                .iter()
                .find(|(_, _, secret)| secret == key)
                .map(|(owner, _, _)| *owner)
                .ok_or_else(|| rt::auth::Rejection::new("unknown API key"));
        }
        self.access
            .lock()
            .unwrap()
            .get(credential.secret.expose())
            .copied()
            .ok_or_else(|| rt::auth::Rejection::new("unknown access token"))
    }

    fn render_error(&self, ctx: &rt::Context, error: &rt::Error) -> rt::Response {
        let mut body = serde_json::to_value(problem(
            ctx,
            error.status().as_u16(),
            error.code(),
            &error.detail(),
        ))
        .unwrap();
        let errors: Vec<FieldError> = error
            .field_errors()
            .iter()
            .map(|e| serde_json::from_value(serde_json::json!({"field": e.field(), "message": e.message, "code": e.keyword})).unwrap())
            .collect();
        body["errors"] = serde_json::to_value(errors).unwrap();
        let mut response = axum::response::IntoResponse::into_response(body.to_string());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }

    fn body_limit(&self) -> usize {
        self.body_limit.unwrap_or(rt::DEFAULT_BODY_LIMIT)
    }

    async fn health(&self, ctx: &rt::Context) -> Result<HealthResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(HealthResponse::InternalServerError(boom(ctx)));
            }
            HealthResponse::Ok(serde_json::from_value(serde_json::json!({"status": "ok"})).unwrap())
        })
    }

    async fn get_jwks(&self, ctx: &rt::Context) -> Result<GetJwksResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(GetJwksResponse::InternalServerError(boom(ctx)));
            }
            GetJwksResponse::Ok(
            serde_json::from_value(serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB", "alg": "RS256", "use": "sig"}]}))
                .unwrap(),
        )
        })
    }

    async fn register(
        &self,
        ctx: &rt::Context,
        body: types::RegisterRequest,
    ) -> Result<RegisterResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(RegisterResponse::InternalServerError(boom(ctx)));
            }
            let email = body.email.to_string().to_lowercase();
            let mut users = self.users.lock().unwrap();
            if users.iter().any(|(u, _)| u.email == email) {
                return Ok(RegisterResponse::Conflict(problem(
                    ctx,
                    409,
                    "email_taken",
                    "An account with this email exists",
                )));
            }
            let user: types::User = serde_json::from_value(serde_json::json!({
            "id": Uuid::new_v4(), "email": email, "display_name": body.display_name.map(|d| d.to_string()),
            "created_at": Utc::now(),
        }))
        .unwrap();
            users.push((user.clone(), body.password.to_string()));
            RegisterResponse::Created {
                location: format!("/api/v1/users/{}", user.id),
                body: user,
            }
        })
    }

    async fn login(
        &self,
        ctx: &rt::Context,
        body: types::LoginRequest,
    ) -> Result<LoginResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(LoginResponse::InternalServerError(boom(ctx)));
            }
            let email = body.email.to_string().to_lowercase();
            // A rate limit, to show the client decodes a 429 with its Retry-After.
            if email == "limited@example.com" {
                return Ok(LoginResponse::TooManyRequests {
                    body: problem(ctx, 429, "rate_limited", "Too many attempts"),
                    retry_after: 7,
                });
            }
            let found = self
                .users
                .lock()
                .unwrap()
                .iter()
                .find(|(u, p)| u.email == email && *p == body.password.to_string())
                .map(|(u, _)| u.clone());
            match found {
                Some(user) => LoginResponse::Ok {
                    body: self.pair(&user),
                    set_cookie: None,
                },
                None => LoginResponse::Unauthorized {
                    body: problem(
                        ctx,
                        401,
                        "invalid_credentials",
                        "The email or password is wrong",
                    ),
                    www_authenticate: "Bearer".into(),
                },
            }
        })
    }

    async fn refresh(
        &self,
        ctx: &rt::Context,
        x_csrf_token: Option<String>,
        accord_refresh: Option<String>,
        body: Option<types::RefreshRequest>,
    ) -> Result<RefreshResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(RefreshResponse::InternalServerError(boom(ctx)));
            }
            if x_csrf_token.as_deref() == Some("wrong") {
                return Ok(RefreshResponse::Forbidden(problem(
                    ctx,
                    403,
                    "csrf_refused",
                    "Bad CSRF token",
                )));
            }
            if x_csrf_token.as_deref() == Some("hurry") {
                return Ok(RefreshResponse::TooManyRequests {
                    body: problem(ctx, 429, "rate_limited", "Too many refreshes"),
                    retry_after: 3,
                });
            }
            let presented = body
                .map(|b| b.refresh_token.to_string())
                .or(accord_refresh)
                .unwrap_or_default();
            let owner = self.refresh.lock().unwrap().remove(&presented);
            match owner.and_then(|id| self.user(id)) {
                Some(user) => RefreshResponse::Ok {
                    body: self.pair(&user),
                    set_cookie: None,
                },
                None => RefreshResponse::Unauthorized {
                    body: problem(
                        ctx,
                        401,
                        "invalid_refresh_token",
                        "The refresh token is invalid",
                    ),
                    www_authenticate: "Bearer error=\"invalid_token\"".into(),
                },
            }
        })
    }

    async fn logout(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        x_csrf_token: Option<String>,
        accord_refresh: Option<String>,
        body: Option<types::RefreshRequest>,
    ) -> Result<LogoutResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(LogoutResponse::InternalServerError(boom(ctx)));
            }
            if x_csrf_token.as_deref() == Some("wrong") {
                return Ok(LogoutResponse::Forbidden(problem(
                    ctx,
                    403,
                    "csrf_refused",
                    "Bad CSRF token",
                )));
            }
            let presented = body
                .map(|b| b.refresh_token.to_string())
                .or(accord_refresh)
                .unwrap_or_default();
            let mut refresh = self.refresh.lock().unwrap();
            if refresh.get(&presented) == Some(&principal) {
                refresh.remove(&presented);
            }
            LogoutResponse::NoContent {
                set_cookie: Some(vec!["accord_refresh=; Max-Age=0".into()]),
            }
        })
    }

    async fn get_current_user(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
    ) -> Result<GetCurrentUserResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(GetCurrentUserResponse::InternalServerError(boom(ctx)));
            }
            match self.user(principal) {
                Some(user) => GetCurrentUserResponse::Ok(user),
                None => GetCurrentUserResponse::Unauthorized {
                    body: problem(ctx, 401, "unauthorized", "The account no longer exists"),
                    www_authenticate: "Bearer error=\"invalid_token\"".into(),
                },
            }
        })
    }

    async fn list_items(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        limit: i32,
        offset: i32,
        q: Option<String>,
    ) -> Result<ListItemsResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(ListItemsResponse::InternalServerError(boom(ctx)));
            }
            let items: Vec<types::Item> = self
                .items
                .lock()
                .unwrap()
                .iter()
                .filter(|i| i.owner_id == principal)
                .filter(|i| {
                    q.as_ref()
                        .is_none_or(|q| i.name.to_lowercase().contains(&q.to_lowercase()))
                })
                .cloned()
                .collect();
            let total = items.len() as i64;
            let page = items
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect();
            ListItemsResponse::Ok {
                body: types::ItemPage { items: page, total },
                x_total_count: total,
            }
        })
    }

    async fn create_item(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        body: types::NewItem,
    ) -> Result<CreateItemResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(CreateItemResponse::InternalServerError(boom(ctx)));
            }
            let now = Utc::now();
            let item = types::Item {
                id: Uuid::new_v4(),
                owner_id: principal,
                name: body.name.to_string(),
                description: body.description.map(|d| d.to_string()),
                created_at: now,
                updated_at: now,
            };
            self.items.lock().unwrap().push(item.clone());
            CreateItemResponse::Created {
                location: format!("/api/v1/items/{}", item.id),
                body: item,
            }
        })
    }

    async fn get_item(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        item_id: Uuid,
    ) -> Result<GetItemResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(GetItemResponse::InternalServerError(boom(ctx)));
            }
            match self.owned_item(principal, item_id) {
                Some(item) => GetItemResponse::Ok(item),
                None => GetItemResponse::NotFound(problem(ctx, 404, "not_found", "No such item")),
            }
        })
    }

    async fn update_item(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        item_id: Uuid,
        body: types::ItemPatch,
    ) -> Result<UpdateItemResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(UpdateItemResponse::InternalServerError(boom(ctx)));
            }
            let mut items = self.items.lock().unwrap();
            let Some(item) = items
                .iter_mut()
                .find(|i| i.id == item_id && i.owner_id == principal)
            else {
                return Ok(UpdateItemResponse::NotFound(problem(
                    ctx,
                    404,
                    "not_found",
                    "No such item",
                )));
            };
            if let Some(name) = body.name {
                item.name = name.to_string();
            }
            if let Some(description) = body.description {
                item.description = Some(description.to_string());
            }
            item.updated_at = Utc::now();
            UpdateItemResponse::Ok(item.clone())
        })
    }

    async fn delete_item(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        item_id: Uuid,
    ) -> Result<DeleteItemResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(DeleteItemResponse::InternalServerError(boom(ctx)));
            }
            let mut items = self.items.lock().unwrap();
            let before = items.len();
            items.retain(|i| !(i.id == item_id && i.owner_id == principal));
            if items.len() == before {
                return Ok(DeleteItemResponse::NotFound(problem(
                    ctx,
                    404,
                    "not_found",
                    "No such item",
                )));
            }
            DeleteItemResponse::NoContent
        })
    }

    async fn create_upload(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        body: types::UploadRequest,
    ) -> Result<CreateUploadResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(CreateUploadResponse::InternalServerError(boom(ctx)));
            }
            if !body.content_type.to_string().starts_with("image/") {
                let mut p = problem(ctx, 422, "validation_failed", "Only images may be uploaded");
                p.errors = vec![serde_json::from_value(serde_json::json!({"field": "/content_type", "message": "is not allowed", "code": "content_type"})).unwrap()];
                return Ok(CreateUploadResponse::UnprocessableEntity(p));
            }
            let id = Uuid::new_v4();
            let key = format!("users/{principal}/{id}/{}", *body.file_name);
            let upload: types::Upload = serde_json::from_value(serde_json::json!({
            "upload_id": id, "key": key, "file_name": body.file_name.to_string(),
            "content_type": body.content_type.to_string(), "size_bytes": body.size_bytes.get(), "status": "pending",
        }))
        .unwrap();
            self.uploads.lock().unwrap().push((principal, upload));
            let presigned: types::PresignedUpload = serde_json::from_value(serde_json::json!({
            "upload_id": id, "url": "http://127.0.0.1:1/bucket", "fields": {"key": key, "policy": "p"},
            "key": key, "expires_at": Utc::now(), "max_size_bytes": body.size_bytes.get(),
        }))
        .unwrap();
            CreateUploadResponse::Created {
                location: format!("/api/v1/uploads/{id}"),
                body: presigned,
            }
        })
    }

    async fn get_upload(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        upload_id: Uuid,
    ) -> Result<GetUploadResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(GetUploadResponse::InternalServerError(boom(ctx)));
            }
            let uploads = self.uploads.lock().unwrap();
            match uploads
                .iter()
                .find(|(owner, u)| *owner == principal && u.upload_id == upload_id)
            {
                Some((_, upload)) => GetUploadResponse::Ok(upload.clone()),
                None => {
                    GetUploadResponse::NotFound(problem(ctx, 404, "not_found", "No such upload"))
                }
            }
        })
    }

    async fn list_api_keys(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
    ) -> Result<ListApiKeysResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(ListApiKeysResponse::InternalServerError(boom(ctx)));
            }
            let items = self
                .api_keys
                .lock()
                .unwrap()
                .iter()
                .filter(|(owner, _, _)| *owner == principal)
                .map(|(_, key, _)| key.clone())
                .collect();
            ListApiKeysResponse::Ok(types::ApiKeyList { items })
        })
    }

    async fn create_api_key(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        body: types::NewApiKey,
    ) -> Result<CreateApiKeyResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(CreateApiKeyResponse::InternalServerError(boom(ctx)));
            }
            let secret = format!("acc_{}", Uuid::new_v4().simple());
            let key = types::ApiKey {
                id: Uuid::new_v4(),
                name: body.name.to_string(),
                prefix: secret[..8].to_string(),
                created_at: Utc::now(),
            };
            self.api_keys
                .lock()
                .unwrap()
                .push((principal, key.clone(), secret.clone()));
            CreateApiKeyResponse::Created {
                location: format!("/api/v1/api-keys/{}", key.id),
                body: types::ApiKeyCreated {
                    id: key.id,
                    name: key.name,
                    prefix: key.prefix,
                    created_at: key.created_at,
                    key: secret,
                },
            }
        })
    }

    async fn get_api_key(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        key_id: Uuid,
    ) -> Result<GetApiKeyResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(GetApiKeyResponse::InternalServerError(boom(ctx)));
            }
            match self
                .api_keys
                .lock()
                .unwrap()
                .iter()
                .find(|(owner, key, _)| *owner == principal && key.id == key_id)
            {
                Some((_, key, _)) => GetApiKeyResponse::Ok(key.clone()),
                None => GetApiKeyResponse::NotFound(problem(ctx, 404, "not_found", "No such key")),
            }
        })
    }

    async fn revoke_api_key(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        key_id: Uuid,
    ) -> Result<RevokeApiKeyResponse, rt::Error> {
        Ok({
            if self.failing() {
                return Ok(RevokeApiKeyResponse::InternalServerError(boom(ctx)));
            }
            let mut keys = self.api_keys.lock().unwrap();
            let before = keys.len();
            keys.retain(|(owner, key, _)| !(*owner == principal && key.id == key_id));
            if keys.len() < before {
                RevokeApiKeyResponse::NoContent
            } else {
                RevokeApiKeyResponse::NotFound(problem(ctx, 404, "not_found", "No such key"))
            }
        })
    }
}
