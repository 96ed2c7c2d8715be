//! Writes under the run's own resources: a PUT, PATCH, POST or DELETE whose path lies under
//! a resource the run created (`PUT /articles/{slug}`, `POST /articles/{slug}/favorite`,
//! `POST /articles/{slug}/comments`) is called on one of those, never on an id the run did
//! not create. Its path parameters are bound from the run's ledger of created paths.

use super::{Resource, moved};
use crate::context::{Ctx, Identity, OpInfo};
use crate::http::{Exchange, Request};

/// Whether `op` writes under a resource the run creates: an unsafe operation whose path is an
/// item path of `resources` or lies under one. Deleting the item itself is the resource
/// chain's check (it must stay for the operations under it), so it is not one of these.
/// So is the create of a kind made under a parent the backend lists (see
/// [`Resource::parent_listed`]): it goes there.
pub fn owned(op: &OpInfo, resources: &[Resource]) -> bool {
    let unsafe_op = !matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
    let listed = resources
        .iter()
        .any(|r| r.parent_listed.is_some() && r.create.id == op.id);
    listed
        || unsafe_op
            && op.path.contains('{')
            && resources.iter().any(|r| {
                let under = op.path == r.item
                    || op
                        .path
                        .starts_with(&format!("{}/", r.item.trim_end_matches('/')));
                under && !(op.method == "DELETE" && op.path == r.item)
            })
}

/// The planned operations in two: those that write under no resource the run creates (they
/// may run at once), and the writes under the run's own resources (after the creates among
/// the first; those under one resource one at a time, see [`lane`]).
pub fn split(ops: super::Planned, resources: &[Resource]) -> (Vec<OpInfo>, Vec<OpInfo>) {
    ops.into_iter()
        .map(|(op, _)| op)
        .partition(|op| !owned(op, resources))
}

/// The outermost resource `op` writes under (its item path template): the owned operations
/// under one go in turn, since an update may move what the next one writes under (a slug
/// made from a new title moves the article and its comments); those under another resource
/// (Baby Buddy's timers beside its diaper changes) write nothing of theirs, and may go at once.
pub fn lane(op: &OpInfo, resources: &[Resource]) -> String {
    resources
        .iter()
        .map(|r| r.item.trim_end_matches('/'))
        .filter(|item| {
            op.path.trim_end_matches('/') == *item || op.path.starts_with(&format!("{item}/"))
        })
        .min_by_key(|item| item.len())
        .unwrap_or(&op.path)
        .to_string()
}

/// The concrete path of `op` on a resource the first identity created in this scenario: the
/// ledger entry whose segments the template extends with the most segments,
/// every parameter bound.
pub fn bound_path(ctx: &Ctx, op: &OpInfo) -> Option<String> {
    let template: Vec<&str> = op.path.split('/').collect();
    let created = ctx.created.lock().ok()?.clone();
    let mut best: Option<(usize, String)> = None;
    for (identity, path) in created {
        // Another scenario's resource (it may update, move or delete it at any moment) is
        // not one to write under.
        if identity != Identity::First || !super::own_entry(ctx, &path) {
            continue;
        }
        // A created path's trailing slash (Django's `/sites/5/`) is the template's to give.
        let concrete: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if concrete.len() > template.len() {
            continue;
        }
        let fits = template
            .iter()
            .zip(&concrete)
            .all(|(t, c)| (t.starts_with('{') && t.ends_with('}') && !c.is_empty()) || t == c);
        // Every parameter of the template lies within the created path.
        let rest_free = template[concrete.len()..].iter().all(|t| !t.contains('{'));
        if fits && rest_free && best.as_ref().is_none_or(|(n, _)| concrete.len() > *n) {
            let mut out: Vec<String> = concrete.iter().map(|s| s.to_string()).collect();
            out.extend(template[concrete.len()..].iter().map(|s| s.to_string()));
            best = Some((concrete.len(), out.join("/")));
        }
    }
    best.map(|(_, p)| p)
}

/// Puts `request` on the run's own resource (its query kept); `false` when the run created
/// none that `op` applies to.
pub fn own_path(ctx: &Ctx, op: &OpInfo, request: &mut Request) -> bool {
    // The create of an item the client names (a PUT at the item's own path answering 201)
    // makes a new one at a name of the run's each time: a generated or edge-valued body
    // makes an item of its own, which the cleanup deletes, and never writes one the run
    // did not make (the seeded pet `1`).
    if let Some(resource) = super::kinds(ctx)
        .iter()
        .find(|r| r.chosen && r.create.id == op.id)
    {
        let name = super::chosen_name(ctx, 0x0c05_e4a1);
        let path = op.path.replace(
            &format!("{{{}}}", resource.param),
            &crate::http::urlencode(&name),
        );
        super::retarget(request, &path);
        return true;
    }
    let listed = || {
        ctx.listed_bases
            .lock()
            .ok()
            .and_then(|bases| bases.get(&op.id).cloned())
    };
    let Some(path) = bound_path(ctx, op).or_else(listed) else {
        return false;
    };
    super::retarget(request, &path);
    true
}

/// After a write to an item path answered 2xx: an answer naming the resource by another id
/// (a slug made from a new title) moves it in the ledger, so later calls and the cleanup
/// find it.
pub fn follow_move(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    request: &Request,
    e: &Exchange,
) {
    if !(200..300).contains(&e.status) || op.method == "DELETE" {
        return;
    }
    let Some(r) = resources.iter().find(|r| r.item == op.path) else {
        return;
    };
    let from = request.target.split('?').next().unwrap_or_default();
    let slash = if from.ends_with('/') { "/" } else { "" };
    let Some(old_id) = from.trim_end_matches('/').rsplit('/').next() else {
        return;
    };
    let Some(new_id) = e
        .json()
        .and_then(|b| super::item_id(ctx, &r.item, &r.param, &b))
    else {
        return;
    };
    let encoded = super::path_encode(&new_id);
    if encoded != old_id {
        let base = from
            .trim_end_matches('/')
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or_default();
        moved(ctx, from, &format!("{base}/{encoded}{slash}"));
    }
}
