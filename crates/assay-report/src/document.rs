//! The report's content, built once from an assessment record and rendered
//! by both the HTML and the PDF writers, so that both carry the same text,
//! tables and figures.

use serde::Serialize;
use serde_json::Value;

use crate::record::{At, MetricValue};
use crate::svg;
use crate::text::{Lang, T, method_name, metric_name, word};
use crate::{Options, ReportError};

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

fn or_not_stated(value: Option<&str>, lang: Lang) -> String {
    value.map_or_else(|| T::NotStated.get(lang).to_owned(), str::to_owned)
}

/// A value with four decimals, or "undefined".
fn num(value: Option<f64>, lang: Lang) -> String {
    value.map_or_else(|| T::Undefined.get(lang).to_owned(), |v| lang.fixed(v, 4))
}

fn interval(m: &MetricValue, lang: Lang) -> (String, String) {
    match &m.ci {
        Some((lo, hi, level, method)) => (
            format!("[{}, {}]", lang.fixed(*lo, 4), lang.fixed(*hi, 4)),
            format!(
                "{}, {} %",
                method_name(method, lang),
                lang.fixed(level * 100.0, 0)
            ),
        ),
        None => (
            "—".to_owned(),
            m.note.clone().unwrap_or_else(|| "—".to_owned()),
        ),
    }
}

/// "0.9825 [0.9596, 0.9925]".
fn with_ci(m: &MetricValue, lang: Lang) -> String {
    match (&m.value, &m.ci) {
        (Some(v), Some((lo, hi, _, _))) => format!(
            "{} [{}, {}]",
            lang.fixed(*v, 4),
            lang.fixed(*lo, 4),
            lang.fixed(*hi, 4)
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
        "baseline" | "baseline predictions" => T::RoleBaseline,
        "training manifest" | "training-data manifest" => T::RoleTrainingManifest,
        "test manifest" | "test-data manifest" => T::RoleTestManifest,
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
    rec: At<'a>,
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

    fn metric(&self, pointer: &str) -> Result<MetricValue, ReportError> {
        MetricValue::read(&self.rec.at(pointer))
    }
}

/// Build the report's content from an assessment record.
pub fn build(record: &Value, opts: &Options) -> Result<Document, ReportError> {
    let lang = opts.lang;
    let rec = At::root(record);
    let schema = rec.str("/schema")?;
    if schema != "assay/assessment/v1" {
        return Err(ReportError::Field {
            pointer: "/schema".to_owned(),
            expected: format!(
                "\"assay/assessment/v1\" (an assessment record written by `assay run`), not {schema:?}"
            ),
        });
    }
    let mut b = Builder {
        lang,
        rec: rec.clone(),
        sections: Vec::new(),
    };
    let id = rec.at("/identification");
    let plan_id = id.str("/plan_id")?;
    let number = match (&opts.number, id.opt_str("/report/number")?) {
        (Some(n), _) => n.clone(),
        (None, Some(n)) => n.to_owned(),
        (None, None) => format!("{plan_id}-R{}", opts.record_sha256[..8].to_uppercase()),
    };
    let lab_name = id.str("/lab/name")?.to_owned();

    // 1–2. Parties.
    b.push(
        "lab",
        T::SecLab,
        vec![Block::Fields {
            fields: vec![
                field(T::Name, lab_name.clone(), lang),
                field(
                    T::Address,
                    or_not_stated(id.opt_str("/lab/address")?, lang),
                    lang,
                ),
                field(
                    T::Accreditation,
                    or_not_stated(id.opt_str("/lab/accreditation")?, lang),
                    lang,
                ),
                mono(T::LabId, or_not_stated(id.opt_str("/lab/id")?, lang), lang),
            ],
        }],
    );
    b.push(
        "client",
        T::SecClient,
        vec![Block::Fields {
            fields: vec![
                field(T::Name, id.str("/client/name")?, lang),
                field(
                    T::Address,
                    or_not_stated(id.opt_str("/client/address")?, lang),
                    lang,
                ),
            ],
        }],
    );

    // 3. The item tested.
    let model_run = rec.at("/model_run");
    let mut item = vec![
        field(T::ModelName, id.str("/model/name")?, lang),
        field(T::ModelVersion, id.str("/model/version")?, lang),
        field(
            T::Developer,
            or_not_stated(id.opt_str("/model/developer")?, lang),
            lang,
        ),
        field(T::IntendedUse, id.str("/model/intended_use")?, lang),
    ];
    if let Some(d) = id.opt_str("/model/description")? {
        item.push(field(T::Description, d, lang));
    }
    let mut item_blocks = Vec::new();
    if model_run.has("") {
        let identity = model_run.at("/identity");
        let digest = identity.str("/sha256")?;
        if identity.str("/kind")? == "directory" {
            item.push(mono(T::ModelManifestRoot, digest, lang));
        } else {
            item.push(mono(T::ModelDigest, digest, lang));
        }
        item_blocks.push(Block::Fields { fields: item });
        item_blocks.push(Block::Paragraph {
            text: T::ModelRunBy.get(lang).to_owned(),
        });
    } else {
        item.push(field(T::ModelDigest, T::NotApplicable.get(lang), lang));
        item_blocks.push(Block::Fields { fields: item });
        item_blocks.push(Block::Paragraph {
            text: T::ModelNotRun.get(lang).to_owned(),
        });
    }
    b.push("item", T::SecItem, item_blocks);

    // 4. Inputs.
    let mut rows = Vec::new();
    for input in rec.items("/inputs")? {
        let mut size = lang.bytes(input.u64("/size")?);
        if let Some(files) = input.value.get("files").and_then(Value::as_u64) {
            size = format!("{size} ({} {})", lang.count(files), T::Items.get(lang));
        }
        rows.push(vec![
            role(input.str("/role")?, lang),
            input.str("/path")?.to_owned(),
            size,
            input.str("/sha256")?.to_owned(),
        ]);
    }
    let mut data_blocks = vec![Block::Table {
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
    if model_run.has("") {
        let ts = model_run.at("/test_set");
        data_blocks.push(Block::Fields {
            fields: vec![
                field(T::Items, lang.count(ts.u64("/items")?), lang),
                field(T::Skipped, lang.count(ts.u64("/skipped")?), lang),
            ],
        });
    }
    b.push("data", T::SecData, data_blocks);

    // 5. Method.
    let eval = rec.at("/evaluation");
    let level = eval.opt_f64("/parameters/intervals/level")?;
    let rule = rec.str("/verdict/decision_rule")?;
    let env = rec.at("/environment");
    let mut method = vec![
        field(T::Standard, id.str("/standard")?, lang),
        field(T::ClausesApplied, T::ClausesText.get(lang), lang),
        field(
            T::Plan,
            format!(
                "{plan_id}, {} {}",
                T::ModelVersion.get(lang),
                id.str("/plan_version")?
            ),
            lang,
        ),
        mono(T::PlanDigest, rec.str("/plan/sha256")?, lang),
        field(
            T::Tool,
            format!("{} {}", rec.str("/tool/name")?, rec.str("/tool/version")?),
            lang,
        ),
        mono(T::Revision, rec.str("/tool/revision")?, lang),
        field(T::Seed, rec.u64("/seed")?.to_string(), lang),
    ];
    if let Some(l) = level {
        method.push(field(
            T::ConfidenceLevel,
            format!("{} %", lang.fixed(l * 100.0, 0)),
            lang,
        ));
    }
    method.push(field(T::DecisionRule, word(rule, lang), lang));
    method.push(field(
        T::Environment,
        format!(
            "{} ({}), {}, {} {}, {} {}",
            env.str("/os_release")?,
            env.str("/arch")?,
            env.str("/cpu_model")?,
            env.u64("/logical_cpus")?,
            T::LogicalCpus.get(lang),
            env.u64("/threads")?,
            T::Threads.get(lang),
        ),
        lang,
    ));
    b.push(
        "method",
        T::SecMethod,
        vec![Block::Fields { fields: method }],
    );

    // 6. Dates.
    let started = rec.str("/run/started_at")?;
    let finished = rec.str("/run/finished_at")?;
    let testing = if started.get(..10) == finished.get(..10) {
        lang.date(started)
    } else {
        format!("{} – {}", lang.date(started), lang.date(finished))
    };
    let received = id.opt_str("/report/received")?.map(|d| lang.date(d));
    b.push(
        "dates",
        T::SecDates,
        vec![Block::Fields {
            fields: vec![
                field(
                    T::DateReceived,
                    or_not_stated(received.as_deref(), lang),
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

    results(&mut b, &eval)?;
    slices(&mut b, &eval)?;
    baseline(&mut b)?;
    robustness(&mut b)?;
    performance(&mut b)?;
    leakage(&mut b)?;
    let verdict = criteria(&mut b, rule, level)?;
    disclosures(&mut b)?;
    deviations(&mut b, &id)?;
    warnings(&mut b)?;

    // Statements and authorisation.
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
                    id.opt_str("/report/authoriser")?
                        .map_or_else(|| T::NotNamed.get(lang).to_owned(), str::to_owned),
                    lang,
                ),
                field(
                    T::Function,
                    or_not_stated(id.opt_str("/report/authoriser_role")?, lang),
                    lang,
                ),
                field(T::DateIssued, lang.date(&opts.issued), lang),
            ],
            label: T::Signature.get(lang).to_owned(),
        }],
    );

    let summary = vec![
        mono(T::ReportNumber, number.clone(), lang),
        field(T::SecClient, id.str("/client/name")?, lang),
        field(
            T::SecItem,
            format!("{} {}", id.str("/model/name")?, id.str("/model/version")?),
            lang,
        ),
        field(T::Standard, id.str("/standard")?, lang),
        field(T::DateIssued, lang.date(&opts.issued), lang),
    ];
    Ok(Document {
        lang: lang.tag(),
        title: T::ReportTitle.get(lang).to_owned(),
        subtitle: id.opt_str("/title")?.map(str::to_owned),
        number,
        number_label: T::ReportNumber.get(lang).to_owned(),
        lab: lab_name,
        page_of: lang.page_of().to_owned(),
        end_mark: T::EndOfReport.get(lang).to_owned(),
        issued: opts.issued.clone(),
        summary,
        verdict,
        sections: b.sections,
    })
}

/// A reported metric id, read from the metrics or, for `METRIC[CLASS]`,
/// from the per-class results.
fn reported(eval: &At<'_>, id: &str) -> Result<Option<MetricValue>, ReportError> {
    let pointer = match id.split_once('[') {
        Some((base, rest)) => {
            let class = rest.trim_end_matches(']');
            format!("/per_class/{}/{base}", pointer_escape(class))
        }
        None => format!("/metrics/{}", pointer_escape(id)),
    };
    if !eval.has(&pointer) {
        return Ok(None);
    }
    MetricValue::read(&eval.at(&pointer)).map(Some)
}

fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn results(b: &mut Builder<'_>, eval: &At<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let mut blocks = vec![Block::Paragraph {
        text: T::ResultsIntro.get(lang).to_owned(),
    }];
    let task = eval.str("/task")?;
    let classes: Vec<String> = eval
        .array("/classes")?
        .iter()
        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
        .collect();
    let mut facts = vec![
        field(T::Task, word(task, lang), lang),
        field(T::ItemsEvaluated, lang.count(eval.u64("/n")?), lang),
        field(
            T::Classes,
            format!("{} ({})", classes.len(), classes.join(", ")),
            lang,
        ),
    ];
    if let Some(p) = eval.opt_str("/positive")? {
        facts.push(field(T::PositiveClass, p, lang));
    }
    blocks.push(Block::Fields { fields: facts });

    // Reported metrics first, then the rest.
    let reported_ids: Vec<String> = b
        .rec
        .array("/reported_metrics")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut rows = Vec::new();
    for rid in &reported_ids {
        if let Some(m) = reported(eval, rid)? {
            rows.push(metric_row(rid, &m, lang));
        }
    }
    if !rows.is_empty() {
        blocks.push(metric_table(
            rows,
            lang,
            Some(T::ReportedMetrics.get(lang).to_owned()),
        ));
    }
    let mut rest = Vec::new();
    for (mid, at) in eval.entries("/metrics")? {
        if reported_ids.iter().any(|r| r == mid) {
            continue;
        }
        rest.push(metric_row(mid, &MetricValue::read(&at)?, lang));
    }
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

    // Per class.
    let per_class = eval.entries("/per_class")?;
    if !per_class.is_empty() {
        let cols = ["precision", "recall", "specificity", "f1"];
        let mut rows = Vec::new();
        for (class, at) in &per_class {
            let mut row = vec![(*class).to_owned()];
            for c in cols {
                let p = format!("/{c}");
                row.push(if at.has(&p) {
                    with_ci(&MetricValue::read(&at.at(&p))?, lang)
                } else {
                    "—".to_owned()
                });
            }
            row.push(
                at.opt_f64("/support/value")?
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

    // Figures.
    let curves = eval.at("/curves");
    if curves.has("/roc") {
        let fpr = curves.numbers("/roc/fpr")?;
        let tpr = curves.numbers("/roc/tpr")?;
        let auc = reported(eval, "roc_auc")?;
        let label = auc
            .as_ref()
            .map_or_else(|| "ROC".to_owned(), |m| format!("AUC {}", with_ci(m, lang)));
        let band = if curves.has("/roc_band") {
            Some((
                curves.numbers("/roc_band/fpr")?,
                curves.numbers("/roc_band/lower")?,
                curves.numbers("/roc_band/upper")?,
                curves.f64("/roc_band/level")?,
            ))
        } else {
            None
        };
        let band_ref = band.as_ref().map(|(f, l, u, level)| svg::Band {
            fpr: f,
            lower: l,
            upper: u,
            level: *level,
        });
        blocks.push(Block::Figure {
            id: "roc",
            svg: svg::roc(
                lang,
                &[svg::Curve {
                    label,
                    x: &fpr,
                    y: &tpr,
                }],
                band_ref.as_ref(),
            ),
            caption: T::FigRoc.get(lang).to_owned(),
        });
    }
    if curves.has("/pr") {
        let recall = curves.numbers("/pr/recall")?;
        let precision = curves.numbers("/pr/precision")?;
        let ap = reported(eval, "average_precision")?;
        let label = ap
            .as_ref()
            .map_or_else(|| "PR".to_owned(), |m| format!("AP {}", with_ci(m, lang)));
        let prevalence = positive_share(eval)?;
        blocks.push(Block::Figure {
            id: "pr",
            svg: svg::pr(
                lang,
                &[svg::Curve {
                    label,
                    x: &recall,
                    y: &precision,
                }],
                prevalence,
            ),
            caption: T::FigPr.get(lang).to_owned(),
        });
    }
    let per_class_curves = curves.entries("/per_class")?;
    if !per_class_curves.is_empty() {
        let mut roc_data = Vec::new();
        let mut pr_data = Vec::new();
        for (class, at) in per_class_curves.iter().take(10) {
            if at.has("/roc") {
                roc_data.push((
                    (*class).to_owned(),
                    at.numbers("/roc/fpr")?,
                    at.numbers("/roc/tpr")?,
                ));
            }
            if at.has("/pr") {
                pr_data.push((
                    (*class).to_owned(),
                    at.numbers("/pr/recall")?,
                    at.numbers("/pr/precision")?,
                ));
            }
        }
        let as_curves =
            |data: &[(String, Vec<f64>, Vec<f64>)]| -> Vec<(String, Vec<f64>, Vec<f64>)> {
                data.to_vec()
            };
        let roc_owned = as_curves(&roc_data);
        let roc_curves: Vec<svg::Curve<'_>> = roc_owned
            .iter()
            .map(|(l, x, y)| svg::Curve {
                label: l.clone(),
                x,
                y,
            })
            .collect();
        if !roc_curves.is_empty() {
            blocks.push(Block::Figure {
                id: "roc",
                svg: svg::roc(lang, &roc_curves, None),
                caption: T::FigRocMulti.get(lang).to_owned(),
            });
        }
        let pr_curves: Vec<svg::Curve<'_>> = pr_data
            .iter()
            .map(|(l, x, y)| svg::Curve {
                label: l.clone(),
                x,
                y,
            })
            .collect();
        if !pr_curves.is_empty() {
            blocks.push(Block::Figure {
                id: "pr",
                svg: svg::pr(lang, &pr_curves, None),
                caption: T::FigPrMulti.get(lang).to_owned(),
            });
        }
    }
    if let Some((labels, counts)) = confusion_counts(eval)? {
        blocks.push(Block::Figure {
            id: "confusion",
            svg: svg::confusion(lang, &labels, &counts),
            caption: T::FigConfusion.get(lang).to_owned(),
        });
    }
    let bins = eval.items("/curves/calibration")?;
    if !bins.is_empty() {
        let bins: Vec<svg::Bin> = bins
            .iter()
            .map(|bin| {
                Ok(svg::Bin {
                    lower: bin.f64("/lower")?,
                    upper: bin.f64("/upper")?,
                    confidence: bin.f64("/mean_confidence")?,
                    observed: bin.f64("/observed")?,
                    weight: bin.f64("/weight")?,
                })
            })
            .collect::<Result<_, ReportError>>()?;
        blocks.push(Block::Figure {
            id: "reliability",
            svg: svg::reliability(lang, &bins),
            caption: T::FigReliability.get(lang).to_owned(),
        });
    }
    b.push("results", T::SecResults, blocks);
    Ok(())
}

/// The positive class's share of the items, from the confusion matrix.
fn positive_share(eval: &At<'_>) -> Result<Option<f64>, ReportError> {
    let Some((_, counts)) = confusion_counts(eval)? else {
        return Ok(None);
    };
    if counts.len() != 2 {
        return Ok(None);
    }
    let total: f64 = counts.iter().flatten().sum();
    let positive: f64 = counts[1].iter().sum();
    Ok((total > 0.0).then(|| positive / total))
}

type Matrix = (Vec<String>, Vec<Vec<f64>>);

fn confusion_counts(eval: &At<'_>) -> Result<Option<Matrix>, ReportError> {
    let cm = eval.at("/confusion_matrix");
    if !cm.has("/counts") {
        return Ok(None);
    }
    let labels: Vec<String> = cm
        .array("/labels")?
        .iter()
        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
        .collect();
    let mut counts = Vec::new();
    for (i, _) in cm.array("/counts")?.iter().enumerate() {
        counts.push(cm.numbers(&format!("/counts/{i}"))?);
    }
    Ok(Some((labels, counts)))
}

/// The metric a slice or robustness figure shows: the first reported metric
/// present there, else accuracy.
fn primary_metric(
    b: &Builder<'_>,
    available: &dyn Fn(&str) -> bool,
) -> Result<String, ReportError> {
    for v in b.rec.array("/reported_metrics")? {
        if let Some(id) = v.as_str()
            && !id.contains('[')
            && available(id)
        {
            return Ok(id.to_owned());
        }
    }
    Ok("accuracy".to_owned())
}

fn slices(b: &mut Builder<'_>, eval: &At<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let groups = eval.items("/slices/groups")?;
    if groups.is_empty() {
        return Ok(());
    }
    let first = groups[0].clone();
    let metric = primary_metric(b, &|id| {
        first.has(&format!("/metrics/{}", pointer_escape(id)))
    })?;
    let overall = b.metric(&format!("/evaluation/metrics/{}", pointer_escape(&metric)))?;
    let mut rows = Vec::new();
    let mut table = Vec::new();
    for g in &groups {
        let key: Vec<String> = g
            .entries("/key")?
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.value
                        .as_str()
                        .map_or_else(|| v.value.to_string(), str::to_owned)
                )
            })
            .collect();
        let label = key.join(", ");
        let m = MetricValue::read(&g.at(&format!("/metrics/{}", pointer_escape(&metric))))?;
        if let Some(v) = m.value {
            rows.push(svg::Row {
                label: format!("{label} (n = {})", lang.count(g.u64("/n")?)),
                value: v,
                ci: m.ci.as_ref().map(|c| (c.0, c.1)),
            });
        }
        let test = g.at(&format!("/tests/{}", pointer_escape(&metric)));
        let test_text = if test.has("") {
            let status = test.opt_str("/status")?.unwrap_or("");
            match test.opt_f64("/adjusted_p")? {
                Some(p) => format!("{status} (p = {})", lang.p_value(p)),
                None => status.to_owned(),
            }
        } else {
            "—".to_owned()
        };
        table.push(vec![
            label,
            lang.count(g.u64("/n")?),
            with_ci(&m, lang),
            test_text,
        ]);
    }
    let mut references = Vec::new();
    if let Some(v) = overall.value {
        references.push((v, format!("{} {}", T::Overall.get(lang), lang.fixed(v, 4))));
    }
    let correction = eval.opt_str("/slices/correction")?.unwrap_or("none");
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
                word(correction, lang)
            )),
        },
    ];
    b.push("slices", T::SecSlices, blocks);
    Ok(())
}

fn baseline(b: &mut Builder<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let cmp = b.rec.at("/comparison");
    if !cmp.has("") {
        return Ok(());
    }
    let mut fields = vec![
        field(T::Baseline, cmp.str("/baseline")?, lang),
        field(T::Candidate, cmp.str("/candidate")?, lang),
    ];
    if let Some(h) = cmp.opt_str("/hypothesis")? {
        let margin = cmp.opt_f64("/margin")?.map_or_else(String::new, |m| {
            format!(", {} {}", T::Margin.get(lang), lang.fixed(m, 4))
        });
        fields.push(field(
            T::Hypothesis,
            format!("{}{margin}", word(h, lang)),
            lang,
        ));
    }
    if let Some(p) = cmp.opt_str("/primary")? {
        fields.push(field(T::PrimaryMetric, metric_name(p, lang), lang));
    }
    if let Some(v) = cmp.opt_str("/verdict")? {
        fields.push(field(T::Verdict, word(v, lang), lang));
    }
    if cmp.has("/mcnemar") {
        fields.push(field(
            T::McNemar,
            format!(
                "p = {} ({} {}, {} {})",
                lang.p_value(cmp.f64("/mcnemar/p_exact")?),
                T::Candidate.get(lang),
                lang.count(cmp.u64("/mcnemar/candidate_only")?),
                T::Baseline.get(lang),
                lang.count(cmp.u64("/mcnemar/baseline_only")?),
            ),
            lang,
        ));
    }
    if cmp.has("/roc_auc") {
        fields.push(field(
            T::DeLong,
            format!(
                "Δ = {} [{}, {}], p = {}",
                lang.fixed(cmp.f64("/roc_auc/difference")?, 4),
                lang.fixed(cmp.f64("/roc_auc/interval/low")?, 4),
                lang.fixed(cmp.f64("/roc_auc/interval/high")?, 4),
                lang.p_value(cmp.f64("/roc_auc/p_value")?),
            ),
            lang,
        ));
    }
    let mut rows = Vec::new();
    let mut forest = Vec::new();
    for d in cmp.items("/differences")? {
        let metric = d.str("/metric")?;
        let diff = MetricValue::read(&d.at(""))?;
        let difference = d.opt_f64("/difference")?;
        let ci = if d.has("/interval") {
            Some((d.f64("/interval/low")?, d.f64("/interval/high")?))
        } else {
            diff.ci.as_ref().map(|c| (c.0, c.1))
        };
        if let Some(v) = difference {
            forest.push(svg::Row {
                label: metric_name(metric, lang),
                value: v,
                ci,
            });
        }
        rows.push(vec![
            metric_name(metric, lang),
            num(d.opt_f64("/baseline")?, lang),
            num(d.opt_f64("/candidate")?, lang),
            match (difference, ci) {
                (Some(v), Some((lo, hi))) => format!(
                    "{} [{}, {}]",
                    lang.fixed(v, 4),
                    lang.fixed(lo, 4),
                    lang.fixed(hi, 4)
                ),
                (v, _) => num(v, lang),
            },
            d.opt_str("/conclusion")?
                .map_or_else(|| "—".to_owned(), |c| word(c, lang)),
        ]);
    }
    let mut references = vec![(0.0, "0".to_owned())];
    if let Some(m) = cmp.opt_f64("/margin")? {
        references.push((-m, format!("-{}", T::Margin.get(lang))));
    }
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
    Ok(())
}

fn robustness(b: &mut Builder<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let rob = b.rec.at("/robustness");
    if !rob.has("") {
        return Ok(());
    }
    let metrics: Vec<String> = rob
        .array("/metrics")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let conditions = rob.items("/conditions")?;
    let metric = metrics
        .first()
        .cloned()
        .unwrap_or_else(|| "accuracy".to_owned());
    let key = pointer_escape(&metric);
    let clean = b.metric(&format!("/evaluation/metrics/{key}"))?;
    let mut series: Vec<svg::Series> = Vec::new();
    let mut rows = Vec::new();
    for c in &conditions {
        let name = c.str("/perturbation")?;
        let severity = c.u64("/severity")?;
        let m = MetricValue::read(&c.at(&format!("/metrics/{key}")))?;
        let drop = MetricValue::read(&c.at(&format!("/metrics/{key}_drop")))?;
        let flip = MetricValue::read(&c.at("/metrics/flip_rate"))?;
        if !series.iter().any(|s| s.label == name) {
            let mut s = svg::Series {
                label: name.to_owned(),
                points: Vec::new(),
            };
            if let Some(v) = clean.value {
                s.points
                    .push((0.0, v, clean.ci.as_ref().map(|c| (c.0, c.1))));
            }
            series.push(s);
        }
        if let (Some(s), Some(v)) = (series.iter_mut().find(|s| s.label == name), m.value) {
            s.points
                .push((severity as f64, v, m.ci.as_ref().map(|c| (c.0, c.1))));
        }
        rows.push(vec![
            name.to_owned(),
            severity.to_string(),
            format!(
                "{} ({})",
                lang.fixed(c.f64("/parameter")?, 3),
                c.str("/unit")?
            ),
            with_ci(&m, lang),
            with_ci(&drop, lang),
            with_ci(&flip, lang),
            lang.p_value(c.f64("/mcnemar/p_exact")?),
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
    Ok(())
}

fn performance(b: &mut Builder<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let t = b.rec.at("/run/model");
    if !t.has("") {
        return Ok(());
    }
    let pct = |p: &str| -> Result<String, ReportError> {
        Ok(format!(
            "p50 {} · p95 {} · p99 {} · {} {} ms",
            lang.fixed(t.f64(&format!("{p}/p50"))?, 3),
            lang.fixed(t.f64(&format!("{p}/p95"))?, 3),
            lang.fixed(t.f64(&format!("{p}/p99"))?, 3),
            if lang == Lang::En { "mean" } else { "평균" },
            lang.fixed(t.f64(&format!("{p}/mean"))?, 3),
        ))
    };
    let env = b.rec.at("/environment");
    let fields = vec![
        field(T::LatencyItem, pct("/item_latency_ms")?, lang),
        field(T::LatencyBatch, pct("/batch_latency_ms")?, lang),
        field(
            T::Throughput,
            format!(
                "{} {}",
                lang.fixed(t.f64("/throughput")?, 1),
                T::ItemsPerSecond.get(lang)
            ),
            lang,
        ),
        field(
            T::InferenceThroughput,
            format!(
                "{} {}",
                lang.fixed(t.f64("/inference_throughput")?, 1),
                T::ItemsPerSecond.get(lang)
            ),
            lang,
        ),
        field(T::BatchSize, t.u64("/batch_size")?.to_string(), lang),
        field(T::Threads, t.u64("/threads")?.to_string(), lang),
        field(T::Processor, env.str("/cpu_model")?, lang),
        field(T::LogicalCpus, env.u64("/logical_cpus")?.to_string(), lang),
        field(
            T::OperatingSystem,
            format!(
                "{} ({}, {})",
                env.str("/os_release")?,
                env.str("/kernel")?,
                env.str("/arch")?
            ),
            lang,
        ),
    ];
    let mut blocks = vec![Block::Fields { fields }];
    let edges = t.numbers("/item_latency_ms/histogram/edges_ms")?;
    let counts: Vec<u64> = t
        .numbers("/item_latency_ms/histogram/counts")?
        .iter()
        .map(|c| c.round() as u64)
        .collect();
    if edges.len() == counts.len() + 1 && !counts.is_empty() {
        blocks.push(Block::Figure {
            id: "latency",
            svg: svg::latency(
                lang,
                &edges,
                &counts,
                &[
                    ("p50", t.f64("/item_latency_ms/p50")?),
                    ("p95", t.f64("/item_latency_ms/p95")?),
                    ("p99", t.f64("/item_latency_ms/p99")?),
                ],
            ),
            caption: T::FigLatency.get(lang).to_owned(),
        });
    }
    b.push("performance", T::SecPerformance, blocks);
    Ok(())
}

fn leakage(b: &mut Builder<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let l = b.rec.at("/leakage");
    if !l.has("") {
        return Ok(());
    }
    let fields = vec![
        field(
            T::TrainingItems,
            lang.count(l.u64("/training/items")?),
            lang,
        ),
        field(T::TestItems, lang.count(l.u64("/test/items")?), lang),
        field(T::LeakageItems, lang.count(l.u64("/leaked")?), lang),
    ];
    b.push("leakage", T::SecLeakage, vec![Block::Fields { fields }]);
    Ok(())
}

fn criteria(b: &mut Builder<'_>, rule: &str, level: Option<f64>) -> Result<Block, ReportError> {
    let lang = b.lang;
    let mut rows = Vec::new();
    let mut judged = b.rec.items("/evaluation/criteria")?;
    judged.extend(b.rec.items("/robustness/criteria")?);
    for c in &judged {
        let passed = match c.value.get("passed") {
            Some(Value::Bool(true)) => T::Met.get(lang),
            Some(Value::Bool(false)) => T::NotMet.get(lang),
            _ => T::NotJudged.get(lang),
        };
        rows.push(vec![
            c.str("/expression")?.to_owned(),
            num(c.opt_f64("/value")?, lang),
            num(c.opt_f64("/compared")?, lang),
            c.opt_f64("/false_accept_risk")?
                .map_or_else(|| "—".to_owned(), |r| lang.fixed(r, 3)),
            passed.to_owned(),
        ]);
    }
    let statement = match rule {
        "simple" => T::RuleSimple.get(lang).to_owned(),
        _ => {
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
    let v = b.rec.at("/verdict");
    let overall = v.str("/overall")?;
    let (tone, label) = match overall {
        "pass" => ("pass", T::VerdictPass),
        "fail" => ("fail", T::VerdictFail),
        _ => ("none", T::VerdictNotJudged),
    };
    let mut text = format!(
        "{}: {} — {} / {} {}",
        T::Verdict.get(lang),
        label.get(lang),
        v.u64("/criteria_met")?,
        v.u64("/criteria_total")?,
        T::CriteriaMet.get(lang)
    );
    if let Some(bv) = v.opt_str("/baseline")? {
        text.push_str(&format!(
            "; {}: {}",
            T::BaselineVerdict.get(lang),
            word(bv, lang)
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
    Ok(verdict)
}

fn disclosures(b: &mut Builder<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let mut rows = Vec::new();
    for d in b.rec.items("/disclosures")? {
        let clause = d.str("/clause")?;
        let disclosed = d.str("/status")? == "disclosed";
        rows.push(vec![
            clause.to_owned(),
            disclosure_title(clause, d.str("/title")?, lang),
            if disclosed {
                T::Disclosed
            } else {
                T::NotDisclosed
            }
            .get(lang)
            .to_owned(),
            d.opt_str("/statement")?.unwrap_or("—").to_owned(),
        ]);
    }
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
    Ok(())
}

fn deviations(b: &mut Builder<'_>, id: &At<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let mut items: Vec<String> = id
        .array("/report/deviations")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let skipped = b.rec.at("/model_run/test_set");
    if skipped.has("/skipped") && skipped.u64("/skipped")? > 0 {
        items.push(format!(
            "{} {}",
            lang.count(skipped.u64("/skipped")?),
            T::DeviationSkipped.get(lang)
        ));
    }
    let not_judged = b
        .rec
        .items("/evaluation/criteria")?
        .iter()
        .filter(|c| !matches!(c.value.get("passed"), Some(Value::Bool(_))))
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
    Ok(())
}

fn warnings(b: &mut Builder<'_>) -> Result<(), ReportError> {
    let lang = b.lang;
    let mut items = Vec::new();
    for w in b.rec.items("/warnings")? {
        items.push(format!(
            "{}: {}",
            warning_title(w.str("/code")?, lang),
            w.str("/message")?
        ));
    }
    let block = if items.is_empty() {
        Block::Paragraph {
            text: T::NoWarnings.get(lang).to_owned(),
        }
    } else {
        Block::List { items }
    };
    b.push("warnings", T::SecWarnings, vec![block]);
    Ok(())
}
