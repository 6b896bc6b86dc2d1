//! Clustering: a cluster column (`cluster`), optionally the ground-truth
//! class (`label`: the external metrics) and feature columns named by a
//! prefix (`--feature-prefix`: the internal metrics). Clusters and classes
//! may be integers or strings; they are learned as they come. No sample
//! weights: scikit-learn's clustering metrics take none.

use assay_data::{Batch, Label, LabelEncoder, Labels, Numbers};
use assay_metrics::Field;
use assay_metrics::clustering::{
    ClusteringBatch, ClusteringConfig, ClusteringInputs, ClusteringReport, ClusteringState,
    majority, majority_agreement,
};
use assay_stats::binary::IntervalSettings;

use crate::EvalError;
use crate::Setting;
use crate::family::{Family, Finished, Planning, StateBatch, attach_each, parameters, tool};
use crate::result::{ConfusionOut, CurvesOut, EvalResult, SCHEMA_ID};
use crate::run::{Context, prefixed};
use crate::slices::{SliceFacts, SliceSettings, Sliced, SlicesOut, proportion_slices};
use crate::spec::{EvalSpec, Task};

/// Most contingency cells the record keeps for the report's table.
const CONTINGENCY_CELLS: usize = 10_000;

/// A clustering evaluation: its columns and its state's settings.
pub(crate) struct ClusteringFamily {
    cluster: (String, Labels),
    label: Option<(String, Labels)>,
    features: Vec<(String, Numbers)>,
    config: ClusteringConfig,
}

/// The encoders of clusters and classes, and a batch's decoded values.
pub(crate) struct ClusteringDecoder {
    clusters: LabelEncoder,
    classes: LabelEncoder,
    cluster: Vec<u32>,
    label: Vec<u32>,
    features: Vec<f64>,
}

impl Family for ClusteringFamily {
    type State = ClusteringState;
    type Decoder = ClusteringDecoder;

    fn plan(
        spec: &EvalSpec,
        Planning {
            reader,
            ctx,
            requests,
        }: Planning<'_>,
    ) -> Result<Self, EvalError> {
        let c = &spec.columns;
        if let Some(w) = &ctx.weight {
            return Err(ctx.input_error(format!(
                "the clustering metrics take no sample weights (scikit-learn's take none), but the weight column '{w}' is set or present; rename or drop it to assess this clustering"
            )));
        }
        let cluster = c.cluster().to_owned();
        let handle = requests.labels(
            &cluster,
            Some(&spec.voice.role("the cluster column", Setting::Cluster)),
        );
        let label = (c.truth.is_some() || reader.has_column(c.truth())).then(|| {
            let name = c.truth().to_owned();
            let h = crate::family::request_truth(spec, requests, &name);
            (name, h)
        });
        let features: Vec<(String, Numbers)> = match &c.feature_prefix {
            None => Vec::new(),
            Some(prefix) => {
                let cols = prefixed(reader, prefix);
                if cols.is_empty() {
                    return Err(ctx.input_error(format!(
                        "no column starts with the feature prefix '{prefix}' ({}); the file has: {}",
                        spec.voice.say(Setting::Features),
                        reader.columns().join(", ")
                    )));
                }
                cols.into_iter()
                    .map(|name| {
                        let h = requests.numbers(&name, Some("a feature column"));
                        (name, h)
                    })
                    .collect()
            }
        };
        if label.is_none() && features.is_empty() {
            return Err(ctx.input_error(format!(
                "a clustering is judged against ground-truth classes (a '{}' column: adjusted Rand, mutual information, …) or by its features (columns named with {}: silhouette, Davies–Bouldin, Calinski–Harabasz); the file has neither: {}",
                c.truth(),
                spec.voice.say(Setting::Features),
                reader.columns().join(", ")
            )));
        }
        ctx.role("cluster", vec![cluster.clone()]);
        if let Some((l, _)) = &label {
            ctx.role("truth", vec![l.clone()]);
        }
        if !features.is_empty() {
            ctx.role("features", features.iter().map(|f| f.0.clone()).collect());
        }
        let config = ClusteringConfig {
            seed: spec
                .intervals
                .map_or(IntervalSettings::DEFAULT.seed, |i| i.seed),
            ..ClusteringConfig::default()
        };
        Ok(Self {
            cluster: (cluster, handle),
            label,
            features,
            config,
        })
    }

    fn state_config(&self) -> (ClusteringConfig, ClusteringInputs) {
        (
            self.config.clone(),
            ClusteringInputs {
                labels: self.label.is_some(),
                features: self.features.len(),
            },
        )
    }

    fn decoder(&self) -> ClusteringDecoder {
        ClusteringDecoder {
            clusters: LabelEncoder::default(),
            classes: LabelEncoder::default(),
            cluster: Vec::new(),
            label: Vec::new(),
            features: Vec::new(),
        }
    }

    fn decode<'b>(
        &self,
        d: &'b mut ClusteringDecoder,
        batch: &'b Batch,
        _: &Context,
    ) -> Result<StateBatch<'b, Self>, EvalError> {
        d.cluster.clear();
        for l in batch.labels(self.cluster.1) {
            d.cluster.push(d.clusters.insert(l.clone()));
        }
        d.label.clear();
        if let Some((_, h)) = &self.label {
            for l in batch.labels(*h) {
                d.label.push(d.classes.insert(l.clone()));
            }
        }
        d.features.clear();
        if !self.features.is_empty() {
            let cols: Vec<&[f64]> = self.features.iter().map(|f| batch.numbers(f.1)).collect();
            d.features.reserve(batch.rows * cols.len());
            for i in 0..batch.rows {
                d.features.extend(cols.iter().map(|c| c[i]));
            }
        }
        Ok(ClusteringBatch {
            cluster: &d.cluster,
            label: self.label.as_ref().map(|_| d.label.as_slice()),
            features: (!self.features.is_empty()).then_some(d.features.as_slice()),
        })
    }

    fn column_of(&self, field: Field, _: &Context) -> String {
        match field {
            Field::Truth(_) => self.label.as_ref().map(|l| l.0.clone()).unwrap_or_default(),
            Field::Score(Some(j)) => self
                .features
                .get(j)
                .map(|f| f.0.clone())
                .unwrap_or_default(),
            _ => self.cluster.0.clone(),
        }
    }

    fn finish(self, run: Finished<Self>) -> Result<EvalResult, EvalError> {
        let Finished {
            spec,
            mut ctx,
            mut state,
            slices,
            decoder,
            rows,
        } = run;
        if rows == 1 {
            return Err(ctx.input_error(
                "the file has one row; a clustering assessment needs at least two items",
            ));
        }
        let mut report = state.compute();
        let slices_out = slices.zip(spec.slices.as_ref()).map(|(states, settings)| {
            finish_slices(states, &report, settings, spec.intervals.as_ref())
        });
        let intervals = spec.intervals.as_ref().map(|settings| {
            let note = attach_intervals(&state, &mut report, settings);
            crate::result::interval_info(settings, note)
        });
        let mut parameters = parameters(spec);
        parameters.intervals = intervals;
        let curves = clustering_curves(&report, &state, &decoder);
        Ok(EvalResult {
            schema: SCHEMA_ID.into(),
            tool: tool(),
            task: Task::Clustering,
            n: rows,
            total_weight: None,
            classes: Vec::new(),
            positive: None,
            input: ctx.input_info(),
            parameters,
            metrics: report.metrics,
            per_class: None,
            per_label: None,
            confusion_matrix: ConfusionOut {
                labels: Vec::new(),
                counts: None,
                per_label: None,
            },
            slices: slices_out,
            criteria: None,
            verdict: None,
            curves: CurvesOut {
                clustering: Some(curves),
                ..CurvesOut::default()
            },
        })
    }
}

/// Give the report's metrics their intervals; the silhouette says how
/// its interval is made. The note of metrics left without.
fn attach_intervals(
    state: &ClusteringState,
    report: &mut ClusteringReport,
    settings: &IntervalSettings,
) -> Option<String> {
    let (cis, note) = assay_stats::clustering::intervals(state, report, settings);
    attach_each(&mut report.metrics, &cis);
    if let Some(m) = report.metrics.get_mut("silhouette")
        && m.ci.is_some()
    {
        let how = assay_stats::clustering::SILHOUETTE_INTERVAL;
        m.note = Some(match m.note.take() {
            Some(n) => format!("{n}; {how}"),
            None => how.to_owned(),
        });
    }
    note
}

/// The sorted order of an encoder's labels: `order[k]` is the index, in
/// the sorted list, of label `k`.
fn sorted(encoder: &LabelEncoder) -> (Vec<String>, Vec<usize>) {
    let mut labels: Vec<(Label, usize)> = encoder
        .classes()
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, l)| (l, i))
        .collect();
    labels.sort();
    let mut order = vec![0; labels.len()];
    for (pos, (_, i)) in labels.iter().enumerate() {
        order[*i] = pos;
    }
    (labels.iter().map(|(l, _)| l.to_string()).collect(), order)
}

/// What the report shows: sizes, the contingency table and the
/// silhouette per cluster, clusters and classes sorted.
fn clustering_curves(
    report: &ClusteringReport,
    state: &ClusteringState,
    decoder: &ClusteringDecoder,
) -> crate::result::ClusteringCurves {
    let (clusters, c_order) = sorted(&decoder.clusters);
    let (classes, k_order) = if state.inputs().labels {
        sorted(&decoder.classes)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut sizes = vec![0u64; clusters.len()];
    let t = &report.contingency;
    let with_table = !classes.is_empty() && classes.len() * clusters.len() <= CONTINGENCY_CELLS;
    let mut table = vec![vec![0u64; clusters.len()]; if with_table { classes.len() } else { 0 }];
    for (&(i, j), &c) in t.cells.iter().zip(&t.counts) {
        let j = c_order[j as usize];
        sizes[j] += c;
        if with_table {
            table[k_order[i as usize]][j] += c;
        }
    }
    let silhouette = report
        .silhouette
        .as_ref()
        .zip(state.points())
        .map(|(s, p)| {
            let mut sum = vec![(0.0, 0u64); clusters.len()];
            for (&row, v) in s.rows.iter().zip(&s.samples) {
                let j = c_order[p.cluster[row] as usize];
                sum[j].0 += v;
                sum[j].1 += 1;
            }
            let means: Vec<Option<f64>> = sum
                .iter()
                .map(|&(total, n)| (n > 0 && !s.samples.is_empty()).then(|| total / n as f64))
                .collect();
            (
                means,
                crate::result::SilhouettePoints {
                    points: s.rows.len() as u64,
                    sampled: s.sampled,
                },
            )
        });
    crate::result::ClusteringCurves {
        clusters,
        sizes,
        classes,
        contingency: with_table.then_some(table),
        silhouette: silhouette.as_ref().map(|s| s.0.clone()),
        silhouette_points: silhouette.map(|s| s.1),
    }
}

/// Every slice, its intervals, and — with classes — its purity tested
/// against the rest's (a two-proportion test of the items in their
/// cluster's majority class, the majority taken over the whole input so
/// that slice and rest are counted alike). Without classes the slices
/// carry their metrics and intervals but no test: the internal metrics
/// are not proportions of items.
fn finish_slices(
    states: Sliced<ClusteringState>,
    overall: &ClusteringReport,
    settings: &SliceSettings,
    intervals: Option<&IntervalSettings>,
) -> SlicesOut {
    let t = &overall.contingency;
    let mapping = majority(&t.cells, &t.counts);
    let all_agree = majority_agreement(&t.cells, &t.counts, &mapping);
    let all_n = overall.rows as f64;
    proportion_slices(states, settings, |mut state| {
        let mut report = state.compute();
        if let Some(iv) = intervals {
            attach_intervals(&state, &mut report, iv);
        }
        let mut candidates = Vec::new();
        if state.inputs().labels {
            let c = &report.contingency;
            let agree = majority_agreement(&c.cells, &c.counts, &mapping);
            candidates.push((
                "purity".to_owned(),
                agree,
                report.rows as f64,
                all_agree,
                all_n,
            ));
        }
        SliceFacts {
            n: report.rows,
            metrics: report.metrics,
            candidates,
        }
    })
}
