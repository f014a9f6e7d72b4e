//! The input of the fuzz target over discovery and replay (`fuzz/`), and the same inputs made
//! up by the property test that CI runs: a migrations directory spelled as bytes. Whatever the
//! bytes, reading and replaying the directory must end in a schema or in an error that names its
//! file: never a panic, a hang or a crash.

use std::path::Path;

use crate::{Dialect, MigrationSet};

/// Writes the directory `data` spells into `dir` (emptied first), then reads it, checks its
/// integrity file, replays it, and splits each file as the migrator does. Byte 0 picks the
/// dialect (and, with its high bit, whether it comes from `strata.toml` instead); the rest is
/// files, each `name \0 content \0`. Names keep only `[A-Za-z0-9_.-]` and one `/` (diesel's
/// folders), so nothing is written outside `dir`.
pub fn run(data: &[u8], dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Some((&head, rest)) = data.split_first() else { return };
    let dialect = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql][usize::from(head % 3)];
    let mut parts = rest.split(|b| *b == 0);
    while let (Some(name), Some(content)) = (parts.next(), parts.next()) {
        let name: String = String::from_utf8_lossy(name)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            .take(80)
            .collect();
        let name = name.trim_matches('/');
        if name.is_empty() || name.contains("..") || name.matches('/').count() > 1 {
            continue;
        }
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, content);
    }
    let given = (head & 0x80 == 0).then_some(dialect);
    let Ok(set) = MigrationSet::load(dir, given) else { return };
    let _ = crate::integrity::check(&set);
    let _ = crate::integrity::render(&set);
    let _ = crate::replay::replay(&set);
    for m in &set.migrations {
        for sql in std::iter::once(&m.up.sql).chain(m.down.as_ref().map(|d| &d.sql)) {
            let d = set.config.dialect;
            let spans = crate::replay::statement_spans(d, sql);
            assert!(
                spans.iter().all(|r| r.start <= r.end && r.end <= sql.len() && sql.is_char_boundary(r.start))
            );
            assert_eq!(crate::replay::pieces(sql, 64).concat(), *sql, "the pieces make the file");
            let _ = crate::replay::is_empty(d, sql);
        }
    }
}

/// Made-up inputs for [`run`], the same for the same seed: directories of plausible and broken
/// migrations (names of every layout, SQL from fragments, cut and flipped bytes).
#[derive(Debug)]
pub struct Inputs(u64);

impl Inputs {
    pub fn new(seed: u64) -> Self {
        Inputs(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    /// One input.
    pub fn input(&mut self) -> Vec<u8> {
        const NAMES: &[&str] = &[
            "1_a.up.sql",
            "1_a.down.sql",
            "2_b.sql",
            "20240101000000_users.up.sql",
            "20240101000000_users.down.sql",
            "20240102000000_posts.up.sql",
            "2024-01-01-000000_init/up.sql",
            "2024-01-01-000000_init/down.sql",
            "2024-01-01-000000_init/metadata.toml",
            "123.up.sql",
            "3_.up.sql",
            "strata.toml",
            "strata.sum",
            "README.md",
            "x_y.up.sql",
        ];
        const SQL: &[&str] = &[
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x');",
            "CREATE TABLE u (id BIGINT, t_id INT REFERENCES t(id) ON DELETE CASCADE, UNIQUE (t_id));",
            "ALTER TABLE t ADD COLUMN c INT;",
            "ALTER TABLE t DROP COLUMN name;",
            "ALTER TABLE t RENAME TO t2;",
            "ALTER TABLE t RENAME COLUMN id TO ident;",
            "CREATE INDEX i ON t (name);",
            "CREATE UNIQUE INDEX IF NOT EXISTS j ON u (t_id, id);",
            "DROP TABLE t;",
            "DROP TABLE IF EXISTS u CASCADE;",
            "DROP INDEX i;",
            "CREATE VIEW v AS SELECT * FROM t;",
            "INSERT INTO t (id) VALUES (1), (2);",
            "CREATE TYPE mood AS ENUM ('a', 'b');",
            "ALTER TYPE mood ADD VALUE 'c';",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET name = 'y'; END;",
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;",
            "-- no-transaction\n",
            "-- strata:effect none\n",
            "/* comment ; */",
            "'unterminated",
            "\"quoted name\"",
            "(((((((((",
            "DEFAULT (1 + 1 + 1 + 1)",
            ";;;",
            "dialect = \"postgres\"\n",
            "dialect = \"mysql\"\nunmanaged = [\"x*\"]\n",
            "[[effect]]\nfile = \"1_a.up.sql\"\nline = 1\nsql = \"CREATE TABLE z (a INT)\"\n",
            "run_in_transaction = false\n",
            "1 0000 a\n",
            "<<<<<<< HEAD\n",
            "\u{0}\u{feff}é\r\n",
        ];
        let mut out = vec![(self.next() & 0xff) as u8];
        for _ in 0..(1 + self.next() % 5) {
            out.extend_from_slice(self.pick(NAMES).as_bytes());
            out.push(0);
            for _ in 0..(self.next() % 6) {
                out.extend_from_slice(self.pick(SQL).as_bytes());
                out.push(b'\n');
            }
            out.push(0);
        }
        // Now and then, bytes cut or flipped.
        match self.next() % 4 {
            0 if out.len() > 2 => {
                let at = 1 + (self.next() as usize % (out.len() - 1));
                out.truncate(at);
            }
            1 => {
                for _ in 0..(1 + self.next() % 4) {
                    let at = self.next() as usize % out.len();
                    out[at] ^= (self.next() & 0xff) as u8;
                }
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    /// The fuzz target's inputs, made up: CI runs a few hundred (`STRATA_FUZZ_CASES` more).
    #[test]
    fn made_up_directories_never_panic() {
        let cases: u64 = std::env::var("STRATA_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
        let dir = std::env::temp_dir().join(format!("strata-fuzz-test-{}", std::process::id()));
        let mut inputs = super::Inputs::new(1);
        for _ in 0..cases {
            super::run(&inputs.input(), &dir);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
