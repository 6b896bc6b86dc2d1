//! ARCHITECTURE.md is the map of the code: every crate of the workspace has
//! its section (`## \`crates/NAME\``), and every file a section names
//! (`` `name.rs` ``, `` `src/…` ``) exists in that crate (or, written
//! `crates/…`, in the workspace).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file below `dir`, as paths relative to it with `/` separators.
fn files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            files(&path, base, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The sections of ARCHITECTURE.md about a crate: crate name → its text.
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## `crates/") {
            let name = rest.split('`').next().unwrap_or("").trim_end_matches('/');
            out.push((name.to_owned(), String::new()));
        } else if line.starts_with("## ") {
            out.push((String::new(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out.retain(|(name, _)| !name.is_empty());
    out
}

/// The file names a section writes in backticks (`x.rs`, `src/x.rs`, `x.typ`).
fn named_files(body: &str) -> Vec<String> {
    body.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            !s.contains(' ')
                && !s.contains("::")
                && [".rs", ".typ", ".json", ".sql"]
                    .iter()
                    .any(|ext| s.ends_with(ext))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_crate_has_a_section_and_every_named_file_exists() {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let sections = sections(&text);
    let crates: BTreeSet<String> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let described: BTreeSet<String> = sections.iter().map(|(n, _)| n.clone()).collect();
    let missing: Vec<&String> = crates.difference(&described).collect();
    assert!(
        missing.is_empty(),
        "crates without a section in ARCHITECTURE.md: {missing:?}"
    );
    let stale: Vec<&String> = described.difference(&crates).collect();
    assert!(
        stale.is_empty(),
        "ARCHITECTURE.md describes crates that do not exist: {stale:?}"
    );

    let mut absent = Vec::new();
    for (name, body) in &sections {
        let dir = root().join("crates").join(name);
        let mut have = BTreeSet::new();
        files(&dir, &dir, &mut have);
        for f in named_files(body) {
            // `FILE.json`, `NUMBER.cert.json`: names of files a user makes.
            let stem = f.split('.').next().unwrap_or("");
            if stem.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                continue;
            }
            let found = if f.starts_with("crates/") {
                root().join(&f).exists()
            } else {
                have.iter()
                    .any(|h| h == &f || h.ends_with(&format!("/{f}")))
            };
            if !found {
                absent.push(format!("{name}: {f}"));
            }
        }
    }
    assert!(
        absent.is_empty(),
        "files ARCHITECTURE.md names that do not exist: {absent:?}"
    );
}
