//! One run of the suite: load the profile and the spec, run the features, report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::{World as _, WriterExt as _, event, writer};
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::contract::Contract;
use crate::http::Http;
use crate::profile::{self, Envelope, Loaded};
use crate::report::{self, Report, ScenarioResult, Verdict};
use crate::steps::{self as world, AccordWorld};

/// The features, compiled in so the binary runs anywhere.
const FEATURES: &[(&str, &str)] = &[
    (
        "auth.feature",
        include_str!("../../../features/auth.feature"),
    ),
    (
        "refresh.feature",
        include_str!("../../../features/refresh.feature"),
    ),
    (
        "cors.feature",
        include_str!("../../../features/cors.feature"),
    ),
    (
        "errors.feature",
        include_str!("../../../features/errors.feature"),
    ),
    (
        "uploads.feature",
        include_str!("../../../features/uploads.feature"),
    ),
    (
        "behaviour.feature",
        include_str!("../../../features/behaviour.feature"),
    ),
    (
        "apikey.feature",
        include_str!("../../../features/apikey.feature"),
    ),
    (
        "cookies.feature",
        include_str!("../../../features/cookies.feature"),
    ),
    (
        "ratelimit.feature",
        include_str!("../../../features/ratelimit.feature"),
    ),
    (
        "websocket.feature",
        include_str!("../../../features/websocket.feature"),
    ),
];

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The profile; without one, `spec` is read and the profile `init` would write is used.
    pub profile: Option<PathBuf>,
    /// The spec to derive the profile from when no profile is named.
    pub spec: Option<String>,
    pub base_url: Option<String>,
    pub tags: Option<String>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    /// Write the self-contained HTML report here.
    pub html: Option<PathBuf>,
    /// Write every verdict with its rule, and the spec findings, as JSON here.
    pub results: Option<PathBuf>,
    pub strict: bool,
    /// Run the features of this folder instead of the compiled-in ones.
    pub features: Option<PathBuf>,
    pub concurrency: usize,
    /// The behaviour phase's seed; a random one (printed) when absent.
    pub seed: Option<u64>,
    /// Only safe methods in the behaviour phase, and no scenario that writes.
    pub read_only: bool,
}

/// Why a run could not start: a usage, profile or spec error (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Default)]
pub struct Outcome {
    pub passed: usize,
    pub failed: usize,
    pub skipped: Vec<(String, String)>,
    /// The spec findings: each fails the run once.
    pub findings: usize,
    pub strict: bool,
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 || self.findings > 0 || (self.strict && !self.skipped.is_empty()) {
            1
        } else {
            0
        }
    }
}

/// The scenarios' results, filled by the filter (skipped for lack of a profile section) and
/// the after-scenario hook.
static RESULTS: Mutex<Vec<ScenarioResult>> = Mutex::new(Vec::new());

fn record(result: ScenarioResult) {
    if let Ok(mut r) = RESULTS.lock() {
        r.push(result);
    }
}

/// Whether a scenario has failed for a cause that fails one only
/// ([`crate::rules::Failure::once`]).
static ONCE_REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The scenarios the run set out to run (feature, scenario, tags), filled by the filter: at
/// the deadline, those without a result did not finish.
static SELECTED: Mutex<Vec<(String, String, Vec<String>)>> = Mutex::new(Vec::new());

/// What cucumber's writer calls every failed step: a step's `Err` reaches it as a panic.
const CUCUMBER_FAILED: &str = "Step panicked. Captured output: rule ";

/// What the console calls a check's failure (its text names the rule it broke).
const CHECK_FAILED: &str = "Check failed: rule ";

/// Standard output for cucumber's writer, a check's failure called what it is: the writer
/// prints each as a panic ([`CUCUMBER_FAILED`]), which no check is. A real panic in a step
/// names no rule and keeps the writer's words. Whole lines are written, so that the words
/// are never cut between two writes.
#[derive(Default)]
struct Console {
    pending: Vec<u8>,
}

impl Console {
    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(bytes).replace(CUCUMBER_FAILED, CHECK_FAILED);
        std::io::stdout().write_all(text.as_bytes())
    }
}

impl Write for Console {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|b| *b == b'\n') {
            let rest = self.pending.split_off(end + 1);
            let lines = std::mem::replace(&mut self.pending, rest);
            self.emit(&lines)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.emit(&rest)?;
        std::io::stdout().flush()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The failing step's report, as the step printed it.
fn failure_text(finished: &event::ScenarioFinished) -> Option<String> {
    let info = match finished {
        event::ScenarioFinished::StepPassed | event::ScenarioFinished::StepSkipped => {
            return None;
        }
        event::ScenarioFinished::BeforeHookFailed(info) => info,
        event::ScenarioFinished::StepFailed(_, _, event::StepError::Panic(info)) => info,
        event::ScenarioFinished::StepFailed(_, _, other) => return Some(other.to_string()),
    };
    Some(
        info.downcast_ref::<String>()
            .cloned()
            .or_else(|| info.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the step panicked".into()),
    )
}

/// The scenarios of the features in `dir` that `keep` admits by their tags (the feature's,
/// the scenario's, and an outline's examples' where it has any), as (feature, scenario)
/// with an outline's name unexpanded (and each admitted example's, expanded), and the
/// texts of their steps (and of their features' backgrounds). A file that does not parse
/// selects nothing here (the run itself says what is wrong with it).
fn selected_scenarios(
    dir: &std::path::Path,
    keep: impl Fn(&[String]) -> bool,
) -> (Vec<(String, String)>, std::collections::BTreeSet<String>) {
    let mut out = Vec::new();
    let mut steps = std::collections::BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "feature"))
        .collect();
    files.sort();
    for path in files {
        let Ok(feature) =
            cucumber::gherkin::Feature::parse_path(&path, cucumber::gherkin::GherkinEnv::default())
        else {
            continue;
        };
        let scenarios = feature
            .scenarios
            .iter()
            .chain(feature.rules.iter().flat_map(|r| r.scenarios.iter()));
        for scenario in scenarios {
            let tags: Vec<String> = feature.tags.iter().chain(&scenario.tags).cloned().collect();
            let admitted = if scenario.examples.is_empty() {
                keep(&tags)
            } else {
                let mut any = false;
                for examples in &scenario.examples {
                    let all: Vec<String> = tags.iter().chain(&examples.tags).cloned().collect();
                    if !keep(&all) {
                        continue;
                    }
                    any = true;
                    // Each example admitted under its own name too (`a body of malformed
                    // JSON is answered 400 ...`): an outline runs while some of its
                    // examples are left out (`@writes` under `--read-only`).
                    let Some([header, rows @ ..]) =
                        examples.table.as_ref().map(|t| t.rows.as_slice())
                    else {
                        continue;
                    };
                    for row in rows {
                        let name = header
                            .iter()
                            .zip(row)
                            .fold(scenario.name.clone(), |name, (column, value)| {
                                name.replace(&format!("<{column}>"), value)
                            });
                        out.push((feature.name.clone(), name));
                    }
                }
                any
            };
            if admitted {
                out.push((feature.name.clone(), scenario.name.clone()));
                let background = feature.background.iter().flat_map(|b| b.steps.iter());
                steps.extend(background.chain(&scenario.steps).map(|s| s.value.clone()));
            }
        }
    }
    (out, steps)
}

/// Whether the user's session is a cookie (the spec's scheme, or the profile's
/// `cookie:NAME` token).
fn cookie_session(ctx: &crate::context::Ctx) -> bool {
    matches!(ctx.http.placement(), crate::http::Placement::Cookie { .. })
}

/// Whether a scenario applies to the backend at all: one about a cookie session's defence
/// (`@cookie_session`) is no check of a backend whose session is no cookie, neither run
/// nor counted as skipped (a skip fails `--strict`, which asks for every check that
/// applies), as a scenario the tags leave out.
fn applies(tags: &[String], cookie_session: bool) -> bool {
    cookie_session || !tags.iter().any(|t| t == "cookie_session")
}

/// Whether the backend at `root` serves the spec's paths there rather than under
/// `prefixed` (`root` with the spec's server path): the spec's first read without path
/// parameters, sent to both without credentials, answers 404 under the server's path and
/// anything else at the root, or another 4xx under it and a 2xx at the root. Where the
/// spec has no such read or either is not answered, the server's path holds.
async fn served_at_root(root: &str, prefixed: &str, doc: &Value) -> bool {
    let Some(path) = accord_spec::json_operations(doc.get("paths"))
        .into_iter()
        .find(|o| o.method.eq_ignore_ascii_case("get") && !o.path.contains('{'))
        .map(|o| o.path.to_string())
    else {
        return false;
    };
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    else {
        return false;
    };
    let status = |base: &str| {
        let url = format!("{}{path}", base.trim_end_matches('/'));
        let client = client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16())
        }
    };
    // Not found under the prefix and something at the root; or refused under the prefix
    // and read at the root (an OpenAPI validator in front of every route answers a path it
    // does not know with 400, `no matching operation was found`).
    match (status(prefixed).await, status(root).await) {
        (Some(404), Some(r)) => r != 404,
        (Some(p), Some(r)) => (400..500).contains(&p) && (200..300).contains(&r),
        _ => false,
    }
}

/// What a scenario needs from the profile, by tag; `None` when the profile has it.
fn missing_role(loaded: &Loaded, tags: &[String], read_only: bool) -> Option<String> {
    let p = &loaded.profile;
    let has = |t: &str| tags.iter().any(|x| x == t);
    if read_only {
        for (tag, why) in [
            ("writes", "the scenario writes"),
            ("uploads", "presigning and uploading write"),
            (
                "refresh",
                "refreshing a session writes (only one sign-in per identity is sent)",
            ),
            ("cookies", "the cookie checks refresh and sign out"),
            ("ratelimit", "a burst of sign-ins is not one sign-in"),
            ("expiry", "an expired token needs a sign-in of its own"),
            ("apikey_revoke", "creating and revoking a key writes"),
        ] {
            if has(tag) {
                return Some(format!("--read-only: {why}"));
            }
        }
        if has("apikey_valid") && p.apikey.as_ref().is_some_and(|k| k.key_env.is_none()) {
            return Some(
                "--read-only: creating a key writes (name one with apikey.key_env)".into(),
            );
        }
    }
    if has("second_user") {
        let second = p
            .auth
            .as_ref()
            .is_some_and(profile::Auth::has_second_identity);
        if !second {
            return Some("the profile names no second identity (auth.register, auth.second_body, auth.second_token_env or auth.second_command)".into());
        }
    }
    // Without credentials the behaviour phase still calls what the spec leaves open, as a
    // visitor; what needs a user of its own (a second one, a role, a token that expires)
    // is skipped.
    let visitor = (has("behaviour") || has("errors"))
        && !["second_user", "roles", "expiry"].iter().any(|t| has(t));
    if has("login") && p.auth.is_none() && !visitor {
        return Some("the profile has no [auth] to sign in with".into());
    }
    if has("refresh") && p.refresh.is_none() {
        return Some("the profile has no [refresh]".into());
    }
    if has("rotation") && !p.refresh.as_ref().is_some_and(|r| r.rotation) {
        return Some("refresh.rotation is false".into());
    }
    if has("reuse") && !p.refresh.as_ref().is_some_and(|r| r.reuse_detection) {
        return Some("refresh.reuse_detection is false".into());
    }
    if has("logout") && p.refresh.as_ref().is_none_or(|r| r.logout.is_none()) {
        return Some("refresh.logout names no operation".into());
    }
    if has("cors") && p.cors.is_none() {
        return Some("the profile has no [cors]".into());
    }
    if has("uploads") && p.uploads.is_none() {
        return Some("the profile has no [uploads]".into());
    }
    if has("apikey") && p.apikey.is_none() {
        return Some("the profile has no [apikey]".into());
    }
    if has("apikey_valid")
        && !p
            .apikey
            .as_ref()
            .is_some_and(|k| k.key_env.is_some() || k.create.is_some())
    {
        return Some("apikey names no key (apikey.key_env or apikey.create)".into());
    }
    if has("apikey_revoke")
        && !p
            .apikey
            .as_ref()
            .is_some_and(|k| k.create.is_some() && k.revoke.is_some())
    {
        return Some("apikey names no create and revoke operations".into());
    }
    if has("cookies") && p.cookies.is_none() {
        return Some("the profile has no [cookies]".into());
    }
    if has("double_submit") && p.cookies.as_ref().is_none_or(|c| c.csrf_cookie.is_none()) {
        return Some("cookies.csrf_cookie is not set (no double-submit token)".into());
    }
    if has("ratelimit") && p.ratelimit.is_none() {
        return Some("the profile has no [ratelimit]".into());
    }
    if has("websocket") && p.websocket.is_none() {
        return Some("the profile has no [websocket]".into());
    }
    None
}

fn check_operations(loaded: &Loaded, contract: &Contract) -> Result<(), UsageError> {
    let p = &loaded.profile;
    let mut named: Vec<(&str, &toml::Spanned<String>)> = Vec::new();
    if let Some(a) = &p.auth {
        named.extend(a.operation.iter().map(|o| ("auth.operation", o)));
        named.extend(a.register.iter().map(|o| ("auth.register", o)));
    }
    if let Some(r) = &p.refresh {
        named.push(("refresh.operation", &r.operation));
        named.extend(r.logout.iter().map(|o| ("refresh.logout", o)));
    }
    if let Some(k) = &p.apikey {
        named.extend(k.create.iter().map(|o| ("apikey.create", o)));
        named.extend(k.revoke.iter().map(|o| ("apikey.revoke", o)));
    }
    if let Some(r) = &p.ratelimit {
        named.extend(r.operation.iter().map(|o| ("ratelimit.operation", o)));
    }
    if let Some(u) = &p.uploads {
        named.push(("uploads.operation", &u.operation));
        named.extend(
            u.status_operation
                .iter()
                .map(|o| ("uploads.status_operation", o)),
        );
    }
    named.extend(
        p.behaviour
            .privileged_operations
            .iter()
            .map(|o| ("behaviour.privileged_operations", o)),
    );
    for (key, id) in named {
        if contract.operation(id.get_ref()).is_none() {
            let e = loaded.error(
                id.span(),
                format!("{key}: the spec has no operation `{}`", id.get_ref()),
            );
            return Err(UsageError(e.to_string()));
        }
    }
    for field in &p.behaviour.policy_fields {
        let problem = match field.get_ref().split_once(' ') {
            Some((id, pointer)) if pointer.trim().starts_with('/') => contract
                .operation(id)
                .is_none()
                .then(|| format!("the spec has no operation `{id}`")),
            _ => Some("write `OPERATION_ID /POINTER`, e.g. `create_upload /content_type`".into()),
        };
        if let Some(problem) = problem {
            let e = loaded.error(
                field.span(),
                format!("behaviour.policy_fields: `{}`: {problem}", field.get_ref()),
            );
            return Err(UsageError(e.to_string()));
        }
    }
    Ok(())
}

/// The spec at `location`: a file, or an http(s) URL fetched once.
pub async fn load_spec(location: &str) -> Result<accord_spec::Spec, UsageError> {
    if location.starts_with("http://") || location.starts_with("https://") {
        let text = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| UsageError(e.to_string()))?
            .get(location)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| UsageError(format!("cannot fetch the spec {location}: {e}")))?
            .text()
            .await
            .map_err(|e| UsageError(format!("cannot read the spec {location}: {e}")))?;
        let name = location.rsplit('/').next().unwrap_or("spec").to_string();
        accord_spec::Spec::parse(&text, name).map_err(|e| UsageError(e.to_string()))
    } else {
        accord_spec::Spec::load(location).map_err(|e| UsageError(e.to_string()))
    }
}

/// The profile `init` would write for the spec at `location`, for a run without one: the
/// sections whose credentials the environment does not hold are left out (their scenarios
/// are skipped, saying why), each named in the notes.
async fn derived_profile(
    location: &str,
    base_url: Option<&str>,
) -> Result<(Loaded, Vec<String>), UsageError> {
    let location = if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else {
        std::fs::canonicalize(location)
            .map_err(|e| UsageError(format!("--spec: cannot read {location}: {e}")))?
            .display()
            .to_string()
    };
    let spec = load_spec(&location).await?;
    let text = crate::init::profile(&spec.document, &location, base_url);
    if base_url.is_none() && text.contains("# the spec names no absolute server") {
        return Err(UsageError(
            "--base-url: the spec names no absolute server; name the backend's base URL".into(),
        ));
    }
    let mut loaded = profile::parse(&text, Path::new("(the profile derived from the spec)"))
        .map_err(|e| UsageError(format!("the derived profile: {e}")))?;
    loaded.profile.derived = true;
    let mut notes = vec![format!(
        "no profile: the one `accord-conformance init --spec {location}` writes is used"
    )];
    // Each missing credential leaves its section out; at most one round per section.
    for _ in 0..4 {
        let Err(e) = profile::check_variables(&loaded) else {
            break;
        };
        let p = &mut loaded.profile;
        let section = e.message.split('.').next().unwrap_or_default().to_string();
        match section.as_str() {
            "auth" => {
                p.auth = None;
                p.refresh = None;
            }
            "refresh" => p.refresh = None,
            "apikey" => p.apikey = None,
            "uploads" => p.uploads = None,
            _ => return Err(UsageError(format!("the derived profile: {e}"))),
        }
        notes.push(format!("[{section}] left out: {}", e.message));
    }
    if let Some(var) = loaded
        .profile
        .apikey
        .as_ref()
        .and_then(|k| k.key_env.clone())
        .filter(|v| std::env::var_os(v).is_none())
    {
        loaded.profile.apikey = None;
        notes.push(format!(
            "[apikey] left out: the environment variable `{var}` is not set"
        ));
    }
    Ok((loaded, notes))
}

pub async fn run(options: Options) -> Result<Outcome, UsageError> {
    let started = Instant::now();
    let (loaded, mut discovered) = match (&options.profile, &options.spec) {
        (Some(path), None) => {
            let loaded = profile::load(path).map_err(|e| UsageError(e.to_string()))?;
            profile::check_variables(&loaded).map_err(|e| UsageError(e.to_string()))?;
            (loaded, Vec::new())
        }
        (None, Some(location)) => derived_profile(location, options.base_url.as_deref()).await?,
        _ => {
            return Err(UsageError(
                "name a profile (--profile FILE) or a spec to derive one from (--spec LOCATION), not both".into(),
            ));
        }
    };
    let mut prof = loaded.profile.clone();
    if let Some(base) = &options.base_url {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(UsageError(format!(
                "--base-url: `{base}` is not an http(s) URL"
            )));
        }
        prof.base_url = toml::Spanned::new(0..0, base.clone());
    }
    let spec = load_spec(&loaded.spec_location()).await?;
    let contract = Contract::new(spec);
    check_operations(&loaded, &contract)?;
    let scheme = crate::security::user_scheme(&contract.spec.document, prof.auth.as_ref())
        .map_err(|e| {
            let span = prof
                .auth
                .as_ref()
                .and_then(|a| a.scheme.as_ref())
                .map(|s| s.span())
                .unwrap_or(0..0);
            UsageError(loaded.error(span, e).to_string())
        })?;
    // Under --read-only the sign-in is the one write that leaves the process.
    let sign_in: Vec<(String, String)> = prof
        .auth
        .as_ref()
        .and_then(|a| a.operation.as_ref())
        .and_then(|o| contract.operation(o.get_ref()))
        .map(|(path, method, _)| vec![(method.to_uppercase(), path.to_string())])
        .unwrap_or_default();
    let gate = crate::http::Gate {
        read_only: options.read_only,
        sign_in,
    };
    // Without [errors], the envelope the spec's error answers share (as `init` finds it).
    if prof.errors.is_none()
        && let Some((errors, why)) = crate::init::discovered_errors(&contract.spec.document)
    {
        discovered.push(format!(
            "the profile has no [errors]: the spec's envelope is used ({why})"
        ));
        prof.errors = Some(errors);
    }
    let (error_schema, error_root) = match prof
        .errors
        .as_ref()
        .filter(|e| *e.envelope.get_ref() == Envelope::Schema)
    {
        Some(errors) => {
            let reference = errors
                .schema
                .as_ref()
                .map(|s| s.get_ref().clone())
                .unwrap_or_default();
            if reference.starts_with('#') {
                if accord_spec::pointer::lookup(&contract.spec.document, &reference).is_none() {
                    return Err(UsageError(
                        loaded
                            .error(
                                errors.schema.as_ref().map(|s| s.span()).unwrap_or(0..0),
                                format!("errors.schema: `{reference}` is not in the spec"),
                            )
                            .to_string(),
                    ));
                }
                (
                    Some(json!({"$ref": reference})),
                    contract.spec.document.clone(),
                )
            } else {
                let path = loaded
                    .path
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(&reference);
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    UsageError(format!(
                        "errors.schema: cannot read {}: {e}",
                        path.display()
                    ))
                })?;
                let schema: Value = serde_json::from_str(&text).map_err(|e| {
                    UsageError(format!(
                        "errors.schema: {} is not JSON: {e}",
                        path.display()
                    ))
                })?;
                (Some(schema.clone()), schema)
            }
        }
        None => (None, Value::Null),
    };
    let tags =
        match &options.tags {
            Some(expr) => Some(expr.parse::<TagOperation>().map_err(|e| {
                UsageError(format!("--tags: `{expr}` is not a tag expression: {e}"))
            })?),
            None => None,
        };

    let timeout = Duration::from_secs(prof.request_timeout_secs.unwrap_or(10).max(1));
    let deadline = Duration::from_secs(prof.deadline_secs.unwrap_or(300).max(1));
    // A sign-in that answers its tokens in headers: those headers are secrets in every report.
    for locator in prof
        .auth
        .iter()
        .flat_map(|a| [&a.access_token, &a.refresh_token])
    {
        if let Some(Ok(crate::profile::Locator::Header(name))) = locator
            .as_ref()
            .map(|l| crate::profile::Locator::parse(l.get_ref()))
        {
            crate::exchange::add_secret_name(&name);
        }
    }
    // A base URL without a path goes under the spec's server path, where its paths are,
    // unless the backend says otherwise: a read of the spec answered 404 under the server's
    // path and otherwise without it (a local instance of a spec whose server is
    // `https://api.example.com/v1`, served at the root).
    if let Some(base) =
        crate::init::under_server_path(prof.base_url.get_ref(), &contract.spec.document)
    {
        let server = crate::init::server_path(&contract.spec.document).unwrap_or_default();
        if served_at_root(prof.base_url.get_ref(), &base, &contract.spec.document).await {
            discovered.push(format!(
                "the spec's server is under {server}, but the backend answers its paths without it: requests go to {} as given",
                prof.base_url.get_ref()
            ));
        } else {
            discovered.push(format!(
                "the spec's server is under {server}: requests go to {base} (a base URL with a path of its own is taken as it is)"
            ));
            let span = prof.base_url.span();
            prof.base_url = toml::Spanned::new(span, base);
        }
    }
    let (fixed, fixed_notes) =
        crate::context::fixed_parameters(&contract.spec.document, &prof.parameters)
            .map_err(UsageError)?;
    discovered.extend(fixed_notes);
    let mut http = Http::with(
        prof.base_url.get_ref(),
        Arc::new(contract),
        timeout,
        scheme.placement.clone(),
        gate,
    )
    .map_err(|e| UsageError(e.to_string()))?;
    http.set_fixed(fixed);
    // A backend nothing answers for fails the run once, before any check, rather than
    // every scenario on its own transport error.
    if let Some(why) = http.unreachable().await {
        println!(
            "conformance: the backend cannot be reached (base_url or --base-url): {why}; no check ran"
        );
        return Ok(Outcome {
            passed: 0,
            failed: 1,
            skipped: Vec::new(),
            findings: 0,
            strict: options.strict,
        });
    }
    let mut ctx = Ctx::new(prof, http, error_schema, error_root);
    ctx.seed = options.seed.unwrap_or_else(rand::random);
    ctx.user_scheme = scheme.name.clone();
    let mut scheme = scheme;
    // A token the backend refuses where the spec's scheme puts it and takes elsewhere in
    // `Authorization`: one spec finding, and the run goes on as the backend's frontend must.
    if let Some((placement, refused)) = ctx.placement_taken().await {
        ctx.http.findings.record(&refused);
        ctx.http.set_placement(placement.clone());
        scheme.placement = placement;
    }
    // A session cookie the spec's scheme does not name (the `Cookie` header): the one the
    // sign-in sets, as a browser sends it back.
    if let Some(name) = ctx.session_cookie_learned().await {
        ctx.http.note(format!(
            "auth: the spec's scheme{} is the `Cookie` header, which names no cookie: the sign-in sets the session in `{name}`, which the run sends back, as a browser does",
            scheme.name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default()
        ));
        scheme.placement = crate::http::Placement::Cookie { name };
        ctx.http.set_placement(scheme.placement.clone());
    }
    // A refresh token the profile places nowhere travels in the cookie the sign-in sets for
    // it, as a browser sends it (the sessions signed in from now on hold it).
    if let Some(name) = ctx.refresh_cookie_learned().await {
        ctx.http.note(format!(
            "refresh: the profile places the refresh token nowhere; the sign-in sets the cookie `{name}`, which the run sends it in, as a browser does (name it in [refresh] cookie)"
        ));
        if let Some(refresh) = ctx.profile.refresh.as_mut() {
            refresh.cookie = Some(name);
        }
    }
    // A spec that secures nothing, for a backend that refuses its reads without the
    // profile's credentials: one spec finding, and the token checks run on every operation.
    if let Some(refused) = ctx.security_in_practice().await {
        ctx.http.findings.record(&refused);
        ctx.secured_in_practice = true;
    }
    if let Some(ws) = &ctx.profile.websocket {
        let dir = loaded.path.parent().unwrap_or(std::path::Path::new("."));
        ctx.asyncapi = crate::asyncapi::load(ws.asyncapi.as_deref(), dir, &loaded.spec_location())
            .map_err(UsageError)?;
    }
    println!(
        "accord-conformance: seed {} (repeat with --seed {}){}; the user's token goes {}",
        ctx.seed,
        ctx.seed,
        if ctx.read_only() {
            "; read-only: only GET, HEAD and OPTIONS are sent, and one sign-in per identity"
        } else {
            ""
        },
        describe_placement(&scheme)
    );
    for note in discovered {
        ctx.http.note(note);
    }
    let features_dir = match &options.features {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = tempfile::tempdir().map_err(|e| UsageError(e.to_string()))?;
            for (name, text) in FEATURES {
                std::fs::write(dir.path().join(name), text)
                    .map_err(|e| UsageError(e.to_string()))?;
            }
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    // What the run sets out to run, read from the features as the filter below reads them.
    {
        let mut loaded = loaded.clone();
        loaded.profile.errors = ctx.profile.errors.clone();
        let cookie_session = cookie_session(&ctx);
        (ctx.selected, ctx.selected_steps) = selected_scenarios(&features_dir.0, |all| {
            tags.as_ref().is_none_or(|t| t.eval(all.iter()))
                && applies(all, cookie_session)
                && missing_role(&loaded, all, options.read_only).is_none()
        });
    }
    let ctx = Arc::new(ctx);
    world::install(ctx.clone());
    crate::steps::warm_sessions(&ctx);

    // The report files are written at the end from the scenarios' verdicts (skipped ones as
    // skipped); a path that cannot be written is a usage error now, not after the run.
    for path in [
        &options.junit,
        &options.json,
        &options.html,
        &options.results,
    ]
    .into_iter()
    .flatten()
    {
        std::fs::write(path, "")
            .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
    }

    let read_only = options.read_only;
    let cookie_session = cookie_session(&ctx);
    let mut loaded_for_filter = loaded.clone();
    // What the run found in the spec stands in for a section the profile leaves out.
    loaded_for_filter.profile.errors = ctx.profile.errors.clone();
    let filter = move |feature: &cucumber::gherkin::Feature,
                       _: Option<&cucumber::gherkin::Rule>,
                       scenario: &cucumber::gherkin::Scenario| {
        let all: Vec<String> = feature.tags.iter().chain(&scenario.tags).cloned().collect();
        if let Some(t) = &tags
            && !t.eval(all.iter())
        {
            return false;
        }
        if !applies(&all, cookie_session) {
            return false;
        }
        match missing_role(&loaded_for_filter, &all, read_only) {
            Some(reason) => {
                record(ScenarioResult {
                    feature: feature.name.clone(),
                    scenario: scenario.name.clone(),
                    tags: all,
                    verdict: Verdict::Skipped(reason),
                    seconds: 0.0,
                });
                false
            }
            None => {
                if let Ok(mut selected) = SELECTED.lock() {
                    selected.push((feature.name.clone(), scenario.name.clone(), all));
                }
                true
            }
        }
    };

    let ctx_for_hook = ctx.clone();
    let cucumber = AccordWorld::cucumber()
        .max_concurrent_scenarios(options.concurrency.max(1))
        .before(|feature, _, scenario, world| {
            world.set_scenario(&format!("{}: {}", feature.name, scenario.name));
            Box::pin(async {})
        })
        .after(move |feature, _, scenario, finished, world| {
            let tags: Vec<String> = feature.tags.iter().chain(&scenario.tags).cloned().collect();
            if let Some(w) = world.as_deref() {
                ctx_for_hook.http.findings.attribute(
                    &format!("{}: {}", feature.name, scenario.name),
                    w.exchanges(),
                );
            }
            let seconds = world.as_deref().map_or(0.0, |w| w.seconds());
            // A step's failure is typed (kept in the World as the step returned it); a panic
            // or a hook's failure is only text, with no rule.
            let kept = world.as_deref().and_then(|w| w.failure.clone());
            let skip = world.as_deref().and_then(|w| w.skip.clone());
            let verdict = match (kept, failure_text(finished), skip) {
                // A refused sign-in fails the first scenario it stops, and skips the rest.
                (Some(f), Some(_), _)
                    if f.once && ONCE_REPORTED.swap(true, std::sync::atomic::Ordering::SeqCst) =>
                {
                    Verdict::Skipped(format!(
                        "{}; a scenario before this one failed for it",
                        f.message
                    ))
                }
                (Some(f), Some(_), _) => Verdict::Failed {
                    rule: Some(f.rule),
                    report: f.to_string(),
                },
                (_, Some(report), _) => Verdict::Failed { rule: None, report },
                (_, None, Some(reason)) => Verdict::Skipped(reason),
                (_, None, None) => Verdict::Passed,
            };
            record(ScenarioResult {
                feature: feature.name.clone(),
                scenario: scenario.name.clone(),
                tags,
                verdict,
                seconds,
            });
            Box::pin(async {})
        })
        // No cucumber summary: it counts a scenario skipped at run time as passed; the run's own
        // summary (below) counts from the verdicts.
        .with_writer(
            writer::Basic::new(
                Console::default(),
                writer::Coloring::Auto,
                writer::Verbosity::Default,
            )
            .normalized(),
        )
        .with_cli(cucumber::cli::Opts::<_, _, _, cucumber::cli::Empty>::default());
    // What the lists hold before the run: after it, what they hold that the run did not
    // make itself is said (the backend's doing from the run's writes, or someone else's).
    let listed_before = crate::behaviour::listed_now(&ctx).await;
    if let Ok(mut before) = ctx.listed_before.lock() {
        *before = listed_before
            .iter()
            .map(|(path, items)| (path.clone(), items.keys().cloned().collect()))
            .collect();
    }
    let run = cucumber.filter_run(features_dir.0.clone(), filter);
    let finished = tokio::time::timeout(deadline, run).await.ok();

    let mut results = RESULTS.lock().map(|r| r.clone()).unwrap_or_default();
    // A scenario the deadline stopped, or never let start, is a failure of the run: a run
    // cut short never passes as if it had checked everything.
    if finished.is_none() {
        let selected = SELECTED.lock().map(|s| s.clone()).unwrap_or_default();
        for (feature, scenario, tags) in selected {
            // A scenario outline's examples share its name: one result of it is its start.
            let done = results
                .iter()
                .any(|r| r.feature == feature && r.scenario == scenario);
            if !done {
                results.push(ScenarioResult {
                    feature,
                    scenario,
                    tags,
                    verdict: Verdict::Failed {
                        rule: None,
                        report: format!(
                            "not finished: the run's deadline ({} s, `deadline_secs`) came first; raise it, or run fewer scenarios with --tags",
                            deadline.as_secs()
                        ),
                    },
                    seconds: 0.0,
                });
            }
        }
    }
    // The backend as the run leaves it: a sign-in that worked during the run still does. A
    // request that breaks every later sign-in (Directus's random string of 2^63 characters)
    // is the worst a run can meet, and the scenarios after it only say that they could
    // not sign in.
    const BROKEN: &str = crate::context::BROKEN_SIGN_IN;
    const AFTER_THE_RUN: &str = "The backend still signs in after the run";
    const STAYED_UP: &str = "The backend stays up under the run's requests";
    let said = results.iter().any(|r| match &r.verdict {
        Verdict::Failed { report, .. } => report.contains(BROKEN),
        _ => false,
    });
    if finished.is_some()
        && !said
        && !ctx.read_only()
        && ctx
            .signed_in_once
            .load(std::sync::atomic::Ordering::Relaxed)
        && let Err(crate::context::CtxError::Setup(why)) = ctx.sign_in_afresh().await
        && why.contains(BROKEN)
    {
        results.push(ScenarioResult {
            feature: "The API's own behaviour".into(),
            scenario: AFTER_THE_RUN.into(),
            tags: vec!["@behaviour".into()],
            verdict: Verdict::Failed {
                rule: Some(crate::rules::Rule::Positive),
                report: format!(
                    "signing in at the end of the run: {why} (restart it; run the scenarios one tag at a time to find the request)"
                ),
            },
            seconds: 0.0,
        });
    }
    // A backend a request took down: one failure naming the request, and the scenarios
    // whose requests found it down not judged (each would only say it could not connect).
    if let Some(down) = ctx.http.went_down() {
        let why = down.describe();
        for r in results.iter_mut() {
            // Its own failure was the backend's being gone, every problem of it: a scenario
            // that found something before (a 500 for a NUL) keeps its failure.
            let met = match &r.verdict {
                Verdict::Failed { rule, report } => only_down(*rule, report),
                _ => false,
            };
            if met {
                r.verdict = Verdict::Skipped(format!("not judged: {why}"));
            }
        }
        results.push(ScenarioResult {
            feature: "The API's own behaviour".into(),
            scenario: STAYED_UP.into(),
            tags: vec!["@behaviour".into()],
            verdict: Verdict::Failed {
                rule: Some(crate::rules::Rule::Crash),
                report: if down.stalled {
                    format!(
                        "{why} (the scenarios that met it are not judged: run again once it answers; send the first request alone to see it again)"
                    )
                } else {
                    format!(
                        "{why} (restart it; the scenarios after are not judged: send the request alone to see it again)"
                    )
                },
            },
            seconds: 0.0,
        });
    }
    let (mut cleaned, not_cleaned) = crate::behaviour::cleanup(&ctx).await;
    cleaned += crate::behaviour::say_what_is_left(&ctx, &listed_before, &not_cleaned).await;
    let mut report = Report {
        base_url: ctx.profile.base_url.get_ref().clone(),
        spec: loaded.spec_location(),
        seed: ctx.seed,
        requests: 0,
        seconds: 0.0,
        results,
        notes: Vec::new(),
        findings: ctx
            .http
            .findings
            .all()
            .into_iter()
            .map(|(_, f)| report::SpecFinding {
                what: f.violation.to_string(),
                count: f.count,
                scenarios: f.scenarios,
                exchange: f.exchange.describe(),
            })
            .collect(),
    };
    if finished.is_none() {
        report.notes.push(format!(
            "deadline: the run took longer than {} s and was stopped; the scenarios it did not finish fail (raise `deadline_secs`, or run fewer with --tags)",
            deadline.as_secs()
        ));
    }
    report.requests = ctx.http.request_count();
    report.seconds = started.elapsed().as_secs_f64();

    let mut out = std::io::stdout().lock();
    let _ = writeln!(out);
    let skipped: Vec<(String, String)> = report
        .results
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Skipped(reason) => Some((r.name(), reason.clone())),
            _ => None,
        })
        .collect();
    for (scenario, reason) in &skipped {
        let _ = writeln!(
            out,
            "skipped: {scenario} ({reason}){}",
            if options.strict {
                " [fails with --strict]"
            } else {
                ""
            }
        );
    }
    for r in &report.results {
        if let Verdict::Failed { report, .. } = &r.verdict
            && report.starts_with("not finished:")
        {
            let _ = writeln!(out, "not finished: {} (the deadline came first)", r.name());
        }
        // The check after the scenarios has no step of theirs to print it.
        if let Verdict::Failed { report, rule } = &r.verdict
            && (r.scenario == AFTER_THE_RUN || r.scenario == STAYED_UP)
        {
            let rule = rule.map(|r| r.id()).unwrap_or_default();
            let _ = writeln!(out, "failed: {}: rule {rule}: {report}", r.name());
        }
    }
    for (tag, (p, f)) in report.by_tag() {
        let _ = writeln!(out, "tag {tag:<10} {p} passed, {f} failed");
    }
    if cleaned > 0 {
        let _ = writeln!(
            out,
            "cleanup: {cleaned} resource(s) the run created deleted"
        );
    }
    for path in &not_cleaned {
        let _ = writeln!(
            out,
            "cleanup: could not delete {path} (made by the run: delete by hand)"
        );
    }
    // Where the run's time goes: the scenarios run at once, so the slowest bounds the run.
    let mut timed: Vec<&ScenarioResult> =
        report.results.iter().filter(|r| r.seconds > 0.0).collect();
    timed.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    if !timed.is_empty() {
        let _ = writeln!(
            out,
            "slowest: {}",
            timed
                .iter()
                .take(3)
                .map(|r| format!("{} ({:.1} s)", r.name(), r.seconds))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let ops = ctx.http.operations();
    let _ = writeln!(
        out,
        "operations exercised: {}",
        ops.iter()
            .map(|(op, n)| format!("{op} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let passed = report.count(|v| *v == Verdict::Passed);
    let mut failed = report.count(|v| matches!(v, Verdict::Failed { .. }));
    for note in ctx.http.notes() {
        let _ = writeln!(out, "note: {note}");
    }
    for note in &report.notes {
        let _ = writeln!(out, "{note}");
        failed += 1;
    }
    for line in crate::report::console_lines(&report.findings) {
        let _ = writeln!(out, "{line}");
    }
    let written: [(&Option<PathBuf>, &str, String); 4] = [
        (&options.html, "html report", report.html()),
        (&options.junit, "junit report", report.junit()),
        (&options.json, "json report", report.cucumber_json()),
        (&options.results, "results", report.results_json()),
    ];
    for (path, what, text) in written {
        let Some(path) = path else { continue };
        match std::fs::write(path, text) {
            Ok(()) => {
                let _ = writeln!(out, "{what}: {}", path.display());
            }
            Err(e) => {
                let _ = writeln!(out, "{what}: cannot write {}: {e}", path.display());
                failed += 1;
            }
        }
    }
    let _ = writeln!(
        out,
        "conformance: {passed} passed, {failed} failed, {} skipped; {} spec finding(s); {} requests in {:.1} s",
        skipped.len(),
        report.findings.len(),
        report.requests,
        report.seconds
    );
    drop(features_dir);
    Ok(Outcome {
        passed,
        failed,
        skipped,
        findings: report.findings.len(),
        strict: options.strict,
    })
}

/// How the user's token travels, in words, for the run's first line.
fn describe_placement(scheme: &crate::security::UserScheme) -> String {
    let by = scheme
        .name
        .as_ref()
        .map(|n| format!(" (security scheme `{n}`)"))
        .unwrap_or_else(|| " (the spec declares no security scheme)".into());
    format!("{}{by}", scheme.placement.described())
}

/// Whether a scenario's failure (`rule`, `report`) met nothing but the backend's being gone:
/// a refused connection, or problems every one of which is one. A scenario that found
/// something before (a 500 for a NUL among its problems) keeps its failure.
fn only_down(rule: Option<crate::rules::Rule>, report: &str) -> bool {
    const DOWN: &str = crate::http::WENT_DOWN;
    rule == Some(crate::rules::Rule::Transport)
        || report.contains(DOWN)
            && report
                .lines()
                .filter(|l| l.trim_start().starts_with("- "))
                .all(|l| l.contains(DOWN) || l.contains("transport:"))
}

#[cfg(test)]
mod down_tests {
    use super::only_down;
    use crate::rules::Rule;

    #[test]
    fn a_failure_with_a_finding_of_its_own_is_judged_though_the_backend_went_down() {
        let gone = "transport: GET /x: could not connect: the backend went down under the run: ...";
        assert!(only_down(Some(Rule::Transport), gone));
        assert!(only_down(
            Some(Rule::Boundary),
            &format!(
                "2 problem(s):\n  - a: no answer for 0 ({gone})\n  - b: no answer for -1 ({gone})"
            )
        ));
        assert!(!only_down(
            Some(Rule::Boundary),
            &format!(
                "2 problem(s):\n  - a: a server error (500) for a NUL\n  - b: no answer for -1 ({gone})"
            )
        ));
        assert!(!only_down(
            Some(Rule::Boundary),
            "1 problem(s):\n  - a: a server error (500)"
        ));
    }
}
