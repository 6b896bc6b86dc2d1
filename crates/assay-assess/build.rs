//! Records the source revision the tool is built from (`git rev-parse HEAD`,
//! with `+dirty` when tracked files differ from it), for the assessment
//! record. `ASSAY_REVISION` overrides it for builds outside a checkout.

use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("../..");
    println!("cargo:rerun-if-env-changed=ASSAY_REVISION");
    for p in [
        ".git/HEAD",
        ".git/index",
        ".git/refs",
        "crates",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        let path = root.join(p);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let revision = std::env::var("ASSAY_REVISION")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            let head = git(&root, &["rev-parse", "HEAD"])?;
            let dirty = git(&root, &["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            Some(if dirty { format!("{head}+dirty") } else { head })
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ASSAY_REVISION={revision}");
}
