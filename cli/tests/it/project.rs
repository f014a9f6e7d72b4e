//! A temporary crate with a `migrations/` directory, and the `strata` binary run in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A crate in a temporary directory, depending on this workspace's `strata`.
pub struct Project {
    pub root: PathBuf,
    pub url: String,
}

impl Project {
    pub fn new(name: &str, url: String) -> Project {
        let root = std::env::temp_dir().join(format!("strata-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src")).expect("a temporary directory");
        let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
        std::fs::write(
            root.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nstrata = {{ path = {:?} }}\n\n[workspace]\n",
                runtime.display().to_string()
            ),
        )
        .expect("Cargo.toml");
        std::fs::write(
            root.join("src/main.rs"),
            "#![allow(dead_code)]\nmod models;\nstatic MIGRATOR: strata::Migrator = strata::embed_migrations!();\nfn main() {}\n",
        )
        .expect("main.rs");
        // The workspace's lock file, so that the build reuses what the workspace built.
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"), root.join("Cargo.lock"))
            .expect("Cargo.lock");
        Project { root, url }
    }

    pub fn models(&self, src: &str) {
        std::fs::write(self.root.join("src/models.rs"), format!("use strata::Model;\n{src}"))
            .expect("models.rs");
    }

    /// Runs `strata <args>` in the project with `DATABASE_URL` set.
    pub fn strata(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .current_dir(&self.root)
            .env("DATABASE_URL", &self.url)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .expect("strata runs")
    }

    /// Runs `strata <args>` in the project with `env` set besides `DATABASE_URL`.
    pub fn strata_with(&self, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_strata"));
        command
            .args(args)
            .current_dir(&self.root)
            .env("DATABASE_URL", &self.url)
            .env_remove("CARGO_TARGET_DIR");
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().expect("strata runs")
    }

    /// Runs `strata <args>` in the project with no `DATABASE_URL` in the environment (a `.env`
    /// file may give one).
    pub fn strata_from_dotenv(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .current_dir(&self.root)
            .env_remove("DATABASE_URL")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .expect("strata runs")
    }

    /// `strata <args>`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.strata(args);
        assert!(out.status.success(), "`strata {}` failed:\n{}", args.join(" "), text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `strata <args>`, which must fail with `code`; what it printed.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.strata(args);
        assert_eq!(out.status.code(), Some(code), "`strata {}`:\n{}", args.join(" "), text(&out));
        text(&out)
    }

    /// `cargo check` of the project: `Ok` or the compiler's errors.
    pub fn compile(&self) -> Result<(), String> {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-e2e-target");
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["check", "--offline", "--quiet", "--message-format=short"])
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", target)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        if out.status.success() { Ok(()) } else { Err(text(&out)) }
    }

    pub fn files(&self, suffix: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.root.join("migrations"))
            .expect("migrations/")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(suffix))
            .collect();
        out.sort();
        out
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
