//! Acceptance criteria such as `recall[defect] >= 0.95` or `ece <= 0.03`,
//! judged under a stated decision rule (ISO/IEC 17025 clause 7.8.6):
//!
//! - `simple`: the point estimate must clear the threshold;
//! - `guarded`: the bound of the confidence interval on the unfavourable side
//!   must clear it (guarded acceptance), so the risk of a false accept is at
//!   most (1 − level) / 2.

use crate::result::EvalResult;

pub use assay_record::eval::{Comparison, Criterion, Judgement};
pub use assay_stats::decision::DecisionRule;

/// A criterion that cannot be parsed or does not name a metric of the result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("criterion {expression:?}: {problem}\n    {expression}\n    {caret}")]
pub struct CriterionError {
    /// The text as given.
    pub expression: String,
    /// What is wrong.
    pub problem: String,
    /// A caret line under the offending part.
    pub caret: String,
    /// The offending part, as a byte range of the expression.
    pub span: std::ops::Range<usize>,
}

fn error(expression: &str, start: usize, len: usize, problem: impl Into<String>) -> CriterionError {
    let pad: String = expression
        .chars()
        .take(start)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    CriterionError {
        expression: expression.into(),
        problem: problem.into(),
        caret: format!("{pad}{}", "^".repeat(len.max(1))),
        span: start..start + len,
    }
}

/// Parse `METRIC[CLASS] OP NUMBER` (the `[CLASS]` part is optional).
pub fn parse(expression: &str) -> Result<Criterion, CriterionError> {
    let ops = [
        (">=", Comparison::AtLeast),
        ("<=", Comparison::AtMost),
        (">", Comparison::Above),
        ("<", Comparison::Below),
    ];
    let Some((at, op, comparison)) = ops
        .iter()
        .filter_map(|(op, c)| expression.find(op).map(|i| (i, *op, *c)))
        .min_by_key(|(i, op, _)| (*i, usize::MAX - op.len()))
    else {
        return Err(error(
            expression,
            0,
            expression.len(),
            "expected METRIC >= NUMBER (or >, <=, <), e.g. recall[defect] >= 0.95",
        ));
    };
    let left = &expression[..at];
    // `=>` and `=<` are not comparisons: say so at the `=`.
    if let Some(eq) = left.rfind('=')
        && left[eq + 1..].trim().is_empty()
    {
        let written = &expression[eq..at + op.len()];
        let meant = if op.starts_with('>') { ">=" } else { "<=" };
        return Err(error(
            expression,
            eq,
            at + op.len() - eq,
            format!("'{written}' is not a comparison; write '{meant}'"),
        ));
    }
    let right = &expression[at + op.len()..];
    let right_start = at + op.len() + (right.len() - right.trim_start().len());
    let threshold: f64 = right.trim().parse().map_err(|_| {
        error(
            expression,
            right_start,
            right.trim().len(),
            format!("'{}' is not a number", right.trim()),
        )
    })?;
    if !threshold.is_finite() {
        return Err(error(
            expression,
            right_start,
            right.trim().len(),
            "the threshold must be a finite number",
        ));
    }
    let name = left.trim();
    let name_start = left.len() - left.trim_start().len();
    if name.is_empty() {
        return Err(error(
            expression,
            0,
            at.max(1),
            "a metric id is missing before the comparison",
        ));
    }
    let (metric, class) = match name.split_once('[') {
        Some((m, rest)) => {
            let Some(class) = rest.strip_suffix(']') else {
                return Err(error(
                    expression,
                    name_start,
                    name.len(),
                    "expected METRIC[CLASS] with a closing ']'",
                ));
            };
            (m.trim().to_owned(), Some(class.trim().to_owned()))
        }
        None => (name.to_owned(), None),
    };
    if let Some(bad) = metric
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.'))
    {
        return Err(error(
            expression,
            name_start + bad.0,
            bad.1.len_utf8(),
            format!(
                "a metric id has letters, digits, '_' and '.' only, not '{}': expected METRIC >= NUMBER (or >, <=, <), e.g. recall[defect] >= 0.95",
                bad.1
            ),
        ));
    }
    Ok(Criterion {
        expression: expression.into(),
        metric,
        class,
        comparison,
        threshold,
    })
}

fn metric_span(c: &Criterion) -> (usize, usize) {
    let start = c.expression.len() - c.expression.trim_start().len();
    (start, c.metric.len())
}

fn class_span(c: &Criterion) -> (usize, usize) {
    let class = c.class.as_deref().unwrap_or("");
    let start = c.expression.find('[').map_or(0, |i| i + 1);
    (start, class.len())
}

/// Check that criterion `c` names a metric (and class) of the result.
pub fn check(c: &Criterion, result: &EvalResult) -> Result<(), CriterionError> {
    let known: Vec<&str> = result.metrics.iter().map(|(k, _)| k).collect();
    match &c.class {
        None => {
            if result.metrics.get(&c.metric).is_none() {
                let (s, l) = metric_span(c);
                return Err(error(
                    &c.expression,
                    s,
                    l,
                    format!(
                        "unknown metric '{}'{}; this result has: {}",
                        c.metric,
                        assay_base::text::did_you_mean(&c.metric, known.iter().copied()),
                        known.join(", ")
                    ),
                ));
            }
        }
        Some(class) => {
            let table = result.per_class.as_ref().or(result.per_label.as_ref());
            let Some(table) = table else {
                let (s, l) = class_span(c);
                return Err(error(
                    &c.expression,
                    s,
                    l,
                    "this result has no per-class metrics",
                ));
            };
            let Some(set) = table.get(class) else {
                let names: Vec<&str> = table.0.iter().map(|(k, _)| k.as_str()).collect();
                let (s, l) = class_span(c);
                return Err(error(
                    &c.expression,
                    s,
                    l,
                    format!(
                        "unknown class '{class}'{}; the classes are: {}",
                        assay_base::text::did_you_mean(class, names.iter().copied()),
                        names.join(", ")
                    ),
                ));
            };
            if set.get(&c.metric).is_none() {
                let ids: Vec<&str> = set.iter().map(|(k, _)| k).collect();
                let (s, l) = metric_span(c);
                return Err(error(
                    &c.expression,
                    s,
                    l,
                    format!(
                        "unknown per-class metric '{}'{}; per class there are: {}",
                        c.metric,
                        assay_base::text::did_you_mean(&c.metric, ids.iter().copied()),
                        ids.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Check the metric of criterion `c` against a result whose classes are
/// not known yet (a dry run, before the labels are read): a per-class
/// criterion's metric must be a per-class metric; its class is checked
/// when the data are read.
pub fn check_metric(c: &Criterion, result: &EvalResult) -> Result<(), CriterionError> {
    let Some(table) = result.per_class.as_ref().or(result.per_label.as_ref()) else {
        return check(c, result);
    };
    match (&c.class, table.0.first()) {
        (Some(_), Some((class, _))) => check(
            &Criterion {
                class: Some(class.clone()),
                ..c.clone()
            },
            result,
        ),
        _ => check(c, result),
    }
}

/// Judge a checked criterion against a result.
pub fn judge(criterion: &Criterion, result: &EvalResult, rule: DecisionRule) -> Judgement {
    judge_metric(criterion, result.criterion_metric(criterion), rule)
}

/// Judge a criterion against a metric value found elsewhere (e.g. a
/// robustness result).
pub fn judge_metric(
    criterion: &Criterion,
    metric: Option<&assay_metrics::MetricValue>,
    rule: DecisionRule,
) -> Judgement {
    let value = metric.and_then(|m| m.value);
    let ci = metric.and_then(|m| m.ci.as_ref());
    let higher = criterion.comparison.higher_is_better();
    let mut out = Judgement {
        criterion: criterion.clone(),
        rule,
        value,
        compared: None,
        passed: false,
        false_accept_risk: None,
        reason: None,
    };
    let Some(value) = value else {
        out.reason = Some(
            metric
                .and_then(|m| m.reason.clone())
                .unwrap_or_else(|| "the metric is undefined".into()),
        );
        return out;
    };
    match rule {
        DecisionRule::Simple => {
            out.compared = Some(value);
            out.passed = criterion.comparison.holds(value, criterion.threshold);
            if let Some(ci) = ci {
                // Normal approximation: the standard error from the interval's width.
                let z = assay_stats::normal_quantile(1.0 - (1.0 - ci.level) / 2.0);
                let se = (ci.high - ci.low) / (2.0 * z);
                if se > 0.0 {
                    let distance = if higher {
                        value - criterion.threshold
                    } else {
                        criterion.threshold - value
                    };
                    out.false_accept_risk =
                        out.passed.then(|| assay_stats::normal_cdf(-distance / se));
                }
            }
        }
        DecisionRule::Guarded => match ci {
            Some(ci) => {
                let bound = if higher { ci.low } else { ci.high };
                out.compared = Some(bound);
                out.passed = criterion.comparison.holds(bound, criterion.threshold);
                out.false_accept_risk = out.passed.then_some((1.0 - ci.level) / 2.0);
            }
            None => {
                let why = metric
                    .and_then(|m| m.interval_note.as_deref())
                    .map_or_else(String::new, |n| format!(" ({n})"));
                out.reason = Some(format!(
                    "the guarded rule needs a confidence interval, and this metric has none{why}"
                ));
            }
        },
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        let c = parse("recall[defect] >= 0.95").unwrap();
        assert_eq!(
            (
                c.metric.as_str(),
                c.class.as_deref(),
                c.comparison,
                c.threshold
            ),
            ("recall", Some("defect"), Comparison::AtLeast, 0.95)
        );
        let c = parse("ece<=0.03").unwrap();
        assert_eq!(
            (c.metric.as_str(), c.comparison),
            ("ece", Comparison::AtMost)
        );
        assert_eq!(
            parse("log_loss < 0.2").unwrap().comparison,
            Comparison::Below
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("roc_auc >= high").unwrap_err();
        assert!(e.problem.contains("'high' is not a number"));
        assert_eq!(e.caret, "           ^^^^");
        assert!(parse("roc_auc 0.9").is_err());
        assert!(parse("recall[defect >= 0.9").is_err());
    }
}
