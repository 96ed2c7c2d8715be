//! The error cases: which statuses the spec documents for each, and the request that
//! provokes it.

use serde_json::{Value, json};

use super::{Ctx, CtxError, ErrorCase, OpInfo};
use crate::http::{Body, Request};
use crate::sample;

/// What the behaviour phase knows of the spec's operations (operationIds), by which the
/// error cases choose theirs: the creates and reads by id of the resources it makes, and the
/// writes it leaves alone as reaching beyond what the run makes.
#[derive(Debug, Default)]
pub struct Known {
    pub creates: Vec<String>,
    pub reads: Vec<String>,
    pub beyond: Vec<String>,
}

impl Ctx {
    /// The statuses the spec lets an error case get on `op`: what it documents for it
    /// (400 or 422 for a body it cannot take, 401 or 403 without credentials), the profile's
    /// choice where it says nothing (`errors.validation_status`, `auth.refusal_status`).
    pub fn error_statuses(&self, case: ErrorCase, op: Option<&OpInfo>) -> Vec<u16> {
        let documented =
            |candidates: &[u16]| op.map(|o| crate::security::documented_among(&o.op, candidates));
        // Where neither the spec nor the profile names it, a validation error is 422 or 400:
        // both are what frameworks answer (FastAPI 422; Express, Spring, Go routers 400).
        let validation = match self
            .profile
            .errors
            .as_ref()
            .and_then(|e| e.validation_status)
        {
            Some(status) => vec![status],
            None => vec![422, 400],
        };
        match case {
            ErrorCase::UnknownRoute | ErrorCase::MissingResource => vec![404],
            ErrorCase::WrongMethod => vec![405],
            ErrorCase::NoCredentials => match op {
                Some(op) => self.refusals(op),
                None => vec![401],
            },
            // A body that is not JSON at all is HTTP's 400 whatever else the spec documents:
            // a documented 422 is for content read and found wrong (RFC 9110), and RESTEasy,
            // Rails and Express answer 400 before any validation runs.
            ErrorCase::MalformedJson => {
                let mut statuses = vec![400];
                let also = documented(&[400, 422])
                    .filter(|d| !d.is_empty())
                    .unwrap_or(validation);
                statuses.extend(also.into_iter().filter(|s| *s != 400));
                statuses
            }
            ErrorCase::WrongContentType => {
                let mut d = documented(&[415, 400, 422]).unwrap_or_default();
                // Where the spec documents no refusal of a body, it promises no 415 either:
                // a framework refusing a body it cannot read as it refuses an invalid one
                // (Django Ninja's and Express's 400) tells the client the same.
                if d.is_empty() {
                    d = validation;
                }
                if !d.contains(&415) {
                    d.insert(0, 415);
                }
                // HTTP's own refusal of a request it cannot read is 400, whatever the spec
                // documents for invalid content (Django Ninja answers a form where JSON goes
                // with 400 beside its documented 422): an undocumented 400 is the spec's gap.
                if !d.contains(&400) {
                    d.push(400);
                }
                d
            }
            ErrorCase::MissingField | ErrorCase::WrongType => {
                match documented(&[422, 400]).unwrap_or_default() {
                    d if d.is_empty() => validation,
                    d => d,
                }
            }
        }
    }

    /// A route the spec does not have, under the prefix most of its paths share (memos's
    /// `/api/v1`, which all share; Unleash's `/api/admin`, which all but its sign-in, health
    /// checks and a few client routes share): a frontend served beside the API answers any
    /// other path with its page (a single-page app's fallback), which is no answer of the
    /// API's. The deepest such prefix a template of the spec's would not take, else the root.
    pub fn unknown_route(&self) -> String {
        let doc = self.doc();
        let paths: Vec<&String> = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        let name = format!("accord-conformance-{}", uuid::Uuid::new_v4().simple());
        let taken = |candidate: &str| {
            let c: Vec<&str> = candidate.trim_matches('/').split('/').collect();
            paths.iter().any(|template| {
                let t: Vec<&str> = template.trim_matches('/').split('/').collect();
                t.len() == c.len() && t.iter().zip(&c).all(|(t, c)| t == c || t.starts_with('{'))
            })
        };
        // Where every path that deep is a template's (`/{item_title}` takes any one segment
        // at the root, and a GET there is that route's 405), one segment deeper.
        majority_prefixes(&paths)
            .into_iter()
            .rev()
            .map(|prefix| format!("/{}/{name}", prefix.join("/")))
            .chain((1..=4).map(|depth| format!("/{name}").repeat(depth)))
            .find(|candidate| !taken(candidate))
            .unwrap_or_else(|| format!("/{name}"))
    }

    /// The backend's answer to a GET of a route it does not have ([`Ctx::unknown_route`]),
    /// without credentials; asked once. `None` when it did not answer.
    pub async fn unknown_answer(&self) -> Option<crate::http::Exchange> {
        self.unknown_answer
            .get_or_init(|| async {
                self.http
                    .send(Request::new("GET", self.unknown_route()))
                    .await
                    .ok()
            })
            .await
            .clone()
    }

    /// The backend's answer to the error scenarios' malformed JSON ([`ErrorCase::MalformedJson`])
    /// with `token`, on the operation `known` leads to, asked once for the passes that
    /// compare their refusals with it. `None` when there is nothing to send it on or it got
    /// no answer.
    pub async fn malformed_answer(
        &self,
        token: Option<&str>,
        known: &Known,
    ) -> Option<crate::http::Exchange> {
        self.malformed_answer
            .get_or_init(|| async {
                let (request, _) = self
                    .error_request(ErrorCase::MalformedJson, token, known)
                    .ok()?;
                self.http.send(request).await.ok()
            })
            .await
            .clone()
    }

    /// Whether `e` is answered as the backend answers a route it does not have: the same 4xx
    /// status, media type and body, each request's own path taken out of its body.
    pub async fn answered_as_unknown(&self, e: &crate::http::Exchange) -> bool {
        let Some(unknown) = self.unknown_answer().await else {
            return false;
        };
        let body = |x: &crate::http::Exchange| {
            let path = self.http.path_of(x);
            let text = x.text();
            if path.len() > 1 {
                text.replace(&path, "")
            } else {
                text
            }
        };
        (400..500).contains(&e.status)
            && e.status == unknown.status
            && e.header("content-type") == unknown.header("content-type")
            && body(e) == body(&unknown)
    }

    /// Whether the backend does not serve `op` at all: its path has no parameters (a 404 on
    /// one with an id may be the resource's), it is a read or a secured write, and its own
    /// method, sent without credentials or body, is answered as a route the backend does not
    /// have, where another path of the
    /// spec is not (Homebox's spec writes `PUT /v1/users/change-password`; the backend
    /// routes `/v1/users/self/change-password`). One spec finding says so, the first time;
    /// the checks that meet the path's 404 leave it to that finding. Asked once per
    /// operation.
    pub async fn not_served(&self, op: &OpInfo) -> bool {
        // The probe is the operation's own method without credentials: a write goes only
        // where the spec secures it (refused unsent, as the token checks send it), never to
        // an open write that would act (listmonk's `POST /subscribers/query/delete`).
        if op.path.contains('{') || !self.may_ask_method(op) {
            return false;
        }
        let mut memo = self.not_served.lock().await;
        if let Some(known) = memo.get(&op.id) {
            return *known;
        }
        let served_elsewhere = *self
            .some_route_served
            .get_or_init(|| async {
                for (other, _) in self.all_operations() {
                    if other.method != "GET" || other.path.contains('{') || other.id == op.id {
                        continue;
                    }
                    if let Ok(e) = self
                        .http
                        .send(Request::new("GET", other.path.clone()))
                        .await
                    {
                        return !self.answered_as_unknown(&e).await;
                    }
                }
                false
            })
            .await;
        let mut answered = None;
        if served_elsewhere
            && let Ok(e) = self
                .http
                .send(Request::new(&op.method, op.path.clone()))
                .await
            // A refusal a visitor gets for every path alike (Jupyter's and DRF's 403) comes
            // before any route: it says nothing of whether this one is served.
            && !matches!(e.status, 401 | 403)
            && self.answered_as_unknown(&e).await
        {
            answered = Some(e);
        }
        if let Some(e) = &answered {
            self.record_unserved(
                &op.id,
                e,
                format!(
                    "the spec's {} {} is not served: it is answered as a route the backend does not have",
                    op.method, op.path
                ),
            );
        }
        memo.insert(op.id.clone(), answered.is_some());
        answered.is_some()
    }

    /// Whether the backend does not serve `op`'s method on its path: that method, sent to
    /// `path` (the operation's path filled, as another check sent it) without credentials
    /// or body, is answered 405. Sent only where it cannot act: a read, or a write the spec
    /// secures (refused unsent, as the token checks send it; a router answers 405 before
    /// asking for credentials), never under `--read-only`. One spec finding says so, the
    /// first time (Vikunja's spec writes `PUT /labels/{id}`, which its router has as
    /// `POST`); asked once per operation.
    pub async fn method_not_served(&self, op: &OpInfo, path: &str) -> bool {
        if !self.may_ask_method(op) {
            return false;
        }
        let key = format!("{} 405", op.id);
        let mut memo = self.not_served.lock().await;
        if let Some(known) = memo.get(&key) {
            return *known;
        }
        let answered = self
            .http
            .send(Request::new(&op.method, path.to_string()))
            .await
            .ok()
            .filter(|e| e.status == 405);
        if let Some(e) = &answered {
            self.record_unserved(
                &op.id,
                e,
                format!(
                    "the spec's {} {} is not served: the backend answers the method 405, not allowed on the path",
                    op.method, op.path
                ),
            );
        }
        memo.insert(key, answered.is_some());
        answered.is_some()
    }

    /// Whether the run may send `op`'s own method without credentials to find out whether
    /// it is served ([`Ctx::not_served`], [`Ctx::method_not_served`]): a read, or a write the
    /// spec secures outside `--read-only`.
    pub fn may_ask_method(&self, op: &OpInfo) -> bool {
        let safe = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let secured = self
            .all_operations()
            .iter()
            .any(|(o, secured)| o.id == op.id && *secured);
        safe || secured && !self.read_only()
    }

    /// Records, once, that `op` (a path with parameters) is not served: `e`, its answer
    /// without credentials, is the backend's answer to a route it does not have, where its
    /// other secured routes with parameters refuse such a request before looking anything
    /// up (Vikunja's `/backgrounds/unsplash/image/{image}`, routed only where Unsplash is
    /// configured). The caller has seen that refusal; this only says so.
    pub async fn unrouted(&self, op: &OpInfo, e: &crate::http::Exchange) {
        let mut memo = self.not_served.lock().await;
        if memo.insert(format!("{} unrouted", op.id), true).is_some() {
            return;
        }
        self.record_unserved(
            &op.id,
            e,
            format!(
                "the spec's {} {} is not served: without credentials it is answered as a route the backend does not have, where the backend's other secured routes refuse first",
                op.method, op.path
            ),
        );
    }

    /// Records the spec finding that operation `operation` is not served, `e` the answer
    /// that shows it and `message` what it says.
    pub fn record_unserved(&self, operation: &str, e: &crate::http::Exchange, message: String) {
        self.http
            .findings
            .record(&e.as_finding(operation, "", message));
    }

    /// Whether `path` (a template of the spec's) signs in, up or out: an operation of the
    /// profile's sessions is on it, or its name says it ends one. The scenario of every path
    /// sends it no method it lacks (a stray one could end the run's session).
    pub fn session_path(&self, path: &str) -> bool {
        let lowered = path.to_ascii_lowercase();
        self.all_operations()
            .iter()
            .any(|(o, _)| o.path == path && self.session_operations.contains(&o.id))
            || ["logout", "signout", "sign_out", "sign-out", "revoke"]
                .iter()
                .any(|word| lowered.contains(word))
    }

    /// The request of an error case of `features/errors.feature`, and the operation it
    /// calls (none for a route or method the spec does not have), chosen by what `known`
    /// says of the operations.
    pub fn error_request(
        &self,
        case: ErrorCase,
        token: Option<&str>,
        known: &Known,
    ) -> Result<(Request, Option<OpInfo>), CtxError> {
        self.error_request_except(case, token, &[], known)
    }

    /// [`Self::error_request`] on an operation other than those of `refused` (operations
    /// that refused the signed-in identity with 403: meant for another role).
    pub fn error_request_except(
        &self,
        case: ErrorCase,
        token: Option<&str>,
        refused: &[String],
        known: &Known,
    ) -> Result<(Request, Option<OpInfo>), CtxError> {
        let open = |o: &OpInfo| !refused.contains(&o.id);
        // A missing or mistyped field needs a body with a required one.
        let needs_required = matches!(case, ErrorCase::MissingField | ErrorCase::WrongType);
        // The signed-in identity's operations; an anonymous run's are those the spec leaves
        // open. A spec that secures nothing (and a backend the run did not find securing
        // every read: memos's) leaves the signed-in identity every operation but those it
        // signs in and up with, as its frontend calls them.
        let signed_in_open = !self.anonymous() && self.secured_operations().is_empty();
        let open_ops = || -> Vec<OpInfo> {
            self.all_operations()
                .into_iter()
                .filter(|(o, secured)| !secured && !o.websocket())
                .filter(|(o, _)| self.anonymous() || !self.session_operations.contains(&o.id))
                .map(|(o, _)| o)
                .collect()
        };
        let body_of = |o: &OpInfo| {
            (token.is_some() || self.anonymous())
                && self.json_body_schema(o).is_some_and(|s| {
                    !needs_required
                        || !sample::required(self.doc(), &sample::object_branch(self.doc(), &s))
                            .is_empty()
                })
        };
        let (candidates, whose) = if self.anonymous() || signed_in_open {
            (open_ops(), "open")
        } else if self
            .token_operations()
            .iter()
            .filter(|o| open(o) && !known.beyond.contains(&o.id))
            .any(body_of)
            || !matches!(
                case,
                ErrorCase::MalformedJson
                    | ErrorCase::WrongContentType
                    | ErrorCase::MissingField
                    | ErrorCase::WrongType
            )
        {
            (self.token_operations(), "secured")
        } else {
            // No secured operation takes a body: the bodies the signed-in frontend sends
            // go to the open ones (utoipa's to-do example secures only its delete and
            // update; its create is open).
            (open_ops(), "secured or open")
        };
        // An operation without path parameters first (a create): on an item path the id
        // names nothing, and a backend that looks the item up before it reads the body (DRF's
        // `get_object()`) rightly answers 404 first. Of those, the create of a resource
        // first, then another POST: a nearly valid body sent to `PUT /settings` would replace
        // settings the run never made, were it taken. Never a write named for deleting or
        // restarting, which the behaviour phase leaves out too.
        let creates = |o: &OpInfo| known.creates.contains(&o.id);
        let with_body = candidates
            .into_iter()
            .filter(open)
            .filter(body_of)
            .filter(|o| !known.beyond.contains(&o.id))
            // An administrator's route last: hidden from other users, it answers them 404.
            // One that takes a credential of its own (a password reset's token) later still:
            // it may refuse the made-up credential first (401), whatever else is wrong.
            .min_by_key(|o| {
                (
                    self.credential_input(o).is_some(),
                    super::administrative(&o.path),
                    o.path.contains('{'),
                    !creates(o),
                    o.method != "POST",
                )
            })
            .ok_or(format!(
                "the spec has no {whose} operation with a JSON body the identity may call"
            ));
        Ok(match case {
            // With the identity's token, as its frontend asks: a backend that checks
            // credentials before it routes (Unleash under `/api/admin`) rightly answers a
            // visitor 401 for any path there.
            ErrorCase::UnknownRoute => (
                Request::new("GET", self.unknown_route()).bearer(token),
                None,
            ),
            ErrorCase::WrongMethod => {
                let doc = self.doc();
                let paths = doc.get("paths").and_then(Value::as_object);
                let plain = || {
                    paths
                        .into_iter()
                        .flatten()
                        .filter(|(p, _)| !p.contains('{'))
                };
                // A path the scenario of every path probes too where there is one (not the
                // sign-in's or the sign-out's): one cause (a framework's bare 405) is then
                // judged there once.
                let (path, item) = plain()
                    .find(|(p, _)| !self.session_path(p))
                    .or_else(|| plain().next())
                    .ok_or("the spec has no path without parameters")?;
                // DELETE last: the scenario of every path sends none to a path without
                // parameters.
                // Nor one another template routes the path to: LoopBack's `PUT /todos/count`
                // is `PUT /todos/{id}` with the id `count`, rightly refused with 400.
                let method = ["PUT", "PATCH", "POST", "DELETE"]
                    .into_iter()
                    .map(|m| (m, m.to_ascii_lowercase()))
                    .find(|(_, key)| {
                        item.get(key).is_none()
                            && !paths.is_some_and(|all| routed_elsewhere(all, path, key))
                    })
                    .map(|(m, _)| m)
                    .ok_or("every method is documented on the path")?;
                (Request::new(method, path.clone()).bearer(token), None)
            }
            ErrorCase::NoCredentials => {
                // One that takes a credential of its own last: it may refuse that first.
                let op = self
                    .token_operations()
                    .into_iter()
                    .filter(open)
                    .min_by_key(|o| self.credential_input(o).is_some())
                    .ok_or("the spec secures no operation with the user's token")?;
                (self.request_for(&op), Some(op))
            }
            ErrorCase::MalformedJson => {
                let op = with_body?;
                // In the JSON media type the operation declares (JSON:API's), so that what
                // is refused is the body, not its type.
                let media = self
                    .http
                    .contract()
                    .json_request_media(&op.method, &op.path)
                    .unwrap_or_else(|| "application/json".into());
                let request = Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Raw {
                        content_type: Some(media),
                        bytes: b"{\"accord\": ".to_vec(),
                    });
                (request, Some(op))
            }
            ErrorCase::WrongContentType => {
                let op = with_body?;
                let request = Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Raw {
                        content_type: Some("text/plain".into()),
                        bytes: b"accord".to_vec(),
                    });
                (request, Some(op))
            }
            ErrorCase::MissingField | ErrorCase::WrongType => {
                let op = with_body?;
                let schema = sample::object_branch(
                    self.doc(),
                    &self.json_body_schema(&op).unwrap_or(json!({})),
                );
                let mut value = sample::valid(self.doc(), &schema);
                let required = sample::required(self.doc(), &schema);
                let field = required
                    .first()
                    .ok_or_else(|| format!("the body of `{}` has no required field", op.id))?;
                if let Some(obj) = value.as_object_mut() {
                    if case == ErrorCase::MissingField {
                        obj.remove(field);
                    } else {
                        let wrong = sample::wrong_type(obj.get(field).unwrap_or(&Value::Null));
                        obj.insert(field.clone(), wrong);
                    }
                }
                let request = Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Json(value));
                (request, Some(op))
            }
            ErrorCase::MissingResource => {
                // A secured read by id, else a public one; the read of a resource the spec
                // creates first (`GET /lists/{id}`): a parameter of another kind (`GET
                // /lang/{code}`) may rightly refuse a made-up value as malformed (400).
                // An answer documented only as text or bytes is no resource a frontend
                // reads (a token made for any `GET /auth/{user_id}`): its 200 for a made-up
                // id is what the spec says.
                let text_only = |o: &OpInfo| {
                    let media: Vec<&String> = accord_spec::success_responses(&o.op)
                        .into_iter()
                        .filter_map(|(_, r)| {
                            accord_spec::follow_ref(self.doc(), r)
                                .get("content")
                                .and_then(serde_json::Value::as_object)
                        })
                        .flat_map(|content| content.keys())
                        .collect();
                    !media.is_empty() && !media.iter().any(|m| accord_spec::media::admits_json(m))
                };
                let by_id = |o: &OpInfo| {
                    o.method == "GET" && o.path.contains('{') && open(o) && !text_only(o)
                };
                let reads = |o: &OpInfo| known.reads.contains(&o.id);
                let secured = match self.anonymous() {
                    true => Vec::new(),
                    false => self.token_operations(),
                };
                // Of those, the read of one item (its path ends in its id) with the fewest
                // parameters: `GET /{kind}/{id}/reactions` lists under a parent whose kind
                // a made-up value may name wrong (400).
                let first = |ops: Vec<OpInfo>| {
                    let mut ops: Vec<OpInfo> = ops.into_iter().filter(by_id).collect();
                    ops.sort_by_key(|o| {
                        (
                            !reads(o),
                            super::administrative(&o.path),
                            !o.path.trim_end_matches('/').ends_with('}'),
                            o.path.matches('{').count(),
                        )
                    });
                    ops.into_iter().next()
                };
                let op = first(secured)
                    .or_else(|| {
                        // An anonymous run reads only what the spec leaves open.
                        first(
                            self.all_operations()
                                .into_iter()
                                .filter(|(_, secured)| !(*secured && self.anonymous()))
                                .map(|(o, _)| o)
                                .collect(),
                        )
                    })
                    .ok_or("the spec has no GET of a resource by id")?;
                // An id that names nothing: the spec's sample id may name a real resource.
                let path = self.fill_path_with(&op, true);
                (Request::new("GET", path).bearer(token), Some(op))
            }
        })
    }
}

/// The folder prefixes most of `paths` share, shortest first: each one's folders (literal
/// segments before a path's last one) held by more than half of the paths under the one
/// before it.
fn majority_prefixes(paths: &[&String]) -> Vec<Vec<String>> {
    let folders = |p: &str| -> Vec<String> {
        let segments: Vec<&str> = p.trim_matches('/').split('/').collect();
        segments[..segments.len().saturating_sub(1)]
            .iter()
            .take_while(|s| !s.contains('{'))
            .map(|s| s.to_string())
            .collect()
    };
    let mut group: Vec<Vec<String>> = paths.iter().map(|p| folders(p)).collect();
    let mut prefix: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        let depth = prefix.len();
        let mut counts: std::collections::BTreeMap<&String, usize> = Default::default();
        for f in &group {
            if let Some(next) = f.get(depth) {
                *counts.entry(next).or_default() += 1;
            }
        }
        let Some((next, n)) = counts.into_iter().max_by_key(|(_, n)| *n) else {
            break;
        };
        if n * 2 <= group.len() {
            break;
        }
        let next = next.clone();
        group.retain(|f| f.get(depth) == Some(&next));
        prefix.push(next);
        out.push(prefix.clone());
    }
    out
}

/// Whether another template of `paths` matches every URL of `path` and documents `method`:
/// `/articles/feed` is also `/articles/{slug}`, whose DELETE is no undocumented method.
pub fn routed_elsewhere(
    paths: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    method: &str,
) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    paths.iter().any(|(other, item)| {
        let theirs: Vec<&str> = other.trim_start_matches('/').split('/').collect();
        other != path
            && item.get(method).is_some()
            && theirs.len() == segments.len()
            && theirs
                .iter()
                .zip(&segments)
                .all(|(t, s)| t.starts_with('{') || (t == s && !s.starts_with('{')))
    })
}

#[cfg(test)]
mod tests {
    use super::majority_prefixes;

    #[test]
    fn the_prefix_most_paths_share_is_found_below_a_few_outliers() {
        let owned: Vec<String> = [
            "/api/admin/projects",
            "/api/admin/projects/{id}",
            "/api/admin/segments/{id}",
            "/api/admin/features",
            "/api/client/features",
            "/auth/simple/login",
            "/health",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let paths: Vec<&String> = owned.iter().collect();
        assert_eq!(
            majority_prefixes(&paths),
            vec![vec!["api".to_string()], vec!["api".into(), "admin".into()]]
        );
        // No folder most paths share: the root.
        let owned: Vec<String> = ["/users", "/items/{id}", "/login"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let paths: Vec<&String> = owned.iter().collect();
        assert!(majority_prefixes(&paths).is_empty());
    }
}
