//! The client and the server generated from fixtures/specs/forms-and-files.yaml, against each
//! other: a `multipart/form-data` upload goes as a typed form (a file part with its name and
//! content type, a text part) and arrives whole; an `image/png` body goes as `image/png`,
//! which the server accepts (it refuses `application/octet-stream` there, 415); an XML body
//! goes as `text/xml`; bytes under `image/*` go as the type the caller names.

use std::sync::{Arc, Mutex};

use codegen_output::client_forms_and_files::{self as client, multipart};
use codegen_output::server_forms_and_files::{self as server, rt, types};

/// What each upload brought, as the server received it.
#[derive(Default)]
struct Seen {
    bodies: Mutex<Vec<(String, Vec<u8>)>>,
}

struct Store(Arc<Seen>);

impl Store {
    fn keep(&self, body: rt::RawBody) {
        self.0
            .bodies
            .lock()
            .unwrap()
            .push((body.content_type, body.bytes.to_vec()));
    }
}

impl server::Api for Store {
    type Principal = ();

    async fn authenticate(
        &self,
        _: &rt::Context,
        credential: rt::auth::Credential,
    ) -> Result<(), rt::auth::Rejection> {
        match credential.secret.expose() {
            "t" => Ok(()),
            _ => Err(rt::auth::Rejection::new("unknown token")),
        }
    }

    fn render_error(&self, _: &rt::Context, error: &rt::Error) -> rt::Response {
        rt::Response::new(error.code().to_string().into())
    }

    async fn login_for_access_token(
        &self,
        _: &rt::Context,
        _: types::TokenForm,
    ) -> Result<server::LoginForAccessTokenResponse, rt::Error> {
        Ok(server::LoginForAccessTokenResponse::Ok(types::Token {
            access_token: "t".into(),
            token_type: "bearer".into(),
        }))
    }

    async fn put_avatar(
        &self,
        _: &rt::Context,
        _: (),
        body: rt::RawBody,
    ) -> Result<server::PutAvatarResponse, rt::Error> {
        self.keep(body);
        Ok(server::PutAvatarResponse::NoContent)
    }

    async fn upload_document(
        &self,
        _: &rt::Context,
        _: (),
        body: rt::RawBody,
    ) -> Result<server::UploadDocumentResponse, rt::Error> {
        self.keep(body);
        Ok(server::UploadDocumentResponse::Created)
    }

    async fn create_pod(
        &self,
        _: &rt::Context,
        _: (),
        body: rt::RawBody,
    ) -> Result<server::CreatePodResponse, rt::Error> {
        self.keep(body);
        Ok(server::CreatePodResponse::Created)
    }

    async fn put_invoice(
        &self,
        _: &rt::Context,
        _: (),
        body: rt::RawBody,
    ) -> Result<server::PutInvoiceResponse, rt::Error> {
        self.keep(body);
        Ok(server::PutInvoiceResponse::NoContent)
    }

    async fn upload_picture(
        &self,
        _: &rt::Context,
        _: (),
        body: rt::RawBody,
    ) -> Result<server::UploadPictureResponse, rt::Error> {
        self.keep(body);
        Ok(server::UploadPictureResponse::NoContent)
    }

    async fn put_blob(
        &self,
        _: &rt::Context,
        _: (),
        body: rt::RawBody,
    ) -> Result<server::PutBlobResponse, rt::Error> {
        self.keep(body);
        Ok(server::PutBlobResponse::NoContent)
    }

    async fn download_document(
        &self,
        _: &rt::Context,
        _: (),
        id: String,
    ) -> Result<server::DownloadDocumentResponse, rt::Error> {
        Ok(server::DownloadDocumentResponse::Ok(id.into_bytes()))
    }
}

/// The parts of a multipart body: (headers, bytes) each, cut at the boundary its content type
/// names.
fn parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .split_once("boundary=")
        .expect("a boundary in the content type")
        .1;
    let delimiter = format!("--{boundary}");
    let text = body.to_vec();
    let mut out = Vec::new();
    let mut rest = &text[..];
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest_part = &rest[2..]; // the CRLF after the delimiter
        let end = find(rest_part, delimiter.as_bytes()).expect("a closing delimiter");
        let part = &rest_part[..end - 2]; // the CRLF before it
        let split = find(part, b"\r\n\r\n").expect("headers end");
        out.push((
            String::from_utf8(part[..split].to_vec()).unwrap(),
            part[split + 4..].to_vec(),
        ));
        rest = &rest_part[end..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn a_multipart_upload_and_typed_bodies_reach_the_generated_server_whole() {
    let seen = Arc::new(Seen::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = server::router(Store(seen.clone()));
    tokio::spawn(async move { rt::axum::serve(listener, router).await.ok() });
    let http = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                reqwest::header::HeaderValue::from_static("Bearer t"),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let api = client::Client::new_with_client(&base, http.clone());

    // A file whose bytes hold what looks like a multipart delimiter, and a CRLF.
    let bytes = b"%PDF-1.7\r\n--accord-\r\nbinary \x00\xff end".to_vec();
    let form = multipart::UploadDocumentForm {
        file: Some(
            multipart::FilePart::new("report \"q3\".pdf", bytes.clone())
                .with_content_type("application/pdf"),
        ),
        note: Some("quarterly".into()),
    };
    let answer = api
        .upload_document(&form)
        .await
        .expect("the upload is accepted");
    assert_eq!(answer.status(), 201);

    let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2];
    api.upload_picture(png.clone())
        .await
        .expect("an image/png body is accepted as image/png");
    api.put_invoice("<Invoice/>".to_string())
        .await
        .expect("an XML body is accepted");
    api.put_blob("image/webp", vec![1u8, 2, 3])
        .await
        .expect("bytes under `image/*` go as the type the caller names");

    let bodies = seen.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    let (content_type, body) = &bodies[0];
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let got = parts(content_type, body);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[0].0,
        "Content-Disposition: form-data; name=\"file\"; filename=\"report %22q3%22.pdf\"\r\nContent-Type: application/pdf"
    );
    assert_eq!(got[0].1, bytes, "the file arrives byte for byte");
    assert_eq!(got[1].0, "Content-Disposition: form-data; name=\"note\"");
    assert_eq!(got[1].1, b"quarterly");
    assert_eq!(bodies[1], ("image/png".to_string(), png));
    assert_eq!(bodies[2].0, "text/xml");
    assert_eq!(bodies[3], ("image/webp".to_string(), vec![1, 2, 3]));

    // The server holds the spec to its word: bytes of another type are refused there.
    let other = http
        .post(format!("{base}/pictures"))
        .header("content-type", "application/octet-stream")
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 415);
}
