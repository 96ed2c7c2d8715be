//! The reference implementation of the contract's `Api` trait.

use std::collections::HashMap;

use api_server::rt::{self, axum};
use api_server::types::{self, FieldError, Problem};
use api_server::*;
use axum::http::{HeaderValue, header};
use uuid::Uuid;

use crate::config::{Config, CookieMode};
use crate::db::{self, Db, Rotation};
use crate::events::Events;
use crate::limits::Limits;
use crate::passwords;
use crate::request_id::RequestId;
use crate::storage::{Store, sanitize_file_name};
use crate::tokens::{self, Keys};

pub struct Backend {
    pub db: Db,
    pub keys: Keys,
    pub store: Store,
    pub config: Config,
    pub limits: std::sync::Arc<Limits>,
    pub events: Events,
}

/// The cookie of the refresh token in cookie mode (HttpOnly).
pub const REFRESH_COOKIE: &str = "accord_refresh";
/// The double-submit cookie (readable by the page), echoed in `X-CSRF-Token`.
pub const CSRF_COOKIE: &str = "accord_csrf";
/// The path the refresh cookie is scoped to: only the auth routes ever see it.
const AUTH_PATH: &str = "/api/v1/auth";

const CHALLENGE_INVALID: &str = "Bearer error=\"invalid_token\"";

fn request_id(ctx: &rt::Context) -> Option<String> {
    ctx.extension::<RequestId>().map(|r| r.0.clone())
}

/// A problem document for `ctx`'s request.
fn problem(ctx: &rt::Context, status: u16, code: &str, detail: &str) -> Problem {
    problem_at(status, code, detail, Some(ctx.uri.path()), request_id(ctx))
}

/// A problem document; for the layers and routes outside the generated router too.
pub fn problem_at(
    status: u16,
    code: &str,
    detail: &str,
    instance: Option<&str>,
    request_id: Option<String>,
) -> Problem {
    Problem {
        type_: "about:blank".into(),
        title: axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error")
            .into(),
        status: status as i32,
        code: code.into(),
        detail: Some(detail.into()),
        instance: instance.map(str::to_string),
        request_id: request_id.filter(|id| !id.is_empty()),
        errors: Vec::new(),
    }
}

fn field_error(field: &str, message: &str, code: &str) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
        code: code.into(),
    }
}

/// Logs the cause of a failure with the request id; the client learns nothing of it.
fn internal(ctx: &rt::Context, cause: impl std::fmt::Display) -> Problem {
    tracing::error!(request_id = request_id(ctx).unwrap_or_default(), operation = ctx.operation_id, %cause, "internal error");
    problem(
        ctx,
        500,
        "internal_error",
        "The server could not complete the request",
    )
}

/// A problem document as a response.
pub fn problem_response(problem: &Problem) -> rt::Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = rt::Response::new(body.into());
    *response.status_mut() = axum::http::StatusCode::from_u16(problem.status as u16)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The 429 of a rate limit, for the rate-limit layer and the login handler.
pub fn too_many_requests(request_id: Option<String>, path: &str, retry_after: u64) -> Problem {
    problem_at(
        429,
        "rate_limited",
        &format!("Too many attempts; retry in {retry_after} s"),
        Some(path),
        request_id,
    )
}

/// The cookies that carry a session in cookie mode (none in body mode).
fn session_cookies(mode: &CookieMode, refresh: &str, max_age: u64) -> Vec<String> {
    let same_site = if mode.same_site_strict {
        "Strict"
    } else {
        "Lax"
    };
    let secure = if mode.secure { "; Secure" } else { "" };
    let mut cookies = vec![format!(
        "{REFRESH_COOKIE}={refresh}; HttpOnly{secure}; SameSite={same_site}; Path={AUTH_PATH}; Max-Age={max_age}"
    )];
    if mode.double_submit {
        let csrf = if max_age == 0 {
            String::new()
        } else {
            tokens::new_refresh_token()
        };
        cookies.push(format!(
            "{CSRF_COOKIE}={csrf}{secure}; SameSite={same_site}; Path=/; Max-Age={max_age}"
        ));
    }
    cookies
}

/// Equal in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The 500 of a request that panicked, for the panic layer.
pub fn panic_response(request_id: &str) -> rt::Response {
    problem_response(&problem_at(
        500,
        "internal_error",
        "The server could not complete the request",
        None,
        Some(request_id.to_string()),
    ))
}

/// A token pair as the client gets it: the refresh token in the body, or in cookies.
struct Session {
    pair: types::TokenPair,
    cookies: Option<Vec<String>>,
}

impl Backend {
    async fn pair(&self, user: types::User, refresh: String) -> Result<Session, String> {
        let access = self.keys.issue(user.id).map_err(|e| e.to_string())?;
        let ttl = self.config.refresh_token_ttl.as_secs();
        let (refresh_token, cookies) = match &self.config.refresh_cookie {
            None => (Some(refresh), None),
            Some(mode) => (None, Some(session_cookies(mode, &refresh, ttl))),
        };
        Ok(Session {
            pair: types::TokenPair {
                access_token: access,
                refresh_token,
                token_type: types::TokenPairTokenType::Bearer,
                expires_in: self.keys.ttl().as_secs() as i64,
                refresh_expires_in: ttl as i64,
                user,
            },
            cookies,
        })
    }

    /// The refresh token of a refresh or logout: the body's, or in cookie mode the cookie's,
    /// after the CSRF defence (an allowed `Origin`, and the double-submit token if configured).
    #[allow(clippy::result_large_err)] // `Problem` is the contract's error body, as every handler returns
    fn presented_refresh(
        &self,
        ctx: &rt::Context,
        csrf_header: Option<&str>,
        cookie: Option<String>,
        body: Option<types::RefreshRequest>,
    ) -> Result<Option<String>, Problem> {
        if let Some(body) = body {
            return Ok(Some(body.refresh_token.to_string()));
        }
        let Some(mode) = &self.config.refresh_cookie else {
            return Ok(None);
        };
        let Some(cookie) = cookie.filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let refused = |detail: &str| problem(ctx, 403, "csrf_refused", detail);
        // Browsers send `Origin` on every cross-origin POST; one outside the allow-list is
        // a forged request riding on the cookie. (No `Origin` at all is not a browser.)
        let origin = ctx.header("origin").map(str::to_string).or_else(|| {
            ctx.header("referer").map(|r| {
                let after_scheme = r.find("://").map_or(0, |i| i + 3);
                let end = r[after_scheme..]
                    .find('/')
                    .map_or(r.len(), |i| after_scheme + i);
                r[..end].to_string()
            })
        });
        if let Some(origin) = origin
            && !self.config.cors_origins.contains(&origin)
        {
            return Err(refused(
                "A cookie-authenticated request must come from an allowed origin",
            ));
        }
        if mode.double_submit {
            let expected = ctx.cookies(CSRF_COOKIE).into_iter().next();
            match (csrf_header, expected) {
                (Some(header), Some(expected))
                    if !expected.is_empty() && same_secret(header, &expected) => {}
                _ => {
                    return Err(refused("X-CSRF-Token must equal the accord_csrf cookie"));
                }
            }
        }
        Ok(Some(cookie))
    }

    async fn api_key_owner(&self, key: &str) -> Result<Uuid, rt::auth::Rejection> {
        if !key.starts_with(tokens::API_KEY_PREFIX) || key.len() > 200 {
            return Err(rt::auth::Rejection::new("not an API key of this server"));
        }
        let hash = tokens::hash_api_key(key);
        match self.db.call(move |c| db::api_key_owner(c, &hash)).await {
            Ok(Some(owner)) => Ok(owner),
            Ok(None) => Err(rt::auth::Rejection::new("unknown or revoked API key")),
            Err(e) => {
                tracing::error!(%e, "cannot look an API key up");
                Err(rt::auth::Rejection::new("the key store failed"))
            }
        }
    }

    /// A new token pair in a new family (login).
    async fn new_session(&self, user: types::User) -> Result<Session, String> {
        let refresh = tokens::new_refresh_token();
        let hash = tokens::hash_refresh_token(&refresh);
        let expires_at = db::now_secs() + self.config.refresh_token_ttl.as_secs() as i64;
        let user_id = user.id;
        self.db
            .call(move |c| db::insert_refresh(c, &hash, Uuid::new_v4(), user_id, expires_at))
            .await
            .map_err(|e| e.to_string())?;
        self.pair(user, refresh).await
    }
}

impl Api for Backend {
    type Principal = Uuid;

    async fn authenticate(
        &self,
        _ctx: &rt::Context,
        credential: rt::auth::Credential,
    ) -> Result<Uuid, rt::auth::Rejection> {
        match credential.secret {
            rt::auth::Secret::ApiKey(key) => self.api_key_owner(&key).await,
            secret => self
                .keys
                .verify(secret.expose())
                .map_err(rt::auth::Rejection::new),
        }
    }

    fn render_error(&self, ctx: &rt::Context, error: &rt::Error) -> rt::Response {
        if let rt::Error::Internal { message } = error {
            return problem_response(&internal(ctx, message));
        }
        let mut body = problem(ctx, error.status().as_u16(), error.code(), &error.detail());
        body.errors = error
            .field_errors()
            .iter()
            .map(|e| field_error(&e.field(), &e.message, e.keyword))
            .collect();
        problem_response(&body)
    }

    fn body_limit(&self) -> usize {
        self.config.body_limit
    }

    async fn health(&self, _ctx: &rt::Context) -> Result<HealthResponse, rt::Error> {
        // A database that does not answer is a 500, rendered by `render_error`.
        self.db
            .call(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .map_err(rt::Error::internal)?;
        Ok(HealthResponse::Ok(types::Health {
            status: types::HealthStatus::Ok,
        }))
    }

    async fn get_jwks(&self, _ctx: &rt::Context) -> Result<GetJwksResponse, rt::Error> {
        Ok({
            GetJwksResponse::Ok(types::JwkSet {
                keys: vec![self.keys.jwk.clone()],
            })
        })
    }

    async fn register(
        &self,
        ctx: &rt::Context,
        body: types::RegisterRequest,
    ) -> Result<RegisterResponse, rt::Error> {
        Ok({
            let email = body.email.to_string().trim().to_lowercase();
            let password = body.password.to_string();
            let hash = match tokio::task::spawn_blocking(move || passwords::hash(&password)).await {
                Ok(Ok(hash)) => hash,
                Ok(Err(e)) => return Err(rt::Error::internal(e)),
                Err(e) => return Err(rt::Error::internal(e)),
            };
            let display_name = body.display_name.map(|d| d.to_string());
            match self
                .db
                .call(move |c| db::create_user(c, &email, &hash, display_name.as_deref()))
                .await
            {
                Ok(Some(user)) => RegisterResponse::Created {
                    location: "/api/v1/users/me".into(),
                    body: user,
                },
                Ok(None) => RegisterResponse::Conflict(problem(
                    ctx,
                    409,
                    "email_taken",
                    "An account with this email already exists",
                )),
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }

    async fn login(
        &self,
        ctx: &rt::Context,
        body: types::LoginRequest,
    ) -> Result<LoginResponse, rt::Error> {
        Ok({
            let email = body.email.to_string().trim().to_lowercase();
            if let Some(limiter) = &self.limits.login_account
                && let Err(retry_after) = limiter.check(&email)
            {
                return Ok(LoginResponse::TooManyRequests {
                    body: too_many_requests(request_id(ctx), ctx.uri.path(), retry_after),
                    retry_after: retry_after as i64,
                });
            }
            let found = match self.db.call(move |c| db::user_by_email(c, &email)).await {
                Ok(found) => found,
                Err(e) => return Err(rt::Error::internal(e)),
            };
            let password = body.password.to_string();
            let stored = found.as_ref().map(|(_, hash)| hash.clone());
            let matches = tokio::task::spawn_blocking(move || {
                passwords::verify(&password, stored.as_deref())
            })
            .await
            .unwrap_or(false);
            match found {
                Some((user, _)) if matches => match self.new_session(user).await {
                    Ok(session) => LoginResponse::Ok {
                        body: session.pair,
                        set_cookie: session.cookies,
                    },
                    Err(e) => return Err(rt::Error::internal(e)),
                },
                // The same answer whether the email exists or not.
                _ => LoginResponse::Unauthorized {
                    body: problem(
                        ctx,
                        401,
                        "invalid_credentials",
                        "The email or password is incorrect",
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
            let presented =
                match self.presented_refresh(ctx, x_csrf_token.as_deref(), accord_refresh, body) {
                    Ok(presented) => presented,
                    Err(problem) => return Ok(RefreshResponse::Forbidden(problem)),
                };
            let Some(presented) = presented else {
                return Ok(RefreshResponse::Unauthorized {
                    body: problem(
                        ctx,
                        401,
                        "invalid_refresh_token",
                        "No refresh token was presented",
                    ),
                    www_authenticate: CHALLENGE_INVALID.into(),
                });
            };
            let old = tokens::hash_refresh_token(&presented);
            let refresh = tokens::new_refresh_token();
            let new = tokens::hash_refresh_token(&refresh);
            let expires_at = db::now_secs() + self.config.refresh_token_ttl.as_secs() as i64;
            let refused = |code: &str, detail: &str| RefreshResponse::Unauthorized {
                body: problem(ctx, 401, code, detail),
                www_authenticate: CHALLENGE_INVALID.into(),
            };
            match self
                .db
                .call(move |c| db::rotate_refresh(c, &old, &new, expires_at))
                .await
            {
                Ok(Rotation::Rotated(user_id)) => {
                    let user = match self.db.call(move |c| db::user_by_id(c, user_id)).await {
                        Ok(Some(user)) => user,
                        Ok(None) => {
                            return Ok(refused(
                                "invalid_refresh_token",
                                "The refresh token is invalid or expired",
                            ));
                        }
                        Err(e) => {
                            return Err(rt::Error::internal(e));
                        }
                    };
                    match self.pair(user, refresh).await {
                        Ok(session) => RefreshResponse::Ok {
                            body: session.pair,
                            set_cookie: session.cookies,
                        },
                        Err(e) => return Err(rt::Error::internal(e)),
                    }
                }
                Ok(Rotation::Reused) => {
                    tracing::warn!(
                        request_id = request_id(ctx).unwrap_or_default(),
                        "a used refresh token was presented again; its family is revoked"
                    );
                    refused(
                        "refresh_token_reused",
                        "The refresh token was already used; every token of its session is now revoked",
                    )
                }
                Ok(Rotation::Invalid) => refused(
                    "invalid_refresh_token",
                    "The refresh token is invalid or expired",
                ),
                Err(e) => return Err(rt::Error::internal(e)),
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
            let presented =
                match self.presented_refresh(ctx, x_csrf_token.as_deref(), accord_refresh, body) {
                    Ok(presented) => presented,
                    Err(problem) => return Ok(LogoutResponse::Forbidden(problem)),
                };
            // Logout always clears the cookies, whatever was presented.
            let set_cookie = self
                .config
                .refresh_cookie
                .as_ref()
                .map(|mode| session_cookies(mode, "", 0));
            let Some(presented) = presented else {
                return Ok(LogoutResponse::NoContent { set_cookie });
            };
            let hash = tokens::hash_refresh_token(&presented);
            match self
                .db
                .call(move |c| db::revoke_family(c, &hash, principal))
                .await
            {
                // Unknown or foreign tokens are not reported: logout never tells what exists.
                Ok(_) => LogoutResponse::NoContent { set_cookie },
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }

    async fn get_current_user(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
    ) -> Result<GetCurrentUserResponse, rt::Error> {
        Ok({
            match self.db.call(move |c| db::user_by_id(c, principal)).await {
                Ok(Some(user)) => GetCurrentUserResponse::Ok(user),
                Ok(None) => GetCurrentUserResponse::Unauthorized {
                    body: problem(ctx, 401, "unauthorized", "The account no longer exists"),
                    www_authenticate: CHALLENGE_INVALID.into(),
                },
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }

    async fn list_items(
        &self,
        _ctx: &rt::Context,
        principal: Uuid,
        limit: i32,
        offset: i32,
        q: Option<String>,
    ) -> Result<ListItemsResponse, rt::Error> {
        Ok({
            let limit = (limit.max(1) as u32).min(self.config.max_page);
            let offset = offset.max(0) as u32;
            let q = q.filter(|q| !q.is_empty());
            match self
                .db
                .call(move |c| db::list_items(c, principal, q.as_deref(), limit, offset))
                .await
            {
                Ok((items, total)) => ListItemsResponse::Ok {
                    body: types::ItemPage { items, total },
                    x_total_count: total,
                },
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }

    async fn create_item(
        &self,
        _ctx: &rt::Context,
        principal: Uuid,
        body: types::NewItem,
    ) -> Result<CreateItemResponse, rt::Error> {
        Ok({
            let name = body.name.to_string();
            let description = body.description.map(|d| d.to_string());
            match self
                .db
                .call(move |c| db::insert_item(c, principal, &name, description.as_deref()))
                .await
            {
                Ok(item) => {
                    self.events.item_changed(
                        principal,
                        item.id,
                        types::ServerEventType::ItemCreated,
                    );
                    CreateItemResponse::Created {
                        location: format!("/api/v1/items/{}", item.id),
                        body: item,
                    }
                }
                Err(e) => return Err(rt::Error::internal(e)),
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
            match self
                .db
                .call(move |c| db::get_item(c, principal, item_id))
                .await
            {
                Ok(Some(item)) => GetItemResponse::Ok(item),
                // Another user's item is as absent as one that never existed.
                Ok(None) => {
                    GetItemResponse::NotFound(problem(ctx, 404, "not_found", "No such item"))
                }
                Err(e) => return Err(rt::Error::internal(e)),
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
            let name = body.name.map(|n| n.to_string());
            let description = body.description.map(|d| d.to_string());
            match self
                .db
                .call(move |c| {
                    db::update_item(
                        c,
                        principal,
                        item_id,
                        name.as_deref(),
                        description.as_deref(),
                    )
                })
                .await
            {
                Ok(Some(item)) => {
                    self.events.item_changed(
                        principal,
                        item.id,
                        types::ServerEventType::ItemUpdated,
                    );
                    UpdateItemResponse::Ok(item)
                }
                Ok(None) => {
                    UpdateItemResponse::NotFound(problem(ctx, 404, "not_found", "No such item"))
                }
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }

    async fn delete_item(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        item_id: Uuid,
    ) -> Result<DeleteItemResponse, rt::Error> {
        Ok({
            match self
                .db
                .call(move |c| db::delete_item(c, principal, item_id))
                .await
            {
                Ok(true) => {
                    self.events.item_changed(
                        principal,
                        item_id,
                        types::ServerEventType::ItemDeleted,
                    );
                    DeleteItemResponse::NoContent
                }
                Ok(false) => {
                    DeleteItemResponse::NotFound(problem(ctx, 404, "not_found", "No such item"))
                }
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }

    async fn create_upload(
        &self,
        ctx: &rt::Context,
        principal: Uuid,
        body: types::UploadRequest,
    ) -> Result<CreateUploadResponse, rt::Error> {
        Ok({
            let content_type = body.content_type.to_string().trim().to_ascii_lowercase();
            let size = body.size_bytes.get();
            let mut errors = Vec::new();
            if !self.config.upload_content_types.contains(&content_type) {
                errors.push(field_error(
                    "/content_type",
                    &format!(
                        "must be one of {}",
                        self.config.upload_content_types.join(", ")
                    ),
                    "content_type_not_allowed",
                ));
            }
            if size > self.config.upload_max_bytes {
                errors.push(field_error(
                    "/size_bytes",
                    &format!("must be at most {} bytes", self.config.upload_max_bytes),
                    "too_large",
                ));
            }
            if !errors.is_empty() {
                let mut p = problem(ctx, 422, "validation_failed", "The upload is not allowed");
                p.errors = errors;
                return Ok(CreateUploadResponse::UnprocessableEntity(p));
            }
            let id = Uuid::new_v4();
            let file_name = sanitize_file_name(&body.file_name.to_string());
            let key = format!("users/{principal}/{id}/{file_name}");
            let fields =
                self.store
                    .presign_post(&key, &content_type, size, self.config.presign_ttl);
            let row = db::UploadRow {
                id,
                key: key.clone(),
                file_name,
                content_type,
                size_bytes: size as i64,
            };
            if let Err(e) = self
                .db
                .call(move |c| db::insert_upload(c, principal, &row))
                .await
            {
                return Err(rt::Error::internal(e));
            }
            let expires_at = chrono::Utc::now()
                + chrono::Duration::from_std(self.config.presign_ttl).unwrap_or_default();
            CreateUploadResponse::Created {
                location: format!("/api/v1/uploads/{id}"),
                body: types::PresignedUpload {
                    upload_id: id,
                    url: self.store.post_url(),
                    fields: fields.into_iter().collect::<HashMap<_, _>>(),
                    key,
                    expires_at,
                    max_size_bytes: size as i64,
                },
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
            let row = match self
                .db
                .call(move |c| db::get_upload(c, principal, upload_id))
                .await
            {
                Ok(Some(row)) => row,
                Ok(None) => {
                    return Ok(GetUploadResponse::NotFound(problem(
                        ctx,
                        404,
                        "not_found",
                        "No such upload",
                    )));
                }
                Err(e) => return Err(rt::Error::internal(e)),
            };
            // Once stored, the size is what the store holds, not what the client declared.
            let stored_size = match self.store.stored_size(&row.key).await {
                Ok(size) => size,
                Err(e) => return Err(rt::Error::internal(e)),
            };
            let stored = stored_size.is_some();
            let download_url = if stored {
                match self.store.download_url(&row.key, self.config.presign_ttl) {
                    Ok(url) => Some(url),
                    Err(e) => return Err(rt::Error::internal(e)),
                }
            } else {
                None
            };
            GetUploadResponse::Ok(types::Upload {
                upload_id: row.id,
                key: row.key,
                file_name: row.file_name,
                content_type: row.content_type,
                size_bytes: stored_size.map_or(row.size_bytes, |s| s as i64),
                status: if stored {
                    types::UploadStatus::Stored
                } else {
                    types::UploadStatus::Pending
                },
                download_url,
            })
        })
    }

    async fn list_api_keys(
        &self,
        _ctx: &rt::Context,
        principal: Uuid,
    ) -> Result<ListApiKeysResponse, rt::Error> {
        let items = self
            .db
            .call(move |c| db::list_api_keys(c, principal))
            .await
            .map_err(rt::Error::internal)?;
        Ok(ListApiKeysResponse::Ok(types::ApiKeyList { items }))
    }

    async fn create_api_key(
        &self,
        _ctx: &rt::Context,
        principal: Uuid,
        body: types::NewApiKey,
    ) -> Result<CreateApiKeyResponse, rt::Error> {
        Ok({
            let key = tokens::new_api_key();
            let hash = tokens::hash_api_key(&key);
            let prefix: String = key.chars().take(tokens::API_KEY_PREFIX.len() + 4).collect();
            let name = body.name.to_string();
            let stored_prefix = prefix.clone();
            match self
                .db
                .call(move |c| db::insert_api_key(c, principal, &name, &stored_prefix, &hash))
                .await
            {
                Ok(stored) => CreateApiKeyResponse::Created {
                    location: format!("/api/v1/api-keys/{}", stored.id),
                    body: types::ApiKeyCreated {
                        id: stored.id,
                        name: stored.name,
                        prefix,
                        created_at: stored.created_at,
                        key,
                    },
                },
                Err(e) => return Err(rt::Error::internal(e)),
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
            match self
                .db
                .call(move |c| db::get_api_key(c, principal, key_id))
                .await
            {
                Ok(Some(key)) => GetApiKeyResponse::Ok(key),
                Ok(None) => {
                    GetApiKeyResponse::NotFound(problem(ctx, 404, "not_found", "No such API key"))
                }
                Err(e) => return Err(rt::Error::internal(e)),
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
            match self
                .db
                .call(move |c| db::revoke_api_key(c, principal, key_id))
                .await
            {
                Ok(true) => RevokeApiKeyResponse::NoContent,
                Ok(false) => RevokeApiKeyResponse::NotFound(problem(
                    ctx,
                    404,
                    "not_found",
                    "No such API key",
                )),
                Err(e) => return Err(rt::Error::internal(e)),
            }
        })
    }
}
