//! `assay demo`: the whole pipeline, as far as it is built, on the bundled
//! real data (predictions of simple models on scikit-learn's breast cancer and
//! digits data sets, made by `tools/demo/make_demo.py`).
//!
//! It writes the bundled test plan and its data (what `assay init` writes),
//! carries the plan out into an assessment record, and evaluates the
//! multi-class digits model as a second example.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use assay_plan::{EvalSpec, Input};

const DIGITS: &[u8] = include_bytes!("../../../data/demo/digits.csv");

/// Run the demo in `out`.
pub fn run(out: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the folder {}", out.display()))?;
    let plan = crate::plan::init(out, true)?;
    let results = out.join("results");
    println!(
        "== Test plan {} (breast cancer classifier, held-out half)\n",
        plan.display()
    );
    let code = crate::plan::run(&crate::plan::RunOptions {
        plan: &plan,
        out: &results,
        quiet: false,
        check_only: false,
        json: false,
    })?;

    let digits = out.join("data/digits.csv");
    std::fs::write(&digits, DIGITS)
        .with_context(|| format!("cannot write {}", digits.display()))?;
    let spec = EvalSpec::new(Input::File {
        path: digits.clone(),
        format: None,
    });
    let result = assay_plan::evaluate(&spec, &mut |_| {})?;
    let json = results.join("digits.result.json");
    std::fs::write(&json, result.to_json() + "\n")
        .with_context(|| format!("cannot write {}", json.display()))?;
    println!("\n== Handwritten digits (8×8), logistic regression, held-out half (multi-class)\n");
    print!("{}", crate::table::render(&result));
    println!("\nresult: {}", json.display());
    println!(
        "\nThe test plan's assessment record: {}",
        results.join("assessment.json").display()
    );
    Ok(code)
}
