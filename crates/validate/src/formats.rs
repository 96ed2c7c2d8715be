//! The string formats a frontend sends most and typed deserialization checks least.
//! Unknown formats constrain nothing, as OpenAPI says.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The format `format` names by another name: pydantic's `uuid1` to `uuid5` (a FastAPI
/// parameter typed `UUID4` is `format: uuid4`, LNbits's `usr`) are `uuid`.
pub fn canonical(format: &str) -> &str {
    match format {
        "uuid1" | "uuid2" | "uuid3" | "uuid4" | "uuid5" => "uuid",
        other => other,
    }
}

/// What is wrong with `s` as a `format`, or `None` when it conforms (or the format is unknown).
pub fn check(format: &str, s: &str) -> Option<String> {
    let format = canonical(format);
    let ok = match format {
        "email" => email(s),
        "uuid" => uuid(s),
        "date" => date(s),
        "date-time" => date_time(s),
        "time" => time(s).is_some(),
        "uri" | "url" => uri(s),
        "ipv4" => s.parse::<Ipv4Addr>().is_ok(),
        "ipv6" => s.parse::<Ipv6Addr>().is_ok(),
        "hostname" => hostname(s),
        "byte" => base64(s),
        _ => true,
    };
    (!ok).then(|| match format {
        "email" => "must be an email address".to_string(),
        "uuid" => "must be a UUID".to_string(),
        "date" => "must be a date (YYYY-MM-DD)".to_string(),
        "date-time" => "must be an RFC 3339 date-time".to_string(),
        "byte" => "must be base64".to_string(),
        other => format!("must be a valid {other}"),
    })
}

fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    local_ok && domain.contains('.') && hostname(domain)
}

fn hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `HH:MM:SS[.frac](Z|±HH:MM)`; returns `Some(())` when valid.
fn time(s: &str) -> Option<()> {
    let (clock, offset) = match s.find(['Z', 'z', '+', '-']) {
        Some(i) => s.split_at(i),
        None => return None,
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let [h, m, sec] = parts.as_slice() else {
        return None;
    };
    let (h, m, sec) = (digits(h, 2)?, digits(m, 2)?, digits(sec, 2)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    if offset.eq_ignore_ascii_case("z") {
        return Some(());
    }
    let (oh, om) = offset[1..].split_once(':')?;
    (digits(oh, 2)? <= 23 && digits(om, 2)? <= 59).then_some(())
}

fn date_time(s: &str) -> bool {
    match s.find(['T', 't', ' ']) {
        Some(i) => date(&s[..i]) && time(&s[i + 1..]).is_some(),
        None => false,
    }
}

fn uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn base64(s: &str) -> bool {
    let trimmed = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - trimmed.len() <= 2
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_and_rejects_common_formats() {
        for (format, good, bad) in [
            ("email", "ada@example.com", "ada@"),
            ("email", "a.b+c@mail.example.org", "not an email"),
            (
                "uuid",
                "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                "3fa85f64-5717-4562-b3fc",
            ),
            ("date", "2024-02-29", "2023-02-29"),
            (
                "date-time",
                "2024-01-02T03:04:05.123Z",
                "2024-01-02 25:00:00Z",
            ),
            (
                "date-time",
                "2024-01-02T03:04:05+02:00",
                "2024-01-02T03:04:05",
            ),
            ("uri", "https://example.com/a?b=c", "/relative/path"),
            ("ipv4", "127.0.0.1", "256.0.0.1"),
            ("byte", "aGVsbG8=", "aGVsbG8"),
            // pydantic's `UUID4`, as FastAPI writes it.
            ("uuid4", "3fa85f64-5717-4562-b3fc-2c963f66afa6", ""),
        ] {
            assert_eq!(check(format, good), None, "{format}: {good}");
            assert!(check(format, bad).is_some(), "{format}: {bad} accepted");
        }
        assert_eq!(check("x-unknown", "anything"), None);
    }
}
