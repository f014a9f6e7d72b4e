//! MySQL and MariaDB: changes that online DDL can only make by copying the table, during which
//! writes wait.

use sqlparser::ast::{AlterTableAlgorithm, AlterTableLock, AlterTableOperation, TableConstraint};

use super::{alter_with_rows, any::type_changes, base_args};
use crate::Dialect::Mysql;
use crate::lint::walk::{Cx, Hit, span_of};
use crate::lint::{Level, Product, Rule, Server};
use crate::types;

const MY: &[crate::Dialect] = &[Mysql];

pub(crate) static TYPE_CHANGE_COPY: Rule = Rule {
    id: "mysql-type-change-copy",
    summary: "a column type change that MySQL and MariaDB make by copying the table",
    dialects: MY,
    level: Level::Error,
    check: type_change_copy,
};

/// Why changing a column from canonical MySQL type `old` to `new` copies the table on
/// `server`; `None` when online DDL does it in place: the same type, a longer VARCHAR (on
/// MySQL only within the same length prefix: under 256 bytes, or from 256 up, at 4 bytes a
/// character as utf8mb4 takes; MariaDB rebuilds in place past it), an ENUM or SET with values
/// added at the end.
pub(crate) fn copies(old: &str, new: &str, server: &Server) -> Option<String> {
    let mariadb = server.product == Product::Mariadb;
    if old == new {
        return None;
    }
    let (ob, oa) = base_args(old);
    let (nb, na) = base_args(new);
    let len = |a: &Option<String>| a.as_deref().and_then(|a| a.trim().parse::<u64>().ok());
    match (ob.as_str(), nb.as_str()) {
        ("varchar", "varchar") => match (len(&oa), len(&na)) {
            (Some(o), Some(n)) if n >= o && (mariadb || (o * 4 < 256) == (n * 4 < 256)) => None,
            (Some(o), Some(n)) if n >= o => Some(format!(
                "its length prefix grows from one byte to two ({o} to {n} characters, at 4 bytes each in utf8mb4)"
            )),
            _ => Some("a shorter VARCHAR is checked row by row".into()),
        },
        ("enum", "enum") | ("set", "set") => {
            let (o, n) = (
                types::enum_values(oa.as_deref().unwrap_or("")),
                types::enum_values(na.as_deref().unwrap_or("")),
            );
            if n.len() >= o.len() && n[..o.len()] == o[..] && n.len() <= 255 {
                None
            } else {
                Some("values are reordered or removed, not only added at the end".into())
            }
        }
        _ => Some(format!("the stored format of `{old}` and `{new}` differ")),
    }
}

fn type_change_copy(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, _, ops)) = alter_with_rows(cx) else { return };
    let Some(t) = cx.schema.table(&table) else { return };
    for (col, ty, _) in type_changes(cx, ops) {
        let Some(c) = t.column(&cx.ident(col)) else { continue };
        let new = types::canonical(Mysql, &ty.to_string());
        if let Some(why) = copies(&c.ty, &new, &cx.server) {
            cx.hit(
                out,
                col.span,
                format!("changes `{table}.{}` from `{}` to `{new}` with ALGORITHM=COPY: {why}; the table is copied row by row and writes to `{table}` wait until it is done", c.name, c.ty),
                Some(format!(
                    "add a column of the new type, fill it in batches, switch the code, then drop `{}`; or run the change with an online schema tool (gh-ost, pt-online-schema-change)",
                    c.name
                )),
            );
        }
    }
}

pub(crate) static PRIMARY_KEY_CHANGE: Rule = Rule {
    id: "mysql-primary-key-change",
    summary: "the primary key of a table that may hold rows is added or dropped",
    dialects: MY,
    level: Level::Error,
    check: primary_key_change,
};

fn primary_key_change(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, name, ops)) = alter_with_rows(cx) else { return };
    let drops = ops.iter().any(|op| matches!(op, AlterTableOperation::DropPrimaryKey { .. }));
    let adds = ops.iter().any(|op| {
        matches!(op, AlterTableOperation::AddConstraint { constraint: TableConstraint::PrimaryKey(_), .. })
    });
    let what = match (drops, adds) {
        (true, false) => "drops the primary key: InnoDB copies the table (ALGORITHM=COPY), and writes wait",
        (_, true) => {
            "changes the primary key: InnoDB rebuilds the whole table, since its rows are stored in primary key order"
        }
        (false, false) => return,
    };
    cx.hit(
        out,
        span_of(name),
        format!("{what} (`{table}`)"),
        Some("change the key when the table is created, or with an online schema tool (gh-ost, pt-online-schema-change); drop and add in one ALTER TABLE to rebuild once".into()),
    );
}

pub(crate) static FOREIGN_KEY_COPY: Rule = Rule {
    id: "mysql-foreign-key-copy",
    summary: "a foreign key is added to a table that may hold rows while foreign_key_checks is on",
    dialects: MY,
    level: Level::Error,
    check: foreign_key_copy,
};

fn foreign_key_copy(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, name, ops)) = alter_with_rows(cx) else { return };
    if cx.state.foreign_key_checks_off {
        return;
    }
    if ops.iter().any(|op| {
        matches!(op, AlterTableOperation::AddConstraint { constraint: TableConstraint::ForeignKey(_), .. })
    }) {
        cx.hit(
            out,
            span_of(name),
            format!("adds a foreign key to `{table}` with foreign_key_checks on: MySQL and MariaDB copy the table to check every row (ALGORITHM=COPY), and writes to `{table}` wait"),
            Some("`SET foreign_key_checks = 0;` before it adds the key in place without reading the rows (check them yourself first), and `SET foreign_key_checks = 1;` after".into()),
        );
    }
}

pub(crate) static EXPLICIT_LOCK: Rule = Rule {
    id: "mysql-explicit-lock",
    summary: "an ALTER TABLE asks for ALGORITHM=COPY or a LOCK that stops writes",
    dialects: MY,
    level: Level::Error,
    check: explicit_lock,
};

fn explicit_lock(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, name, ops)) = alter_with_rows(cx) else { return };
    for op in ops {
        let what = match op {
            AlterTableOperation::Algorithm { algorithm: AlterTableAlgorithm::Copy, .. } => {
                "ALGORITHM=COPY copies the table"
            }
            AlterTableOperation::Lock { lock: AlterTableLock::Exclusive, .. } => {
                "LOCK=EXCLUSIVE stops reads and writes"
            }
            AlterTableOperation::Lock { lock: AlterTableLock::Shared, .. } => "LOCK=SHARED stops writes",
            _ => continue,
        };
        cx.hit(
            out,
            span_of(name),
            format!("{what} of `{table}` for as long as the change runs"),
            Some("leave ALGORITHM and LOCK out (or ask for ALGORITHM=INPLACE, LOCK=NONE, which fails rather than block)".into()),
        );
    }
}

pub(crate) static FULLTEXT_INDEX: Rule = Rule {
    id: "mysql-fulltext-index",
    summary: "a FULLTEXT index is added to a table that may hold rows",
    dialects: MY,
    level: Level::Error,
    check: fulltext_index,
};

fn fulltext_index(cx: &Cx<'_>, out: &mut Vec<Hit>) {
    let Some((table, name, ops)) = alter_with_rows(cx) else { return };
    for op in ops {
        if let AlterTableOperation::AddConstraint {
            constraint: TableConstraint::FulltextOrSpatial(f), ..
        } = op
            && f.fulltext
        {
            cx.hit(
                out,
                span_of(name),
                format!("adds a FULLTEXT index to `{table}`: InnoDB builds it with LOCK=SHARED (writes to `{table}` wait), and the first one rebuilds the table"),
                Some("add FULLTEXT indexes when the table is created, or with an online schema tool".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::copies;
    use crate::lint::Server;
    use crate::lint::tests::{catches, passes};

    const T: &str =
        "CREATE TABLE t (id BIGINT PRIMARY KEY, a VARCHAR(20), n INT, s ENUM('a','b'), body TEXT);";

    #[test]
    fn type_change_copy() {
        catches("mysql-type-change-copy", "mysql", &[T, "ALTER TABLE t MODIFY n BIGINT;"]);
        catches("mysql-type-change-copy", "mysql", &[T, "ALTER TABLE t MODIFY a VARCHAR(100);"]);
        passes("mysql-type-change-copy", "mysql", &[T, "ALTER TABLE t MODIFY a VARCHAR(60);"]);
        passes("mysql-type-change-copy", "mysql", &[T, "ALTER TABLE t MODIFY s ENUM('a','b','c');"]);
        let mysql = Server::default_for(crate::Dialect::Mysql);
        assert!(copies("enum('a','b')", "enum('b','a')", &mysql).is_some());
        assert!(copies("varchar(100)", "varchar(300)", &mysql).is_none());
        // MariaDB rebuilds a VARCHAR past 255 bytes in place; MySQL copies it.
        assert!(copies("varchar(20)", "varchar(100)", &mysql).is_some());
        let mariadb = Server::parse(crate::Dialect::Mysql, "mariadb 10.11").expect("a server");
        assert!(copies("varchar(20)", "varchar(100)", &mariadb).is_none());
    }

    #[test]
    fn primary_key_change() {
        catches(
            "mysql-primary-key-change",
            "mysql",
            &[T, "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, n);"],
        );
        passes(
            "mysql-primary-key-change",
            "mysql",
            &[&format!("{T}\nALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, n);")],
        );
    }

    #[test]
    fn foreign_key_copy() {
        let two = format!("{T}\nCREATE TABLE u (id BIGINT PRIMARY KEY, t_id BIGINT);");
        catches(
            "mysql-foreign-key-copy",
            "mysql",
            &[&two, "ALTER TABLE u ADD CONSTRAINT fk FOREIGN KEY (t_id) REFERENCES t (id);"],
        );
        passes(
            "mysql-foreign-key-copy",
            "mysql",
            &[
                &two,
                "SET foreign_key_checks = 0;\nALTER TABLE u ADD CONSTRAINT fk FOREIGN KEY (t_id) REFERENCES t (id);\nSET foreign_key_checks = 1;",
            ],
        );
    }

    #[test]
    fn explicit_lock() {
        catches("mysql-explicit-lock", "mysql", &[T, "ALTER TABLE t ADD COLUMN b INT, ALGORITHM=COPY;"]);
        passes(
            "mysql-explicit-lock",
            "mysql",
            &[T, "ALTER TABLE t ADD COLUMN b INT, ALGORITHM=INPLACE, LOCK=NONE;"],
        );
    }

    #[test]
    fn fulltext_index() {
        catches("mysql-fulltext-index", "mysql", &[T, "ALTER TABLE t ADD FULLTEXT INDEX ft (body);"]);
        passes(
            "mysql-fulltext-index",
            "mysql",
            &[&format!("{T}\nALTER TABLE t ADD FULLTEXT INDEX ft (body);")],
        );
    }
}
