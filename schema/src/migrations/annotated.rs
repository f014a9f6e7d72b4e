//! Migration files that hold both directions, told apart by comments: goose's `-- +goose Up` /
//! `-- +goose Down` (with `-- +goose NO TRANSACTION`, and `StatementBegin` / `StatementEnd`
//! around statements that hold semicolons), and dbmate's `-- migrate:up` / `-- migrate:down`
//! (with `transaction:false` after either).
//!
//! Each direction is read as the whole file with the lines of the other direction emptied, so
//! every statement keeps its line and column: errors, lint findings and proofs point into the
//! file as it is.

use super::Layout;

/// The two directions of an annotated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    pub layout: Layout,
    pub up: String,
    /// `None` when the file has no down marker.
    pub down: Option<String>,
    pub up_no_transaction: bool,
    pub down_no_transaction: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Before,
    Up,
    Down,
}

/// The directions of `text`, if it is annotated; `Err((line, message))` for annotations
/// strata cannot follow.
pub fn split(text: &str) -> Result<Option<Sections>, (usize, String)> {
    if !text.contains("-- +goose") && !text.contains("-- migrate:") {
        return Ok(None);
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut parts = Vec::with_capacity(lines.len());
    let mut layout: Option<Layout> = None;
    let (mut part, mut seen_down) = (Part::Before, false);
    let (mut up_no_tx, mut down_no_tx) = (false, false);
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let trimmed = line.trim();
        let marker = if let Some(cmd) = trimmed.strip_prefix("-- +goose") {
            Some((Layout::Goose, cmd.trim()))
        } else {
            trimmed.strip_prefix("-- migrate:").map(|cmd| (Layout::Dbmate, cmd.trim()))
        };
        let Some((this, cmd)) = marker else {
            if part == Part::Before && !trimmed.is_empty() && !trimmed.starts_with("--") {
                let first = if layout == Some(Layout::Dbmate) { "-- migrate:up" } else { "-- +goose Up" };
                return Err((
                    n,
                    format!(
                        "SQL before `{first}`: a file with up and down markers starts its SQL after the up marker"
                    ),
                ));
            }
            parts.push(part);
            continue;
        };
        match layout {
            None => layout = Some(this),
            Some(l) if l != this => {
                return Err((n, "a file marked for both goose and dbmate: use one tool's markers".into()));
            }
            Some(_) => {}
        }
        let mut words = cmd.split_whitespace();
        let head = words.next().unwrap_or("").to_ascii_lowercase();
        let rest: Vec<String> = words.map(str::to_ascii_lowercase).collect();
        let section = match (this, head.as_str()) {
            (_, "up") => Some(Part::Up),
            (_, "down") => Some(Part::Down),
            (Layout::Goose, "no") if rest == ["transaction"] => {
                up_no_tx = true;
                down_no_tx = true;
                None
            }
            (Layout::Goose, "statementbegin" | "statementend" | "envsub") => None,
            _ => {
                return Err((n, format!("`{trimmed}` is not an annotation strata knows")));
            }
        };
        if let Some(next) = section {
            if this == Layout::Dbmate {
                for option in &rest {
                    match option.as_str() {
                        "transaction:false" if next == Part::Up => up_no_tx = true,
                        "transaction:false" => down_no_tx = true,
                        "transaction:true" => {}
                        other => return Err((n, format!("`{other}` is not a dbmate option strata knows"))),
                    }
                }
            } else if !rest.is_empty() {
                return Err((n, format!("`{trimmed}` is not an annotation strata knows")));
            }
            match (part, next) {
                (Part::Before, Part::Up) => {}
                (Part::Up, Part::Down) => seen_down = true,
                (_, Part::Up) => return Err((n, "a second up marker".into())),
                (Part::Before, _) => return Err((n, "the down marker comes before the up marker".into())),
                (_, _) => return Err((n, "a second down marker".into())),
            }
            part = next;
        }
        // The marker itself is a comment: it stays in no direction.
        parts.push(Part::Before);
    }
    if part == Part::Before {
        return Err((lines.len().max(1), "no up marker: the file has no SQL to run".into()));
    }
    let keep = |wanted: Part| -> String {
        lines
            .iter()
            .zip(&parts)
            .map(|(line, p)| {
                if *p == wanted {
                    *line
                } else if line.ends_with("\r\n") {
                    "\r\n"
                } else if line.ends_with('\n') {
                    "\n"
                } else {
                    ""
                }
            })
            .collect()
    };
    Ok(Some(Sections {
        layout: layout.unwrap_or(Layout::Goose),
        up: keep(Part::Up),
        down: seen_down.then(|| keep(Part::Down)),
        up_no_transaction: up_no_tx,
        down_no_transaction: down_no_tx,
    }))
}

/// A migration's file in `layout`, from its up and down SQL (each may start with
/// `-- no-transaction`, which becomes the layout's own mark).
pub fn render(layout: Layout, up: &str, down: &str) -> String {
    let strip = |sql: &str| -> (bool, String) {
        match sql.strip_prefix("-- no-transaction\n") {
            Some(rest) => (true, rest.to_owned()),
            None => (false, sql.to_owned()),
        }
    };
    let ((up_no_tx, up), (down_no_tx, down)) = (strip(up), strip(down));
    let body = |s: &str| format!("{}\n", s.trim_end());
    match layout {
        Layout::Dbmate => {
            let mark = |no_tx: bool| if no_tx { " transaction:false" } else { "" };
            format!(
                "-- migrate:up{}\n{}\n-- migrate:down{}\n{}",
                mark(up_no_tx),
                body(&up),
                mark(down_no_tx),
                body(&down)
            )
        }
        _ => {
            let no_tx = if up_no_tx || down_no_tx { "-- +goose NO TRANSACTION\n" } else { "" };
            format!("{no_tx}-- +goose Up\n{}\n-- +goose Down\n{}", body(&up), body(&down))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goose_sections_keep_their_lines() {
        let text = "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE t (a INT);\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TABLE t;\n";
        let s = split(text).expect("reads").expect("annotated");
        assert_eq!(s.layout, Layout::Goose);
        assert!(s.up_no_transaction && s.down_no_transaction);
        assert_eq!(s.up.lines().count(), text.lines().count());
        assert_eq!(s.up.lines().nth(2), Some("CREATE TABLE t (a INT);"));
        assert!(!s.up.contains("DROP TABLE"));
        let down = s.down.expect("a down");
        assert_eq!(down.lines().nth(8), Some("DROP TABLE t;"));
        assert!(!down.contains("CREATE TABLE"));
        assert_eq!(split("CREATE TABLE t (a INT);\n").expect("reads"), None);
    }

    #[test]
    fn dbmate_sections_and_options() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\r\nDROP INDEX i;\r\n";
        let s = split(text).expect("reads").expect("annotated");
        assert_eq!(s.layout, Layout::Dbmate);
        assert!(s.up_no_transaction && !s.down_no_transaction);
        assert_eq!(s.down.as_deref(), Some("\n\n\n\r\nDROP INDEX i;\r\n"));
        // Without a down marker there is no down.
        assert_eq!(split("-- migrate:up\nSELECT 1;\n").expect("reads").expect("annotated").down, None);
    }

    #[test]
    fn annotations_strata_cannot_follow_are_refused_at_their_line() {
        let refused = |text: &str| split(text).expect_err("refused");
        assert_eq!(refused("CREATE TABLE t (a INT);\n-- +goose Up\n").0, 1);
        assert_eq!(refused("-- +goose Down\nDROP TABLE t;\n-- +goose Up\n").0, 1);
        assert_eq!(refused("-- +goose Up\n-- +goose Up\n").0, 2);
        assert!(refused("-- +goose Up\n-- +goose Sideways\n").1.contains("not an annotation strata knows"));
        assert!(refused("-- +goose Up\n-- migrate:down\n").1.contains("both goose and dbmate"));
        assert!(refused("-- migrate:up transaction:maybe\n").1.contains("not a dbmate option"));
        assert!(refused("-- +goose NO TRANSACTION\n").1.contains("no up marker"));
    }

    #[test]
    fn a_file_written_reads_back() {
        for layout in [Layout::Goose, Layout::Dbmate] {
            let text = render(layout, "-- no-transaction\nCREATE TABLE t (a INT);\n", "DROP TABLE t;\n");
            let s = split(&text).expect("reads").expect("annotated");
            assert_eq!(s.layout, layout);
            assert!(s.up_no_transaction, "{text}");
            assert!(s.up.contains("CREATE TABLE t (a INT);") && !s.up.contains("DROP"), "{text}");
            assert!(s.down.expect("a down").contains("DROP TABLE t;"));
        }
    }
}
