//! Emitting: the server module's tokens from the model of [`super::model`], with `quote!`.
//! Nothing here reads the spec or chooses a name.

use std::collections::BTreeMap;

use accord_spec::{Problem, join};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::model::{Body, BodyKind, Encoding, Location, Operation, Param, Response, Scheme};

fn ident(name: &str) -> Ident {
    format_ident!("{}", name)
}

/// `#[doc = "..."]` attributes, one per line, as `///` comments would be.
fn docs(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| match line.trim_end() {
        "" => String::new(),
        line => format!(" {line}"),
    });
    quote!(#(#[doc = #lines])*)
}

/// The whole server module after its `types`: the runtime alias, the validator's schemas,
/// the `Api` trait, its `Arc` forwarding, response enums, handlers and the router.
pub(super) fn stubs(
    components: &Value,
    ops: &[Operation],
    notes: &mut Vec<Problem>,
) -> TokenStream {
    let secured = ops.iter().any(|o| o.security.secured());
    let components = Literal::string(&components.to_string());
    let principal = secured.then(|| {
        quote! {
            /// Who an accepted credential belongs to; handed to every secured operation.
            type Principal: Send + Sync + 'static;
            /// Verifies a credential of one of the spec's security schemes. A rejection becomes
            /// the 401 of [`Api::render_error`] and the operation's handler is never called.
            fn authenticate(&self, ctx: &rt::Context, credential: rt::auth::Credential) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, rt::auth::Rejection>> + Send;
        }
    });
    let methods = ops.iter().map(|op| {
        let mut text = format!("`{} {}`", op.http_method.to_uppercase(), op.path);
        if let Some(summary) = &op.summary {
            text.push_str(&format!(": {summary}"));
        }
        if let Some(description) = &op.description {
            text.push_str(&format!("\n\n{description}"));
        }
        let described: Vec<String> = op
            .params
            .iter()
            .filter_map(|p| {
                let d = p.description.as_ref()?;
                Some(format!(
                    "- `{}` ({} `{}`): {}",
                    p.ident,
                    p.location.as_str(),
                    p.name,
                    d.trim()
                ))
            })
            .collect();
        if !described.is_empty() {
            text.push_str(&format!("\n\n{}", described.join("\n")));
        }
        let docs = docs(&text);
        let signature = signature(op);
        quote! { #docs #signature; }
    });
    let arc = arc_impl(ops, secured);
    let enums = ops.iter().map(response_enum);
    let handlers = ops.iter().map(handler);
    let router = router(ops, notes);
    quote! {
        /// The runtime the stubs call: context, errors, authentication, inputs, replies.
        pub use ::accord_server_runtime as rt;
        /// Every named schema of the spec, for the references of the schemas below.
        static COMPONENTS: rt::Schema = rt::Schema::new(#components);
        /// The API: one method per operation of the spec.
        ///
        /// Implement it and serve [`router`]. Every method receives decoded, validated inputs and
        /// returns its operation's response enum, which can hold only the statuses the spec
        /// documents, or an [`rt::Error`] (`?` on a failed query becomes a 500 that
        /// [`Api::render_error`] renders in the API's envelope).
        pub trait Api: Send + Sync + 'static {
            #principal
            /// Renders a failure the framework produced (400, 401, 404, 405, 413, 415, 422, 500) in
            /// the API's error envelope. The status, `Allow` on a 405 and `WWW-Authenticate` on a 401
            /// are set afterwards when missing.
            fn render_error(&self, ctx: &rt::Context, error: &rt::Error) -> rt::Response;
            /// The largest request body accepted, in bytes; larger ones get a 413.
            fn body_limit(&self) -> usize { rt::DEFAULT_BODY_LIMIT }
            #(#methods)*
        }
        #arc
        #(#enums)*
        #(#handlers)*
        #router
        fn reject<A: Api>(api: &A, ctx: &rt::Context, error: rt::Error) -> rt::Response {
            let response = api.render_error(ctx, &error);
            ctx.mark(rt::finish(&error, response))
        }
    }
}

/// The trait method of an operation, without its body.
fn signature(op: &Operation) -> TokenStream {
    let name = ident(&op.method_name);
    let principal = match (op.security.secured(), op.security.optional) {
        (false, _) => None,
        (true, true) => Some(quote!(, principal: ::std::option::Option<Self::Principal>)),
        (true, false) => Some(quote!(, principal: Self::Principal)),
    };
    let params = op.params.iter().map(|p| {
        let ident = ident(&p.ident);
        let rust = &p.rust;
        quote!(, #ident: #rust)
    });
    let body = op.body.as_ref().map(|b| {
        let rust = &b.rust;
        quote!(, body: #rust)
    });
    let response = format_ident!("{}Response", op.type_stem);
    quote! {
        fn #name(&self, ctx: &rt::Context #principal #(#params)* #body) -> impl ::std::future::Future<Output = ::std::result::Result<#response, rt::Error>> + Send
    }
}

/// The arguments passed to the trait method, in order, after `ctx`.
fn call_args(op: &Operation) -> Vec<Ident> {
    let mut args = Vec::new();
    if op.security.secured() {
        args.push(ident("principal"));
    }
    args.extend(op.params.iter().map(|p| ident(&p.ident)));
    if op.body.is_some() {
        args.push(ident("body"));
    }
    args
}

/// `Arc<T>` serves as `T` does, so an implementation can be shared with the rest of a program.
fn arc_impl(ops: &[Operation], secured: bool) -> TokenStream {
    let principal = secured.then(|| {
        quote! {
            type Principal = T::Principal;
            fn authenticate(&self, ctx: &rt::Context, credential: rt::auth::Credential) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, rt::auth::Rejection>> + Send {
                (**self).authenticate(ctx, credential)
            }
        }
    });
    let methods = ops.iter().map(|op| {
        let signature = signature(op);
        let name = ident(&op.method_name);
        let args = call_args(op);
        quote! {
            #signature {
                (**self).#name(ctx #(, #args)*)
            }
        }
    });
    quote! {
        impl<T: Api> Api for ::std::sync::Arc<T> {
            #principal
            fn render_error(&self, ctx: &rt::Context, error: &rt::Error) -> rt::Response {
                (**self).render_error(ctx, error)
            }
            fn body_limit(&self) -> usize {
                (**self).body_limit()
            }
            #(#methods)*
        }
    }
}

fn response_enum(op: &Operation) -> TokenStream {
    let docs_enum = docs(&format!("The responses `{}` documents.", op.id));
    let name = format_ident!("{}Response", op.type_stem);
    let variants = op.responses.iter().map(variant);
    let arms = op.responses.iter().map(arm);
    quote! {
        #docs_enum
        #[derive(Debug)]
        pub enum #name {
            #(#variants)*
        }
        impl rt::IntoReply for #name {
            fn into_reply(self) -> ::std::result::Result<rt::Response, rt::Error> {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

fn variant(r: &Response) -> TokenStream {
    let mut text = r.code.clone();
    if !r.description.is_empty() {
        text.push_str(&format!(": {}", r.description));
    }
    let doc = docs(&text);
    let name = ident(&r.variant);
    if r.range.is_none() && r.headers.is_empty() {
        return match &r.body {
            None => quote!(#doc #name,),
            Some(b) => {
                let rust = &b.rust;
                quote!(#doc #name(#rust),)
            }
        };
    }
    let status = r
        .range
        .is_some()
        .then(|| quote!(status: rt::axum::http::StatusCode,));
    let body = r.body.as_ref().map(|b| {
        let rust = &b.rust;
        quote!(body: #rust,)
    });
    let headers = r.headers.iter().map(|h| {
        let docs = docs(&format!("The `{}` header.", h.name));
        let field = ident(&h.ident);
        let rust = &h.rust;
        quote!(#docs #field: #rust,)
    });
    quote! {
        #doc
        #name {
            #status
            #body
            #(#headers)*
        },
    }
}

fn arm(r: &Response) -> TokenStream {
    let name = ident(&r.variant);
    let start = match r.range {
        Some(class) => {
            let class = match class {
                Some(c) => {
                    let c = Literal::u16_unsuffixed(c);
                    quote!(Some(#c))
                }
                None => quote!(None),
            };
            quote!(rt::Reply::status_in(status, #class)?)
        }
        None => {
            let code = Literal::u16_unsuffixed(r.code.parse::<u16>().unwrap_or(500));
            quote!(rt::Reply::status(#code)?)
        }
    };
    let pattern = if r.range.is_none() && r.headers.is_empty() {
        match &r.body {
            None => quote!(Self::#name),
            Some(_) => quote!(Self::#name(body)),
        }
    } else {
        let mut fields = Vec::new();
        if r.range.is_some() {
            fields.push(ident("status"));
        }
        if r.body.is_some() {
            fields.push(ident("body"));
        }
        fields.extend(r.headers.iter().map(|h| ident(&h.ident)));
        quote!(Self::#name { #(#fields),* })
    };
    let headers = r.headers.iter().map(|h| {
        let method = ident(if h.required {
            "header"
        } else {
            "optional_header"
        });
        let header = &h.name;
        let field = ident(&h.ident);
        quote!(.#method(#header, &#field)?)
    });
    let finish = match &r.body {
        None => quote!(.empty()),
        Some(b) => {
            let media = &b.media;
            match b.encoding {
                Encoding::Json => quote!(.json(#media, &body)),
                Encoding::Text => quote!(.text(#media, body)),
                Encoding::Bytes => quote!(.bytes(#media, body)),
            }
        }
    };
    quote!(#pattern => #start #(#headers)* #finish,)
}

fn static_name(op: &Operation, suffix: &str) -> Ident {
    ident(
        &format!(
            "{}_{}",
            crate::names::snake(&op.id).trim_end_matches('_'),
            suffix
        )
        .to_ascii_uppercase(),
    )
}

fn param_static(op: &Operation, location: Location, param_ident: &str) -> Ident {
    static_name(op, &format!("{}_{}", location.as_str(), param_ident))
}

fn handler_name(op: &Operation) -> Ident {
    format_ident!("handle_{}", op.method_name.trim_end_matches('_'))
}

/// `match value { Ok(name) => name, Err(error) => return reject(..) }`.
fn reject_on_err(name: &str, value: TokenStream) -> TokenStream {
    let name = ident(name);
    quote! {
        match #value {
            Ok(#name) => #name,
            Err(error) => return reject(&*api, &ctx, error),
        }
    }
}

fn handler(op: &Operation) -> TokenStream {
    let schemas = op.params.iter().map(|p| {
        let name = param_static(op, p.location, &p.ident);
        let json = Literal::string(&p.schema.to_string());
        quote!(static #name: rt::Schema = rt::Schema::new(#json);)
    });
    let body_schema = op
        .body
        .as_ref()
        .filter(|b| matches!(b.kind, BodyKind::Typed))
        .map(|b| {
            let name = static_name(op, "BODY");
            let json = Literal::string(&b.schema.to_string());
            quote!(static #name: rt::Schema = rt::Schema::new(#json);)
        });

    let name = handler_name(op);
    let id = &op.id;
    let path = &op.path;
    let principal = op.security.secured().then(|| {
        let alternatives = op.security.alternatives.iter().map(|a| {
            if a.is_empty() {
                quote!(&[] as &[rt::auth::Scheme])
            } else {
                let schemes = a.iter().map(scheme);
                quote!(&[#(#schemes),*])
            }
        });
        let function = ident(if op.security.optional {
            "authenticate_optional"
        } else {
            "authenticate"
        });
        let authenticated = reject_on_err("principal", quote! {
            rt::auth::#function(&ctx, &[#(#alternatives),*], |credential| api.authenticate(&ctx, credential)).await
        });
        quote!(let principal = #authenticated;)
    });
    let path_value = reject_on_err("path", quote!(path));
    let payload = op.body.as_ref().map(|b| {
        let accepted = &b.accepted;
        let read = reject_on_err(
            "payload",
            quote!(rt::read_body(&ctx, _body, api.body_limit(), &[#(#accepted),*]).await),
        );
        quote!(let payload = #read;)
    });
    let takes_inputs = !op.params.is_empty() || op.body.is_some();
    let binding = if takes_inputs {
        quote!(let mut inputs)
    } else {
        quote!(let inputs)
    };
    let mut decoded: Vec<Ident> = Vec::new();
    let params = op
        .params
        .iter()
        .map(|p| {
            let schema = param_static(op, p.location, &p.ident);
            let name = &p.name;
            let rust = &p.rust;
            let (required, explode) = (p.required, p.explode);
            let call = match (p.location, p.style) {
                (Location::Path | Location::Query | Location::Header, Some(style)) => {
                    let key = &p.route_key;
                    let place = format_ident!(
                        "{}",
                        match p.location {
                            Location::Path => "Path",
                            Location::Query => "Query",
                            _ => "Header",
                        }
                    );
                    let style = format_ident!("{style}");
                    quote!(inputs.styled::<#rust>(rt::Location::#place, #name, #key, &#schema, #required, rt::Style::#style, #explode))
                }
                (Location::Path, _) => {
                    let key = &p.route_key;
                    quote!(inputs.path::<#rust>(#name, #key, &#schema))
                }
                (Location::Query, _) => {
                    quote!(inputs.query::<#rust>(#name, &#schema, #required, #explode))
                }
                (Location::Header, _) => quote!(inputs.header::<#rust>(#name, &#schema, #required)),
                (Location::Cookie, _) => quote!(inputs.cookie::<#rust>(#name, &#schema, #required)),
            };
            let ident = ident(&p.ident);
            decoded.push(ident.clone());
            quote!(let #ident = #call;)
        })
        .collect::<Vec<_>>();
    let body = op.body.as_ref().map(|b| {
        decoded.push(ident("body"));
        let required = b.required;
        match b.kind {
            BodyKind::Typed => {
                let rust = &b.rust;
                let schema = static_name(op, "BODY");
                quote!(let body = inputs.body::<#rust>(payload, &#schema, #required);)
            }
            BodyKind::Raw => quote!(let body = inputs.raw_body(payload, #required);),
        }
    });
    let unwrap = (!decoded.is_empty()).then(|| {
        quote! {
            let (#(Some(#decoded),)*) = (#(#decoded,)*) else {
                return reject(&*api, &ctx, rt::Error::Internal { message: "an input was neither decoded nor reported".into() });
            };
        }
    });
    let required_raw = matches!(
        &op.body,
        Some(Body {
            kind: BodyKind::Raw,
            required: true,
            ..
        })
    )
    .then(|| {
        quote! {
            let Some(body) = body else {
                return reject(&*api, &ctx, rt::Error::Internal { message: "a required body was not reported missing".into() });
            };
        }
    });
    let method = ident(&op.method_name);
    let args = call_args(op);
    let affixed = (!op.affixes.is_empty()).then(|| {
        let affixes = affix_list(op);
        quote! {
            let Some(path) = rt::strip_affixes(path, #affixes) else {
                return reject(&*api, &ctx, rt::Error::NotFound);
            };
        }
    });
    let split = (!op.splits.is_empty()).then(|| {
        let items = op
            .splits
            .iter()
            .map(|(key, between, keys)| quote!((#key, &[#(#between),*], &[#(#keys),*])));
        quote! {
            let Some(path) = rt::split_params(path, &[#(#items),*]) else {
                return reject(&*api, &ctx, rt::Error::NotFound);
            };
        }
    });
    quote! {
        #(#schemas)*
        #body_schema
        async fn #name<A: Api>(api: ::std::sync::Arc<A>, request: rt::Request) -> rt::Response {
            let (ctx, _body, path) = rt::Context::split(#id, #path, request).await;
            #principal
            let path = #path_value;
            #affixed
            #split
            #payload
            #binding = rt::Inputs::new(&ctx, &COMPONENTS, path);
            #(#params)*
            #body
            if let Err(error) = inputs.finish() {
                return reject(&*api, &ctx, error);
            }
            #unwrap
            #required_raw
            let response = api.#method(&ctx #(, #args)*).await;
            // An `Err` of the implementation (a failed query, `?` on anything that converts
            // into `rt::Error`) is rendered by `render_error`, as the framework's own are.
            match response.and_then(rt::IntoReply::into_reply) {
                Ok(response) => ctx.mark(response),
                Err(error) => reject(&*api, &ctx, error),
            }
        }
    }
}

/// The runtime's description of a security scheme.
fn scheme(s: &Scheme) -> TokenStream {
    match s {
        Scheme::Bearer { name } => quote!(rt::auth::Scheme::Bearer { name: #name }),
        Scheme::Basic { name } => quote!(rt::auth::Scheme::Basic { name: #name }),
        Scheme::ApiKey {
            name,
            location,
            key,
        } => {
            let location = ident(match location {
                Location::Header => "Header",
                Location::Query => "Query",
                Location::Cookie | Location::Path => "Cookie",
            });
            quote!(rt::auth::Scheme::ApiKey { name: #name, location: rt::Location::#location, key: #key })
        }
    }
}

/// The path parameters of `op` whose schemas tell its requests from another operation's of
/// the same route, where several operations share it (segments cut in several parameters
/// are not checked).
fn guards(op: &Operation) -> Vec<&Param> {
    op.params
        .iter()
        .filter(|p| p.location == Location::Path && p.constrains)
        .filter(|p| {
            !op.splits
                .iter()
                .any(|(key, _, keys)| *key == p.route_key || keys.contains(&p.route_key))
        })
        .collect()
}

/// What tells an operation's requests apart by its path parameters: each guard's route key
/// and schema. Two operations of one route, method and text with the same signature match
/// the same requests.
fn guard_signature(op: &Operation) -> Vec<(String, String)> {
    guards(op)
        .iter()
        .map(|p| (p.route_key.clone(), p.schema.to_string()))
        .collect()
}

/// `&[("p0", "", ":verb"), ...]`: the affixed segments of an operation's path.
fn affix_list(op: &Operation) -> TokenStream {
    let items = op
        .affixes
        .iter()
        .map(|(key, before, after)| quote!((#key, #before, #after)));
    quote!(&[#(#items),*])
}

fn router(ops: &[Operation], notes: &mut Vec<Problem>) -> TokenStream {
    // Group operations by route. Operations of one route and method are told apart by the
    // text their segments mix with a parameter (`{name}:get` beside `{name}:list` and
    // `{name}`); one that would match the same requests as an earlier one is left out.
    let mut routes: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for op in ops {
        let group = routes.entry(op.route.as_str()).or_insert_with(|| {
            order.push(op.route.as_str());
            Vec::new()
        });
        if let Some(first) = group.iter().find(|o| {
            o.http_method == op.http_method
                && o.affixes == op.affixes
                && guard_signature(o) == guard_signature(op)
        }) {
            notes.push(Problem::new(
                join(&join("/paths", &op.path), op.http_method),
                format!(
                    "{} {} matches the same requests as `{}` ({}){}",
                    op.http_method.to_uppercase(),
                    op.path,
                    first.id,
                    first.path,
                    crate::LEFT_OUT_OF_SERVER
                ),
            ));
            continue;
        }
        group.push(op);
    }
    let method_order = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
    ];
    let routes = order.iter().map(|route| {
        let group = &routes[route];
        let mut allow: Vec<String> = group.iter().map(|o| o.http_method.to_uppercase()).collect();
        if allow.iter().any(|m| m == "GET") && !allow.iter().any(|m| m == "HEAD") {
            allow.push("HEAD".into());
        }
        allow.sort_by_key(|m| method_order.iter().position(|o| o == m));
        allow.dedup();
        let allow = allow.join(", ");
        let mut methods_in_order: Vec<&str> = Vec::new();
        for op in group {
            if !methods_in_order.contains(&op.http_method) {
                methods_in_order.push(op.http_method);
            }
        }
        let methods = methods_in_order.into_iter().map(|http_method| {
            let method = ident(http_method);
            let mut candidates: Vec<&&Operation> =
                group.iter().filter(|o| o.http_method == http_method).collect();
            if let [op] = candidates.as_slice()
                && op.affixes.is_empty()
            {
                let handler = handler_name(op);
                return quote!(.#method({ let api = api.clone(); move |request: rt::Request| #handler(api, request) }));
            }
            // The affixed operations first, the most text first, then those whose path
            // parameters' schemas tell them apart, the most such parameters first; a plain
            // one last.
            candidates.sort_by_key(|o| {
                let text: usize = o.affixes.iter().map(|(_, b, a)| b.len() + a.len()).sum();
                (
                    o.affixes.is_empty(),
                    std::cmp::Reverse(text),
                    std::cmp::Reverse(guards(o).len()),
                )
            });
            // Guards only where another operation of the same text shares the route: alone,
            // an operation's parameters are checked by the operation (a 422, not a 404).
            let shared = |op: &Operation| {
                candidates
                    .iter()
                    .filter(|o| o.affixes == op.affixes)
                    .count()
                    > 1
            };
            let tries = candidates.iter().map(|op| {
                let handler = handler_name(op);
                let guarded = if shared(op) { guards(op) } else { Vec::new() };
                if !guarded.is_empty() {
                    let affixes = affix_list(op);
                    let list = guarded.iter().map(|p| {
                        let key = &p.route_key;
                        let schema = param_static(op, Location::Path, &p.ident);
                        quote!((#key, &#schema))
                    });
                    quote! {
                        let (hit, request) = rt::path_fits(request, &COMPONENTS, #affixes, &[#(#list),*]).await;
                        if hit {
                            return #handler(api, request).await;
                        }
                    }
                } else if op.affixes.is_empty() {
                    quote!(return #handler(api, request).await;)
                } else {
                    let affixes = affix_list(op);
                    quote! {
                        let (hit, request) = rt::affixes_match(request, #affixes).await;
                        if hit {
                            return #handler(api, request).await;
                        }
                    }
                }
            });
            let fallthrough = candidates
                .iter()
                .all(|o| !o.affixes.is_empty() || (shared(o) && !guards(o).is_empty()))
                .then(|| {
                quote! {
                    let ctx = rt::Context::unrouted(request);
                    reject(&*api, &ctx, rt::Error::NotFound)
                }
            });
            quote!(.#method({ let api = api.clone(); move |request: rt::Request| async move {
                #(#tries)*
                #fallthrough
            } }))
        });
        // One statement a route, not one chain: rustc overflows its stack on a chain of
        // thousands of calls (Microsoft Graph's spec has over 5,000 paths).
        quote! {
            router = router.route(#route, rt::axum::routing::MethodRouter::new()
                #(#methods)*
                .fallback({ let api = api.clone(); move |request: rt::Request| async move { let ctx = rt::Context::unrouted(request); reject(&*api, &ctx, rt::Error::MethodNotAllowed { allow: #allow }) } }));
        }
    });
    quote! {
        /// An axum router serving every operation of the spec through `api`.
        ///
        /// Unknown paths get a 404 and known paths with another method a 405 (with `Allow`), both
        /// rendered by [`Api::render_error`].
        pub fn router<A: Api>(api: A) -> rt::axum::Router {
            let api = ::std::sync::Arc::new(api);
            let mut router = rt::axum::Router::new();
            #(#routes)*
            router.fallback(move |request: rt::Request| async move { let ctx = rt::Context::unrouted(request); reject(&*api, &ctx, rt::Error::NotFound) })
        }
    }
}
