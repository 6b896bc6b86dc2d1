//! Shared by the binary's tests: running assay, and a passing model
//! assessment with a key for its lab.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The passphrase of every key the suite makes: keys are encrypted, as a
/// lab's are, and `assay` reads the passphrase from the environment.
pub const PASSPHRASE: &str = "the suite's passphrase, not a lab's";

/// An [`assay_cert::keys::Ask`] that gives [`PASSPHRASE`].
pub fn passphrase(_: assay_cert::keys::Secret<'_>) -> Result<String, String> {
    Ok(PASSPHRASE.to_owned())
}

pub fn assay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .env("ASSAY_KEY_PASSPHRASE", PASSPHRASE)
        .output()
        .expect("assay runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A passing model assessment and a key for its lab, in a fresh folder.
pub fn assessed() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let o = assay(&["init", p(&root), "--demo", "model"]);
    assert!(o.status.success(), "{}", text(&o));
    // The certificate flow does not need the robustness runs (35 perturbed
    // copies of the test set): leave them out to keep the test quick.
    let plan = root.join("assay.toml");
    let source = std::fs::read_to_string(&plan).expect("plan");
    let cut = source.find("\n[robustness]").unwrap_or(source.len());
    let lighter: String = source[..cut]
        .lines()
        .filter(|l| !l.contains("\"robustness."))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&plan, lighter).expect("plan");
    let results = root.join("results");
    let o = assay(&[
        "run",
        p(&root.join("assay.toml")),
        "--out",
        p(&results),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let keys = root.join("keys");
    let o = assay(&[
        "keygen",
        "--issuer",
        "DEMO",
        "--name",
        "Assay demonstration laboratory",
        "--out",
        p(&keys),
        "--not-before",
        "2026-01-01",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    (dir, root, results.join("assessment.json"), keys)
}
