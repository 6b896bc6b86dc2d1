//! `assay demo`: the whole pipeline, as far as it is built, on bundled real
//! data: first a test plan on a model's predictions (a logistic regression on
//! scikit-learn's breast cancer data, with slices, criteria, a baseline and a
//! leakage check), then a test plan that runs an ONNX model (a perceptron on
//! scikit-learn's handwritten digits) on its test images.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

fn run_plan(
    dir: &Path,
    model: bool,
    title: &str,
) -> anyhow::Result<(ExitCode, std::path::PathBuf)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let plan = crate::plan::init(dir, true, model)?;
    let results = dir.join("results");
    println!("== {title}: test plan {}\n", plan.display());
    let code = crate::plan::run(&crate::plan::RunOptions {
        plan: &plan,
        out: &results,
        quiet: false,
        check_only: false,
        json: false,
    })?;
    Ok((code, results.join("assessment.json")))
}

/// Run the demo in `out`.
pub fn run(out: &Path) -> anyhow::Result<ExitCode> {
    let (first, first_record) = run_plan(
        out,
        false,
        "Breast cancer classifier, its predictions on the held-out half",
    )?;
    println!();
    let (second, second_record) = run_plan(
        &out.join("model"),
        true,
        "Handwritten digit classifier (ONNX), run by assay on the test images",
    )?;
    println!();
    let model_dir = out.join("model");
    let third_record = model_dir.join("tabular-results/assessment.json");
    println!(
        "== Breast cancer classifier (tabular ONNX), run by assay on the feature table: test plan {}\n",
        model_dir.join("tabular.toml").display()
    );
    let third = crate::plan::run(&crate::plan::RunOptions {
        plan: &model_dir.join("tabular.toml"),
        out: &model_dir.join("tabular-results"),
        quiet: false,
        check_only: false,
        json: false,
    })?;
    println!(
        "\nThe test plans' assessment records: {}",
        first_record.display()
    );
    println!(
        "                                    {}",
        second_record.display()
    );
    println!(
        "                                    {}",
        third_record.display()
    );
    Ok([first, second, third]
        .into_iter()
        .find(|c| *c != ExitCode::SUCCESS)
        .unwrap_or(ExitCode::SUCCESS))
}
