//! Signing in once per identity and reusing the session: the login, the tokens and cookies
//! it answers, refresh and logout, and the cookie-authenticated requests a frontend sends.

use serde_json::Value;

use super::{
    Ctx, CtxError, Identity, Tokens, as_text, encode, jwt_exp, keep_jar, second_identity,
    spare_identity, unix_now,
};
use crate::http::{Exchange, Request};
use crate::profile::{AuthKind, Locator};

/// Why a sign-in right after its account's sign-up was accepted is refused (or fails:
/// JHipster answers it 500): the backend asks more of a new account than the spec can say
/// (JHipster's e-mailed activation link).
pub const NOT_YET_ACTIVE: &str = ", right after its sign-up was accepted: the backend asks more of a new account before it signs in (an e-mailed activation link, an admin's approval)";

/// What a sign-in that answered a session earlier in the run and a server error later says
/// of the backend.
pub const BROKEN_SIGN_IN: &str = ", where it answered a session earlier in this run: a request the run sent since has left the backend unable to sign in";

impl Ctx {
    /// Signs `identity` in as the profile says, once per run: the session is reused by every
    /// scenario, and renewed only when its access token is about to expire.
    pub async fn session(&self, identity: Identity) -> Result<Tokens, CtxError> {
        // A run without [auth] calls as an anonymous visitor: no credential at all.
        if identity == Identity::First && self.anonymous() {
            return Ok(Tokens {
                access: String::new(),
                refresh: None,
                cookies: vec![],
            });
        }
        let _signing = self.signing[identity.slot()].lock().await;
        if let Some(tokens) = self.sessions.lock().await.get(&identity) {
            let fresh = match jwt_exp(&tokens.access) {
                Some(exp) => exp > unix_now() + 2,
                None => true,
            };
            if fresh {
                return Ok(tokens.clone());
            }
        }
        let (tokens, _) = self.sign_in_as(identity, true).await?;
        self.sessions.lock().await.insert(identity, tokens.clone());
        Ok(tokens)
    }

    /// Adopts the access token an answer to `identity`'s own account operation carries (a
    /// RealWorld `PUT /user` answers the user with a new token, as a change of the name the
    /// old one was issued for voids it), as the backend's frontend stores it: the session goes
    /// on with it. Only where the profile reads the token from the body, and never from the
    /// sign-in or sign-up, whose answer is another session's.
    pub async fn renew_from(&self, identity: Identity, e: &Exchange) {
        if !(200..300).contains(&e.status)
            || e.operation
                .as_ref()
                .is_none_or(|op| self.session_operations.contains(op))
        {
            return;
        }
        let Some(Ok(locator @ Locator::Body(_))) = self.profile.auth.as_ref().map(|a| {
            Locator::parse(
                a.access_token
                    .as_ref()
                    .map(|t| t.get_ref().as_str())
                    .unwrap_or("body:*"),
            )
        }) else {
            return;
        };
        let Some(access) = Self::extract(e, &locator).filter(|t| !t.is_empty()) else {
            return;
        };
        if let Some(tokens) = self.sessions.lock().await.get_mut(&identity)
            && tokens.access != access
            && same_kind(&tokens.access, &access)
        {
            tokens.access = access;
        }
    }

    /// Whether `identity` signed in during the run.
    pub async fn signed_in(&self, identity: Identity) -> bool {
        self.sessions.lock().await.contains_key(&identity)
    }

    /// The read of the signed-in user (`GET .../me`, `.../user`, `.../whoami`,
    /// `.../users/current`, `.../account`), where the spec has one the token opens.
    pub fn current_user_read(&self) -> Option<super::OpInfo> {
        self.token_operations().into_iter().find(|o| {
            let p = o.path.trim_end_matches('/').to_ascii_lowercase();
            o.method == "GET"
                && !p.contains('{')
                && ["/me", "/user", "/whoami", "/users/current", "/account"]
                    .iter()
                    .any(|end| p.ends_with(end))
        })
    }

    /// Proves the second identity another user than the first: another subject in its JWT,
    /// or another answer from a "current user" operation (`GET .../me`, `.../user`). A
    /// registration answered 409 followed by a working login may sign the second identity in
    /// as the first: every cross-user check would then compare a user with themself.
    pub async fn distinct_identities(&self) -> Result<(), CtxError> {
        let first = self.session(Identity::First).await?;
        let second = self.session(Identity::Second).await?;
        if first.access == second.access {
            return Err("the second identity was given the first identity's token".into());
        }
        let claims = |t: &str| -> Option<serde_json::Map<String, Value>> {
            match super::jwt_claims(t)? {
                Value::Object(map) => Some(map),
                _ => None,
            }
        };
        let (a, b) = (claims(&first.access), claims(&second.access));
        let subject = |c: &Option<serde_json::Map<String, Value>>| {
            c.as_ref().and_then(|c| c.get("sub")).map(as_text)
        };
        // Another subject: another user. The same subject names the same user only when
        // nothing else in the tokens tells them apart: some backends put a constant there
        // (`sub: "access"`) and the user in a claim of their own (`username`).
        let same_subject = match (subject(&a), subject(&b)) {
            (Some(x), Some(y)) if x != y => return Ok(()),
            (Some(x), Some(_)) => Some(x),
            _ => None,
        };
        if let (Some(subject), Some(a), Some(b)) = (&same_subject, &a, &b) {
            // A claim that names the user, beside the subject.
            let named = [
                "username",
                "user",
                "user_id",
                "userid",
                "uid",
                "email",
                "preferred_username",
                "login",
                "handle",
                "name",
                "id",
            ];
            let differs = a.iter().any(|(k, v)| {
                named.contains(&k.to_ascii_lowercase().as_str()) && b.get(k).is_some_and(|w| w != v)
            });
            if differs {
                return Ok(());
            }
            return Err(CtxError::Setup(format!(
                "the second identity signed in as the first: both tokens have the subject `{subject}` (name another account with auth.second_body)"
            )));
        }
        let Some(me) = self.current_user_read() else {
            return Ok(());
        };
        let mut answers = Vec::new();
        for tokens in [&first, &second] {
            let e = self
                .http
                .send_politely(Request::new("GET", me.path.clone()).bearer(Some(&tokens.access)))
                .await
                .map_err(CtxError::Transport)?;
            answers.push(((200..300).contains(&e.status), e.json()));
        }
        if answers[0].0 && answers[1].0 && answers[0].1.is_some() && answers[0].1 == answers[1].1 {
            return Err(CtxError::Setup(format!(
                "the second identity signed in as the first: {} answers the same user to both (name another account with auth.second_body)",
                me.id
            )));
        }
        Ok(())
    }

    /// Signs `identity` in anew (a session of its own, for scenarios that use up or end
    /// their session); returns the tokens and the exchanges made.
    pub async fn sign_in(&self, identity: Identity) -> Result<(Tokens, Vec<Exchange>), CtxError> {
        self.sign_in_as(identity, false).await
    }

    /// [`Ctx::sign_in`]; with `from_sign_up`, an account the run has just signed up whose
    /// answer holds the whole session (the access token where the profile reads it, and the
    /// refresh token when the profile names one) is signed in by that answer, as the
    /// backend's frontend is: no second password check (a password hash apiece) for it.
    async fn sign_in_as(
        &self,
        identity: Identity,
        from_sign_up: bool,
    ) -> Result<(Tokens, Vec<Exchange>), CtxError> {
        let refused = self
            .refused_sign_ins
            .lock()
            .ok()
            .and_then(|r| r.get(&identity).cloned());
        if let Some(why) = refused {
            return Err(CtxError::Refused { why, again: true });
        }
        match self.sign_in_once(identity, from_sign_up).await {
            // A refusal (not a backend that did not answer) is kept: no later scenario sends
            // the same refused sign-in again. A rate limit met despite waiting is the
            // backend's state at the time, not a refusal.
            Err(CtxError::Setup(why)) if !why.contains("answered 429") => {
                if let Ok(mut r) = self.refused_sign_ins.lock() {
                    r.entry(identity).or_insert_with(|| why.clone());
                }
                Err(CtxError::Refused { why, again: false })
            }
            signed => signed,
        }
    }

    /// The first identity's sign-in sent once more, whatever the run met before (no
    /// refusal kept, nothing cached): whether the backend, as the run leaves it, still signs
    /// in.
    pub async fn sign_in_afresh(&self) -> Result<Tokens, CtxError> {
        self.sign_in_once(Identity::First, false)
            .await
            .map(|(tokens, _)| tokens)
    }

    /// [`Self::sign_in_as`], sent.
    async fn sign_in_once(
        &self,
        identity: Identity,
        from_sign_up: bool,
    ) -> Result<(Tokens, Vec<Exchange>), CtxError> {
        let auth = self
            .profile
            .auth
            .as_ref()
            .ok_or("the profile has no [auth]")?;
        let second = identity == Identity::Second;
        let privileged = identity == Identity::Privileged;
        let spare = identity == Identity::Spare;
        if spare && (auth.register.is_none() || self.read_only()) {
            return Err(CtxError::Setup(
                "a spare account needs a sign-up (auth.register) and a run that may write".into(),
            ));
        }
        let bare = |token: String| Tokens {
            access: token.trim().to_string(),
            refresh: None,
            cookies: vec![],
        };
        match auth.kind.get_ref() {
            AuthKind::Static => {
                let (variable, key) = match identity {
                    Identity::First => (&auth.token_env, "auth.token_env"),
                    Identity::Second => (&auth.second_token_env, "auth.second_token_env"),
                    Identity::Privileged => {
                        (&auth.privileged_token_env, "auth.privileged_token_env")
                    }
                    Identity::Spare => {
                        return Err("a spare account needs auth.kind = \"login\"".into());
                    }
                };
                let name = variable
                    .as_ref()
                    .map(|t| t.get_ref().clone())
                    .ok_or_else(|| format!("{key} names no such identity"))?;
                let token = std::env::var(&name)
                    .map_err(|_| format!("the environment variable `{name}` is not set"))?;
                Ok((bare(token), vec![]))
            }
            AuthKind::Command => {
                let (command, key) = match identity {
                    Identity::First => (&auth.command, "auth.command"),
                    Identity::Second => (&auth.second_command, "auth.second_command"),
                    Identity::Privileged => (&auth.privileged_command, "auth.privileged_command"),
                    Identity::Spare => {
                        return Err("a spare account needs auth.kind = \"login\"".into());
                    }
                };
                let command = command
                    .as_ref()
                    .map(|c| c.get_ref().clone())
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| format!("{key} names no such identity"))?;
                let output = tokio::process::Command::new(&command[0])
                    .args(&command[1..])
                    .output()
                    .await
                    .map_err(|e| format!("cannot run `{}`: {e}", command[0]))?;
                if !output.status.success() {
                    return Err(CtxError::Setup(format!(
                        "`{}` failed with {}",
                        command[0], output.status
                    )));
                }
                Ok((
                    bare(String::from_utf8_lossy(&output.stdout).into_owned()),
                    vec![],
                ))
            }
            AuthKind::Login => {
                let mut exchanges = Vec::new();
                let no_vars = |_: &str| None;
                let identity_body = |own: Option<&toml::Table>,
                                     explicit: Option<&toml::Table>|
                 -> Result<Value, CtxError> {
                    if privileged {
                        // Signed in by its basic credentials, it may send the first's body.
                        let body = auth
                            .privileged_body
                            .as_ref()
                            .or(auth
                                .body
                                .as_ref()
                                .filter(|_| auth.privileged_basic.is_some()))
                            .ok_or("auth.privileged_body names no privileged identity")?;
                        return Ok(crate::profile::fill(body, &no_vars)?);
                    }
                    match (second, explicit) {
                        (true, Some(b)) => Ok(crate::profile::fill(b, &no_vars)?),
                        _ => {
                            let v =
                                crate::profile::fill(own.ok_or("auth.body is missing")?, &no_vars)?;
                            Ok(if second {
                                second_identity(v)
                            } else if spare {
                                spare_identity(v, self.seed)
                            } else {
                                v
                            })
                        }
                    }
                };
                // A privileged account exists already: the harness never registers one.
                let register = auth
                    .register
                    .as_ref()
                    .filter(|_| !self.read_only() && !privileged);
                let mut registered = self.registered[identity.slot()].lock().await;
                // Registers `identity`'s account: its answer, and the session it holds when
                // it holds the whole of one and `from_sign_up` says it may be used.
                let sign_up = async |registered: &mut bool,
                                     exchanges: &mut Vec<Exchange>|
                       -> Result<Option<Tokens>, CtxError> {
                    let Some(register) = register else {
                        return Ok(None);
                    };
                    let op = self.op(register.get_ref())?;
                    // The second account registers with its own body: the one named for its
                    // registration, else (when registering takes the login's body) the one
                    // it signs in with.
                    let second_register = auth.second_register_body.as_ref().or(auth
                        .second_body
                        .as_ref()
                        .filter(|_| auth.register_body.is_none()));
                    let value = match (&auth.register_body, &auth.second_body) {
                        (Some(register), Some(given)) if second && second_register.is_none() => {
                            super::second_sign_up(
                                crate::profile::fill(register, &no_vars)?,
                                &crate::profile::fill(
                                    auth.body.as_ref().ok_or("auth.body is missing")?,
                                    &no_vars,
                                )?,
                                &crate::profile::fill(given, &no_vars)?,
                            )
                        }
                        _ => identity_body(
                            auth.register_body.as_ref().or(auth.body.as_ref()),
                            second_register,
                        )?,
                    };
                    let body = encode(value, self.encoding_for(&op, None));
                    let e = self
                        .http
                        .send_patiently(Request::new(&op.method, op.path.clone()).body(body))
                        .await
                        .map_err(CtxError::Transport)?;
                    *registered = true;
                    let whole = (from_sign_up && (200..300).contains(&e.status))
                        .then(|| self.tokens_from(&e).ok())
                        .flatten()
                        .filter(|t| auth.refresh_token.is_none() || t.refresh.is_some());
                    // 201, or 409 when the account exists: both fine.
                    exchanges.push(e);
                    Ok(whole)
                };
                // The run's spare account is its own, new each run: signed up first. A given
                // account is signed in to first, as a returning user is (a sign-up sent each
                // run is a password hash and a 409 apiece); signed up only when the sign-in
                // is refused, the first run against a fresh backend. There the second
                // account is signed up first too: the backend that did not know the first
                // knows the second no better, and a refused sign-in is a password hash of
                // its own on a backend that hashes one for an unknown user as well (Django).
                let fresh = register.is_some() && !*registered;
                let new_backend = second
                    && self
                        .first_signed_up
                        .load(std::sync::atomic::Ordering::Relaxed);
                // The sign-up's status, where one was sent before the sign-in was.
                let mut signed_up = None;
                if fresh && (spare || new_backend) {
                    if let Some(tokens) = sign_up(&mut registered, &mut exchanges).await? {
                        return Ok((tokens, exchanges));
                    }
                    signed_up = exchanges.last().map(|x| x.status);
                }
                let op = self.op(auth
                    .operation
                    .as_ref()
                    .map(|o| o.get_ref().as_str())
                    .unwrap_or_default())?;
                let value = identity_body(auth.body.as_ref(), auth.second_body.as_ref())?;
                let body = encode(value, self.encoding_for(&op, auth.encoding));
                let mut request = Request::new(&op.method, op.path.clone()).body(body);
                // A sign-in secured by HTTP basic: the identity's name and password there.
                // Each identity names its own: the first's would sign the others in as it.
                let basic = match identity {
                    _ if auth.basic.is_none() => None,
                    Identity::First => auth.basic.as_ref(),
                    Identity::Second => Some(
                        auth.second_basic
                            .as_ref()
                            .ok_or("auth.second_basic names no second identity")?,
                    ),
                    Identity::Privileged => Some(
                        auth.privileged_basic
                            .as_ref()
                            .ok_or("auth.privileged_basic names no privileged identity")?,
                    ),
                    Identity::Spare => {
                        return Err(CtxError::Setup(
                            "the run's spare account cannot sign in with auth.basic, which names the given account".into(),
                        ));
                    }
                };
                if let Some(basic) = basic {
                    use base64::Engine as _;
                    let pair = crate::profile::fill_text(basic.get_ref())?;
                    request = request.header(
                        "authorization",
                        format!(
                            "Basic {}",
                            base64::engine::general_purpose::STANDARD.encode(pair)
                        ),
                    );
                }
                let mut e = self
                    .http
                    .send_patiently(request.clone())
                    .await
                    .map_err(CtxError::Transport)?;
                exchanges.push(e.clone());
                if fresh && signed_up.is_none() && !signed_in(&e) && e.status != 429 {
                    let tokens = sign_up(&mut registered, &mut exchanges).await?;
                    signed_up = exchanges.last().map(|x| x.status);
                    if identity == Identity::First
                        && signed_up.is_some_and(|s| (200..300).contains(&s))
                    {
                        self.first_signed_up
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    if let Some(tokens) = tokens {
                        return Ok((tokens, exchanges));
                    }
                    e = self
                        .http
                        .send_patiently(request)
                        .await
                        .map_err(CtxError::Transport)?;
                    exchanges.push(e.clone());
                }
                if !signed_in(&e) {
                    // A read-only run registers no account: one the backend does not know
                    // stays refused, which is the profile's to fix, not the backend's.
                    let hint = if self.read_only() && matches!(e.status, 400 | 401 | 403 | 404) {
                        " (a read-only run registers no account: give the credentials of one the backend has)"
                    } else {
                        ""
                    };
                    // A sign-in that answered a session earlier in the run and a server
                    // error now: a request sent in between broke the backend (Directus's
                    // `GET /utils/random/string?length=9223372036854775807`, after which no
                    // one signs in until it restarts).
                    let broken = if e.status >= 500
                        && !signed_up.is_some_and(|s| (200..300).contains(&s))
                        && self
                            .signed_in_once
                            .load(std::sync::atomic::Ordering::Relaxed)
                    {
                        BROKEN_SIGN_IN
                    } else {
                        ""
                    };
                    let inactive = match signed_up {
                        Some(s)
                            if (200..300).contains(&s)
                                && (matches!(e.status, 401 | 403) || e.status >= 500) =>
                        {
                            NOT_YET_ACTIVE.to_string()
                        }
                        Some(s) if !(200..300).contains(&s) => {
                            format!(", after its sign-up answered {s}")
                        }
                        _ => String::new(),
                    };
                    return Err(CtxError::Setup(format!(
                        "login answered {}{inactive}{broken}{hint}",
                        e.status
                    )));
                }
                let tokens = self.tokens_from(&e)?;
                self.signed_in_once
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                Ok((tokens, exchanges))
            }
        }
    }

    /// Signs in to an account a generated sign-up made with `signed_up` (its JSON body): the
    /// profile's sign-in body, each value it shares with the sign-up body the profile names
    /// (the address, the password) taken from `signed_up` instead. `None` when that body
    /// would be the given account's own, or the sign-in fails.
    pub async fn sign_in_made(&self, signed_up: &Value) -> Option<Tokens> {
        let auth = self.profile.auth.as_ref()?;
        if *auth.kind.get_ref() != AuthKind::Login {
            return None;
        }
        let no_vars = |_: &str| None;
        let given = crate::profile::fill(auth.body.as_ref()?, &no_vars).ok()?;
        let registered = crate::profile::fill(
            auth.register_body.as_ref().or(auth.body.as_ref())?,
            &no_vars,
        )
        .ok()?;
        let mut from = Vec::new();
        leaves(&registered, String::new(), &mut from);
        let mut login = Vec::new();
        leaves(&given, String::new(), &mut login);
        let mut body = given.clone();
        for (pointer, value) in login {
            if let Some((at, _)) = from.iter().find(|(_, v)| *v == value) {
                let new = signed_up.pointer(at)?.clone();
                *body.pointer_mut(&pointer)? = new;
            }
        }
        if body == given {
            return None;
        }
        let op = self
            .op(auth.operation.as_ref().map(|o| o.get_ref().as_str())?)
            .ok()?;
        let body = encode(body, self.encoding_for(&op, auth.encoding));
        let e = self
            .http
            .send_politely(
                Request::new(&op.method, op.path.clone())
                    .body(body)
                    .housekeeping(),
            )
            .await
            .ok()?;
        if !signed_in(&e) {
            return None;
        }
        self.tokens_from(&e).ok()
    }

    fn extract(exchange: &Exchange, locator: &Locator) -> Option<String> {
        match locator {
            Locator::Body(pointer) if pointer == "*" => {
                crate::profile::find_token(&exchange.json()?).map(|(_, token)| token)
            }
            Locator::Body(pointer) => exchange
                .json()?
                .pointer(pointer)?
                .as_str()
                .map(String::from),
            Locator::Cookie(name) => exchange.headers("set-cookie").iter().find_map(|c| {
                let (k, rest) = c.split_once('=')?;
                (k.trim() == name || name == "*")
                    .then(|| rest.split(';').next().unwrap_or("").to_string())
            }),
            // `Bearer <jwt>`: the scheme word is the placement's to add again.
            Locator::Header(name) => exchange
                .header(name)
                .and_then(|v| v.split_whitespace().last())
                .filter(|t| !t.is_empty())
                .map(String::from),
        }
    }

    pub fn tokens_from(&self, e: &Exchange) -> Result<Tokens, CtxError> {
        let auth = self
            .profile
            .auth
            .as_ref()
            .ok_or("the profile has no [auth]")?;
        let access_locator = Locator::parse(
            auth.access_token
                .as_ref()
                .map(|a| a.get_ref().as_str())
                .unwrap_or("body:*"),
        )?;
        let found = || e.json().and_then(|b| crate::profile::find_token(&b));
        let access = match &access_locator {
            Locator::Body(any) if any == "*" => match found() {
                Some((at, token)) => {
                    self.http.note(format!(
                        "the spec does not say where the sign-in's answer holds the token: the run took it from {at} (`access_token = \"body:{at}\"` in [auth] says so)"
                    ));
                    token
                }
                // A session in a cookie (the scheme's), where the answer holds no token.
                None => match self.http.placement() {
                    crate::http::Placement::Cookie { name } => {
                        let token = Self::extract(e, &Locator::Cookie(name.clone()))
                            .ok_or("no access token in the sign-in's answer, and no session cookie")?;
                        self.http.note(format!(
                            "the sign-in's answer holds no token: the run took the session from the cookie it sets (`access_token = \"cookie:{name}\"` in [auth] says so)"
                        ));
                        token
                    }
                    _ => return Err("no access token in the sign-in's answer".into()),
                },
            },
            locator => match Self::extract(e, locator) {
                Some(token) => token,
                // Where the spec alone put it there (a run with `--spec`), the backend's answer
                // is the truth: shiori wraps every answer in `{"ok", "message"}`, which its
                // spec leaves out.
                None => match found() {
                    Some((at, token)) if self.profile.derived => {
                        self.http.note(format!(
                            "the sign-in's answer holds the token at {at}, not where its spec puts it ({}): the run took it from {at} (`access_token = \"body:{at}\"` in [auth] says so)",
                            auth.access_token
                                .as_ref()
                                .map(|a| a.get_ref().as_str())
                                .unwrap_or_default()
                        ));
                        token
                    }
                    Some((at, _)) => return Err(format!(
                        "no access token where the profile says it is; the answer has one at {at} (`access_token = \"body:{at}\"` in [auth])"
                    )
                    .into()),
                    None => return Err("no access token where the profile says it is".into()),
                },
            },
        };
        // A token answered with the word the scheme puts before it is sent with that word
        // once, as the backend's frontend sends it.
        let access = match self.http.placement().bare(&access) {
            Some(bare) => {
                self.http.note(format!(
                    "auth: the sign-in answers its token with `{}` before it: the run sends it with that word once, as the backend's frontend sends the token as given",
                    self.http.placement().word().unwrap_or_default().trim()
                ));
                bare.to_string()
            }
            None => access,
        };
        let refresh = match &auth.refresh_token {
            Some(r) => Self::extract(e, &Locator::parse(r.get_ref())?),
            // `[refresh] cookie` alone names where the refresh token is: that cookie.
            None => self
                .profile
                .refresh
                .as_ref()
                .and_then(|r| r.cookie.clone())
                .and_then(|name| Self::extract(e, &Locator::Cookie(name))),
        };
        let cookies = e
            .headers("set-cookie")
            .iter()
            .filter_map(|c| {
                c.split(';')
                    .next()?
                    .split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            })
            .collect();
        Ok(Tokens {
            access,
            refresh,
            cookies,
        })
    }

    /// Why `tokens` (a session the sign-in answered) hold no refresh token to present as the
    /// profile's `[refresh]` says, if they hold none: the refresh checks then have nothing to
    /// send (an empty body is no refresh token refused; a 500 to it is no refresh's verdict).
    pub fn no_refresh_token(&self, tokens: &Tokens) -> Option<String> {
        let refresh = self.profile.refresh.as_ref()?;
        if tokens.refresh.is_some() {
            return None;
        }
        match &refresh.cookie {
            Some(name) if tokens.cookies.iter().any(|(k, _)| k == name) => None,
            Some(name) => Some(format!(
                "the sign-in set no `{name}` cookie, where refresh.cookie says the refresh token is"
            )),
            None if refresh.token_in_body() || refresh.bearer => {
                Some(
                    "the sign-in's answer holds no refresh token (auth.refresh_token names none, or it is not where it says)"
                        .into(),
                )
            }
            None if tokens.cookies.is_empty() => Some(
                "the sign-in's answer holds no refresh token and sets no cookie that could carry one"
                    .into(),
            ),
            None => None,
        }
    }

    /// Presents `tokens`' refresh token as the profile says.
    pub async fn refresh(&self, tokens: &Tokens) -> (Result<Tokens, CtxError>, Exchange) {
        let failed = |error: CtxError| (Err(error), Exchange::none());
        let Some(refresh) = &self.profile.refresh else {
            return failed("the profile has no [refresh]".into());
        };
        let op = match self.op(refresh.operation.get_ref()) {
            Ok(op) => op,
            Err(e) => return failed(e),
        };
        let token = tokens.refresh.clone().unwrap_or_default();
        let vars = |name: &str| (name == "refresh_token").then(|| token.clone());
        let encoding = self.encoding_for(&op, refresh.encoding);
        let body = match self.body_of(&refresh.body, encoding, &vars) {
            Ok(b) => b,
            Err(e) => return failed(e),
        };
        let mut request =
            self.with_session_cookies(Request::new(&op.method, op.path.clone()).body(body), tokens);
        if refresh.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let exchange = match self.http.send_politely(request).await {
            Ok(e) => e,
            Err(e) => return failed(CtxError::Transport(e)),
        };
        if !(200..300).contains(&exchange.status) {
            return (
                Err(CtxError::Setup(format!(
                    "refresh answered {}",
                    exchange.status
                ))),
                exchange,
            );
        }
        // Without rotation a backend may answer with the access token only: the refresh
        // token stays the one presented.
        let result = self.tokens_from(&exchange).map(|mut t| {
            if t.refresh.is_none() && !refresh.rotation {
                t.refresh = tokens.refresh.clone();
            }
            t.cookies = keep_jar(&tokens.cookies, std::mem::take(&mut t.cookies));
            t
        });
        (result, exchange)
    }

    pub async fn logout(&self, tokens: &Tokens) -> Result<Exchange, CtxError> {
        let refresh = self
            .profile
            .refresh
            .as_ref()
            .ok_or("the profile has no [refresh]")?;
        let id = refresh
            .logout
            .as_ref()
            .ok_or("the profile names no logout operation")?;
        let op = self.op(id.get_ref())?;
        let token = tokens.refresh.clone().unwrap_or_default();
        let vars = |name: &str| (name == "refresh_token").then(|| token.clone());
        let body = self.body_of(&refresh.logout_body, self.encoding_for(&op, None), &vars)?;
        let request = self.with_session_cookies(
            Request::new(&op.method, op.path.clone())
                .body(body)
                .bearer(Some(&tokens.access)),
            tokens,
        );
        self.http
            .send_politely(request)
            .await
            .map_err(CtxError::Transport)
    }

    /// Where the profile's refresh places its token nowhere (no body carrying it, no cookie,
    /// no `auth.refresh_token`), as `init` leaves a refresh whose spec names no cookie
    /// (Vikunja's "exchanges the refresh token cookie"): the cookie the first identity's
    /// sign-in set that is named like a refresh token, which a browser sends with it.
    pub async fn refresh_cookie_learned(&self) -> Option<String> {
        let refresh = self.profile.refresh.as_ref()?;
        let auth = self.profile.auth.as_ref()?;
        if refresh.token_placed() || auth.refresh_token.is_some() {
            return None;
        }
        let tokens = self.session(Identity::First).await.ok()?;
        tokens
            .cookies
            .iter()
            .map(|(name, _)| name)
            .find(|name| name.to_ascii_lowercase().contains("refresh"))
            .cloned()
    }

    /// What a browser sends with a cookie-authenticated request of `tokens`' session (when
    /// the profile puts the refresh token in a cookie): the refresh cookie, the CSRF cookie and
    /// its header (double-submit), and the allowed origin the frontend runs on.
    pub fn with_session_cookies(&self, request: Request, tokens: &Tokens) -> Request {
        if self
            .profile
            .refresh
            .as_ref()
            .and_then(|r| r.cookie.as_ref())
            .is_none()
        {
            return request;
        }
        let origin = self
            .profile
            .cookies
            .as_ref()
            .and_then(|_| self.allowed_origin());
        self.cookie_request(request, tokens, origin, true)
    }

    /// The double-submit pair a frontend of `tokens`' session copies: the CSRF cookie and
    /// the header it goes in, as `[cookies]` names them, or as the cookie's name says where
    /// the sign-in set one (Django's `csrftoken` as `X-CSRFToken`, `XSRF-TOKEN` as
    /// `X-XSRF-TOKEN`, another `*csrf*` or `*xsrf*` cookie as `X-CSRF-Token`).
    pub fn csrf_pair(&self, tokens: &Tokens) -> Option<(String, String)> {
        let configured = self
            .profile
            .cookies
            .as_ref()
            .and_then(|c| Some((c.csrf_cookie.clone()?, c.csrf_header.clone())));
        configured.or_else(|| {
            tokens.cookies.iter().find_map(|(k, _)| {
                let lower = k.to_ascii_lowercase();
                let header = match lower.as_str() {
                    "csrftoken" => "X-CSRFToken",
                    "xsrf-token" => "X-XSRF-TOKEN",
                    _ if lower.contains("csrf") || lower.contains("xsrf") => "X-CSRF-Token",
                    _ => return None,
                };
                Some((k.clone(), header.to_string()))
            })
        })
    }

    /// `request` carrying `tokens`' cookies as a browser sends them: every cookie the session
    /// set, the refresh cookie holding `tokens.refresh`, from `origin`, and with `csrf` the
    /// double-submit header equal to the CSRF cookie.
    pub fn cookie_request(
        &self,
        mut request: Request,
        tokens: &Tokens,
        origin: Option<String>,
        csrf: bool,
    ) -> Request {
        let refresh_cookie = self
            .profile
            .refresh
            .as_ref()
            .and_then(|r| r.cookie.clone())
            .or_else(|| {
                self.profile
                    .cookies
                    .as_ref()
                    .map(|c| c.refresh_cookie.clone())
            });
        let mut jar: Vec<String> = tokens
            .cookies
            .iter()
            .filter(|(k, _)| Some(k) != refresh_cookie.as_ref())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if let Some(name) = &refresh_cookie {
            jar.push(format!(
                "{name}={}",
                tokens.refresh.clone().unwrap_or_default()
            ));
        }
        if csrf
            && let Some((cookie, header)) = self.csrf_pair(tokens)
            && let Some((_, value)) = tokens.cookies.iter().find(|(k, _)| *k == cookie)
        {
            request = request.header(&header, value.clone());
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.header("cookie", jar.join("; "))
    }
}

/// The scalar values of `value`, each with its JSON pointer.
fn leaves(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(v, format!("{at}/{}", accord_spec::escape_token(k)), out);
            }
        }
        Value::Array(_) => {}
        scalar => out.push((at, scalar.clone())),
    }
}

/// Whether `new` is a token of the same kind as `current`, the session's: both JWTs (three
/// dot-separated parts), or both opaque and about as long (a quarter more or less, or two
/// characters: a counter's next value). Another kind is a token for something
/// else the answer hands out (Vikunja's `PUT /user/settings/token/caldav` answers a CalDAV
/// password as `token`), which would end the session were it adopted.
fn same_kind(current: &str, new: &str) -> bool {
    let jwt = |t: &str| t.split('.').count() == 3;
    match (jwt(current), jwt(new)) {
        (true, true) => true,
        (false, false) => current.len().abs_diff(new.len()) <= (current.len() / 4).max(2),
        _ => false,
    }
}

/// Whether a sign-in's answer `e` signed the user in: a 2xx, or a redirect that sets a
/// session cookie, as a form login answers a browser (Spring Security's `302` to `/` with
/// `JSESSIONID`); a redirect that sets none (its `302` to `/login?error`) is a refusal.
pub fn signed_in(e: &Exchange) -> bool {
    (200..300).contains(&e.status)
        || (matches!(e.status, 301 | 302 | 303 | 307 | 308)
            && e.headers("set-cookie").iter().any(|c| {
                let lower = c.to_ascii_lowercase();
                c.split(';')
                    .next()
                    .and_then(|pair| pair.split_once('='))
                    .is_some_and(|(_, v)| !v.trim().is_empty())
                    && !lower.contains("max-age=0")
                    && !lower.contains("expires=thu, 01 jan 1970")
            }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_token_of_the_session_s_kind_renews_it() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2ln";
        assert!(super::same_kind(
            jwt,
            "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6Mn0.b3Ro"
        ));
        assert!(!super::same_kind(
            jwt,
            "3f1c0a9e8b7d6c5b4a39281706f5e4d3c2b1a098"
        ));
        assert!(super::same_kind("a1b2c3d4", "e5f6a7b8"));
        assert!(super::same_kind("tok-9", "tok-10"));
        assert!(!super::same_kind("a1b2c3d4", "e5f6a7b8c9d0"));
    }
}
