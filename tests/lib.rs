//! Workspace-level tests live in `it/` and `ui/`.
