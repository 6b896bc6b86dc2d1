//! `assay init` and `assay run`: write a commented test plan, and carry one
//! out into an assessment record.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use assay_assess::assessment::{Assessment, Event};
use assay_assess::plan::Plan;

/// The bundled plan and the files it names (paths relative to the plan).
pub const PLAN: &str = include_str!("../../../data/demo/assay.toml");
/// The demo data the bundled plan reads.
pub const PLAN_FILES: [(&str, &[u8]); 4] = [
    (
        "data/breast_cancer.csv",
        include_bytes!("../../../data/demo/breast_cancer.csv"),
    ),
    (
        "data/breast_cancer_baseline.csv",
        include_bytes!("../../../data/demo/breast_cancer_baseline.csv"),
    ),
    (
        "data/breast_cancer_train_manifest.csv",
        include_bytes!("../../../data/demo/breast_cancer_train_manifest.csv"),
    ),
    (
        "data/breast_cancer_test_manifest.csv",
        include_bytes!("../../../data/demo/breast_cancer_test_manifest.csv"),
    ),
];

include!(concat!(env!("OUT_DIR"), "/model_files.rs"));

/// What `assay init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Demo {
    /// The breast-cancer plan over bundled predictions, with its data.
    Predictions,
    /// The digits plan that runs the bundled ONNX model on its test images.
    Model,
}

/// The template's pieces, per language: the head, the predictions or
/// model-run part, the tail.
const TEMPLATE_EN: [&str; 4] = [
    include_str!("../../../data/templates/head.en.toml"),
    include_str!("../../../data/templates/predictions.en.toml"),
    include_str!("../../../data/templates/model.en.toml"),
    include_str!("../../../data/templates/tail.en.toml"),
];
const TEMPLATE_KO: [&str; 4] = [
    include_str!("../../../data/templates/head.ko.toml"),
    include_str!("../../../data/templates/predictions.ko.toml"),
    include_str!("../../../data/templates/model.ko.toml"),
    include_str!("../../../data/templates/tail.ko.toml"),
];

/// The plan template in `lang`: every value the lab must give written
/// `<like this>`, which `assay run` refuses until filled in.
pub fn template(lang: assay_report::Lang, model: bool) -> String {
    let [head, predictions, run, tail] = match lang {
        assay_report::Lang::En => TEMPLATE_EN,
        assay_report::Lang::Ko => TEMPLATE_KO,
    };
    let middle = if model { run } else { predictions };
    format!("{head}{middle}{tail}")
}

/// What `assay init` writes and where.
pub struct InitOptions<'a> {
    /// The folder.
    pub dir: &'a Path,
    /// Overwrite an existing plan.
    pub force: bool,
    /// A template for a model run instead of a predictions file.
    pub model: bool,
    /// The bundled demonstration plan (with its data) instead of a template.
    pub demo: Option<Demo>,
    /// The template's language.
    pub lang: assay_report::Lang,
}

/// Write `dir/assay.toml`: the template, or with `demo` a bundled plan and
/// the files it names.
pub fn init(o: &InitOptions) -> anyhow::Result<PathBuf> {
    let plan = o.dir.join("assay.toml");
    if plan.exists() && !o.force {
        anyhow::bail!(
            "{} exists; pass --force to overwrite it, or name another folder",
            plan.display()
        );
    }
    let template;
    let files: Vec<(&str, &[u8])> = match o.demo {
        Some(Demo::Model) => MODEL_FILES.to_vec(),
        Some(Demo::Predictions) => {
            let mut f = PLAN_FILES.to_vec();
            f.push(("assay.toml", PLAN.as_bytes()));
            f
        }
        None => {
            template = self::template(o.lang, o.model);
            vec![("assay.toml", template.as_bytes())]
        }
    };
    for (name, bytes) in files {
        let path = o.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(plan)
}

/// How `run` reports.
pub struct RunOptions<'a> {
    /// The plan file.
    pub plan: &'a Path,
    /// The folder for the record.
    pub out: &'a Path,
    /// Print nothing but errors.
    pub quiet: bool,
    /// Check the plan and stop.
    pub check_only: bool,
    /// Print the record to standard output instead of the summary.
    pub json: bool,
}

/// Carry out a plan; write `out/assessment.json`.
pub fn run(options: &RunOptions) -> anyhow::Result<ExitCode> {
    let plan = Plan::load(options.plan)?;
    // Columns and metric names from the headers, before anything runs.
    assay_assess::assessment::check(&plan)?;
    if options.check_only {
        if !options.quiet {
            println!(
                "{}: the plan is well formed, every file it names exists, and every column and metric it names is in the data",
                options.plan.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bar = progress_bar(options.quiet);
    let mut current = "plan";
    let assessment =
        assay_assess::assessment::assess(&plan, options.out, &mut |event| match event {
            Event::Stage(stage) => {
                bar.reset();
                bar.set_length(0);
                bar.set_style(spinner_style());
                bar.set_prefix(stage);
                current = stage;
            }
            Event::Step(step) => bar.set_prefix(format!("{current}: {step}")),
            Event::Total(rows) => {
                bar.set_length(rows);
                bar.set_style(bar_style());
            }
            Event::Rows(rows) => bar.set_position(rows),
        });
    bar.finish_and_clear();
    let assessment = assessment?;
    std::fs::create_dir_all(options.out)
        .with_context(|| format!("cannot create the folder {}", options.out.display()))?;
    let record = options.out.join("assessment.json");
    let canonical = assessment.to_canonical();
    std::fs::write(&record, &canonical)
        .with_context(|| format!("cannot write {}", record.display()))?;
    let reports = write_reports(&plan, &record, options)?;
    if options.json {
        println!("{canonical}");
    } else if !options.quiet {
        print!("{}", summary(&assessment));
        println!("\nrecord: {}", record.display());
        for r in &reports {
            println!("report: {}", r.display());
        }
    }
    Ok(if assessment.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAILED)
    })
}

/// The reports the plan's `[report]` asks for, beside the record.
fn write_reports(plan: &Plan, record: &Path, options: &RunOptions) -> anyhow::Result<Vec<PathBuf>> {
    if plan.reports.is_empty() {
        return Ok(Vec::new());
    }
    let issued = crate::report::default_issue_date()?;
    let bar = progress_bar(options.quiet);
    bar.set_style(step_style());
    let mut written = Vec::new();
    for (i, &(lang, format)) in plan.reports.iter().enumerate() {
        bar.set_prefix(format!(
            "report {}/{} ({}, {})",
            i + 1,
            plan.reports.len(),
            lang.tag(),
            format.extension()
        ));
        written.push(crate::report::write_beside(record, lang, format, &issued)?);
    }
    bar.finish_and_clear();
    Ok(written)
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(spinner_style());
    bar.set_prefix("plan");
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn spinner_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(
        "{spinner} {prefix}: {human_pos} rows, {rate}, {elapsed}",
    )
    .map(with_rate)
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

/// A step without rows: what runs, for how long.
fn step_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} {prefix}, {elapsed}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

/// With a known row count: a bar with rows per second and the time left.
fn bar_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:12}] {human_pos}/{human_len} rows, {rate}, {eta} left",
    )
    .map(|s| with_rate(s).progress_chars("=> "))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
}

/// `{rate}`: whole rows per second.
fn with_rate(style: indicatif::ProgressStyle) -> indicatif::ProgressStyle {
    style.with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(
                w,
                "{}/s",
                indicatif::HumanCount(state.per_sec().max(0.0) as u64)
            );
        },
    )
}
/// What a test engineer reads after a run.
pub fn summary(a: &Assessment) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let id = &a.identification;
    let _ = writeln!(
        out,
        "Assessment {} v{} — {} {} for {}, by {} ({})\n",
        id.plan_id,
        id.plan_version,
        id.model.name,
        id.model.version,
        id.client.name,
        id.lab.name,
        id.standard
    );
    if let (Some(m), Some(t)) = (&a.model_run, &a.run.model) {
        model_summary(&mut out, m, t);
    }
    out.push_str(&crate::table::render(&a.evaluation));
    if let Some(c) = &a.comparison {
        out.push('\n');
        out.push_str(&crate::table::render_compare(c));
    }
    if let Some(r) = &a.robustness {
        robustness_summary(&mut out, r);
    }
    if let Some(l) = &a.leakage {
        let _ = writeln!(
            out,
            "\nLeakage (clause 5.3.7): {} of {} test items identical to a training item ({} training items)",
            l.leaked, l.test.items, l.training.items
        );
        for item in l.items.iter().take(10) {
            let _ = writeln!(out, "  {} = training {}", item.test, item.training);
        }
        if l.items.len() > 10 {
            let _ = writeln!(out, "  … {} more in the record", l.items.len() - 10);
        }
    }
    let disclosed = a
        .disclosures
        .iter()
        .filter(|d| d.status == assay_record::assessment::DisclosureStatus::Disclosed)
        .count();
    let _ = writeln!(
        out,
        "\nDisclosures (clause 5.3): {disclosed} of {} control criteria disclosed",
        a.disclosures.len()
    );
    if !a.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for w in &a.warnings {
            let _ = writeln!(out, "  [{}] {}", w.code, w.message);
        }
    }
    let v = &a.verdict;
    let baseline = match v.baseline {
        Some(b) => format!(", baseline comparison: {b}"),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "\nVerdict: {} ({} of {} criteria met under the {} decision rule{baseline})",
        crate::style::verdict(
            &v.overall.name().to_uppercase(),
            v.overall == assay_record::Outcome::Pass
        ),
        v.criteria_met,
        v.criteria_total,
        v.decision_rule.name()
    );
    out
}

/// The model run: what was scored, how fast.
fn model_summary(
    out: &mut String,
    m: &assay_record::assessment::ModelRunRecord,
    t: &assay_model::Timing,
) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "Model {} on {} ({}): {} items scored, {} skipped; input '{}' {:?}, output '{}' ({})",
        m.model,
        m.test_set.path,
        m.test_set.kind,
        m.test_set.items,
        m.test_set.skipped,
        m.input,
        m.item_shape,
        m.output,
        match m.scores {
            assay_model::ScoreOutput::Probabilities => "probabilities",
            assay_model::ScoreOutput::Logits => "logits, softmax applied",
        }
    );
    for s in m.test_set.skipped_items.iter().take(10) {
        let _ = writeln!(out, "  skipped {}: {}", s.id, s.reason);
    }
    if !m.test_set.ignored.is_empty() {
        let _ = writeln!(
            out,
            "  {} files left out, not images by their extension: {}",
            m.test_set.ignored.len(),
            m.test_set
                .ignored
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  {:.0} items/s ({:.0} items/s of model time); per item p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms; batch size {}, {} threads\n",
        t.throughput,
        t.inference_throughput,
        t.item_latency_ms.p50,
        t.item_latency_ms.p95,
        t.item_latency_ms.p99,
        t.batch_size,
        t.threads
    );
}

/// The robustness table and its criteria.
fn robustness_summary(out: &mut String, r: &assay_record::assessment::RobustnessRecord) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "\nRobustness (ISO/IEC TR 24029-1), perturbed copies of every test image, seed {}:",
        r.seed
    );
    let first = r
        .metrics
        .first()
        .cloned()
        .unwrap_or_else(|| "accuracy".into());
    let _ = writeln!(
        out,
        "  {:<12} {:>3}  {:>9}  {:>9}  {:<18}  {:>9}  {:>10}",
        "perturbation", "sev", first, "drop", "drop interval", "flip rate", "McNemar p"
    );
    for c in &r.conditions {
        let v = |id: &str| c.metrics.get(id).and_then(|m| m.value);
        let ci = c
            .metrics
            .get(&format!("{first}_drop"))
            .and_then(|m| m.ci.as_ref())
            .map_or_else(
                || "—".to_owned(),
                |ci| format!("[{:.4}, {:.4}]", ci.low + 0.0, ci.high + 0.0),
            );
        let num = |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |x| format!("{:.4}", x + 0.0));
        let _ = writeln!(
            out,
            "  {:<12} {:>3}  {:>9}  {:>9}  {:<18}  {:>9}  {:>10.2e}",
            c.perturbation,
            c.severity,
            num(v(&first)),
            num(v(&format!("{first}_drop"))),
            ci,
            num(v("flip_rate")),
            c.mcnemar.p_exact
        );
    }
    for j in &r.criteria {
        let _ = writeln!(
            out,
            "  {}  {}",
            crate::style::verdict(if j.passed { "PASS" } else { "FAIL" }, j.passed),
            j.criterion.expression
        );
    }
}
