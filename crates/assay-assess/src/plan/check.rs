//! The checks a plan passes before it is resolved: the schema, every file
//! it names exists, values in range, criteria that parse, one test set, the
//! robustness conditions; each error placed at its line and column.

use std::ops::Range;
use std::path::PathBuf;

use assay_eval::criteria::Criterion;
use assay_stats::decision::DecisionRule;
use toml::Spanned;

use super::error::{PlanError, Source, inner_span};
use super::file::{Files, PlanFile};
use super::{PLAN_SCHEMA, is_robustness_criterion, resolve};

/// A plan file being checked against its text.
pub(super) struct Checker<'a> {
    pub(super) src: &'a Source,
    pub(super) f: &'a PlanFile,
}

impl Checker<'_> {
    /// Refuse an absolute path: the plan's text goes into the record and
    /// the certificate, which leave the lab; a path of the lab's machine
    /// must not.
    fn relative(&self, value: &Spanned<String>, what: &str) -> Result<(), PlanError> {
        let written = value.get_ref();
        let windows_drive = written.len() > 2
            && written.as_bytes()[0].is_ascii_alphabetic()
            && written[1..].starts_with(":\\");
        if std::path::Path::new(written).is_absolute() || windows_drive || written.starts_with('~')
        {
            return Err(self.src.error(
                value.span(),
                &format!(
                    "{what} '{written}' is an absolute path: write it relative to the plan's folder \
                     (e.g. \"data/test.csv\" or \"../shared/test.csv\"); the plan's text goes into the record \
                     and the certificate, which must not name a path of the lab's machine"
                ),
            ));
        }
        Ok(())
    }

    fn existing(&self, value: &Spanned<String>, what: &str) -> Result<PathBuf, PlanError> {
        self.relative(value, what)?;
        let path = self.src.resolve(value.get_ref());
        if path.exists() {
            Ok(path)
        } else {
            Err(self.src.error(
                value.span(),
                &format!(
                    "{what} '{}' does not exist (looked for {}; paths are relative to the plan's folder)",
                    value.get_ref(),
                    path.display()
                ),
            ))
        }
    }

    /// The lab's logo: an existing PNG or JPEG file (its header read; the
    /// certificate decodes it whole), at the plan's `logo = …` line.
    fn logo(&self, logo: &str) -> Result<(), PlanError> {
        // [lab] is not read with spans: the value's own place in the text.
        let span = ["\"", "'"]
            .iter()
            .find_map(|q| self.src.text.find(&format!("{q}{logo}{q}")))
            .map_or(0..0, |at| at..at + logo.len() + 2);
        let value = Spanned::new(span.clone(), logo.to_owned());
        let what = "[lab] logo";
        let path = self.existing(&value, what)?;
        let mut head = [0u8; 8];
        let read = std::fs::File::open(&path)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
            .unwrap_or(0);
        let png = read == 8 && head == *b"\x89PNG\r\n\x1a\n";
        let jpeg = read >= 3 && head[..3] == [0xFF, 0xD8, 0xFF];
        let lower = logo.to_ascii_lowercase();
        let named = if lower.ends_with(".png") {
            png
        } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
            jpeg
        } else {
            false
        };
        if named {
            Ok(())
        } else {
            Err(self.src.error(
                span,
                &format!(
                    "{what} '{logo}' is not an image the certificate can show: give a PNG (.png) or JPEG (.jpg) file{}",
                    if png || jpeg { " whose name says which it is" } else { "" }
                ),
            ))
        }
    }

    fn check_test_set(&self) -> Result<(), PlanError> {
        let f = self.f;
        let Some(ts) = &f.test_set else {
            let span = f.model.file.as_ref().map_or(0..0, |m| m.span());
            return Err(self.src.error(
                span,
                "a model run needs a [test_set] with folder = \"…\" (one sub-folder per class) or manifest = \"…\"",
            ));
        };
        let named: Vec<&Spanned<String>> = [&ts.folder, &ts.manifest, &ts.table]
            .into_iter()
            .flatten()
            .collect();
        match named.as_slice() {
            [one] => {
                let what = if ts.folder.is_some() {
                    "the test-set folder"
                } else if ts.manifest.is_some() {
                    "the test-set manifest"
                } else {
                    "the test-set table"
                };
                self.existing(one, what)?;
            }
            [] => {
                let span = f.model.file.as_ref().map_or(0..0, |m| m.span());
                return Err(self.src.error(
                    span,
                    "[test_set] needs folder = \"…\" (one sub-folder per class), manifest = \"…\" (image paths and labels) or table = \"…\" (feature columns)",
                ));
            }
            [_, second, ..] => {
                return Err(self.src.error(
                    second.span(),
                    "name one of folder, manifest or table under [test_set]",
                ));
            }
        }
        if let Some(t) = &ts.table
            && ts.features.is_none()
            && ts.feature_prefix.is_none()
        {
            return Err(self.src.error(
                t.span(),
                "a feature table needs features = [\"…\"] (in the model's input order) or feature_prefix = \"…\"",
            ));
        }
        if let Some(p) = &f.preprocessing {
            if let Err(message) = resolve::preprocess(self.f).check() {
                return Err(self
                    .src
                    .error(p.span(), &format!("preprocessing: {message}")));
            }
            if let Some(b) = &p.get_ref().batch_size
                && *b.get_ref() == 0
            {
                return Err(self.src.error(b.span(), "batch_size must be at least 1"));
            }
        }
        Ok(())
    }

    fn check_robustness(&self, criteria: &[(Criterion, Range<usize>)]) -> Result<(), PlanError> {
        let f = self.f;
        let Some(r) = &f.robustness else {
            if let Some(c) = &f.criteria
                && let Some(e) = c
                    .require
                    .iter()
                    .find(|e| is_robustness_criterion(e.get_ref()))
            {
                return Err(self.src.error(
                    e.span(),
                    "a robustness criterion needs a [robustness] section (and a model to run)",
                ));
            }
            return Ok(());
        };
        if f.model.file.is_none() {
            return Err(self.src.error(
                0..0,
                "[robustness] runs the model on perturbed images: name the model under [model] file",
            ));
        }
        for p in r.perturbations.iter().flatten() {
            if let Some(kind) = assay_model::Perturbation::from_name(p.get_ref())
                && kind.is_tabular() != resolve::tabular(self.f)
            {
                return Err(self.src.error(
                    p.span(),
                    if resolve::tabular(self.f) {
                        "a feature table takes the perturbation feature_noise; the others are for images"
                    } else {
                        "feature_noise is for feature tables; images take noise, blur, brightness, contrast, jpeg, occlusion, rotation"
                    },
                ));
            }
            if assay_model::Perturbation::from_name(p.get_ref()).is_none() {
                let names: Vec<&str> = assay_model::Perturbation::ALL
                    .iter()
                    .chain(&assay_model::Perturbation::TABULAR)
                    .map(|p| p.name())
                    .collect();
                return Err(self.src.error(
                    p.span(),
                    &format!(
                        "unknown perturbation '{}'; there are: {}",
                        p.get_ref(),
                        names.join(", ")
                    ),
                ));
            }
        }
        for s in r.severities.iter().flatten() {
            if !(1..=5).contains(s.get_ref()) {
                return Err(self.src.error(s.span(), "severities run from 1 to 5"));
            }
        }
        for m in r.metrics.iter().flatten() {
            if !assay_eval::compare::all_metric_ids().contains(&m.get_ref().as_str()) {
                return Err(self.src.error(
                    m.span(),
                    &format!(
                        "robustness reports metrics the paired comparison has: {}",
                        assay_eval::compare::all_metric_ids().join(", ")
                    ),
                ));
            }
        }
        let (kinds, severities, metrics) =
            resolve::robustness_conditions(self.f).unwrap_or_default();
        for (c, span) in criteria {
            let Some(rest) = c.metric.strip_prefix("robustness.") else {
                continue;
            };
            let parts: Vec<&str> = rest.splitn(3, '.').collect();
            let ok = match parts.as_slice() {
                [p, s, m] => {
                    let kind = assay_model::Perturbation::from_name(p);
                    let sev = s.parse::<u8>().ok();
                    let metric_ok = *m == "flip_rate"
                        || metrics.iter().any(|x| x == m || format!("{x}_drop") == *m);
                    kind.is_some_and(|k| kinds.contains(&k))
                        && sev.is_some_and(|s| severities.contains(&s))
                        && metric_ok
                }
                _ => false,
            };
            if !ok {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                return Err(self.src.error(
                    span.clone(),
                    &format!(
                        "criterion {:?}: a robustness criterion reads robustness.PERTURBATION.SEVERITY.METRIC with a perturbation of [robustness] ({}), a severity of it ({}) and METRIC one of {}, METRIC_drop or flip_rate",
                        c.expression,
                        names.join(", "),
                        severities.iter().map(u8::to_string).collect::<Vec<_>>().join(", "),
                        metrics.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every file of a list must exist; the error points at the one that does not.
    fn existing_files(&self, value: &Spanned<Files>, what: &str) -> Result<(), PlanError> {
        let span = value.span();
        let raw = self.src.text.get(span.clone()).unwrap_or("");
        for name in &value.get_ref().0 {
            let absolute = std::path::Path::new(name).is_absolute() || name.starts_with('~');
            if !absolute && self.src.resolve(name).exists() {
                continue;
            }
            // The element's own span when it is written plainly, else the whole value.
            let inner = ["\"", "'"]
                .iter()
                .find_map(|q| raw.find(&format!("{q}{name}{q}")))
                .map_or(span.clone(), |at| {
                    span.start + at..span.start + at + name.len() + 2
                });
            let spanned = Spanned::new(inner, name.clone());
            self.existing(&spanned, what)?;
        }
        Ok(())
    }

    /// Refuse a plan that still holds a template's placeholders, naming
    /// each one.
    fn filled_in(&self) -> Result<(), PlanError> {
        let found = super::placeholder::find(&self.src.text);
        let Some(first) = found.first() else {
            return Ok(());
        };
        let mut message = format!(
            "{} {} still written <like this>: fill {} in before the plan is run (no record, report or certificate is made from a template)",
            found.len(),
            if found.len() == 1 {
                "value is"
            } else {
                "values are"
            },
            if found.len() == 1 { "it" } else { "each" },
        );
        for p in &found {
            let (line, column) = super::error::line_column(&self.src.text, p.span.start);
            message.push_str(&format!("\n  {line}:{column} {} = {}", p.key, p.text));
        }
        Err(self.src.error(first.span.clone(), &message))
    }

    pub(super) fn check(&self) -> Result<Vec<(Criterion, Range<usize>)>, PlanError> {
        let f = self.f;
        self.filled_in()?;
        if let Some(schema) = &f.schema
            && schema.get_ref() != PLAN_SCHEMA
        {
            return Err(self.src.error(
                schema.span(),
                &format!(
                    "this version of assay reads plans of schema '{PLAN_SCHEMA}', not '{}'",
                    schema.get_ref()
                ),
            ));
        }
        match (&f.data.predictions, &f.model.file) {
            (Some(p), None) => self.existing_files(p, "the predictions file")?,
            (None, Some(model)) => {
                self.existing(model, "the model file")?;
                if let Some(dir) = &f.model.directory {
                    self.existing(dir, "the model directory")?;
                }
                self.check_test_set()?;
            }
            (Some(p), Some(_)) => {
                return Err(self.src.error(
                    p.span(),
                    "name either predictions here or a model to run under [model] file, not both",
                ));
            }
            (None, None) => {
                return Err(self.src.error(
                    0..0,
                    "the plan needs predictions = \"FILE\" under [data], or a model to run: file = \"MODEL.onnx\" under [model] and a [test_set]",
                ));
            }
        }
        if let Some(b) = &f.baseline {
            self.existing_files(&b.predictions, "the baseline predictions file")?;
        }
        if let Some(l) = &f.leakage {
            self.existing(&l.training, "the training-data manifest")?;
            self.existing(&l.test, "the test-data manifest")?;
        }
        if let Some(logo) = &f.lab.logo {
            self.logo(logo)?;
        }
        // [lab] and [client] share a shape; what only a lab has is refused
        // under [client] rather than ignored.
        for (field, given) in [
            ("role", f.client.role.is_some()),
            ("logo", f.client.logo.is_some()),
        ] {
            if given {
                let at = self
                    .src
                    .text
                    .find("[client]")
                    .map_or(0..0, |i| i..i + "[client]".len());
                return Err(self.src.error(
                    at,
                    &format!(
                        "[client] {field}: only the lab has a {field} (it names and marks the certificate); move it to [lab]"
                    ),
                ));
            }
        }
        if let Some(received) = &f.report.received
            && !assay_base::date::is_date(received.get_ref())
        {
            return Err(self.src.error(
                received.span(),
                "the date the items were received must be a date written YYYY-MM-DD, e.g. \"2026-11-20\"",
            ));
        }
        if let Some(d) = &f.data.delimiter {
            let mut chars = d.get_ref().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii() => {}
                _ => {
                    return Err(self.src.error(
                        d.span(),
                        "the delimiter must be one ASCII character, e.g. \";\" or \"\\t\"",
                    ));
                }
            }
        }
        self.check_ranges()?;
        if let (Some(c), Some(enabled)) = (&f.criteria, &f.intervals.enabled)
            && !*enabled.get_ref()
            && c.decision_rule != Some(DecisionRule::Simple)
            && !c.require.is_empty()
        {
            return Err(self.src.error(
                enabled.span(),
                "the guarded decision rule judges criteria by their confidence intervals; keep intervals enabled, or set decision_rule = \"simple\" under [criteria]",
            ));
        }
        let mut criteria = Vec::new();
        if let Some(c) = &f.criteria {
            for expr in &c.require {
                match assay_eval::criteria::parse(expr.get_ref()) {
                    Ok(parsed) => criteria.push((parsed, expr.span())),
                    Err(e) => {
                        return Err(self.src.error(
                            inner_span(&self.src.text, expr, e.span.clone()),
                            &format!("criterion {:?}: {}", e.expression, e.problem),
                        ));
                    }
                }
            }
        }
        if let Some(b) = &f.baseline
            && let Some(m) = &b.metric
        {
            let ids = assay_eval::compare::all_metric_ids();
            if !ids.contains(&m.get_ref().as_str()) {
                return Err(self.src.error(
                    m.span(),
                    &format!(
                        "the baseline comparison has no metric '{}'; it compares: {}",
                        m.get_ref(),
                        ids.join(", ")
                    ),
                ));
            }
        }
        self.check_robustness(&criteria)?;
        Ok(criteria)
    }

    fn check_ranges(&self) -> Result<(), PlanError> {
        let f = self.f;
        let e = &f.evaluation;
        let i = &f.intervals;
        let need = |ok: bool, span: Range<usize>, message: &str| {
            if ok {
                Ok(())
            } else {
                Err(self.src.error(span, message))
            }
        };
        if let Some(v) = &e.threshold {
            need(
                v.get_ref().is_finite(),
                v.span(),
                "threshold must be a finite number",
            )?;
        }
        if let Some(v) = &e.beta {
            need(
                v.get_ref().is_finite() && *v.get_ref() > 0.0,
                v.span(),
                "beta must be a positive number",
            )?;
        }
        if let Some(v) = &e.calibration_bins {
            need(
                (1..=10_000).contains(v.get_ref()),
                v.span(),
                "calibration_bins must be between 1 and 10000",
            )?;
        }
        if let Some(v) = &e.top_k {
            need(*v.get_ref() >= 1, v.span(), "top_k must be at least 1")?;
        }
        if let Some(v) = &e.sum_tolerance {
            need(
                v.get_ref().is_finite() && *v.get_ref() >= 0.0,
                v.span(),
                "sum_tolerance must be a non-negative number",
            )?;
        }
        if let Some(v) = &e.bin_bits {
            need(
                (1..=52).contains(v.get_ref()),
                v.span(),
                "bin_bits must be between 1 and 52",
            )?;
        }
        if let Some(v) = &e.curve_points {
            need(
                *v.get_ref() >= 2,
                v.span(),
                "curve_points must be at least 2",
            )?;
        }
        if let Some(v) = &i.confidence {
            need(
                assay_stats::check_level(*v.get_ref()).is_ok(),
                v.span(),
                "confidence must lie strictly between 0 and 1, e.g. 0.95",
            )?;
        }
        if let Some(v) = &i.bootstrap {
            need(
                *v.get_ref() >= 100,
                v.span(),
                "bootstrap needs at least 100 replicates (2000 is the default)",
            )?;
        }
        if let Some(s) = &f.slices {
            if let Some(v) = &s.min_power {
                need(
                    *v.get_ref() > 0.0 && *v.get_ref() < 1.0,
                    v.span(),
                    "min_power must lie strictly between 0 and 1",
                )?;
            }
            if let Some(v) = &s.effect {
                need(
                    *v.get_ref() > 0.0 && *v.get_ref() < 1.0,
                    v.span(),
                    "effect must lie strictly between 0 and 1",
                )?;
            }
        }
        if let Some(b) = &f.baseline
            && let Some(v) = &b.margin
        {
            need(
                v.get_ref().is_finite() && *v.get_ref() >= 0.0,
                v.span(),
                "margin must be a non-negative number on the metric's scale",
            )?;
        }
        Ok(())
    }
}
