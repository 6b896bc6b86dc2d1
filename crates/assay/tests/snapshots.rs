//! Snapshot tests of what a person reads: the report tables of the demo data
//! and of a multi-label file, and an error message. Paths are filtered.

use std::path::Path;
use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .expect("the binary runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the checkout exists");
    text.replace(&root.display().to_string(), "[ROOT]")
}

fn root_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .canonicalize()
        .expect("the checkout exists")
        .display()
        .to_string()
}

#[test]
fn binary_report_table() {
    insta::assert_snapshot!(run(&[
        "eval",
        &root_file("data/demo/breast_cancer.csv"),
        "--positive",
        "malignant"
    ]));
}

#[test]
fn multiclass_report_table() {
    insta::assert_snapshot!(run(&["eval", &root_file("data/demo/digits.csv")]));
}

#[test]
fn multilabel_report_table() {
    insta::assert_snapshot!(run(&[
        "eval",
        &root_file("crates/assay/tests/data/multilabel.csv")
    ]));
}

#[test]
fn error_message() {
    insta::assert_snapshot!(run(&[
        "eval",
        &root_file("data/demo/digits.csv"),
        "--truth",
        "target"
    ]));
}
