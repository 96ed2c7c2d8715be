//! Presigned uploads: the storage enforces what the backend signed; the backend refuses what
//! it must not sign; file names never reach the key unsanitized.

use std::str::FromStr;

use cucumber::{Parameter, then, when};
use serde_json::json;

use super::{AccordWorld, in_envelope};
use crate::http::{Body, Request};
use crate::profile::Uploads;
use crate::rules::{Failure, Outcome, Rule};

/// How a presigned post is tampered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Parameter)]
#[param(
    name = "tampering",
    regex = "a wrong content type|a file over the limit|a tampered key"
)]
pub enum Tampering {
    ContentType,
    OverLimit,
    Key,
}

impl FromStr for Tampering {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "a wrong content type" => Ok(Tampering::ContentType),
            "a file over the limit" => Ok(Tampering::OverLimit),
            "a tampered key" => Ok(Tampering::Key),
            other => Err(format!("unknown tampering `{other}`")),
        }
    }
}

/// What the backend must refuse to presign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Parameter)]
#[param(
    name = "refusal",
    regex = "a content type that is not allowed|a size over the limit"
)]
pub enum Refusal {
    ContentType,
    Size,
}

impl FromStr for Refusal {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "a content type that is not allowed" => Ok(Refusal::ContentType),
            "a size over the limit" => Ok(Refusal::Size),
            other => Err(format!("unknown refusal `{other}`")),
        }
    }
}

fn uploads(w: &AccordWorld) -> Result<Uploads, Failure> {
    w.ctx
        .profile
        .uploads
        .clone()
        .ok_or_else(|| Failure::setup("the profile has no [uploads]"))
}

#[when("a file is presigned and posted to storage")]
async fn upload_ok(w: &mut AccordWorld) -> Outcome {
    let outcome = upload_ok_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn upload_ok_checked(w: &mut AccordWorld) -> Outcome {
    upload_with(w, None).await
}

#[when(expr = "a file is presigned and posted to storage with {tampering}")]
async fn upload_tampered(w: &mut AccordWorld, tampering: Tampering) -> Outcome {
    let outcome = upload_tampered_checked(w, tampering).await;
    w.keep(&outcome);
    outcome
}

async fn upload_tampered_checked(w: &mut AccordWorld, tampering: Tampering) -> Outcome {
    upload_with(w, Some(tampering)).await
}

async fn upload_with(w: &mut AccordWorld, tampering: Option<Tampering>) -> Outcome {
    let token = w.access()?;
    let ctx = w.ctx.clone();
    let uploads = uploads(w)?;
    let size = 64u64;
    let (presign, exchange) = ctx
        .presign(&token, "accord-check.png", &uploads.content_type, size)
        .await;
    w.exchanges.push(exchange.clone());
    let presign = presign.map_err(|e| Failure::new(Rule::UploadsPresign, e).with(&exchange))?;
    let mut fields = presign.fields.clone();
    let mut content_type = uploads.content_type.clone();
    let mut bytes = vec![0x42u8; size as usize];
    match tampering {
        Some(Tampering::ContentType) => {
            content_type = "text/html".into();
            for (k, v) in fields.iter_mut() {
                if k.eq_ignore_ascii_case("content-type") {
                    *v = content_type.clone();
                }
            }
        }
        Some(Tampering::OverLimit) => {
            bytes = vec![0x42u8; (presign.max_size.unwrap_or(size) + 1) as usize]
        }
        Some(Tampering::Key) => {
            for (k, v) in fields.iter_mut() {
                if k == "key" {
                    *v = format!("{v}-tampered");
                }
            }
        }
        None => {}
    }
    let request = Request::new("POST", presign.url.clone()).body(Body::Multipart {
        fields,
        file_content_type: content_type,
        file: bytes,
    });
    let e = w.send(request).await?;
    w.upload = Some(json!({"id": presign.id, "key": presign.key}));
    w.judged = vec![e];
    Ok(())
}

#[then("the storage accepts it")]
async fn storage_accepts(w: &mut AccordWorld) -> Outcome {
    let outcome = storage_accepts_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn storage_accepts_checked(w: &mut AccordWorld) -> Outcome {
    let expected = uploads(w)?.storage_status;
    for e in &w.judged {
        if e.status != expected {
            return Err(Failure::new(
                Rule::UploadsStorage,
                format!("the storage answered {}, not {expected}", e.status),
            )
            .with(e));
        }
    }
    Ok(())
}

#[then("the storage refuses it")]
async fn storage_refuses(w: &mut AccordWorld) -> Outcome {
    let outcome = storage_refuses_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn storage_refuses_checked(w: &mut AccordWorld) -> Outcome {
    for e in &w.judged {
        if (200..300).contains(&e.status) {
            return Err(Failure::new(
                Rule::UploadsPolicy,
                format!(
                    "the storage accepted a post the policy forbids ({})",
                    e.status
                ),
            )
            .with(e));
        }
    }
    Ok(())
}

#[then("the object is reported stored")]
async fn reported_stored(w: &mut AccordWorld) -> Outcome {
    let outcome = reported_stored_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn reported_stored_checked(w: &mut AccordWorld) -> Outcome {
    let ctx = w.ctx.clone();
    let upload = w
        .upload
        .clone()
        .ok_or_else(|| Failure::setup("no upload was made"))?;
    let token = w.access()?;
    // Without a status operation in the profile there is nothing to ask.
    if let Some((stored, exchange)) = ctx
        .upload_status(&token, upload["id"].as_str().unwrap_or_default())
        .await
    {
        w.exchanges.push(exchange.clone());
        if !stored {
            return Err(Failure::new(
                Rule::UploadsStored,
                "the backend does not report the object stored",
            )
            .with(&exchange));
        }
    }
    Ok(())
}

#[when("an upload is presigned without credentials")]
async fn presign_anonymous(w: &mut AccordWorld) -> Outcome {
    let outcome = presign_anonymous_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn presign_anonymous_checked(w: &mut AccordWorld) -> Outcome {
    let uploads = uploads(w)?;
    let request = w
        .ctx
        .presign_request(None, "accord-check.png", &uploads.content_type, 16);
    let e = w.send(request).await?;
    w.judged = vec![e];
    Ok(())
}

#[when(expr = "{refusal} is presigned")]
async fn presign_refused(w: &mut AccordWorld, what: Refusal) -> Outcome {
    let outcome = presign_refused_checked(w, what).await;
    w.keep(&outcome);
    outcome
}

async fn presign_refused_checked(w: &mut AccordWorld, what: Refusal) -> Outcome {
    let token = w.access()?;
    let uploads = uploads(w)?;
    let (content_type, size) = match what {
        Refusal::ContentType => (
            uploads
                .refused_content_type
                .clone()
                .unwrap_or_else(|| "application/x-msdownload".into()),
            16,
        ),
        Refusal::Size => (uploads.content_type.clone(), uploads.max_bytes + 1),
    };
    let request = w
        .ctx
        .presign_request(Some(&token), "accord-check.bin", &content_type, size);
    let e = w.send(request).await?;
    w.judged = vec![e];
    Ok(())
}

#[then("the backend refuses it in the error envelope")]
async fn backend_refuses(w: &mut AccordWorld) -> Outcome {
    let outcome = backend_refuses_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn backend_refuses_checked(w: &mut AccordWorld) -> Outcome {
    for e in &w.judged {
        if !(400..500).contains(&e.status) {
            return Err(Failure::new(
                Rule::UploadsRefuse,
                format!("the backend answered {} where it must refuse", e.status),
            )
            .with(e));
        }
        in_envelope(&w.ctx, e)?;
    }
    Ok(())
}

#[when(expr = "an upload named {string} is presigned")]
async fn presign_named(w: &mut AccordWorld, name: String) -> Outcome {
    let outcome = presign_named_checked(w, name).await;
    w.keep(&outcome);
    outcome
}

async fn presign_named_checked(w: &mut AccordWorld, name: String) -> Outcome {
    let token = w.access()?;
    let uploads = uploads(w)?;
    let ctx = w.ctx.clone();
    let (presign, exchange) = ctx.presign(&token, &name, &uploads.content_type, 16).await;
    w.exchanges.push(exchange.clone());
    let presign = presign.map_err(|e| Failure::new(Rule::UploadsPresign, e).with(&exchange))?;
    w.upload = Some(json!({"key": presign.key, "name": name}));
    w.judged = vec![exchange];
    Ok(())
}

#[then("the key does not contain the name unsanitized")]
async fn key_sanitized(w: &mut AccordWorld) -> Outcome {
    let outcome = key_sanitized_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn key_sanitized_checked(w: &mut AccordWorld) -> Outcome {
    let upload = w
        .upload
        .clone()
        .ok_or_else(|| Failure::setup("no upload was presigned"))?;
    let key = upload["key"].as_str().unwrap_or_default();
    if key.contains("..") || key.contains(upload["name"].as_str().unwrap_or("\u{0}")) {
        return Err(Failure::new(
            Rule::UploadsKey,
            format!("the object key `{key}` holds the file name unsanitized"),
        )
        .with_all(&w.judged));
    }
    Ok(())
}
