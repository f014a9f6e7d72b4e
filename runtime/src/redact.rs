//! Database URLs never reach a message whole.

/// `text` with the password of every URL in it replaced by `***`: database URLs never reach a
/// message whole (the CLI's `redact_panics` does it for panics). The password of the user-info (`user:***@host`, whatever characters it holds,
/// raw or percent-encoded, up to the last `@` before the query) and of the query parameters
/// drivers read one from (`?password=***`).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || c == '`' || c == '"' || c == '\'')
            .unwrap_or(after.len());
        let (url, tail) = after.split_at(end);
        let (head, query) = url.split_once('?').map_or((url, None), |(h, q)| (h, Some(q)));
        match head.rfind('@') {
            Some(at) => {
                let userinfo = &head[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&head[at..]);
            }
            None => out.push_str(head),
        }
        if let Some(query) = query {
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                        format!("{k}=***")
                    }
                    _ => p.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Query parameters that carry a password in the URLs the drivers read.
const SECRET_PARAMS: &[&str] = &["password", "pass", "pwd", "sslpassword", "passfile"];
