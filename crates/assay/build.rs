//! Embeds the bundled model plan's files (data/model: the plan, the ONNX
//! model, the test-set manifest and the test images) for `assay demo` and
//! `assay init --model`.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("../../data/model");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut code = String::from(
        "/// The bundled model plan's files: (path relative to the plan, bytes).\npub const MODEL_FILES: &[(&str, &[u8])] = &[\n",
    );
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap_or(&f)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        // onnxruntime's reference outputs are for the tests, not the demo.
        if rel.ends_with("_onnxruntime.json") {
            continue;
        }
        let abs = f.canonicalize().unwrap_or(f.clone());
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            abs.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("model_files.rs");
    if let Err(e) = std::fs::write(&out, code) {
        println!("cargo:warning=cannot write {}: {e}", out.display());
    }
}
