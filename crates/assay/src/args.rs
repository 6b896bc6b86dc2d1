//! The command line: clap's structs, and their resolution into the
//! libraries' settings (`EvalSpec`, `CompareSpec`). The settings' types are
//! their owners' (`Task`, `Columns`, `Correction`, …); their defaults come
//! from the owners too.

use std::path::PathBuf;

use anyhow::Context as _;
use assay_data::FormatName;
use assay_eval::compare::{CompareSpec, Hypothesis};
use assay_eval::slices::SliceSettings;
use assay_eval::spec::defaults;
use assay_eval::{Columns, EvalSpec, Input, ScoreKind, Task};
use assay_metrics::ranking::{CurveMode, Curves};
use assay_stats::binary::{IntervalSettings, ProportionMethod};
use assay_stats::bootstrap::Method;
use assay_stats::decision::DecisionRule;
use assay_stats::slices::Correction;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{cert, registry, report};

#[derive(Parser)]
#[command(
    name = "assay",
    version,
    about = "Assess machine-learning classification models as ISO/IEC TS 4213 describes",
    long_about = "Assess machine-learning classification models as ISO/IEC TS 4213 describes.\n\n\
Exit codes: 0 success; 1 a criterion or a verification failed; 2 a usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Compute every metric of a predictions file and print the report table
    #[command(after_help = "Examples:
  assay eval predictions.csv                         task and columns from the header
  assay eval scores.parquet --positive defect        name the positive class of string labels
  assay eval preds.csv --require \"recall[defect] >= 0.95\"   exit code 1 when it is not met
  assay eval preds.csv --slice line --json result.json       per line, and the result as JSON
  assay eval --npy label=y_true.npy --npy prob=y_prob.npy
  assay eval counts.parquet --truth y --pred yhat     regression: target and prediction
  assay eval clusters.parquet --feature-prefix emb_  clustering, with its features")]
    Eval(Box<EvalArgs>),
    /// Evaluate the bundled demo predictions (real models on real data)
    #[command(after_help = "Examples:
  assay demo                    the whole pipeline on bundled real data, into ./assay-demo
  assay demo --out demo-run                into ./demo-run")]
    Demo(DemoArgs),
    /// How many test items are needed to show a metric clears a target (or the interval a size delivers)
    #[command(after_help = "Examples:
  assay plan-size --expected 0.97 --target 0.95              items needed to show a proportion (recall, …) >= 0.95
  assay plan-size --metric auc --expected 0.99 --margin 0.02  the same for ROC AUC
  assay plan-size --expected 0.9 --items 500                  the interval 500 items deliver")]
    PlanSize(PlanSizeArgs),
    /// Compare a candidate model with a baseline on the same items (binary and multi-class tasks)
    #[command(after_help = "Examples:
  assay compare candidate.csv baseline.csv --id id --metric recall --margin 0.02
  assay compare new.parquet old.parquet --id item --hypothesis superiority --json")]
    Compare(Box<CompareArgs>),
    /// Write a commented test-plan template (assay.toml) to fill in, or a bundled demo plan
    Init(InitArgs),
    /// Carry out a test plan and write the assessment record (assessment.json)
    #[command(after_help = "Examples:
  assay run assay.toml --check            the plan, its files, columns and metric names; nothing runs
  assay run assay.toml --out results      results/assessment.json (and the reports [report] asks for)
  assay run assay.toml --json --quiet     the record on standard output")]
    Run(RunArgs),
    /// Write the test report of an assessment record: HTML or PDF, English or Korean
    #[command(after_help = "Examples:
  assay report results/assessment.json                        results/report.en.html
  assay report results/assessment.json --lang ko --format pdf results/report.ko.pdf
  assay report results/assessment.json --out 성적서.pdf --number KTL-2027-0042")]
    Report(report::ReportArgs),
    /// Make a lab's Ed25519 signing key and the trust-store entry to publish
    #[command(after_help = "Examples:
  assay keygen --issuer KTL --name \"Korea Testing Laboratory\" --out keys   passphrase from ASSAY_KEY_PASSPHRASE or asked
  assay keygen --issuer KTL --pkcs11 \"pkcs11:token=lab;object=KTL\" --out keys   the secret stays on the token")]
    Keygen(cert::KeygenArgs),
    /// Sign a certificate (DSSE envelope, in-toto statement) for a passing assessment
    #[command(after_help = "Examples:
  assay certify results/assessment.json --key keys/KTL.key
  assay certify results/assessment.json --key keys/KTL.key --rerun-model --log https://registry.example.org")]
    Certify(Box<cert::CertifyArgs>),
    /// Check a certificate: signature, issuer trust, validity, model and record digests, and its log inclusion and status
    #[command(after_help = "Examples:
  assay verify KTL-2027-000001.cert.json --trust KTL.pub.toml
  assay verify KTL-2027-000001.cert.json --trust KTL.pub.toml --model model.onnx --log https://registry.example.org
  assay verify KTL-2027-000001.cert.json --trust KTL.pub.toml --assessment assessment.json --recompute --json")]
    Verify(cert::VerifyArgs),
    /// Submit a certificate to a registry and store its inclusion proof beside it
    #[command(after_help = "Examples:
  assay publish KTL-2027-000001.cert.json --log https://registry.example.org --token-file ktl.token")]
    Publish(registry::PublishArgs),
    /// Run the public registry: transparency log, REST API, C2SP tiles, web pages
    #[command(after_help = "Examples:
  assay serve --data registry --listen 0.0.0.0:8080 --public-url https://registry.example.org --log-key log.key
  assay serve --database postgres://assay@db/registry --log-key log.key")]
    Serve(Box<registry::ServeArgs>),
    /// Administer a registry: labs, keys, API tokens, the audit trail, a full log check
    #[command(after_help = "Examples:
  assay admin key-add --trust KTL.pub.toml          register a lab's key
  assay admin token-create --lab KTL --out ktl.token
  assay admin labs --json
  assay admin check                                 re-check the whole log")]
    Admin(registry::AdminArgs),
    /// Revoke a certificate for good: a statement signed with the issuer's key, logged in the registry
    #[command(after_help = "Examples:
  assay revoke KTL-2027-000001.cert.json --key keys/KTL.key --reason \"model withdrawn by the client\" --log https://registry.example.org")]
    Revoke(registry::StatusArgs),
    /// Suspend a certificate until it is reinstated (signed, logged)
    #[command(after_help = "Examples:
  assay suspend KTL-2027-000001.cert.json --key keys/KTL.key --reason \"surveillance audit pending\" --log https://registry.example.org")]
    Suspend(registry::StatusArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(after_help = "Examples:
  assay completions bash > ~/.local/share/bash-completion/completions/assay
  assay completions zsh > ~/.zfunc/_assay            (with fpath+=~/.zfunc before compinit)
  assay completions fish > ~/.config/fish/completions/assay.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Lift a suspension (signed, logged)
    #[command(after_help = "Examples:
  assay reinstate KTL-2027-000001.cert.json --key keys/KTL.key --reason \"audit passed\" --log https://registry.example.org")]
    Reinstate(registry::StatusArgs),
}

#[derive(Args)]
#[command(after_help = "Examples:
  assay init my-assessment              a template: fill in every <value>, then assay run
  assay init my-assessment --lang ko    the template with Korean comments
  assay init my-assessment --model      a template that runs an ONNX model on test images
  assay init demo --demo                the bundled breast-cancer plan with its data
  assay init demo --demo model          the bundled digits plan, model and images")]
pub struct InitArgs {
    /// Folder for assay.toml (and, with --demo, its data)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing assay.toml
    #[arg(long)]
    pub force: bool,
    /// A template for a model the lab runs on its test set (instead of a predictions file)
    #[arg(long, conflicts_with = "demo")]
    pub model: bool,
    /// Write a bundled demonstration plan and its data instead of the template
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "predictions")]
    pub demo: Option<crate::plan::Demo>,
    /// Language of the template's comments and placeholders
    #[arg(long, value_enum, default_value = "en")]
    pub lang: report::LangArg,
}

#[derive(Args)]
pub struct RunArgs {
    /// The test plan
    #[arg(default_value = "assay.toml")]
    pub plan: PathBuf,
    /// Folder for assessment.json
    #[arg(long, default_value = "assay-out")]
    pub out: PathBuf,
    /// Check the plan (keys, types, values, criteria, files) and stop
    #[arg(long)]
    pub check: bool,
    /// Also print the record (canonical JSON) to standard output, instead of the summary
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors; no progress display
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Folder for the demo inputs and results
    #[arg(long, default_value = "assay-demo")]
    pub out: PathBuf,
}

/// How intervals are computed: the flags `assay eval` and `assay compare` share.
#[derive(Args)]
pub struct IntervalArgs {
    /// Confidence level of the intervals
    #[arg(long, default_value_t = IntervalSettings::DEFAULT.level)]
    pub confidence: f64,

    /// Bootstrap replicates for the metrics that need them
    #[arg(long, default_value_t = IntervalSettings::DEFAULT.replicates)]
    pub bootstrap: usize,

    /// Seed of the bootstrap (same seed, same intervals, whatever the thread count)
    #[arg(long, default_value_t = IntervalSettings::DEFAULT.seed)]
    pub seed: u64,

    /// Interval for proportions (accuracy, precision, recall, …)
    #[arg(long, value_enum, default_value_t = IntervalSettings::DEFAULT.proportion)]
    pub proportion_ci: ProportionMethod,

    /// Interval from bootstrap replicates
    #[arg(long, value_enum, default_value_t = IntervalSettings::DEFAULT.bootstrap)]
    pub bootstrap_ci: Method,

    /// Largest rows × replicates for the row bootstrap (average precision, PR AUC, log loss, Brier, ECE, MCE; multi-class comparisons)
    #[arg(long, default_value_t = IntervalSettings::DEFAULT.row_budget)]
    pub row_bootstrap_budget: u64,

    /// Bootstrap within each true class (keeps the class counts of the test set)
    #[arg(long)]
    pub stratified: bool,
}

impl IntervalArgs {
    /// The settings the flags name.
    pub fn settings(&self) -> IntervalSettings {
        IntervalSettings {
            level: self.confidence,
            replicates: self.bootstrap,
            seed: self.seed,
            proportion: self.proportion_ci,
            bootstrap: self.bootstrap_ci,
            stratified: self.stratified,
            row_budget: self.row_bootstrap_budget,
        }
    }
}

/// What the predictions are: the flags `assay eval` and `assay compare` share.
#[derive(Args)]
pub struct PredictionArgs {
    /// The task; detected from the columns when left out
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    #[command(flatten)]
    pub columns: Columns,
    /// Binary: the positive class label [default: 1 or true]
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Scores at or above this are predicted positive (when there is no prediction column)
    #[arg(long, default_value_t = defaults::THRESHOLD, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Whether scores are probabilities
    #[arg(long, value_enum, default_value_t = ScoreKind::Probability)]
    pub score_kind: ScoreKind,
}

impl PredictionArgs {
    /// Set these flags' settings on `spec`.
    fn apply(&self, spec: &mut EvalSpec) {
        spec.task = self.task;
        spec.columns = self.columns.clone();
        spec.positive = self.positive.clone();
        spec.threshold = self.threshold;
        spec.score_kind = self.score_kind;
    }
}

#[derive(Args)]
pub struct CompareArgs {
    /// The candidate model's predictions
    pub candidate: PathBuf,
    /// The baseline model's predictions (same items, same column names)
    pub baseline: PathBuf,
    /// Column that identifies an item in both files
    #[arg(long, default_value = assay_model::columns::ID)]
    pub id: String,
    #[command(flatten)]
    pub predictions: PredictionArgs,
    /// The metric the verdict is about (binary: accuracy, balanced_accuracy, precision, recall, specificity, f1, mcc, roc_auc; multi-class: accuracy, balanced_accuracy, precision_macro, recall_macro, f1_macro, mcc, cohen_kappa)
    #[arg(long, default_value = "accuracy")]
    pub metric: String,
    /// Non-inferiority margin on the metric's scale
    #[arg(long, default_value_t = 0.0)]
    pub margin: f64,
    /// What the verdict requires
    #[arg(long, value_enum, default_value_t = Hypothesis::NonInferiority)]
    pub hypothesis: Hypothesis,
    #[command(flatten)]
    pub intervals: IntervalArgs,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

impl CompareArgs {
    /// The comparison the flags name.
    pub fn spec(&self) -> anyhow::Result<CompareSpec> {
        let c = &self.predictions.columns;
        let unused = [
            ("--weight", &c.weight),
            ("--true-prefix", &c.truth_prefix),
            ("--score-prefix", &c.score_prefix),
            ("--pred-prefix", &c.prediction_prefix),
        ];
        if let Some((flag, _)) = unused.iter().find(|(_, v)| v.is_some()) {
            anyhow::bail!(
                "assay compare pairs the items of binary and multi-class tasks without weights; {flag} has no meaning here"
            );
        }
        let mut candidate = EvalSpec::new(Input::File {
            path: self.candidate.clone(),
            format: None,
        });
        self.predictions.apply(&mut candidate);
        candidate.intervals = Some(self.intervals.settings());
        Ok(CompareSpec {
            candidate,
            baseline: Input::File {
                path: self.baseline.clone(),
                format: None,
            },
            id_column: self.id.clone(),
            margin: self.margin,
            primary: self.metric.clone(),
            hypothesis: self.hypothesis,
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PlannedMetric {
    /// A proportion: accuracy, recall, precision, specificity, …
    Proportion,
    /// ROC AUC (Hanley–McNeil)
    Auc,
}

#[derive(Args)]
pub struct PlanSizeArgs {
    /// What the size is planned for
    #[arg(long, value_enum, default_value_t = PlannedMetric::Proportion)]
    pub metric: PlannedMetric,

    /// The value the model is expected to achieve
    #[arg(long)]
    pub expected: f64,

    /// The value the test must show the metric at or above
    #[arg(long, conflicts_with = "margin")]
    pub target: Option<f64>,

    /// expected − target, instead of --target
    #[arg(long)]
    pub margin: Option<f64>,

    /// The converse: the interval this many items deliver (the denominator for a proportion, all items for AUC)
    #[arg(long, conflicts_with_all = ["target", "margin"])]
    pub items: Option<u64>,

    /// Confidence level
    #[arg(long, default_value_t = IntervalSettings::DEFAULT.level)]
    pub confidence: f64,

    /// Proportions: the interval the assessment will use
    #[arg(long, value_enum, default_value_t = IntervalSettings::DEFAULT.proportion)]
    pub method: ProportionMethod,

    /// AUC: fraction of positive items in the test set
    #[arg(long, default_value_t = 0.5)]
    pub prevalence: f64,

    /// Print the plan as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct EvalArgs {
    /// Predictions file (CSV, TSV, JSON Lines, Parquet, Arrow IPC or NPY); several files are read as one table (shards with the same columns)
    #[arg(required_unless_present = "npy", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// NPY arrays as NAME=FILE (repeatable); a 2-D array becomes NAME_0 … NAME_{k-1}
    #[arg(long, value_name = "NAME=FILE", conflicts_with = "files")]
    pub npy: Vec<String>,

    /// File format, when the file name does not tell
    #[arg(long, value_enum)]
    pub format: Option<FormatName>,

    /// Field delimiter for delimited text (one character)
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,

    #[command(flatten)]
    pub predictions: PredictionArgs,

    /// Multi-class: the classes in order, comma-separated [default: from the probability columns]
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub classes: Option<Vec<String>>,

    /// β of the F-beta score
    #[arg(long, default_value_t = defaults::BETA, allow_negative_numbers = true)]
    pub beta: f64,

    /// Number of equal-width calibration bins (ECE, MCE, reliability curve)
    #[arg(long, default_value_t = defaults::CALIBRATION_BINS)]
    pub bins: usize,

    /// k of top-k accuracy [default: 2 when there are more than 2 classes]
    #[arg(long)]
    pub top_k: Option<usize>,

    /// Largest allowed |sum of class probabilities − 1| per row
    #[arg(long, default_value_t = defaults::SUM_TOLERANCE)]
    pub sum_tolerance: f64,

    /// Exact curves, or binned curves in constant memory
    #[arg(long, value_enum, default_value_t = Curves::Exact)]
    pub curves: Curves,

    /// Binned curves: mantissa bits kept per bucket (relative bucket width 2^-bits)
    #[arg(long, default_value_t = CurveMode::DEFAULT_BITS)]
    pub bin_bits: u8,

    /// Points kept per curve in the JSON output (for plots)
    #[arg(long, default_value_t = defaults::CURVE_POINTS)]
    pub curve_points: usize,

    /// Slice the metrics by the values of a column; repeat for more slicings, or join columns with commas to slice by their combinations
    #[arg(long, value_name = "COLUMN[,COLUMN…]")]
    pub slice: Vec<String>,

    /// Multiple-comparison control across all slice × metric tests
    #[arg(long, value_enum, default_value_t = Correction::Holm)]
    pub correction: Correction,

    /// Slices with fewer items are marked "insufficient evidence"
    #[arg(long, default_value_t = SliceSettings::MIN_SIZE)]
    pub min_slice_size: u64,

    /// Slices whose tests have less power than this to see --slice-effect are marked "insufficient evidence"
    #[arg(long, default_value_t = SliceSettings::MIN_POWER)]
    pub min_power: f64,

    /// The difference from the rest the slice tests must be able to see
    #[arg(long, default_value_t = SliceSettings::EFFECT)]
    pub slice_effect: f64,

    /// An acceptance criterion, e.g. "recall[defect] >= 0.95" or "ece <= 0.03" (repeatable); exit code 1 when one fails
    #[arg(long = "require", value_name = "EXPR")]
    pub require: Vec<String>,

    /// How criteria are judged: the point estimate (simple) or the interval bound on the unfavourable side (guarded)
    #[arg(long, value_enum, default_value_t = DecisionRule::Guarded)]
    pub decision_rule: DecisionRule,

    #[command(flatten)]
    pub intervals: IntervalArgs,

    /// Point estimates only: no confidence intervals
    #[arg(long)]
    pub no_intervals: bool,

    /// Write the result as JSON to PATH, or to standard output with '-' (then instead of the table)
    #[arg(long, value_name = "PATH|-")]
    pub json: Option<String>,

    /// Print nothing but errors (and JSON to standard output with --json -)
    #[arg(long, short)]
    pub quiet: bool,
}

impl EvalArgs {
    /// The input the flags name: files, or NPY arrays.
    fn input(&self) -> anyhow::Result<Input> {
        if !self.npy.is_empty() {
            let mut arrays = Vec::new();
            for item in &self.npy {
                let (name, file) = item.split_once('=').with_context(|| {
                    format!("--npy takes NAME=FILE (e.g. label=y_true.npy), not '{item}'")
                })?;
                arrays.push((name.to_owned(), PathBuf::from(file)));
            }
            return Ok(Input::Npy(arrays));
        }
        let path = self
            .files
            .first()
            .cloned()
            .context("name a predictions file")?;
        let delimiter = match self.delimiter {
            Some(d) if !d.is_ascii() => {
                anyhow::bail!("--delimiter must be a single ASCII character, not '{d}'")
            }
            Some(d) => Some(d as u8),
            None => None,
        };
        let format = FormatName::format(self.format, delimiter);
        Ok(if self.files.len() > 1 {
            Input::Files {
                paths: self.files.clone(),
                format,
            }
        } else {
            Input::File { path, format }
        })
    }

    /// The evaluation the flags name.
    pub fn spec(&self) -> anyhow::Result<EvalSpec> {
        let mut spec = EvalSpec::new(self.input()?);
        self.predictions.apply(&mut spec);
        spec.classes = self.classes.clone();
        spec.beta = self.beta;
        spec.calibration_bins = self.bins;
        spec.top_k = self.top_k;
        spec.sum_tolerance = self.sum_tolerance;
        spec.curve_mode = self.curves.mode(self.bin_bits);
        spec.curve_points = self.curve_points;
        spec.criteria = self.require.clone();
        if !self.slice.is_empty() {
            let mut slices = SliceSettings::new(
                self.slice
                    .iter()
                    .map(|s| s.split(',').map(|c| c.trim().to_owned()).collect())
                    .collect(),
            );
            slices.correction = self.correction;
            slices.min_size = self.min_slice_size;
            slices.min_power = self.min_power;
            slices.effect = self.slice_effect;
            slices.alpha = SliceSettings::alpha_of(self.intervals.confidence);
            spec.slices = Some(slices);
        }
        spec.decision_rule = self.decision_rule;
        spec.intervals = (!self.no_intervals).then(|| self.intervals.settings());
        Ok(spec)
    }
}
