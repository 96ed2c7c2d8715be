//! Presigned POST uploads against the embedded store, which enforces the policy.

use std::collections::HashMap;
use std::time::Duration;

use reference_server::{Config, Running};
use serde_json::json;

use crate::{client, from, problem, sign_up, start, start_with};

struct Presigned {
    id: uuid::Uuid,
    url: String,
    key: String,
    fields: HashMap<String, String>,
}

async fn presign(
    running: &Running,
    token: &str,
    file_name: &str,
    content_type: &str,
    size: u64,
) -> Presigned {
    let p = client(running, Some(token))
        .create_upload(&from(
            json!({"file_name": file_name, "content_type": content_type, "size_bytes": size}),
        ))
        .await
        .expect("presign")
        .into_inner();
    Presigned {
        id: p.upload_id,
        url: p.url,
        key: p.key,
        fields: p.fields,
    }
}

/// Posts the fields, then the file last, as a browser form would.
async fn post(
    url: &str,
    fields: &HashMap<String, String>,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("upload.bin")
        .mime_str(content_type)
        .unwrap();
    form = form.part("file", part);
    let response = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("the store answers");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_valid_upload_is_stored_and_downloadable() {
    let running = start().await;
    let pair = sign_up(&running, "ada@example.com").await;
    let bytes: Vec<u8> = (0..2048u32).map(|i| (i % 251) as u8).collect();
    let p = presign(
        &running,
        &pair.access_token,
        "cat photo.png",
        "image/png",
        bytes.len() as u64,
    )
    .await;
    assert!(
        p.key
            .starts_with(&format!("users/{}/{}/", pair.user.id, p.id)),
        "{}",
        p.key
    );
    assert!(p.key.ends_with("/cat_photo.png"));
    for field in [
        "key",
        "Content-Type",
        "policy",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-signature",
    ] {
        assert!(p.fields.contains_key(field), "{field} missing");
    }

    let signed_in = client(&running, Some(&pair.access_token));
    let before = signed_in.get_upload(&p.id).await.unwrap();
    assert_eq!(before.status.to_string(), "pending");
    assert!(before.download_url.is_none());

    let (status, body) = post(&p.url, &p.fields, "image/png", bytes.clone()).await;
    assert_eq!(status, 204, "{body}");
    let after = signed_in.get_upload(&p.id).await.unwrap().into_inner();
    assert_eq!(after.status.to_string(), "stored");
    assert_eq!(
        (after.size_bytes, after.content_type.as_str()),
        (2048, "image/png")
    );
    let downloaded = reqwest::get(after.download_url.expect("a download URL once stored"))
        .await
        .unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().to_vec(), bytes);

    // Someone else cannot see it.
    let bob = sign_up(&running, "bob@example.com").await;
    problem(
        404,
        client(&running, Some(&bob.access_token))
            .get_upload(&p.id)
            .await,
    );
    running.stop().await;
}

/// A change to a presigned form, what it is called, and the file sent with it.
type Refusal = (
    &'static str,
    Box<dyn Fn(&mut HashMap<String, String>)>,
    &'static str,
    Vec<u8>,
);

#[tokio::test]
async fn the_store_refuses_what_the_policy_does_not_allow() {
    let running = start().await;
    let pair = sign_up(&running, "ada@example.com").await;
    let size = 100u64;
    let data = || vec![7u8; size as usize];

    let refusals: Vec<Refusal> = vec![
        (
            "a wrong content type",
            Box::new(|f: &mut HashMap<String, String>| {
                f.insert("Content-Type".into(), "text/html".into());
            }),
            "text/html",
            data(),
        ),
        (
            "one byte over the size",
            Box::new(|_: &mut HashMap<String, String>| {}),
            "image/png",
            vec![7u8; size as usize + 1],
        ),
        (
            "an empty file",
            Box::new(|_: &mut HashMap<String, String>| {}),
            "image/png",
            vec![],
        ),
        (
            "a tampered key",
            Box::new(|f: &mut HashMap<String, String>| {
                f.insert("key".into(), "users/someone-else/x.png".into());
            }),
            "image/png",
            data(),
        ),
        (
            "a tampered policy",
            Box::new(|f: &mut HashMap<String, String>| {
                let policy = f["policy"].clone();
                f.insert("policy".into(), format!("{}A", &policy[..policy.len() - 1]));
            }),
            "image/png",
            data(),
        ),
        (
            "a missing signature",
            Box::new(|f: &mut HashMap<String, String>| {
                f.remove("x-amz-signature");
            }),
            "image/png",
            data(),
        ),
        (
            "a forged signature",
            Box::new(|f: &mut HashMap<String, String>| {
                f.insert("x-amz-signature".into(), "0".repeat(64));
            }),
            "image/png",
            data(),
        ),
    ];
    for (what, tamper, content_type, bytes) in refusals {
        let p = presign(&running, &pair.access_token, "cat.png", "image/png", size).await;
        let mut fields = p.fields.clone();
        tamper(&mut fields);
        let (status, body) = post(&p.url, &fields, content_type, bytes).await;
        assert!(
            (400..500).contains(&status),
            "{what}: the store answered {status} {body}"
        );
        let upload = client(&running, Some(&pair.access_token))
            .get_upload(&p.id)
            .await
            .unwrap();
        assert_eq!(
            upload.status.to_string(),
            "pending",
            "{what}: an object was stored"
        );
    }
    running.stop().await;
}

#[tokio::test]
async fn an_expired_policy_is_refused() {
    let running = start_with(Config {
        presign_ttl: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let pair = sign_up(&running, "ada@example.com").await;
    let p = presign(&running, &pair.access_token, "cat.png", "image/png", 10).await;
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (status, body) = post(&p.url, &p.fields, "image/png", vec![1u8; 10]).await;
    assert!((400..500).contains(&status), "{status} {body}");
    running.stop().await;
}

#[tokio::test]
async fn the_backend_refuses_what_it_must_not_presign() {
    let running = start_with(Config {
        upload_max_bytes: 1000,
        ..Config::default()
    })
    .await;
    let pair = sign_up(&running, "ada@example.com").await;
    let signed_in = client(&running, Some(&pair.access_token));
    let request = |name: &str, ct: &str, size: u64| {
        from::<api_types::UploadRequest>(
            json!({"file_name": name, "content_type": ct, "size_bytes": size}),
        )
    };

    let refused = problem(
        422,
        signed_in
            .create_upload(&request("page.html", "text/html", 10))
            .await,
    );
    assert_eq!(refused.errors[0].field, "/content_type");
    let refused = problem(
        422,
        signed_in
            .create_upload(&request("big.png", "image/png", 1001))
            .await,
    );
    assert_eq!(refused.errors[0].field, "/size_bytes");
    problem(
        401,
        client(&running, None)
            .create_upload(&request("cat.png", "image/png", 10))
            .await,
    );

    // Names that try to leave the user's prefix never reach the key unsanitized.
    for name in [
        "../../etc/passwd",
        "..\\..\\x.png",
        "a/../../b.png",
        "\u{0}evil.png",
        "..",
    ] {
        let p = presign(&running, &pair.access_token, name, "image/png", 10).await;
        let prefix = format!("users/{}/{}/", pair.user.id, p.id);
        let rest = p
            .key
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{name}: {}", p.key));
        assert!(
            !rest.contains('/') && !rest.contains("..") && !rest.chars().any(char::is_control),
            "{name}: {}",
            p.key
        );
    }
    running.stop().await;
}

#[tokio::test]
async fn any_s3_compatible_endpoint_can_be_configured() {
    // A store started apart from the backend, as R2 or S3 would be, with its own credentials.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("external-bucket")).unwrap();
    let signer = reference_server::sigv4::Signer {
        access_key: "EXTERNALKEY".into(),
        secret_key: "external-secret".into(),
        region: "auto".into(),
    };
    let (address, store) = reference_server::storage::serve_embedded(
        root.path(),
        "127.0.0.1:0".parse().unwrap(),
        &signer,
        &[],
    )
    .await
    .unwrap();
    let endpoint = format!("http://{address}");
    let mut config = Config::default();
    let env: HashMap<&str, String> = [
        ("ACCORD_S3_ENDPOINT", endpoint.clone()),
        ("ACCORD_S3_REGION", "auto".into()),
        ("ACCORD_S3_BUCKET", "external-bucket".into()),
        ("ACCORD_S3_ACCESS_KEY_ID", "EXTERNALKEY".into()),
        ("ACCORD_S3_SECRET_ACCESS_KEY", "external-secret".into()),
    ]
    .into_iter()
    .collect();
    config.apply(|name| env.get(name).cloned()).unwrap();
    assert!(
        !format!("{config:?}").contains("external-secret"),
        "the secret is redacted"
    );
    let running = start_with(config).await;
    assert_eq!(running.storage_url, endpoint);
    let pair = sign_up(&running, "ada@example.com").await;
    let p = presign(
        &running,
        &pair.access_token,
        "doc.pdf",
        "application/pdf",
        3,
    )
    .await;
    assert_eq!(p.url, format!("{endpoint}/external-bucket"));
    let (status, body) = post(&p.url, &p.fields, "application/pdf", b"pdf".to_vec()).await;
    assert_eq!(status, 204, "{body}");
    let upload = client(&running, Some(&pair.access_token))
        .get_upload(&p.id)
        .await
        .unwrap();
    assert_eq!(upload.status.to_string(), "stored");
    assert!(root.path().join("external-bucket").join(&p.key).is_file());
    running.stop().await;
    store.abort();

    // A missing credential is an error naming the variable.
    let mut config = Config::default();
    let error = config
        .apply(|name| (name == "ACCORD_S3_ENDPOINT").then(|| endpoint.clone()))
        .unwrap_err();
    assert_eq!(error.name, "ACCORD_S3_BUCKET");
}

#[tokio::test]
async fn a_stored_upload_reports_the_size_stored_not_the_size_declared() {
    let running = start().await;
    let pair = sign_up(&running, "size@example.com").await;
    let p = presign(&running, &pair.access_token, "small.png", "image/png", 4096).await;
    let (status, body) = post(&p.url, &p.fields, "image/png", vec![7u8; 100]).await;
    assert_eq!(status, 204, "{body}");
    let after = client(&running, Some(&pair.access_token))
        .get_upload(&p.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.status.to_string(), "stored");
    assert_eq!(after.size_bytes, 100);
}
