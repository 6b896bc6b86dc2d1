//! The `assay` binary: argument parsing, terminal output and exit codes.
//! Everything else lives in the library crates.

// The doc comments of the argument structs are clap's help text, written
// for a terminal ("[lab] id", "recall[defect]", bare URLs), not rustdoc.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

mod cert;
mod demo;
mod plan;
mod registry;
mod report;
mod table;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use assay_data::Format;
use assay_eval::criteria::DecisionRule;
use assay_eval::{Columns, EvalSpec, Input, ScoreKind, Task};
use assay_metrics::ranking::CurveMode;
use assay_stats::binary::{IntervalSettings, ProportionMethod};
use assay_stats::bootstrap::Method as BootstrapMethod;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code for a failed criterion.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit code for a usage or input error.
const EXIT_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "assay",
    version,
    about = "Assess machine-learning classification models as ISO/IEC TS 4213 describes",
    long_about = "Assess machine-learning classification models as ISO/IEC TS 4213 describes.\n\n\
Exit codes: 0 success; 1 a criterion or a verification failed; 2 a usage or input error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute every metric of a predictions file and print the report table
    Eval(Box<EvalArgs>),
    /// Evaluate the bundled demo predictions (real models on real data)
    Demo(DemoArgs),
    /// How many test items are needed to show a metric clears a target (or the interval a size delivers)
    PlanSize(PlanSizeArgs),
    /// Compare a candidate model with a baseline on the same items (binary and multi-class tasks)
    Compare(CompareArgs),
    /// Write a fully commented test plan (assay.toml) for the bundled demo data
    Init(InitArgs),
    /// Carry out a test plan and write the assessment record (assessment.json)
    Run(RunArgs),
    /// Write the test report of an assessment record: HTML or PDF, English or Korean
    Report(report::ReportArgs),
    /// Make a lab's Ed25519 signing key and the trust-store entry to publish
    Keygen(cert::KeygenArgs),
    /// Sign a certificate (DSSE envelope, in-toto statement) for a passing assessment
    Certify(Box<cert::CertifyArgs>),
    /// Check a certificate: signature, issuer trust, validity, model and record digests, and its log inclusion and status
    Verify(cert::VerifyArgs),
    /// Submit a certificate to a registry and store its inclusion proof beside it
    Publish(registry::PublishArgs),
    /// Run the public registry: transparency log, REST API, C2SP tiles, web pages
    Serve(Box<registry::ServeArgs>),
    /// Administer a registry: labs, keys, API tokens, the audit trail, a full log check
    Admin(registry::AdminArgs),
    /// Revoke a certificate for good: a statement signed with the issuer's key, logged in the registry
    Revoke(registry::StatusArgs),
    /// Suspend a certificate until it is reinstated (signed, logged)
    Suspend(registry::StatusArgs),
    /// Lift a suspension (signed, logged)
    Reinstate(registry::StatusArgs),
}

#[derive(Args)]
struct InitArgs {
    /// Folder for assay.toml and its data
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Overwrite an existing assay.toml
    #[arg(long)]
    force: bool,
    /// Write the plan that runs the bundled ONNX model on its test images instead
    #[arg(long)]
    model: bool,
}

#[derive(Args)]
struct RunArgs {
    /// The test plan
    #[arg(default_value = "assay.toml")]
    plan: PathBuf,
    /// Folder for assessment.json
    #[arg(long, default_value = "assay-out")]
    out: PathBuf,
    /// Check the plan (keys, types, values, criteria, files) and stop
    #[arg(long)]
    check: bool,
    /// Also print the record (canonical JSON) to standard output, instead of the summary
    #[arg(long)]
    json: bool,
    /// Print nothing but errors; no progress display
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum HypothesisArg {
    /// The candidate is not worse than the baseline by more than --margin
    NonInferiority,
    /// The candidate is better than the baseline
    Superiority,
}

#[derive(Args)]
struct CompareArgs {
    /// The candidate model's predictions
    candidate: PathBuf,
    /// The baseline model's predictions (same items, same column names)
    baseline: PathBuf,
    /// Column that identifies an item in both files
    #[arg(long, default_value = "id")]
    id: String,
    /// The task; multi-class when the candidate has probability columns, else binary
    #[arg(long, value_enum)]
    task: Option<TaskArg>,
    /// Truth column [default: label]
    #[arg(long, value_name = "COLUMN")]
    truth: Option<String>,
    /// Score column [default: score]
    #[arg(long, value_name = "COLUMN")]
    score: Option<String>,
    /// Prediction column [default: pred]
    #[arg(long, value_name = "COLUMN")]
    pred: Option<String>,
    /// The positive class label [default: 1 or true]
    #[arg(long, value_name = "VALUE")]
    positive: Option<String>,
    /// Scores at or above this are predicted positive (when there is no prediction column)
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    threshold: f64,
    /// Whether scores are probabilities
    #[arg(long, value_enum, default_value_t = ScoreKindArg::Probability)]
    score_kind: ScoreKindArg,
    /// The metric the verdict is about (binary: accuracy, balanced_accuracy, precision, recall, specificity, f1, mcc, roc_auc; multi-class: accuracy, balanced_accuracy, precision_macro, recall_macro, f1_macro, mcc, cohen_kappa)
    #[arg(long, default_value = "accuracy")]
    metric: String,
    /// Non-inferiority margin on the metric's scale
    #[arg(long, default_value_t = 0.0)]
    margin: f64,
    /// What the verdict requires
    #[arg(long, value_enum, default_value_t = HypothesisArg::NonInferiority)]
    hypothesis: HypothesisArg,
    /// Confidence level of the intervals
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Bootstrap replicates
    #[arg(long, default_value_t = 2000)]
    bootstrap: usize,
    /// Seed of the bootstrap
    #[arg(long, default_value_t = 4213)]
    seed: u64,
    /// Interval from bootstrap replicates
    #[arg(long, value_enum, default_value_t = BootstrapArg::Percentile)]
    bootstrap_ci: BootstrapArg,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlannedMetric {
    /// A proportion: accuracy, recall, precision, specificity, …
    Proportion,
    /// ROC AUC (Hanley–McNeil)
    Auc,
}

#[derive(Args)]
struct PlanSizeArgs {
    /// What the size is planned for
    #[arg(long, value_enum, default_value_t = PlannedMetric::Proportion)]
    metric: PlannedMetric,

    /// The value the model is expected to achieve
    #[arg(long)]
    expected: f64,

    /// The value the test must show the metric at or above
    #[arg(long, conflicts_with = "margin")]
    target: Option<f64>,

    /// expected − target, instead of --target
    #[arg(long)]
    margin: Option<f64>,

    /// The converse: the interval this many items deliver (the denominator for a proportion, all items for AUC)
    #[arg(long, conflicts_with_all = ["target", "margin"])]
    items: Option<u64>,

    /// Confidence level
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,

    /// Proportions: the interval the assessment will use
    #[arg(long, value_enum, default_value_t = ProportionArg::Wilson)]
    method: ProportionArg,

    /// AUC: fraction of positive items in the test set
    #[arg(long, default_value_t = 0.5)]
    prevalence: f64,

    /// Print the plan as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum TaskArg {
    Binary,
    Multiclass,
    Multilabel,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Tsv,
    Jsonl,
    Parquet,
    Arrow,
    Npy,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScoreKindArg {
    /// Probabilities in [0, 1]: every metric, values outside [0, 1] are errors
    Probability,
    /// Any real score (e.g. a decision function): ranking and threshold metrics only
    Score,
}

#[derive(Clone, Copy, ValueEnum)]
enum CurvesArg {
    /// Keep every score: exact curves and AUC
    Exact,
    /// Bucket scores: constant memory, AUC with a stated error bound
    Binned,
}

#[derive(Clone, Copy, ValueEnum)]
enum CorrectionArg {
    /// Holm's step-down: family-wise error
    Holm,
    /// Benjamini–Hochberg: false discovery rate
    Bh,
}

#[derive(Clone, Copy, ValueEnum)]
enum RuleArg {
    /// The point estimate must clear the threshold
    Simple,
    /// The confidence bound on the unfavourable side must clear it (guarded acceptance)
    Guarded,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProportionArg {
    /// Wilson score interval
    Wilson,
    /// Clopper–Pearson exact interval
    ClopperPearson,
}

#[derive(Clone, Copy, ValueEnum)]
enum BootstrapArg {
    /// Percentiles of the replicates
    Percentile,
    /// Bias-corrected and accelerated (row bootstraps: acceleration from a grouped jackknife of 100 groups)
    Bca,
}

impl TaskArg {
    fn task(self) -> Task {
        match self {
            TaskArg::Binary => Task::Binary,
            TaskArg::Multiclass => Task::Multiclass,
            TaskArg::Multilabel => Task::Multilabel,
        }
    }
}

impl ScoreKindArg {
    fn kind(self) -> ScoreKind {
        match self {
            ScoreKindArg::Probability => ScoreKind::Probability,
            ScoreKindArg::Score => ScoreKind::Score,
        }
    }
}

impl ProportionArg {
    fn method(self) -> ProportionMethod {
        match self {
            ProportionArg::Wilson => ProportionMethod::Wilson,
            ProportionArg::ClopperPearson => ProportionMethod::ClopperPearson,
        }
    }
}

impl BootstrapArg {
    fn method(self) -> BootstrapMethod {
        match self {
            BootstrapArg::Percentile => BootstrapMethod::Percentile,
            BootstrapArg::Bca => BootstrapMethod::Bca,
        }
    }
}

#[derive(Args)]
struct EvalArgs {
    /// Predictions file (CSV, TSV, JSON Lines, Parquet, Arrow IPC or NPY); several files are read as one table (shards with the same columns)
    #[arg(required_unless_present = "npy", value_name = "FILE")]
    files: Vec<PathBuf>,

    /// NPY arrays as NAME=FILE (repeatable); a 2-D array becomes NAME_0 … NAME_{k-1}
    #[arg(long, value_name = "NAME=FILE", conflicts_with = "files")]
    npy: Vec<String>,

    /// File format, when the file name does not tell
    #[arg(long, value_enum)]
    format: Option<FormatArg>,

    /// Field delimiter for delimited text (one character)
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<char>,

    /// The task; detected from the columns when left out
    #[arg(long, value_enum)]
    task: Option<TaskArg>,

    /// Truth column [default: label]
    #[arg(long, value_name = "COLUMN")]
    truth: Option<String>,

    /// Binary score column: probability or score of the positive class [default: score]
    #[arg(long, value_name = "COLUMN")]
    score: Option<String>,

    /// Hard prediction column [default: pred]
    #[arg(long, value_name = "COLUMN")]
    pred: Option<String>,

    /// Sample-weight column [default: weight, when present]
    #[arg(long, value_name = "COLUMN")]
    weight: Option<String>,

    /// Prefix of multi-class probability columns [default: prob_]
    #[arg(long, value_name = "PREFIX")]
    prob_prefix: Option<String>,

    /// Prefix of multi-label truth columns [default: true_]
    #[arg(long, value_name = "PREFIX")]
    true_prefix: Option<String>,

    /// Prefix of multi-label score columns [default: score_]
    #[arg(long, value_name = "PREFIX")]
    score_prefix: Option<String>,

    /// Prefix of multi-label prediction columns [default: pred_]
    #[arg(long, value_name = "PREFIX")]
    pred_prefix: Option<String>,

    /// Binary: the positive class label [default: 1 or true]
    #[arg(long, value_name = "VALUE")]
    positive: Option<String>,

    /// Multi-class: the classes in order, comma-separated [default: from the probability columns]
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    classes: Option<Vec<String>>,

    /// Scores at or above this are predicted positive (when there is no prediction column)
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    threshold: f64,

    /// β of the F-beta score
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    beta: f64,

    /// Number of equal-width calibration bins (ECE, MCE, reliability curve)
    #[arg(long, default_value_t = 10)]
    bins: usize,

    /// k of top-k accuracy [default: 2 when there are more than 2 classes]
    #[arg(long)]
    top_k: Option<usize>,

    /// Largest allowed |sum of class probabilities − 1| per row
    #[arg(long, default_value_t = 1e-5)]
    sum_tolerance: f64,

    /// Whether scores are probabilities
    #[arg(long, value_enum, default_value_t = ScoreKindArg::Probability)]
    score_kind: ScoreKindArg,

    /// Exact curves, or binned curves in constant memory
    #[arg(long, value_enum, default_value_t = CurvesArg::Exact)]
    curves: CurvesArg,

    /// Binned curves: mantissa bits kept per bucket (relative bucket width 2^-bits)
    #[arg(long, default_value_t = 16)]
    bin_bits: u8,

    /// Points kept per curve in the JSON output (for plots)
    #[arg(long, default_value_t = 1000)]
    curve_points: usize,

    /// Slice the metrics by the values of a column; repeat for more slicings, or join columns with commas to slice by their combinations (binary tasks)
    #[arg(long, value_name = "COLUMN[,COLUMN…]")]
    slice: Vec<String>,

    /// Multiple-comparison control across all slice × metric tests
    #[arg(long, value_enum, default_value_t = CorrectionArg::Holm)]
    correction: CorrectionArg,

    /// Slices with fewer items are marked "insufficient evidence"
    #[arg(long, default_value_t = 30)]
    min_slice_size: u64,

    /// Slices whose tests have less power than this to see --slice-effect are marked "insufficient evidence"
    #[arg(long, default_value_t = 0.8)]
    min_power: f64,

    /// The difference from the rest the slice tests must be able to see
    #[arg(long, default_value_t = 0.05)]
    slice_effect: f64,

    /// An acceptance criterion, e.g. "recall[defect] >= 0.95" or "ece <= 0.03" (repeatable); exit code 1 when one fails
    #[arg(long = "require", value_name = "EXPR")]
    require: Vec<String>,

    /// How criteria are judged: the point estimate (simple) or the interval bound on the unfavourable side (guarded)
    #[arg(long, value_enum, default_value_t = RuleArg::Guarded)]
    decision_rule: RuleArg,

    /// Confidence level of the intervals
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,

    /// Bootstrap replicates for the metrics that need them
    #[arg(long, default_value_t = 2000)]
    bootstrap: usize,

    /// Seed of the bootstrap (same seed, same intervals, whatever the thread count)
    #[arg(long, default_value_t = 4213)]
    seed: u64,

    /// Interval for proportions (accuracy, precision, recall, …)
    #[arg(long, value_enum, default_value_t = ProportionArg::Wilson)]
    proportion_ci: ProportionArg,

    /// Interval from bootstrap replicates
    #[arg(long, value_enum, default_value_t = BootstrapArg::Percentile)]
    bootstrap_ci: BootstrapArg,

    /// Largest rows × replicates for the row bootstrap (average precision, PR AUC, log loss, Brier, ECE, MCE)
    #[arg(long, default_value_t = 200_000_000)]
    row_bootstrap_budget: u64,

    /// Bootstrap within each true class (keeps the class counts of the test set)
    #[arg(long)]
    stratified: bool,

    /// Point estimates only: no confidence intervals
    #[arg(long)]
    no_intervals: bool,

    /// Write the result as JSON to PATH, or to standard output with '-'
    #[arg(long, value_name = "PATH|-")]
    json: Option<String>,

    /// Print nothing but errors (and JSON to standard output with --json -)
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// Folder for the demo inputs and results
    #[arg(long, default_value = "assay-demo")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {e:#}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Eval(args) => eval(*args),
        Command::Demo(args) => demo::run(&args.out),
        Command::PlanSize(args) => plan_size(&args),
        Command::Compare(args) => compare(&args),
        Command::Init(args) => {
            let plan = plan::init(&args.dir, args.force, args.model)?;
            println!(
                "wrote {} and its data; run it with: assay run {} --out {}",
                plan.display(),
                plan.display(),
                args.dir.join("assay-out").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => report::run(&args),
        Command::Keygen(args) => cert::keygen(&args),
        Command::Certify(args) => cert::certify(&args),
        Command::Verify(args) => cert::verify(&args),
        Command::Publish(args) => registry::publish_cmd(&args),
        Command::Serve(args) => registry::serve(&args),
        Command::Admin(args) => registry::admin(&args),
        Command::Revoke(args) => registry::change_status(&args, assay_cert::status::Action::Revoke),
        Command::Suspend(args) => {
            registry::change_status(&args, assay_cert::status::Action::Suspend)
        }
        Command::Reinstate(args) => {
            registry::change_status(&args, assay_cert::status::Action::Reinstate)
        }
        Command::Run(args) => plan::run(&plan::RunOptions {
            plan: &args.plan,
            out: &args.out,
            quiet: args.quiet,
            check_only: args.check,
            json: args.json,
        }),
    }
}

fn spec_from(args: &EvalArgs) -> anyhow::Result<EvalSpec> {
    let input = if args.npy.is_empty() {
        let path = args
            .files
            .first()
            .cloned()
            .context("name a predictions file")?;
        let mut format = args.format.map(|f| match f {
            FormatArg::Csv => Format::Csv { delimiter: b',' },
            FormatArg::Tsv => Format::Csv { delimiter: b'\t' },
            FormatArg::Jsonl => Format::JsonLines,
            FormatArg::Parquet => Format::Parquet,
            FormatArg::Arrow => Format::ArrowIpc,
            FormatArg::Npy => Format::Npy,
        });
        if let Some(d) = args.delimiter {
            if !d.is_ascii() {
                anyhow::bail!("--delimiter must be a single ASCII character, not '{d}'");
            }
            format = Some(Format::Csv { delimiter: d as u8 });
        }
        if args.files.len() > 1 {
            Input::Files {
                paths: args.files.clone(),
                format,
            }
        } else {
            Input::File { path, format }
        }
    } else {
        let mut arrays = Vec::new();
        for item in &args.npy {
            let (name, file) = item.split_once('=').with_context(|| {
                format!("--npy takes NAME=FILE (e.g. label=y_true.npy), not '{item}'")
            })?;
            arrays.push((name.to_owned(), PathBuf::from(file)));
        }
        Input::Npy(arrays)
    };
    let mut spec = EvalSpec::new(input);
    spec.task = args.task.map(TaskArg::task);
    spec.columns = Columns {
        truth: args.truth.clone(),
        score: args.score.clone(),
        prediction: args.pred.clone(),
        weight: args.weight.clone(),
        probability_prefix: args.prob_prefix.clone(),
        truth_prefix: args.true_prefix.clone(),
        score_prefix: args.score_prefix.clone(),
        prediction_prefix: args.pred_prefix.clone(),
    };
    spec.positive = args.positive.clone();
    spec.classes = args.classes.clone();
    spec.threshold = args.threshold;
    spec.beta = args.beta;
    spec.calibration_bins = args.bins;
    spec.top_k = args.top_k;
    spec.sum_tolerance = args.sum_tolerance;
    spec.score_kind = args.score_kind.kind();
    spec.curve_mode = match args.curves {
        CurvesArg::Exact => CurveMode::Exact,
        CurvesArg::Binned => CurveMode::Binned {
            bits: args.bin_bits,
        },
    };
    spec.curve_points = args.curve_points;
    spec.criteria = args.require.clone();
    if !args.slice.is_empty() {
        let mut slices = assay_eval::slices::SliceSettings::new(
            args.slice
                .iter()
                .map(|s| s.split(',').map(|c| c.trim().to_owned()).collect())
                .collect(),
        );
        slices.correction = match args.correction {
            CorrectionArg::Holm => assay_stats::slices::Correction::Holm,
            CorrectionArg::Bh => assay_stats::slices::Correction::BenjaminiHochberg,
        };
        slices.min_size = args.min_slice_size;
        slices.min_power = args.min_power;
        slices.effect = args.slice_effect;
        // Rounded so that 1 − 0.95 reads 0.05.
        slices.alpha = ((1.0 - args.confidence) * 1e12).round() / 1e12;
        spec.slices = Some(slices);
    }
    spec.decision_rule = match args.decision_rule {
        RuleArg::Simple => DecisionRule::Simple,
        RuleArg::Guarded => DecisionRule::Guarded,
    };
    spec.intervals = (!args.no_intervals).then_some(IntervalSettings {
        level: args.confidence,
        replicates: args.bootstrap,
        seed: args.seed,
        proportion: args.proportion_ci.method(),
        row_budget: args.row_bootstrap_budget,
        stratified: args.stratified,
        bootstrap: args.bootstrap_ci.method(),
    });
    Ok(spec)
}

fn compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    use assay_eval::compare::{CompareSpec, Hypothesis};
    let mut candidate = EvalSpec::new(Input::File {
        path: args.candidate.clone(),
        format: None,
    });
    candidate.columns.truth = args.truth.clone();
    candidate.columns.score = args.score.clone();
    candidate.columns.prediction = args.pred.clone();
    candidate.positive = args.positive.clone();
    candidate.task = args.task.map(TaskArg::task);
    candidate.threshold = args.threshold;
    candidate.score_kind = args.score_kind.kind();
    candidate.intervals = Some(IntervalSettings {
        level: args.confidence,
        replicates: args.bootstrap,
        seed: args.seed,
        bootstrap: args.bootstrap_ci.method(),
        ..IntervalSettings::default()
    });
    let spec = CompareSpec {
        candidate,
        baseline: Input::File {
            path: args.baseline.clone(),
            format: None,
        },
        id_column: args.id.clone(),
        margin: args.margin,
        primary: args.metric.clone(),
        hypothesis: match args.hypothesis {
            HypothesisArg::NonInferiority => Hypothesis::NonInferiority,
            HypothesisArg::Superiority => Hypothesis::Superiority,
        },
    };
    let r = assay_eval::compare::compare(&spec)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", table::render_compare(&r));
    }
    Ok(if r.verdict == "pass" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

fn plan_size(args: &PlanSizeArgs) -> anyhow::Result<ExitCode> {
    use assay_stats::sample_size::{Quantity, delivered, required};
    assay_stats::check_level(args.confidence).map_err(|_| {
        anyhow::anyhow!(
            "--confidence must lie strictly between 0 and 1, not {}",
            args.confidence
        )
    })?;
    if !(args.expected > 0.0 && args.expected < 1.0) {
        anyhow::bail!(
            "--expected must lie strictly between 0 and 1, not {}",
            args.expected
        );
    }
    let quantity = match args.metric {
        PlannedMetric::Proportion => Quantity::Proportion(args.method.method()),
        PlannedMetric::Auc => {
            if !(args.prevalence > 0.0 && args.prevalence < 1.0) {
                anyhow::bail!(
                    "--prevalence must lie strictly between 0 and 1, not {}",
                    args.prevalence
                );
            }
            Quantity::Auc {
                prevalence: args.prevalence,
            }
        }
    };
    let what = match args.metric {
        PlannedMetric::Proportion => "items in the denominator (e.g. defective items for recall)",
        PlannedMetric::Auc => "items in all",
    };
    let level = args.confidence;
    let plan = if let Some(items) = args.items {
        let d = delivered(quantity, args.expected, items, level)
            .with_context(|| format!("{items} items give no interval (too few on one side)"))?;
        if !args.json {
            println!(
                "{items} {what} deliver a {:.0}% interval of [{:.4}, {:.4}] (width {:.4}) around {}",
                level * 100.0,
                d.low,
                d.high,
                d.width,
                args.expected
            );
        }
        d
    } else {
        let target = match (args.target, args.margin) {
            (Some(t), None) => t,
            // Rounded to 12 digits so that 0.95 − 0.05 reads 0.9.
            (None, Some(m)) => ((args.expected - m) * 1e12).round() / 1e12,
            _ => anyhow::bail!("name --target or --margin (or --items for the converse)"),
        };
        let Some(d) = required(quantity, args.expected, target, level) else {
            anyhow::bail!(
                "no test set up to {} items shows {target} when {} is expected: the target must lie below the expected value",
                assay_stats::sample_size::MAX_ITEMS,
                args.expected
            );
        };
        if !args.json {
            println!(
                "{} {what} are needed: at {} expected, the {:.0}% interval's lower bound is then {:.4} ≥ {target}",
                d.items,
                args.expected,
                level * 100.0,
                d.low
            );
            if let (Some(p), Some(n)) = (d.positives, d.negatives) {
                println!("({p} positive and {n} negative items)");
            }
        }
        d
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let spec = spec_from(&args)?;
    let result = assay_eval::evaluate(&spec, &mut |_| {})?;
    let json_to_stdout = args.json.as_deref() == Some("-");
    if let Some(target) = &args.json {
        let text = result.to_json();
        if json_to_stdout {
            println!("{text}");
        } else {
            std::fs::write(target, text + "\n")
                .with_context(|| format!("cannot write the result to {target}"))?;
        }
    }
    if !args.quiet && !json_to_stdout {
        print!("{}", table::render(&result));
        if let Some(target) = args.json.as_deref() {
            println!("\nresult written to {target}");
        }
    }
    Ok(if result.verdict == Some(assay_record::Outcome::Fail) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
