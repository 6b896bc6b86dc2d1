//! The report's content, built once from an assessment record and rendered
//! by both the HTML and the PDF writers, so that both carry the same text,
//! tables and figures.

use assay_metrics::MetricValue;
use assay_record::assessment::{Assessment, DisclosureStatus, Identification};
use assay_record::eval::{EvalResult, Outcome};
use serde::Serialize;
use serde_json::Value;

use crate::svg;
use crate::text::{Lang, T, Words as _, method_name, metric_name, said, word};
use crate::{Options, ReportError};
use assay_record::Text;

/// A label and its value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Field {
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
    /// A digest or identifier: set in a fixed-width font and allowed to break anywhere.
    pub mono: bool,
}

/// A part of a section.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Label–value pairs.
    Fields {
        /// The pairs.
        fields: Vec<Field>,
    },
    /// A table.
    Table {
        /// Column headings.
        columns: Vec<String>,
        /// Right-align the column (numbers).
        numeric: Vec<bool>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
        /// A line under the table.
        caption: Option<String>,
    },
    /// Running text.
    Paragraph {
        /// The text.
        text: String,
    },
    /// A highlighted statement: `pass`, `fail`, `none` or `warn`.
    Callout {
        /// The text.
        text: String,
        /// Its tone.
        tone: &'static str,
    },
    /// A bulleted list.
    List {
        /// The items.
        items: Vec<String>,
    },
    /// A figure.
    Figure {
        /// A stable id (`roc`, `pr`, ...).
        id: &'static str,
        /// The SVG text.
        svg: String,
        /// Caption.
        caption: String,
    },
    /// The authoriser's signature block.
    Signature {
        /// Name, function, date.
        fields: Vec<Field>,
        /// "Signature".
        label: String,
    },
}

/// A numbered section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Section {
    /// A stable id for anchors and tests.
    pub id: &'static str,
    /// Heading with its number ("7. Results").
    pub heading: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Document {
    /// `en` or `ko`.
    pub lang: &'static str,
    /// "Test report".
    pub title: String,
    /// The plan's title.
    pub subtitle: Option<String>,
    /// Report number.
    pub number: String,
    /// "Report number".
    pub number_label: String,
    /// The lab's name (running header).
    pub lab: String,
    /// "Page {page} of {pages}".
    pub page_of: String,
    /// The end-of-report mark.
    pub end_mark: String,
    /// Issue date (YYYY-MM-DD), for the document's metadata.
    pub issued: String,
    /// The summary on the first page.
    pub summary: Vec<Field>,
    /// The verdict on the first page.
    pub verdict: Block,
    /// Numbered sections.
    pub sections: Vec<Section>,
}

fn field(label: T, value: impl Into<String>, lang: Lang) -> Field {
    Field {
        label: label.get(lang).to_owned(),
        value: value.into(),
        mono: false,
    }
}

fn mono(label: T, value: impl Into<String>, lang: Lang) -> Field {
    Field {
        mono: true,
        ..field(label, value, lang)
    }
}

fn or_not_stated(value: Option<&Text>, lang: Lang) -> String {
    value.map_or_else(|| T::NotStated.get(lang).to_owned(), |t| said(t, lang))
}

/// A plain value (an id, a date), or "not stated".
fn plain_or_not_stated(value: Option<&str>, lang: Lang) -> String {
    value.map_or_else(|| T::NotStated.get(lang).to_owned(), str::to_owned)
}

/// A value with four decimals, or "undefined".
fn num(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| T::Undefined.get(lang).to_owned(), |v| lang.fixed(v, 4))
}

/// Why a metric is undefined, or the caveat on its value.
fn note(m: &MetricValue) -> Option<&str> {
    m.reason.as_deref().or(m.note.as_deref())
}

/// The name a record gives a value of one of its enums (`holm`,
/// `non-inferiority`, …).
fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn interval(m: &MetricValue, lang: Lang) -> (String, String) {
    match &m.ci {
        Some(ci) => (
            format!("[{}, {}]", lang.fixed(ci.low, 4), lang.fixed(ci.high, 4)),
            format!(
                "{}, {} %",
                method_name(ci.method.name(), lang),
                lang.fixed(ci.level * 100.0, 0)
            ),
        ),
        None if m.interval_note.as_deref() == Some(assay_stats::regression::NO_BOOTSTRAP.1) => {
            ("—".to_owned(), T::NoIntervalMaximum.get(lang).to_owned())
        }
        None if m.interval_note.is_some() => {
            ("—".to_owned(), T::NoIntervalAtBoundary.get(lang).to_owned())
        }
        None => ("—".to_owned(), note(m).unwrap_or("—").to_owned()),
    }
}

/// "0.9825 [0.9596, 0.9925]".
fn with_ci(m: &MetricValue, lang: Lang) -> String {
    match (&m.value, &m.ci) {
        (Some(v), Some(ci)) => format!(
            "{} [{}, {}]",
            lang.fixed(*v, 4),
            lang.fixed(ci.low, 4),
            lang.fixed(ci.high, 4)
        ),
        (v, _) => num(*v, lang),
    }
}

fn metric_row(id: &str, m: &MetricValue, lang: Lang) -> Vec<String> {
    let (ci, method) = interval(m, lang);
    vec![
        metric_name(id, lang),
        id.to_owned(),
        num(m.value, lang),
        ci,
        method,
    ]
}

fn metric_table(rows: Vec<Vec<String>>, lang: Lang, caption: Option<String>) -> Block {
    Block::Table {
        columns: vec![
            T::Metric.get(lang).to_owned(),
            T::Identifier.get(lang).to_owned(),
            T::Value.get(lang).to_owned(),
            T::Interval.get(lang).to_owned(),
            T::Method.get(lang).to_owned(),
        ],
        numeric: vec![false, false, true, true, false],
        rows,
        caption,
    }
}

/// The role of an input, in `lang`.
fn role(role: &str, lang: Lang) -> String {
    let t = match role {
        "predictions" => T::RolePredictions,
        "model" => T::RoleModel,
        "model directory" => T::RoleModelDir,
        "test-set manifest" | "test set" | "test images" | "test-set table" | "test-set folder" => {
            T::RoleTestSet
        }
        "model predictions" => T::RolePredictions,
        "robustness predictions" => T::RoleRobustnessPredictions,
        "baseline" | "baseline predictions" => T::RoleBaseline,
        "training manifest" | "training-data manifest" => T::RoleTrainingManifest,
        "test manifest" | "test-data manifest" => T::RoleTestManifest,
        "lab logo" => T::RoleLabLogo,
        _ => return role.to_owned(),
    };
    if lang == Lang::En {
        role.to_owned()
    } else {
        format!("{} ({role})", t.get(lang))
    }
}

/// Disclosure topics by clause, in Korean (the record holds the English).
fn disclosure_title(clause: &str, english: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return english.to_owned();
    }
    let ko = match clause {
        "5.3.2" => "데이터 대표성 및 편향",
        "5.3.3" => "전처리",
        "5.3.4" => "학습 데이터",
        "5.3.5" => "시험 및 검증 데이터",
        "5.3.6" => "교차 검증",
        "5.3.7" => "정보 누출 제한",
        "5.3.8" => "채널 효과 제한",
        "5.3.9" => "참값 (ground truth)",
        "5.3.10" => "머신러닝 알고리즘, 하이퍼파라미터 및 파라미터",
        "5.3.11" => "평가 환경",
        "5.3.12" => "가속",
        "5.3.13" => "적절한 기준 모델",
        "5.3.14" => "머신러닝 분류 성능 맥락",
        _ => return english.to_owned(),
    };
    ko.to_owned()
}

fn warning_title(code: &str, lang: Lang) -> String {
    let (en, ko) = match code {
        "class-imbalance" => ("Class imbalance", "클래스 불균형"),
        "criterion-not-judged" => ("Criterion not judged", "판정할 수 없는 기준"),
        "few-items" => ("Few items", "항목 수 부족"),
        "intervals" => ("Intervals", "신뢰구간"),
        "leakage" => ("Information leakage", "정보 누출"),
        "not-disclosed" => ("Control criteria not disclosed", "공개되지 않은 통제 기준"),
        "small-slices" => ("Small slices", "작은 슬라이스"),
        _ => return code.to_owned(),
    };
    (if lang == Lang::En { en } else { ko }).to_owned()
}

struct Builder<'a> {
    lang: Lang,
    rec: &'a Assessment,
    sections: Vec<Section>,
}

impl Builder<'_> {
    fn push(&mut self, id: &'static str, heading: T, blocks: Vec<Block>) {
        let n = self.sections.len() + 1;
        self.sections.push(Section {
            id,
            heading: format!("{n}. {}", heading.get(self.lang)),
            blocks,
        });
    }

    /// The overall value of a metric of the evaluation.
    fn metric(&self, id: &str) -> MetricValue {
        self.rec
            .evaluation
            .metrics
            .get(id)
            .cloned()
            .unwrap_or_else(|| MetricValue::undefined("not in the record"))
    }
}

/// Build the report's content from an assessment record.
pub fn build(record: &Value, opts: &Options) -> Result<Document, ReportError> {
    let rec = assay_record::read_value(record.clone())?;
    let lang = opts.lang;
    let mut b = Builder {
        lang,
        rec: &rec,
        sections: Vec::new(),
    };
    let id = &rec.identification;
    let number = match (&opts.number, &id.report.number) {
        (Some(n), _) => n.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => format!("{}-R{}", id.plan_id, opts.record_sha256[..8].to_uppercase()),
    };
    parties(&mut b, id);
    item(&mut b, id);
    data(&mut b);
    method(&mut b, id);
    dates(&mut b, id, opts);
    results(&mut b, &rec.evaluation);
    slices(&mut b, &rec.evaluation);
    baseline(&mut b);
    robustness(&mut b);
    performance(&mut b);
    leakage(&mut b);
    let level = rec
        .evaluation
        .parameters
        .intervals
        .as_ref()
        .map(|i| i.level);
    let verdict = criteria(&mut b, level);
    disclosures(&mut b);
    deviations(&mut b, id);
    warnings(&mut b);
    closing(&mut b, id, opts);
    let summary = vec![
        mono(T::ReportNumber, number.clone(), lang),
        field(T::SecClient, said(&id.client.name, lang), lang),
        field(
            T::SecItem,
            format!("{} {}", id.model.name, id.model.version),
            lang,
        ),
        field(T::Standard, id.standard.clone(), lang),
        field(T::DateIssued, lang.date(&opts.issued), lang),
    ];
    Ok(Document {
        lang: lang.tag(),
        title: T::ReportTitle.get(lang).to_owned(),
        subtitle: id.title.as_ref().map(|t| said(t, lang)),
        number,
        number_label: T::ReportNumber.get(lang).to_owned(),
        lab: said(&id.lab.name, lang),
        page_of: lang.page_of().to_owned(),
        end_mark: T::EndOfReport.get(lang).to_owned(),
        issued: opts.issued.clone(),
        summary,
        verdict,
        sections: b.sections,
    })
}

/// 1–2. The lab and the client.
fn parties(b: &mut Builder<'_>, id: &Identification) {
    let lang = b.lang;
    let (lab, client) = (&id.lab, &id.client);
    b.push(
        "lab",
        T::SecLab,
        vec![Block::Fields {
            fields: vec![
                field(T::Name, said(&lab.name, lang), lang),
                field(T::Address, or_not_stated(lab.address.as_ref(), lang), lang),
                field(
                    T::Accreditation,
                    or_not_stated(lab.accreditation.as_ref(), lang),
                    lang,
                ),
                mono(T::LabId, plain_or_not_stated(lab.id.as_deref(), lang), lang),
            ],
        }],
    );
    b.push(
        "client",
        T::SecClient,
        vec![Block::Fields {
            fields: vec![
                field(T::Name, said(&client.name, lang), lang),
                field(
                    T::Address,
                    or_not_stated(client.address.as_ref(), lang),
                    lang,
                ),
            ],
        }],
    );
}

/// 3. The item tested.
fn item(b: &mut Builder<'_>, id: &Identification) {
    let lang = b.lang;
    let m = &id.model;
    let mut item = vec![
        field(T::ModelName, m.name.clone(), lang),
        field(T::ModelVersion, m.version.clone(), lang),
        field(
            T::Developer,
            or_not_stated(m.developer.as_ref(), lang),
            lang,
        ),
        field(T::IntendedUse, said(&m.intended_use, lang), lang),
    ];
    if let Some(d) = &m.description {
        item.push(field(T::Description, said(d, lang), lang));
    }
    let mut blocks = Vec::new();
    match &b.rec.model_run {
        Some(run) => {
            let identity = &run.identity;
            let label = if identity.kind == assay_model::ModelKind::Directory {
                T::ModelManifestRoot
            } else {
                T::ModelDigest
            };
            item.push(mono(label, identity.sha256.clone(), lang));
            blocks.push(Block::Fields { fields: item });
            blocks.push(Block::Paragraph {
                text: T::ModelRunBy.get(lang).to_owned(),
            });
        }
        None => {
            item.push(field(T::ModelDigest, T::NotApplicable.get(lang), lang));
            blocks.push(Block::Fields { fields: item });
            blocks.push(Block::Paragraph {
                text: T::ModelNotRun.get(lang).to_owned(),
            });
        }
    }
    b.push("item", T::SecItem, blocks);
}

/// 4. The inputs and their digests.
fn data(b: &mut Builder<'_>) {
    let lang = b.lang;
    let rows = b
        .rec
        .inputs
        .iter()
        .map(|input| {
            let mut size = lang.bytes(input.size);
            if let Some(files) = input.files {
                size = format!("{size} ({} {})", lang.count(files), T::Items.get(lang));
            }
            vec![
                role(input.role.name(), lang),
                input.path.clone(),
                size,
                input.sha256.clone(),
            ]
        })
        .collect();
    let mut blocks = vec![Block::Table {
        columns: vec![
            T::Role.get(lang).to_owned(),
            T::Path.get(lang).to_owned(),
            T::Size.get(lang).to_owned(),
            "SHA-256".to_owned(),
        ],
        numeric: vec![false, false, true, false],
        rows,
        caption: None,
    }];
    if let Some(run) = &b.rec.model_run {
        blocks.push(Block::Fields {
            fields: vec![
                field(T::Items, lang.count(run.test_set.items), lang),
                field(T::Skipped, lang.count(run.test_set.skipped), lang),
            ],
        });
        let ignored = &run.test_set.ignored;
        if !ignored.is_empty() {
            let mut names = ignored
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if ignored.len() > 20 {
                names.push_str(&format!(" … (+{})", lang.count(ignored.len() as u64 - 20)));
            }
            blocks.push(Block::Fields {
                fields: vec![field(
                    T::IgnoredFiles,
                    format!("{}: {names}", lang.count(ignored.len() as u64)),
                    lang,
                )],
            });
        }
    }
    b.push("data", T::SecData, blocks);
}

/// 5. The method: standard, plan, tool, seed, level, rule, environment.
fn method(b: &mut Builder<'_>, id: &Identification) {
    let lang = b.lang;
    let rec = b.rec;
    let env = &rec.environment;
    let mut method = vec![
        field(T::Standard, id.standard.clone(), lang),
        field(
            T::ClausesApplied,
            if rec.evaluation.task.is_classification() {
                T::ClausesText
            } else {
                T::ClausesTextTask
            }
            .get(lang),
            lang,
        ),
        field(
            T::Plan,
            format!(
                "{}, {} {}",
                id.plan_id,
                T::ModelVersion.get(lang),
                id.plan_version
            ),
            lang,
        ),
        mono(T::PlanDigest, rec.plan.sha256.clone(), lang),
        field(
            T::Tool,
            format!("{} {}", rec.tool.name, rec.tool.version),
            lang,
        ),
        mono(T::Revision, rec.tool.revision.clone(), lang),
        field(T::Seed, rec.seed.to_string(), lang),
    ];
    if let Some(i) = &rec.evaluation.parameters.intervals {
        method.push(field(
            T::ConfidenceLevel,
            format!("{} %", lang.fixed(i.level * 100.0, 0)),
            lang,
        ));
    }
    let rule = name_of(&rec.verdict.decision_rule);
    method.push(field(T::DecisionRule, word(&rule, lang), lang));
    method.push(field(
        T::Environment,
        format!(
            "{} ({}), {}, {} {}, {} {}",
            env.os_release.as_deref().unwrap_or(""),
            env.arch,
            env.cpu_model.as_deref().unwrap_or(""),
            env.logical_cpus,
            T::LogicalCpus.get(lang),
            env.threads,
            T::Threads.get(lang),
        ),
        lang,
    ));
    b.push(
        "method",
        T::SecMethod,
        vec![Block::Fields { fields: method }],
    );
}

/// 6. The dates: received, tested, issued.
fn dates(b: &mut Builder<'_>, id: &Identification, opts: &Options) {
    let lang = b.lang;
    let started = b.rec.run.started_at.as_str();
    let finished = b.rec.run.finished_at.as_str();
    let testing = if started.get(..10) == finished.get(..10) {
        lang.date(started)
    } else {
        format!("{} – {}", lang.date(started), lang.date(finished))
    };
    let received = id.report.received.as_deref().map(|d| lang.date(d));
    b.push(
        "dates",
        T::SecDates,
        vec![Block::Fields {
            fields: vec![
                field(
                    T::DateReceived,
                    plain_or_not_stated(received.as_deref(), lang),
                    lang,
                ),
                field(
                    T::DateTesting,
                    format!(
                        "{testing} ({} – {})",
                        lang.date_time(started),
                        lang.date_time(finished)
                    ),
                    lang,
                ),
                field(T::DateIssued, lang.date(&opts.issued), lang),
            ],
        }],
    );
}

/// The statements that close a report, and its authorisation.
fn closing(b: &mut Builder<'_>, id: &Identification, opts: &Options) {
    let lang = b.lang;
    b.push(
        "statements",
        T::SecStatement,
        vec![
            Block::List {
                items: vec![
                    T::OnlyItemsTested.get(lang).to_owned(),
                    T::NoPartialCopy.get(lang).to_owned(),
                ],
            },
            Block::Fields {
                fields: vec![
                    field(T::Record, opts.record_name.clone(), lang),
                    mono(T::RecordDigest, opts.record_sha256.clone(), lang),
                ],
            },
        ],
    );
    b.push(
        "authorisation",
        T::SecAuthorisation,
        vec![Block::Signature {
            fields: vec![
                field(
                    T::Authoriser,
                    id.report
                        .authoriser
                        .as_ref()
                        .map_or_else(|| T::NotNamed.get(lang).to_owned(), |a| said(a, lang)),
                    lang,
                ),
                field(
                    T::Function,
                    or_not_stated(id.report.authoriser_role.as_ref(), lang),
                    lang,
                ),
                field(T::DateIssued, lang.date(&opts.issued), lang),
            ],
            label: T::Signature.get(lang).to_owned(),
        }],
    );
}

/// A reported metric id, read from the metrics or, for `METRIC[CLASS]`,
/// from the per-class results.
fn reported<'a>(eval: &'a EvalResult, id: &str) -> Option<&'a MetricValue> {
    match id.split_once('[') {
        Some((base, rest)) => {
            let class = rest.trim_end_matches(']');
            eval.per_class.as_ref()?.get(class)?.get(base)
        }
        None => eval.metrics.get(id),
    }
}

fn results(b: &mut Builder<'_>, eval: &EvalResult) {
    let lang = b.lang;
    let mut blocks = vec![Block::Paragraph {
        text: T::ResultsIntro.get(lang).to_owned(),
    }];
    let mut facts = vec![
        field(T::Task, word(eval.task.name(), lang), lang),
        field(T::ItemsEvaluated, lang.count(eval.n), lang),
    ];
    if !eval.classes.is_empty() {
        facts.push(field(
            T::Classes,
            format!("{} ({})", eval.classes.len(), eval.classes.join(", ")),
            lang,
        ));
    }
    if let Some(p) = &eval.positive {
        facts.push(field(T::PositiveClass, p.clone(), lang));
    }
    blocks.push(Block::Fields { fields: facts });
    metric_tables(b, eval, &mut blocks);
    per_class_table(eval, lang, &mut blocks);
    curve_figures(eval, lang, &mut blocks);
    if let Some(r) = eval
        .curves
        .regression
        .as_ref()
        .filter(|r| !r.points.is_empty())
    {
        blocks.push(Block::Figure {
            id: "predicted-true",
            svg: svg::predicted_vs_true(lang, &r.points),
            caption: T::FigPredictedTrue.get(lang).to_owned(),
        });
        blocks.push(Block::Figure {
            id: "residuals",
            svg: svg::residuals(lang, &r.points),
            caption: T::FigResiduals.get(lang).to_owned(),
        });
    }
    if let Some(c) = &eval.curves.clustering {
        cluster_table(c, lang, &mut blocks);
    }
    if let Some((labels, counts)) = confusion_counts(eval) {
        blocks.push(Block::Figure {
            id: "confusion",
            svg: svg::confusion(lang, labels, counts),
            caption: T::FigConfusion.get(lang).to_owned(),
        });
    }
    if let Some(bins) = eval.curves.calibration.as_ref().filter(|b| !b.is_empty()) {
        let bins: Vec<svg::Bin> = bins
            .iter()
            .map(|bin| svg::Bin {
                lower: bin.lower,
                upper: bin.upper,
                confidence: bin.mean_confidence,
                observed: bin.observed,
                weight: bin.weight,
            })
            .collect();
        blocks.push(Block::Figure {
            id: "reliability",
            svg: svg::reliability(lang, &bins),
            caption: T::FigReliability.get(lang).to_owned(),
        });
    }
    b.push("results", T::SecResults, blocks);
}

/// The reported metrics first, then the rest.
fn metric_tables(b: &Builder<'_>, eval: &EvalResult, blocks: &mut Vec<Block>) {
    let lang = b.lang;
    let reported_ids = &b.rec.reported_metrics;
    let rows: Vec<Vec<String>> = reported_ids
        .iter()
        .filter_map(|rid| reported(eval, rid).map(|m| metric_row(rid, m, lang)))
        .collect();
    if !rows.is_empty() {
        blocks.push(metric_table(
            rows,
            lang,
            Some(T::ReportedMetrics.get(lang).to_owned()),
        ));
    }
    let rest: Vec<Vec<String>> = eval
        .metrics
        .iter()
        .filter(|(mid, _)| !reported_ids.iter().any(|r| r == mid))
        .map(|(mid, m)| metric_row(mid, m, lang))
        .collect();
    if !rest.is_empty() {
        blocks.push(metric_table(
            rest,
            lang,
            Some(if reported_ids.is_empty() {
                T::SecResults.get(lang).to_owned()
            } else {
                T::OtherMetrics.get(lang).to_owned()
            }),
        ));
    }
}

fn per_class_table(eval: &EvalResult, lang: Lang, blocks: &mut Vec<Block>) {
    let Some(per_class) = eval.per_class.as_ref().filter(|p| !p.is_empty()) else {
        return;
    };
    let cols = ["precision", "recall", "specificity", "f1"];
    let mut rows = Vec::new();
    for (class, set) in per_class.iter() {
        let mut row = vec![class.to_owned()];
        for c in cols {
            row.push(
                set.get(c)
                    .map_or_else(|| "—".to_owned(), |m| with_ci(m, lang)),
            );
        }
        row.push(
            set.get("support")
                .and_then(|s| s.value)
                .map_or_else(|| "—".to_owned(), |s| lang.count(s.round() as u64)),
        );
        rows.push(row);
    }
    let mut columns = vec![T::Class.get(lang).to_owned()];
    columns.extend(cols.iter().map(|c| metric_name(c, lang)));
    columns.push(T::Support.get(lang).to_owned());
    blocks.push(Block::Table {
        columns,
        numeric: vec![false, true, true, true, true, true],
        rows,
        caption: Some(T::PerClass.get(lang).to_owned()),
    });
}

/// Most clusters the clusters' table lists (the largest).
const CLUSTER_ROWS: usize = 30;

/// Clustering: each cluster's size, mean silhouette and majority class,
/// the largest first.
fn cluster_table(c: &assay_record::eval::ClusteringCurves, lang: Lang, blocks: &mut Vec<Block>) {
    let total: u64 = c.sizes.iter().sum();
    let mut order: Vec<usize> = (0..c.clusters.len()).collect();
    order.sort_by(|&a, &b| c.sizes[b].cmp(&c.sizes[a]).then(a.cmp(&b)));
    let share = |x: u64, of: u64| {
        if of == 0 {
            "—".to_owned()
        } else {
            format!("{} %", lang.fixed(100.0 * x as f64 / of as f64, 1))
        }
    };
    let mut columns = vec![
        T::Cluster.get(lang).to_owned(),
        T::Items.get(lang).to_owned(),
        "%".to_owned(),
    ];
    let mut numeric = vec![false, true, true];
    if c.silhouette.is_some() {
        columns.push(T::MeanSilhouette.get(lang).to_owned());
        numeric.push(true);
    }
    if c.contingency.is_some() {
        columns.push(T::MajorityClass.get(lang).to_owned());
        numeric.push(false);
    }
    let rows = order
        .iter()
        .take(CLUSTER_ROWS)
        .map(|&j| {
            let mut row = vec![
                c.clusters[j].clone(),
                lang.count(c.sizes[j]),
                share(c.sizes[j], total),
            ];
            if let Some(s) = &c.silhouette {
                row.push(s[j].map_or_else(|| "—".to_owned(), |v| lang.fixed(v, 3)));
            }
            if let Some(t) = &c.contingency {
                let best =
                    (0..c.classes.len()).max_by(|&a, &b| t[a][j].cmp(&t[b][j]).then(b.cmp(&a)));
                row.push(best.map_or_else(
                    || "—".to_owned(),
                    |k| format!("{} ({})", c.classes[k], share(t[k][j], c.sizes[j])),
                ));
            }
            row
        })
        .collect();
    let mut caption = T::ClusterTable.get(lang).to_owned();
    if c.clusters.len() > CLUSTER_ROWS {
        caption = format!(
            "{caption}; {} {}",
            lang.count((c.clusters.len() - CLUSTER_ROWS) as u64),
            T::MoreClusters.get(lang)
        );
    }
    if let Some(p) = c.silhouette_points.filter(|p| p.sampled) {
        caption = format!(
            "{caption}. {} {}.",
            T::SilhouetteSample.get(lang),
            lang.count(p.points)
        );
    }
    blocks.push(Block::Table {
        columns,
        numeric,
        rows,
        caption: Some(caption),
    });
}

/// ROC and PR figures: of the score (binary), or per class (the first ten).
fn curve_figures(eval: &EvalResult, lang: Lang, blocks: &mut Vec<Block>) {
    let curves = &eval.curves;
    if let Some(roc) = curves.score.as_ref().and_then(|s| s.roc.as_ref()) {
        let label = reported(eval, "roc_auc")
            .map_or_else(|| "ROC".to_owned(), |m| format!("AUC {}", with_ci(m, lang)));
        let band = curves.roc_band.as_ref().map(|band| svg::Band {
            fpr: &band.fpr,
            lower: &band.lower,
            upper: &band.upper,
            level: band.level,
        });
        blocks.push(Block::Figure {
            id: "roc",
            svg: svg::roc(
                lang,
                &[svg::Curve {
                    label,
                    x: &roc.fpr,
                    y: &roc.tpr,
                }],
                band.as_ref(),
            ),
            caption: T::FigRoc.get(lang).to_owned(),
        });
    }
    if let Some(pr) = curves.score.as_ref().and_then(|s| s.pr.as_ref()) {
        let label = reported(eval, "average_precision")
            .map_or_else(|| "PR".to_owned(), |m| format!("AP {}", with_ci(m, lang)));
        blocks.push(Block::Figure {
            id: "pr",
            svg: svg::pr(
                lang,
                &[svg::Curve {
                    label,
                    x: &pr.recall,
                    y: &pr.precision,
                }],
                positive_share(eval),
            ),
            caption: T::FigPr.get(lang).to_owned(),
        });
    }
    let Some(per_class) = curves.per_class.as_ref() else {
        return;
    };
    let first = || per_class.iter().take(10);
    // Each class's AUC, with its interval, in the legend.
    let class_auc = |class: &str| {
        eval.per_class
            .as_ref()
            .and_then(|t| t.get(class))
            .and_then(|set| set.get("roc_auc"))
            .filter(|m| m.value.is_some())
            .map_or_else(String::new, |m| format!(" (AUC {})", with_ci(m, lang)))
    };
    let roc: Vec<svg::Curve<'_>> = first()
        .filter_map(|(class, c)| {
            c.roc.as_ref().map(|r| svg::Curve {
                label: format!("{class}{}", class_auc(class)),
                x: &r.fpr,
                y: &r.tpr,
            })
        })
        .collect();
    if !roc.is_empty() {
        blocks.push(Block::Figure {
            id: "roc",
            svg: svg::roc(lang, &roc, None),
            caption: T::FigRocMulti.get(lang).to_owned(),
        });
    }
    let pr: Vec<svg::Curve<'_>> = first()
        .filter_map(|(class, c)| {
            c.pr.as_ref().map(|p| svg::Curve {
                label: class.to_owned(),
                x: &p.recall,
                y: &p.precision,
            })
        })
        .collect();
    if !pr.is_empty() {
        blocks.push(Block::Figure {
            id: "pr",
            svg: svg::pr(lang, &pr, None),
            caption: T::FigPrMulti.get(lang).to_owned(),
        });
    }
}

/// The positive class's share of the items, from the confusion matrix.
fn positive_share(eval: &EvalResult) -> Option<f64> {
    let (_, counts) = confusion_counts(eval)?;
    if counts.len() != 2 {
        return None;
    }
    let total: f64 = counts.iter().flatten().sum();
    let positive: f64 = counts[1].iter().sum();
    (total > 0.0).then(|| positive / total)
}

fn confusion_counts(eval: &EvalResult) -> Option<(&[String], &[Vec<f64>])> {
    let cm = &eval.confusion_matrix;
    cm.counts.as_ref().map(|c| (&cm.labels[..], &c[..]))
}

/// The metric a slice or robustness figure shows: the first reported metric
/// present there, else accuracy.
fn primary_metric(b: &Builder<'_>, available: &dyn Fn(&str) -> bool) -> String {
    b.rec
        .reported_metrics
        .iter()
        .find(|id| !id.contains('[') && available(id))
        .cloned()
        .unwrap_or_else(|| "accuracy".to_owned())
}

/// A metric missing from a slice or condition reads as undefined.
fn or_undefined(m: Option<&MetricValue>) -> MetricValue {
    m.cloned()
        .unwrap_or_else(|| MetricValue::undefined("not in the record"))
}

fn slices(b: &mut Builder<'_>, eval: &EvalResult) {
    let lang = b.lang;
    let Some(slices) = eval.slices.as_ref().filter(|s| !s.groups.is_empty()) else {
        return;
    };
    let first = &slices.groups[0];
    // Classification shows its first reported metric; the other tasks the
    // one their slices are tested on.
    let tested = (!eval.task.is_classification())
        .then(|| first.tests.0.first().map(|(id, _)| id.clone()))
        .flatten()
        .filter(|id| first.metrics.get(id).is_some());
    let metric = tested.unwrap_or_else(|| primary_metric(b, &|id| first.metrics.get(id).is_some()));
    let overall = b.metric(&metric);
    let mut rows = Vec::new();
    let mut table = Vec::new();
    for g in &slices.groups {
        let key: Vec<String> = g.key.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let label = key.join(", ");
        let m = or_undefined(g.metrics.get(&metric));
        if let Some(v) = m.value {
            rows.push(svg::Row {
                label: format!("{label} (n = {})", lang.count(g.n)),
                value: v,
                ci: m.ci.as_ref().map(|c| (c.low, c.high)),
            });
        }
        let test_text = match g.tests.get(&metric) {
            Some(test) => {
                let status = crate::text::slice_status(test, g.n, slices, lang);
                match test.adjusted_p {
                    Some(p) => format!("{status} (p = {})", lang.p_value(p)),
                    None => status,
                }
            }
            None => "—".to_owned(),
        };
        table.push(vec![label, lang.count(g.n), with_ci(&m, lang), test_text]);
    }
    let mut references = Vec::new();
    if let Some(v) = overall.value {
        references.push((v, format!("{} {}", T::Overall.get(lang), lang.fixed(v, 4))));
    }
    let correction = name_of(&slices.correction);
    let blocks = vec![
        Block::Figure {
            id: "slices",
            svg: svg::forest(
                lang,
                T::FigSlices.get(lang),
                &metric_name(&metric, lang),
                &rows,
                &references,
            ),
            caption: format!(
                "{} — {}",
                T::FigSlices.get(lang),
                metric_name(&metric, lang)
            ),
        },
        Block::Table {
            columns: vec![
                T::Slice.get(lang).to_owned(),
                "n".to_owned(),
                metric_name(&metric, lang),
                T::SliceTest.get(lang).to_owned(),
            ],
            numeric: vec![false, true, true, false],
            rows: table,
            caption: Some(format!(
                "{}: {}",
                T::SliceCorrection.get(lang),
                word(&correction, lang)
            )),
        },
    ];
    b.push("slices", T::SecSlices, blocks);
}

fn baseline(b: &mut Builder<'_>) {
    let lang = b.lang;
    let Some(cmp) = &b.rec.comparison else {
        return;
    };
    let margin = format!(", {} {}", T::Margin.get(lang), lang.fixed(cmp.margin, 4));
    let mut fields = vec![
        field(T::Baseline, cmp.baseline.clone(), lang),
        field(T::Candidate, cmp.candidate.clone(), lang),
        field(
            T::Hypothesis,
            format!("{}{margin}", word(&name_of(&cmp.hypothesis), lang)),
            lang,
        ),
        field(T::PrimaryMetric, metric_name(&cmp.primary, lang), lang),
        field(T::Verdict, word(cmp.verdict.name(), lang), lang),
        field(
            T::McNemar,
            format!(
                "p = {} ({} {}, {} {})",
                lang.p_value(cmp.mcnemar.p_exact),
                T::Candidate.get(lang),
                lang.count(cmp.mcnemar.candidate_only),
                T::Baseline.get(lang),
                lang.count(cmp.mcnemar.baseline_only),
            ),
            lang,
        ),
    ];
    if let Some(d) = &cmp.roc_auc {
        fields.push(field(
            T::DeLong,
            format!(
                "Δ = {} [{}, {}], p = {}",
                lang.fixed(d.difference, 4),
                lang.fixed(d.interval.low, 4),
                lang.fixed(d.interval.high, 4),
                lang.p_value(d.p_value),
            ),
            lang,
        ));
    }
    let mut rows = Vec::new();
    let mut forest = Vec::new();
    for d in &cmp.differences {
        let ci = d.interval.as_ref().map(|i| (i.low, i.high));
        if let Some(v) = d.difference {
            forest.push(svg::Row {
                label: metric_name(&d.metric, lang),
                value: v,
                ci,
            });
        }
        rows.push(vec![
            metric_name(&d.metric, lang),
            num(d.baseline, lang),
            num(d.candidate, lang),
            match (d.difference, ci) {
                (Some(v), Some((lo, hi))) => format!(
                    "{} [{}, {}]",
                    lang.fixed(v, 4),
                    lang.fixed(lo, 4),
                    lang.fixed(hi, 4)
                ),
                (v, _) => num(v, lang),
            },
            d.conclusion
                .map_or_else(|| "—".to_owned(), |c| word(&name_of(&c), lang)),
        ]);
    }
    let references = vec![
        (0.0, "0".to_owned()),
        (-cmp.margin, format!("-{}", T::Margin.get(lang))),
    ];
    let mut blocks = vec![Block::Fields { fields }];
    if !forest.is_empty() {
        blocks.push(Block::Figure {
            id: "baseline",
            svg: svg::forest(
                lang,
                T::FigBaseline.get(lang),
                T::AxisDifference.get(lang),
                &forest,
                &references,
            ),
            caption: T::FigBaseline.get(lang).to_owned(),
        });
    }
    blocks.push(Block::Table {
        columns: vec![
            T::Metric.get(lang).to_owned(),
            T::Baseline.get(lang).to_owned(),
            T::Candidate.get(lang).to_owned(),
            T::Difference.get(lang).to_owned(),
            T::Conclusion.get(lang).to_owned(),
        ],
        numeric: vec![false, true, true, true, false],
        rows,
        caption: None,
    });
    b.push("baseline", T::SecBaseline, blocks);
}

fn robustness(b: &mut Builder<'_>) {
    let lang = b.lang;
    let Some(rob) = &b.rec.robustness else {
        return;
    };
    let metric = rob
        .metrics
        .first()
        .cloned()
        .unwrap_or_else(|| "accuracy".to_owned());
    let clean = b.metric(&metric);
    let mut series: Vec<svg::Series> = Vec::new();
    let mut rows = Vec::new();
    for c in &rob.conditions {
        let name = c.perturbation.name();
        let m = or_undefined(c.metrics.get(&metric));
        let drop = or_undefined(c.metrics.get(&format!("{metric}_drop")));
        let flip = or_undefined(c.metrics.get("flip_rate"));
        if !series.iter().any(|s| s.label == name) {
            let mut s = svg::Series {
                label: name.to_owned(),
                points: Vec::new(),
            };
            if let Some(v) = clean.value {
                s.points
                    .push((0.0, v, clean.ci.as_ref().map(|c| (c.low, c.high))));
            }
            series.push(s);
        }
        if let (Some(s), Some(v)) = (series.iter_mut().find(|s| s.label == name), m.value) {
            s.points.push((
                f64::from(c.severity),
                v,
                m.ci.as_ref().map(|c| (c.low, c.high)),
            ));
        }
        rows.push(vec![
            crate::text::perturbation_name(c.perturbation, lang).to_owned(),
            c.severity.to_string(),
            format!(
                "{} ({})",
                lang.fixed(c.parameter, 3),
                crate::text::perturbation_unit(c.perturbation, lang)
            ),
            with_ci(&m, lang),
            with_ci(&drop, lang),
            with_ci(&flip, lang),
            lang.p_value(c.mcnemar.p_exact),
        ]);
    }
    let blocks = vec![
        Block::Paragraph {
            text: T::RobustnessIntro.get(lang).to_owned(),
        },
        Block::Figure {
            id: "robustness",
            svg: svg::degradation(lang, &metric_name(&metric, lang), &series),
            caption: format!(
                "{} — {}",
                T::FigRobustness.get(lang),
                metric_name(&metric, lang)
            ),
        },
        Block::Table {
            columns: vec![
                T::Perturbation.get(lang).to_owned(),
                T::Severity.get(lang).to_owned(),
                T::Parameter.get(lang).to_owned(),
                metric_name(&metric, lang),
                format!("{} ({})", T::Drop.get(lang), metric_name(&metric, lang)),
                T::FlipRate.get(lang).to_owned(),
                T::McNemarP.get(lang).to_owned(),
            ],
            numeric: vec![false, true, false, true, true, true, true],
            rows,
            caption: None,
        },
    ];
    b.push("robustness", T::SecRobustness, blocks);
}

fn performance(b: &mut Builder<'_>) {
    let lang = b.lang;
    let Some(t) = &b.rec.run.model else {
        return;
    };
    let pct = |p: &assay_model::Percentiles| {
        format!(
            "p50 {} · p95 {} · p99 {} · {} {} ms",
            lang.fixed(p.p50, 3),
            lang.fixed(p.p95, 3),
            lang.fixed(p.p99, 3),
            if lang == Lang::En { "mean" } else { "평균" },
            lang.fixed(p.mean, 3),
        )
    };
    let env = &b.rec.environment;
    let per_second = |x: f64| format!("{} {}", lang.fixed(x, 1), T::ItemsPerSecond.get(lang));
    let fields = vec![
        field(T::LatencyItem, pct(&t.item_latency_ms), lang),
        field(T::LatencyBatch, pct(&t.batch_latency_ms), lang),
        field(T::Throughput, per_second(t.throughput), lang),
        field(
            T::InferenceThroughput,
            per_second(t.inference_throughput),
            lang,
        ),
        field(T::BatchSize, t.batch_size.to_string(), lang),
        field(T::Threads, t.threads.to_string(), lang),
        field(
            T::Processor,
            env.cpu_model.clone().unwrap_or_default(),
            lang,
        ),
        field(T::LogicalCpus, env.logical_cpus.to_string(), lang),
        field(
            T::OperatingSystem,
            format!(
                "{} ({}, {})",
                env.os_release.as_deref().unwrap_or(""),
                env.kernel.as_deref().unwrap_or(""),
                env.arch
            ),
            lang,
        ),
    ];
    let mut blocks = vec![Block::Fields { fields }];
    let latency = &t.item_latency_ms;
    let (edges, counts) = (&latency.histogram.edges_ms, &latency.histogram.counts);
    if edges.len() == counts.len() + 1 && !counts.is_empty() {
        blocks.push(Block::Figure {
            id: "latency",
            svg: svg::latency(
                lang,
                edges,
                counts,
                &[
                    ("p50", latency.p50),
                    ("p95", latency.p95),
                    ("p99", latency.p99),
                ],
            ),
            caption: T::FigLatency.get(lang).to_owned(),
        });
    }
    b.push("performance", T::SecPerformance, blocks);
}

fn leakage(b: &mut Builder<'_>) {
    let lang = b.lang;
    let Some(l) = &b.rec.leakage else {
        return;
    };
    let fields = vec![
        field(T::TrainingItems, lang.count(l.training.items), lang),
        field(T::TestItems, lang.count(l.test.items), lang),
        field(T::LeakageItems, lang.count(l.leaked), lang),
    ];
    b.push("leakage", T::SecLeakage, vec![Block::Fields { fields }]);
}

fn criteria(b: &mut Builder<'_>, level: Option<f64>) -> Block {
    let lang = b.lang;
    let rec = b.rec;
    let judged = rec
        .evaluation
        .criteria
        .iter()
        .flatten()
        .chain(rec.robustness.iter().flat_map(|r| &r.criteria));
    let rows: Vec<Vec<String>> = judged
        .map(|c| {
            vec![
                c.criterion.expression.clone(),
                num(c.value, lang),
                num(c.compared, lang),
                c.false_accept_risk
                    .map_or_else(|| "—".to_owned(), |r| lang.fixed(r, 3)),
                match (c.passed, &c.reason) {
                    (true, _) => T::Met,
                    // A criterion whose metric is undefined or has no
                    // interval under the guarded rule was not judged.
                    (false, Some(_)) => T::NotJudged,
                    (false, None) => T::NotMet,
                }
                .get(lang)
                .to_owned(),
            ]
        })
        .collect();
    let statement = match rec.verdict.decision_rule {
        assay_stats::decision::DecisionRule::Simple => T::RuleSimple.get(lang).to_owned(),
        assay_stats::decision::DecisionRule::Guarded => {
            let text = T::RuleGuarded.get(lang).to_owned();
            match level {
                Some(l) => format!(
                    "{text} ({} {} %)",
                    T::ConfidenceLevel.get(lang),
                    lang.fixed(l * 100.0, 0)
                ),
                None => text,
            }
        }
    };
    let v = &rec.verdict;
    let (tone, label) = match v.overall {
        Outcome::Pass => ("pass", T::VerdictPass),
        Outcome::Fail => ("fail", T::VerdictFail),
        Outcome::NotJudged => ("none", T::VerdictNotJudged),
    };
    let mut text = format!(
        "{}: {} — {} / {} {}",
        T::Verdict.get(lang),
        label.get(lang),
        v.criteria_met,
        v.criteria_total,
        T::CriteriaMet.get(lang)
    );
    if let Some(bv) = v.baseline {
        text.push_str(&format!(
            "; {}: {}",
            T::BaselineVerdict.get(lang),
            word(bv.name(), lang)
        ));
    }
    let verdict = Block::Callout { text, tone };
    let mut blocks = vec![Block::Fields {
        fields: vec![field(T::DecisionRule, statement, lang)],
    }];
    if rows.is_empty() {
        blocks.push(Block::Paragraph {
            text: T::NoCriteria.get(lang).to_owned(),
        });
    } else {
        blocks.push(Block::Table {
            columns: vec![
                T::Criterion.get(lang).to_owned(),
                T::Value.get(lang).to_owned(),
                T::Compared.get(lang).to_owned(),
                T::FalseAcceptRisk.get(lang).to_owned(),
                T::Result.get(lang).to_owned(),
            ],
            numeric: vec![false, true, true, true, false],
            rows,
            caption: None,
        });
    }
    blocks.push(verdict.clone());
    b.push("criteria", T::SecCriteria, blocks);
    verdict
}

fn disclosures(b: &mut Builder<'_>) {
    let lang = b.lang;
    let rows = b
        .rec
        .disclosures
        .iter()
        .map(|d| {
            vec![
                d.clause.clone(),
                disclosure_title(&d.clause, &d.title, lang),
                if d.status == DisclosureStatus::Disclosed {
                    T::Disclosed
                } else {
                    T::NotDisclosed
                }
                .get(lang)
                .to_owned(),
                d.statement
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |t| said(t, lang)),
            ]
        })
        .collect();
    b.push(
        "disclosures",
        T::SecDisclosures,
        vec![Block::Table {
            columns: vec![
                T::Clause.get(lang).to_owned(),
                T::Topic.get(lang).to_owned(),
                T::Status.get(lang).to_owned(),
                T::Statement.get(lang).to_owned(),
            ],
            numeric: vec![false, false, false, false],
            rows,
            caption: None,
        }],
    );
}

fn deviations(b: &mut Builder<'_>, id: &Identification) {
    let lang = b.lang;
    let mut items: Vec<String> = id.report.deviations.iter().map(|d| said(d, lang)).collect();
    if let Some(run) = &b.rec.model_run
        && run.test_set.skipped > 0
    {
        items.push(format!(
            "{} {}",
            lang.count(run.test_set.skipped),
            T::DeviationSkipped.get(lang)
        ));
    }
    let not_judged = b
        .rec
        .evaluation
        .criteria
        .iter()
        .flatten()
        .filter(|c| c.reason.is_some())
        .count();
    if not_judged > 0 {
        items.push(format!("{not_judged} {}", T::DeviationNotJudged.get(lang)));
    }
    let block = if items.is_empty() {
        Block::Paragraph {
            text: T::NoDeviations.get(lang).to_owned(),
        }
    } else {
        Block::List { items }
    };
    b.push("deviations", T::SecDeviations, vec![block]);
}

fn warnings(b: &mut Builder<'_>) {
    let lang = b.lang;
    let items: Vec<String> = b
        .rec
        .warnings
        .iter()
        .map(|w| {
            format!(
                "{}: {}",
                warning_title(w.code.name(), lang),
                crate::text::warning_text(w, lang)
            )
        })
        .collect();
    let block = if items.is_empty() {
        Block::Paragraph {
            text: T::NoWarnings.get(lang).to_owned(),
        }
    } else {
        Block::List { items }
    };
    b.push("warnings", T::SecWarnings, vec![block]);
}
