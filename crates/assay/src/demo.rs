//! `assay demo`: the whole pipeline, as far as it is built, on the bundled
//! real data (predictions of simple models on scikit-learn's breast cancer and
//! digits data sets, made by `tools/demo/make_demo.py`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use assay_plan::{EvalSpec, Input};

struct DemoSet {
    file: &'static str,
    bytes: &'static [u8],
    title: &'static str,
    positive: Option<&'static str>,
}

const SETS: [DemoSet; 2] = [
    DemoSet {
        file: "breast_cancer.csv",
        bytes: include_bytes!("../../../data/demo/breast_cancer.csv"),
        title: "Breast cancer (Wisconsin diagnostic), logistic regression, held-out half",
        positive: Some("malignant"),
    },
    DemoSet {
        file: "digits.csv",
        bytes: include_bytes!("../../../data/demo/digits.csv"),
        title: "Handwritten digits (8×8), logistic regression, held-out half",
        positive: None,
    },
];

const BASELINE: &[u8] = include_bytes!("../../../data/demo/breast_cancer_baseline.csv");

/// Write the bundled inputs to `out`, evaluate each (the binary one with
/// slices by tumour size and three acceptance criteria), print the reports,
/// write one JSON result per data set, and compare the binary model with a
/// baseline.
pub fn run(out: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the folder {}", out.display()))?;
    for set in &SETS {
        let input = out.join(set.file);
        std::fs::write(&input, set.bytes)
            .with_context(|| format!("cannot write {}", input.display()))?;
        let mut spec = EvalSpec::new(Input::File {
            path: input.clone(),
            format: None,
        });
        spec.positive = set.positive.map(str::to_owned);
        if set.positive.is_some() {
            // The binary demo also shows slices and acceptance criteria under the guarded rule.
            spec.slices = Some(assay_plan::slices::SliceSettings::new(vec![vec![
                "size".into(),
            ]]));
            spec.criteria = vec![
                "roc_auc >= 0.99".into(),
                "recall[malignant] >= 0.85".into(),
                "ece <= 0.1".into(),
            ];
        }
        let result = assay_plan::evaluate(&spec, &mut |_| {})?;
        let json = input.with_extension("result.json");
        std::fs::write(&json, result.to_json() + "\n")
            .with_context(|| format!("cannot write {}", json.display()))?;
        println!("== {}\n", set.title);
        print!("{}", crate::table::render(&result));
        println!("\nresult: {}\n", json.display());
    }
    // The candidate against a simpler baseline on the same test items.
    let candidate = out.join(SETS[0].file);
    let baseline = out.join("breast_cancer_baseline.csv");
    std::fs::write(&baseline, BASELINE)
        .with_context(|| format!("cannot write {}", baseline.display()))?;
    let mut spec = EvalSpec::new(Input::File {
        path: candidate,
        format: None,
    });
    spec.positive = Some("malignant".into());
    let compare = assay_plan::compare::CompareSpec {
        candidate: spec,
        baseline: Input::File {
            path: baseline,
            format: None,
        },
        id_column: "id".into(),
        margin: 0.02,
        primary: "recall".into(),
        hypothesis: assay_plan::compare::Hypothesis::NonInferiority,
    };
    let r = assay_plan::compare::compare(&compare)?;
    println!(
        "== Candidate against a baseline on three size features only (non-inferiority on recall, margin 0.02)\n"
    );
    print!("{}", crate::table::render_compare(&r));
    Ok(ExitCode::SUCCESS)
}
