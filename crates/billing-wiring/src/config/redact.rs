//! Database URLs with every credential hidden, so settings can be logged and printed with `Debug`.

/// Query parameters holding credentials, matched case-insensitively anywhere in the name, so
/// `password`, `sslpassword` and the like are all covered.
const SECRET_PARAMETERS: [&str; 5] = ["password", "passwd", "pwd", "secret", "token"];

fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMETERS.iter().any(|secret| name.contains(secret))
}

/// The URL with its userinfo password and credential parameters replaced by `***` and without a
/// fragment; an unparseable URL is hidden whole, since it may hold a password.
pub(super) fn redacted(url: &str) -> String {
    const UNPARSEABLE: &str = "<unparseable>";
    let Ok(mut parsed) = url::Url::parse(url) else { return UNPARSEABLE.to_owned() };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return UNPARSEABLE.to_owned();
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let value = if is_secret(&name) { "***".to_owned() } else { value.into_owned() };
                (name.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.set_fragment(None);
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_passwords_and_credential_parameters_are_hidden() {
        let shown =
            redacted("postgres://billing:hunter2@db:5432/billing?sslmode=require&password=s3cr3t&SSLPassword=k3y&pass%77ord=enc0ded");
        for secret in ["hunter2", "s3cr3t", "k3y", "enc0ded"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.starts_with("postgres://billing:***@db:5432/billing?sslmode=require&password=***"), "{shown}");
    }

    #[test]
    fn fragments_and_unparseable_urls_are_hidden() {
        assert!(!redacted("postgres://db/billing#password=frag").contains("frag"));
        assert_eq!(redacted("postgres://user:p@ss word@db:99999/x"), "<unparseable>");
    }
}
