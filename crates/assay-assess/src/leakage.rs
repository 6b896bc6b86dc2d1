//! The leakage check of ISO/IEC TS 4213 clause 5.3.7: test items whose
//! content is identical to a training item.
//!
//! A manifest names items by content. It is a table (CSV, Parquet, … as
//! `assay eval` reads) with a `sha256` column of per-item content hashes, or
//! a `path` column of files (relative to the manifest's folder) whose bytes
//! are hashed here; an optional `id` column names the items. A folder is a
//! manifest of every file under it, named by relative path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assay_data::{Column, Kind, Request};
pub use assay_record::assessment::{Form, LeakageReport, LeakedItem, ManifestSummary};
use rayon::prelude::*;

use crate::digest;
use assay_eval::EvalError;

/// One item of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    name: String,
    sha256: String,
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn read(path: &Path, shown: &str) -> Result<(Form, Vec<Item>), EvalError> {
    if path.is_dir() {
        let (_, files) = digest::folder(path).map_err(|source| {
            EvalError::Data(assay_data::DataError::Io {
                path: path.into(),
                source,
            })
        })?;
        let items = files
            .into_iter()
            .map(|(name, d)| Item {
                name,
                sha256: d.sha256,
            })
            .collect();
        return Ok((Form::Folder, items));
    }
    let reader = assay_data::open(path, None)?;
    let form = if reader.has_column("sha256") {
        Form::Sha256
    } else if reader.has_column("path") {
        Form::Path
    } else {
        return Err(EvalError::Input {
            path: path.into(),
            problem: format!(
                "manifest {shown} needs a 'sha256' column (per-item content hashes) or a 'path' column (files to hash); it has: {}",
                reader.columns().join(", ")
            ),
        });
    };
    let column = if form == Form::Sha256 {
        "sha256"
    } else {
        "path"
    };
    let has_id = reader.has_column("id");
    let mut requests = vec![Request::new(column, Kind::Label)];
    if has_id {
        requests.push(Request::new("id", Kind::Label));
    }
    let mut rows: Vec<(u64, String, Option<String>)> = Vec::new();
    for batch in reader.select(&requests, assay_data::DEFAULT_BATCH_ROWS)? {
        let batch = batch?;
        let Column::Label(values) = &batch.columns[0] else {
            continue;
        };
        let ids = match batch.columns.get(1) {
            Some(Column::Label(ids)) => Some(ids),
            _ => None,
        };
        for (i, v) in values.iter().enumerate() {
            let row = batch.first_row + i as u64 + 1;
            rows.push((row, v.to_string(), ids.map(|ids| ids[i].to_string())));
        }
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let items = rows
        .par_iter()
        .map(|(row, value, id)| {
            let bad = |problem: String| EvalError::Value {
                path: path.into(),
                row: *row,
                column: column.into(),
                problem,
            };
            let (name, sha256) = match form {
                Form::Sha256 => {
                    if !is_sha256(value) {
                        return Err(bad(format!(
                            "'{value}' is not a SHA-256 digest (64 hexadecimal digits)"
                        )));
                    }
                    (
                        id.clone().unwrap_or_else(|| format!("row {row}")),
                        value.to_ascii_lowercase(),
                    )
                }
                _ => {
                    let file: PathBuf = base.join(value);
                    let d = digest::file(&file).map_err(|e| {
                        bad(format!(
                            "cannot read {} ({e}); paths are relative to the manifest's folder",
                            file.display()
                        ))
                    })?;
                    (id.clone().unwrap_or_else(|| value.clone()), d.sha256)
                }
            };
            Ok(Item { name, sha256 })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((form, items))
}

fn summary(shown: &str, form: Form, items: &[Item]) -> ManifestSummary {
    let mut listing = String::new();
    let mut distinct = std::collections::HashSet::new();
    for item in items {
        listing.push_str(&item.sha256);
        listing.push_str("  ");
        listing.push_str(&item.name);
        listing.push('\n');
        distinct.insert(item.sha256.as_str());
    }
    ManifestSummary {
        path: shown.into(),
        form,
        items: items.len() as u64,
        distinct: distinct.len() as u64,
        content_sha256: digest::sha256_hex(listing.as_bytes()),
    }
}

/// Compare the test manifest with the training manifest. `*_shown` are the
/// names the record uses (as the plan writes them).
pub fn check(
    training: &Path,
    training_shown: &str,
    test: &Path,
    test_shown: &str,
) -> Result<LeakageReport, EvalError> {
    let (training_form, training_items) = read(training, training_shown)?;
    let (test_form, test_items) = read(test, test_shown)?;
    let mut first: HashMap<&str, &str> = HashMap::with_capacity(training_items.len());
    for item in &training_items {
        first.entry(&item.sha256).or_insert(&item.name);
    }
    let items: Vec<LeakedItem> = test_items
        .iter()
        .filter_map(|t| {
            first.get(t.sha256.as_str()).map(|train| LeakedItem {
                test: t.name.clone(),
                training: (*train).to_owned(),
                sha256: t.sha256.clone(),
            })
        })
        .collect();
    Ok(LeakageReport {
        training: summary(training_shown, training_form, &training_items),
        test: summary(test_shown, test_form, &test_items),
        leaked: items.len() as u64,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constructed overlap: three of five test items are copies of
    /// training items (one of them twice in the training data), found
    /// whichever form the manifests take.
    #[test]
    fn counts_a_constructed_overlap() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, body) in [
            ("train/a.png", "A"),
            ("train/b.png", "B"),
            ("train/c.png", "C"),
            ("train/c2.png", "C"),
            ("test/1.png", "A"),
            ("test/2.png", "X"),
            ("test/3.png", "C"),
            ("test/4.png", "Y"),
            ("test/5.png", "B"),
        ] {
            let p = d.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        // Folders.
        let r = check(&d.join("train"), "train", &d.join("test"), "test").unwrap();
        assert_eq!(r.leaked, 3);
        assert_eq!(r.training.items, 4);
        assert_eq!(r.training.distinct, 3);
        let found: Vec<(&str, &str)> = r
            .items
            .iter()
            .map(|i| (i.test.as_str(), i.training.as_str()))
            .collect();
        assert_eq!(
            found,
            [("1.png", "a.png"), ("3.png", "c.png"), ("5.png", "b.png")]
        );
        // A path manifest against a hash manifest.
        std::fs::write(
            d.join("test.csv"),
            "id,path\nt1,test/1.png\nt2,test/2.png\nt3,test/3.png\nt4,test/4.png\nt5,test/5.png\n",
        )
        .unwrap();
        let hashes: Vec<String> = ["A", "B", "C", "C"]
            .iter()
            .enumerate()
            .map(|(i, b)| format!("r{i},{}", digest::sha256_hex(b.as_bytes()).to_uppercase()))
            .collect();
        std::fs::write(
            d.join("train.csv"),
            format!("id,sha256\n{}\n", hashes.join("\n")),
        )
        .unwrap();
        let r = check(
            &d.join("train.csv"),
            "train.csv",
            &d.join("test.csv"),
            "test.csv",
        )
        .unwrap();
        assert_eq!(r.training.form, Form::Sha256);
        assert_eq!(r.test.form, Form::Path);
        let found: Vec<(&str, &str)> = r
            .items
            .iter()
            .map(|i| (i.test.as_str(), i.training.as_str()))
            .collect();
        assert_eq!(found, [("t1", "r0"), ("t3", "r2"), ("t5", "r1")]);
        // The same content compared by hash gives the same content digest as by folder.
        let by_folder = check(&d.join("train"), "train", &d.join("test"), "test").unwrap();
        assert_eq!(by_folder.leaked, r.leaked);
    }

    #[test]
    fn bad_manifests_name_file_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("bad.csv"), "id,sha256\na,abc\n").unwrap();
        std::fs::write(d.join("none.csv"), "id,hash\na,abc\n").unwrap();
        std::fs::write(d.join("missing.csv"), "path\nnot/there.png\n").unwrap();
        let e = check(&d.join("bad.csv"), "bad.csv", &d.join("bad.csv"), "bad.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.csv: row 1, column 'sha256'"), "{e}");
        assert!(e.contains("not a SHA-256 digest"), "{e}");
        let e = check(
            &d.join("none.csv"),
            "none.csv",
            &d.join("bad.csv"),
            "bad.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("needs a 'sha256' column"), "{e}");
        let e = check(&d.join("missing.csv"), "m", &d.join("bad.csv"), "b")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 1, column 'path'") && e.contains("not/there.png"),
            "{e}"
        );
    }
}
