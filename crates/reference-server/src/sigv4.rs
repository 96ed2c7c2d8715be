//! AWS Signature Version 4 for S3: presigned URLs (GET, HEAD) and POST policies.
//!
//! The key derivation and the signature itself are `aws-sigv4`'s; this module builds what is
//! signed: the canonical request of a presigned URL, and the POST policy document.

use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Credentials and place of a bucket.
#[derive(Clone)]
pub struct Signer {
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("region", &self.region)
            .finish()
    }
}

/// The fields of a presigned POST, in the order a form should send them (the file goes last).
pub type Fields = Vec<(String, String)>;

impl Signer {
    fn scope(&self, date: &str) -> String {
        format!("{date}/{}/s3/aws4_request", self.region)
    }

    fn signing_key(&self, at: SystemTime) -> impl AsRef<[u8]> {
        generate_signing_key(&self.secret_key, at, &self.region, "s3")
    }

    /// A presigned URL for `method` on `url` (scheme, host and path; no query), valid for
    /// `expires` from `at`.
    pub fn presign_url(
        &self,
        method: &str,
        url: &str,
        at: SystemTime,
        expires: Duration,
    ) -> Result<String, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{url} has no scheme"))?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let time: DateTime<Utc> = at.into();
        let amz_date = time.format("%Y%m%dT%H%M%SZ").to_string();
        let date = time.format("%Y%m%d").to_string();
        let credential = format!("{}/{}", self.access_key, self.scope(&date));
        let mut query = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_string()),
            ("X-Amz-Credential", credential),
            ("X-Amz-Date", amz_date.clone()),
            ("X-Amz-Expires", expires.as_secs().to_string()),
            ("X-Amz-SignedHeaders", "host".to_string()),
        ];
        query.sort_by(|a, b| a.0.cmp(b.0));
        let canonical_query = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k, true), encode(v, true)))
            .collect::<Vec<_>>()
            .join("&");
        let canonical_path = path
            .split('/')
            .map(|s| encode(&decode(s), true))
            .collect::<Vec<_>>()
            .join("/");
        let canonical_request = format!(
            "{method}\n{canonical_path}\n{canonical_query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD"
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
            self.scope(&date),
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let signature = calculate_signature(self.signing_key(at), string_to_sign.as_bytes());
        Ok(format!(
            "{scheme}://{host}{canonical_path}?{canonical_query}&X-Amz-Signature={signature}"
        ))
    }

    /// The fields of a presigned POST for exactly `key` in `bucket`, exactly `content_type`, a
    /// size from 1 byte to `max_size`, until `at + expires`.
    pub fn presign_post(
        &self,
        bucket: &str,
        key: &str,
        content_type: &str,
        max_size: u64,
        at: SystemTime,
        expires: Duration,
    ) -> Fields {
        let time: DateTime<Utc> = at.into();
        let expiration: DateTime<Utc> = (at + expires).into();
        let amz_date = time.format("%Y%m%dT%H%M%SZ").to_string();
        let credential = format!(
            "{}/{}",
            self.access_key,
            self.scope(&time.format("%Y%m%d").to_string())
        );
        let policy = serde_json::json!({
            "expiration": expiration.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "conditions": [
                {"bucket": bucket},
                {"key": key},
                {"Content-Type": content_type},
                ["content-length-range", 1, max_size],
                {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                {"x-amz-credential": credential},
                {"x-amz-date": amz_date},
            ]
        });
        let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
        let signature = calculate_signature(self.signing_key(at), policy.as_bytes());
        vec![
            ("key".into(), key.into()),
            ("Content-Type".into(), content_type.into()),
            ("x-amz-algorithm".into(), "AWS4-HMAC-SHA256".into()),
            ("x-amz-credential".into(), credential),
            ("x-amz-date".into(), amz_date),
            ("policy".into(), policy),
            ("x-amz-signature".into(), signature),
        ]
    }
}

/// URI encoding as SigV4 wants it: unreserved characters kept, everything else `%XX`.
pub fn encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> SystemTime {
        DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
            .into()
    }

    /// AWS's published example of a presigned URL (Signature Version 4, query parameters).
    #[test]
    fn presigned_url_matches_the_aws_example() {
        let signer = Signer {
            access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
        };
        let url = signer
            .presign_url(
                "GET",
                "https://examplebucket.s3.amazonaws.com/test.txt",
                at("2013-05-24T00:00:00Z"),
                Duration::from_secs(86400),
            )
            .unwrap();
        assert_eq!(
            url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    /// AWS's published example of deriving a signing key.
    #[test]
    fn signing_key_matches_the_aws_example() {
        let key = generate_signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            at("2012-02-15T00:00:00Z"),
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key.as_ref()),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn post_policy_pins_key_type_size_and_expiry() {
        let signer = Signer {
            access_key: "AK".into(),
            secret_key: "SK".into(),
            region: "auto".into(),
        };
        let fields = signer.presign_post(
            "b",
            "users/u/1/cat.png",
            "image/png",
            42,
            at("2026-01-01T00:00:00Z"),
            Duration::from_secs(900),
        );
        let policy = &fields.iter().find(|(k, _)| k == "policy").unwrap().1;
        let policy: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(policy)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(policy["expiration"], "2026-01-01T00:15:00.000Z");
        let conditions = policy["conditions"].to_string();
        for expected in [
            r#"{"bucket":"b"}"#,
            r#"{"key":"users/u/1/cat.png"}"#,
            r#"{"Content-Type":"image/png"}"#,
            r#"["content-length-range",1,42]"#,
        ] {
            assert!(conditions.contains(expected), "{expected} in {conditions}");
        }
        assert!(
            format!("{signer:?}").contains("<redacted>") && !format!("{signer:?}").contains("SK\"")
        );
    }
}
