//! Migrations embedded in the binary by [`embed_migrations!`](crate::embed_migrations).

/// One migration, as `embed_migrations!` writes it into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The version as sqlx's history table stores it.
    pub version: i64,
    /// The version as written in the file name (diesel's without its dashes).
    pub version_text: &'static str,
    pub description: &'static str,
    pub up: &'static str,
    /// `None` for an up-only migration (sqlx's `<version>_<name>.sql`).
    pub down: Option<&'static str>,
    /// SHA-384 of the up SQL with `\r\n` read as `\n`, computed at compile time.
    pub checksum: [u8; 48],
    /// Runs outside a transaction (`-- no-transaction`, diesel's `run_in_transaction = false`).
    pub no_transaction: bool,
}

impl Migration {
    /// `20240101120000_add_users`, the name a user sees.
    pub fn name(&self) -> String {
        format!("{}_{}", self.version_text, self.description.replace(' ', "_"))
    }
}

/// The migrations a binary carries, in the order they apply.
#[derive(Debug, Clone, Copy)]
pub struct Migrator {
    migrations: &'static [Migration],
}

impl Migrator {
    /// What `embed_migrations!` expands to; `migrations` must be in order.
    #[doc(hidden)]
    pub const fn new(migrations: &'static [Migration]) -> Self {
        Migrator { migrations }
    }

    /// Every migration, oldest first.
    pub fn migrations(&self) -> &'static [Migration] {
        self.migrations
    }

    /// The newest migration, if there is any.
    pub fn latest(&self) -> Option<&'static Migration> {
        self.migrations.last()
    }
}
