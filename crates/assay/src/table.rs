//! The terminal report: a per-class table in the spirit of scikit-learn's
//! `classification_report`, every metric with its value (or why it is
//! undefined), and the confusion matrix.

use std::fmt::Write as _;

use assay_eval::EvalResult;
use assay_eval::result::OrderedMap;
use assay_metrics::{MetricSet, MetricValue};

/// Confusion matrices wider than this are left to the JSON output.
const MAX_MATRIX_CLASSES: usize = 20;

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn metric_cell(v: Option<&MetricValue>) -> String {
    match v.and_then(|m| m.value) {
        Some(x) => format!("{x:.4}"),
        None => "—".into(),
    }
}

fn per_class_table(out: &mut String, title: &str, rows: &OrderedMap<MetricSet>) {
    let cols = ["precision", "recall", "specificity", "f1", "support"];
    let width = rows
        .0
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .max(title.len())
        .min(40);
    let _ = write!(out, "{title:>width$}");
    for c in cols {
        let _ = write!(out, " {c:>11}");
    }
    out.push('\n');
    for (name, set) in &rows.0 {
        let shown: String = name.chars().take(40).collect();
        let _ = write!(out, "{shown:>width$}");
        for c in cols {
            let cell = if c == "support" {
                set.get(c).and_then(|m| m.value).map_or("—".into(), number)
            } else {
                metric_cell(set.get(c))
            };
            let _ = write!(out, " {cell:>11}");
        }
        out.push('\n');
    }
}

fn metrics_list(out: &mut String, metrics: &MetricSet) {
    let width = metrics
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let level = metrics
        .iter()
        .find_map(|(_, m)| m.ci.as_ref().map(|c| c.level));
    let ci_title = level.map_or(String::new(), |l| format!("{:.0}% interval", l * 100.0));
    let header = format!("{:<width$}  {:>10}  {ci_title}", "metric", "value");
    let _ = writeln!(out, "{}", header.trim_end());
    for (id, m) in metrics.iter() {
        let ci =
            m.ci.as_ref()
                .map_or(String::new(), |c| format!("[{:.4}, {:.4}]", c.low, c.high));
        let mut line = format!("{id:<width$}  {:>10}  {ci:<19}", metric_cell(Some(m)));
        if let Some(reason) = &m.reason {
            let _ = write!(line, "  ({reason})");
        }
        if let Some(note) = &m.note {
            let _ = write!(line, "  ({note})");
        }
        if let Some(bound) = m.error_bound {
            let _ = write!(line, "  (± {bound:.2e} at most, binned)");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

fn confusion(out: &mut String, labels: &[String], counts: &[Vec<f64>]) {
    let cells: Vec<Vec<String>> = counts
        .iter()
        .map(|r| r.iter().map(|&v| number(v)).collect())
        .collect();
    let label_w = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1)
        .min(20);
    let cell_w = cells
        .iter()
        .flatten()
        .map(String::len)
        .chain(labels.iter().map(|l| l.chars().count().min(20)))
        .max()
        .unwrap_or(1);
    let _ = writeln!(out, "confusion matrix (rows: truth, columns: predicted)");
    let _ = write!(out, "{:>label_w$}", "");
    for l in labels {
        let shown: String = l.chars().take(20).collect();
        let _ = write!(out, " {shown:>cell_w$}");
    }
    out.push('\n');
    for (l, row) in labels.iter().zip(&cells) {
        let shown: String = l.chars().take(20).collect();
        let _ = write!(out, "{shown:>label_w$}");
        for c in row {
            let _ = write!(out, " {c:>cell_w$}");
        }
        out.push('\n');
    }
}

/// The whole report as text.
pub fn render(r: &EvalResult) -> String {
    let mut out = String::new();
    let what = match r.task {
        assay_eval::Task::Binary => {
            format!(
                "binary, positive class '{}'",
                r.positive.as_deref().unwrap_or("?")
            )
        }
        assay_eval::Task::Multiclass => format!("multi-class, {} classes", r.classes.len()),
        assay_eval::Task::Multilabel => format!("multi-label, {} labels", r.classes.len()),
        assay_eval::Task::Regression => "regression".to_owned(),
        assay_eval::Task::Clustering => {
            let clusters = r.curves.clustering.as_ref().map_or(0, |c| c.clusters.len());
            format!("clustering, {clusters} clusters")
        }
    };
    let _ = writeln!(out, "{} — {what}, {} items", r.input.paths.join(" "), r.n);
    if let Some(w) = r.total_weight {
        let _ = writeln!(out, "weighted: total weight {}", number(w));
    }
    out.push('\n');
    if let Some(pc) = &r.per_class {
        per_class_table(&mut out, "class", pc);
        out.push('\n');
    }
    if let Some(pl) = &r.per_label {
        per_class_table(&mut out, "label", pl);
        out.push('\n');
    }
    metrics_list(&mut out, &r.metrics);
    if let Some(slices) = &r.slices {
        slices_table(&mut out, slices);
    }
    if let Some(criteria) = &r.criteria {
        criteria_list(&mut out, criteria, r.verdict);
    }
    if let Some(counts) = &r.confusion_matrix.counts {
        out.push('\n');
        if r.confusion_matrix.labels.len() <= MAX_MATRIX_CLASSES {
            confusion(&mut out, &r.confusion_matrix.labels, counts);
        } else {
            let _ = writeln!(
                out,
                "confusion matrix: {} × {} (see the JSON output, --json)",
                counts.len(),
                counts.len()
            );
        }
    }
    out
}

/// The slices and their tests against the rest.
fn slices_table(out: &mut String, slices: &assay_record::eval::SlicesOut) {
    out.push('\n');
    let correction = match slices.correction {
        assay_stats::slices::Correction::Holm => "Holm",
        assay_stats::slices::Correction::BenjaminiHochberg => "Benjamini–Hochberg",
    };
    let _ = writeln!(
        out,
        "slices by {} ({correction} across all tests, alpha {}; under {} items or power below {} to see a {} difference: insufficient evidence)",
        slices
            .slicings
            .iter()
            .map(|c| c.join(" × "))
            .collect::<Vec<_>>()
            .join(", "),
        slices.alpha,
        slices.min_size,
        slices.min_power,
        slices.effect
    );
    for g in &slices.groups {
        let key: Vec<String> = g.key.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut line = format!("  {:<24} n={:<7}", key.join(" "), g.n);
        for id in ["accuracy", "recall", "roc_auc"] {
            if let Some(m) = g.metrics.get(id) {
                let ci =
                    m.ci.as_ref()
                        .map_or(String::new(), |c| format!(" [{:.3}, {:.3}]", c.low, c.high));
                let _ = write!(line, " {id} {}{ci}", metric_cell(Some(m)));
            }
        }
        let _ = writeln!(out, "{line}");
        let mut by_status: Vec<(&str, Vec<String>)> = Vec::new();
        for (id, t) in &g.tests.0 {
            let entry = match t.adjusted_p {
                Some(p) if t.status == assay_eval::slices::SliceStatus::Differs => {
                    format!("{id} (adjusted p {p:.4})")
                }
                _ => id.clone(),
            };
            match by_status.iter_mut().find(|(s, _)| *s == t.status.name()) {
                Some((_, v)) => v.push(entry),
                None => by_status.push((t.status.name(), vec![entry])),
            }
        }
        for (status, ids) in by_status {
            let _ = writeln!(out, "      {status}: {}", ids.join(", "));
        }
    }
}

/// The criteria, their judgements and the verdict.
fn criteria_list(
    out: &mut String,
    criteria: &[assay_record::eval::Judgement],
    verdict: Option<assay_record::Outcome>,
) {
    out.push('\n');
    let rule = criteria.first().map_or("", |j| match j.rule {
        assay_eval::criteria::DecisionRule::Simple => {
            "simple: the estimate must clear the threshold"
        }
        assay_eval::criteria::DecisionRule::Guarded => {
            "guarded: the interval bound must clear the threshold"
        }
    });
    let _ = writeln!(out, "criteria (decision rule {rule})");
    for j in criteria {
        let mark = crate::style::verdict(if j.passed { "PASS" } else { "FAIL" }, j.passed);
        let compared = j.compared.map_or("—".into(), |v| format!("{v:.4}"));
        let risk = j
            .false_accept_risk
            .map_or(String::new(), |p| format!(", false-accept risk {p:.3}"));
        let why = j
            .reason
            .as_ref()
            .map_or(String::new(), |r| format!(" ({r})"));
        let _ = writeln!(
            out,
            "  {mark}  {}  (compared {compared}{risk}){why}",
            j.criterion.expression
        );
    }
    let _ = writeln!(
        out,
        "verdict: {}",
        verdict.map_or("—", |v| v.name()).to_uppercase()
    );
}

/// The comparison report.
pub fn render_compare(r: &assay_eval::compare::CompareResult) -> String {
    use assay_stats::compare::Conclusion;
    let mut out = String::new();
    let what = match (&r.positive, &r.classes) {
        (Some(p), _) => format!("positive class '{p}'"),
        (None, Some(c)) => format!("{} classes", c.len()),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        out,
        "candidate {} vs baseline {} — {} paired items, {what}\n",
        r.candidate, r.baseline, r.n
    );
    let m = &r.mcnemar;
    let _ = writeln!(
        out,
        "McNemar: only the candidate right on {}, only the baseline on {}; exact p = {:.4}, mid-p = {:.4}",
        m.candidate_only, m.baseline_only, m.p_exact, m.p_mid
    );
    if let Some(d) = &r.roc_auc {
        let _ = writeln!(
            out,
            "DeLong: AUC {:.4} vs {:.4}, z = {:.3}, p = {:.4}",
            d.auc_candidate, d.auc_baseline, d.z, d.p_value
        );
    }
    let level = r
        .differences
        .iter()
        .find_map(|d| d.interval.as_ref().map(|i| i.level))
        .unwrap_or(0.95);
    let _ = writeln!(
        out,
        "\n{:<18} {:>10} {:>10} {:>11}  {:<21} conclusion",
        "metric",
        "candidate",
        "baseline",
        "difference",
        format!("{:.0}% interval", level * 100.0)
    );
    let num = |v: Option<f64>| v.map_or("—".to_owned(), |x| format!("{x:.4}"));
    for d in &r.differences {
        let ci = d.interval.as_ref().map_or("—".to_owned(), |i| {
            format!("[{:.4}, {:.4}]", i.low, i.high)
        });
        let conclusion = match d.conclusion {
            Some(Conclusion::Superior) => "superior",
            Some(Conclusion::NonInferior) => "non-inferior",
            Some(Conclusion::Inferior) => "inferior",
            Some(Conclusion::Inconclusive) => "inconclusive",
            None => "—",
        };
        let _ = writeln!(
            out,
            "{:<18} {:>10} {:>10} {:>11}  {ci:<21} {conclusion}",
            d.metric,
            num(d.candidate),
            num(d.baseline),
            num(d.difference)
        );
    }
    let hypothesis = match r.hypothesis {
        assay_eval::compare::Hypothesis::NonInferiority => "non-inferiority",
        assay_eval::compare::Hypothesis::Superiority => "superiority",
    };
    let _ = writeln!(
        out,
        "\nverdict ({hypothesis} on {}, margin {}): {}",
        r.primary,
        r.margin,
        r.verdict.name().to_uppercase()
    );
    out
}
