//! A model run: decode and preprocess the test images, run the model in
//! batches on all cores, time it, and write the predictions.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::ModelError;
use crate::onnx::{Model, ModelSpec};
use crate::predictions::{self, Row};
use crate::settings::{OnError, Preprocess};
use crate::testset::{Item, TestSet};
use crate::timing::{Histogram, Percentiles, Skipped, Timing};

/// How to run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    /// Items per model call.
    pub batch_size: usize,
    /// Undecodable images.
    pub on_error: OnError,
    /// The model's classes in output order (default: the test set's class
    /// folders or labels, sorted, as torchvision's ImageFolder numbers them).
    pub classes: Option<Vec<String>>,
    /// A perturbation applied to every image after decoding (robustness runs).
    pub perturbation: Option<crate::Perturb>,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            batch_size: 32,
            on_error: OnError::Stop,
            classes: None,
            perturbation: None,
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutput {
    /// Items scored.
    pub items: u64,
    /// Items left out (`on_error = "skip"`).
    pub skipped: Vec<Skipped>,
    /// Files of an image folder left out for not being images by their
    /// extension.
    pub ignored: Vec<String>,
    /// The classes, in model output order.
    pub classes: Vec<String>,
    /// The model input fed.
    pub input: String,
    /// The model output read.
    pub output: String,
    /// Tensor shape of one item.
    pub item_shape: Vec<usize>,
    /// Timing.
    pub timing: Timing,
}

impl Histogram {
    const PER_DECADE: f64 = 10.0;

    fn of(sorted_ms: &[f64]) -> Self {
        let positive: Vec<f64> = sorted_ms.iter().copied().filter(|&x| x > 0.0).collect();
        let (Some(&lo), Some(&hi)) = (positive.first(), positive.last()) else {
            return Self {
                edges_ms: Vec::new(),
                counts: Vec::new(),
            };
        };
        let first = (lo.log10() * Self::PER_DECADE).floor() as i32;
        let last = ((hi.log10() * Self::PER_DECADE).floor() as i32 + 1).max(first + 1);
        let edge = |k: i32| {
            let x = 10f64.powf(f64::from(k) / Self::PER_DECADE);
            // Three significant digits, so the record shows tidy numbers.
            let scale = 10f64.powi(2 - x.log10().floor() as i32);
            (x * scale).round() / scale
        };
        let edges_ms: Vec<f64> = (first..=last).map(edge).collect();
        let mut counts = vec![0u64; edges_ms.len() - 1];
        for &x in &positive {
            let k = (x.log10() * Self::PER_DECADE).floor() as i32;
            // Rounded edges can put x one bin off its computed index: settle it.
            let mut i = (k - first).clamp(0, counts.len() as i32 - 1) as usize;
            while i > 0 && x < edges_ms[i] {
                i -= 1;
            }
            while i + 1 < counts.len() && x >= edges_ms[i + 1] {
                i += 1;
            }
            counts[i] += 1;
        }
        // Durations too short to measure (0 ms) go in the first bin.
        counts[0] += (sorted_ms.len() - positive.len()) as u64;
        Self { edges_ms, counts }
    }
}

impl Percentiles {
    fn of(mut ms: Vec<f64>) -> Self {
        if ms.is_empty() {
            return Self {
                p50: 0.0,
                p95: 0.0,
                p99: 0.0,
                mean: 0.0,
                histogram: Histogram::of(&[]),
            };
        }
        ms.sort_by(f64::total_cmp);
        // Nearest rank.
        let at = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        Self {
            p50: round(at(0.50)),
            p95: round(at(0.95)),
            p99: round(at(0.99)),
            mean: round(ms.iter().sum::<f64>() / ms.len() as f64),
            histogram: Histogram::of(&ms),
        }
    }
}

struct BatchResult {
    scores: Vec<(usize, Vec<f32>)>,
    skipped: Vec<(usize, String)>,
    item_ms: Vec<f64>,
    batch_ms: Option<f64>,
}

/// Run the model on the test set and write the predictions to `out`.
/// `progress(done, total)` is called as batches finish.
pub fn run(
    spec: &ModelSpec,
    test_set: &TestSet,
    preprocess: &Preprocess,
    settings: &RunSettings,
    out: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunOutput, ModelError> {
    let started = Instant::now();
    preprocess.check().map_err(|message| ModelError::TestSet {
        path: test_set.path().into(),
        message: format!("preprocessing: {message}"),
    })?;
    let table = test_set.table()?;
    let tabular = matches!(test_set, TestSet::Table { .. });
    let (items, ignored) = if tabular {
        (table.items.clone(), Vec::new())
    } else {
        let l = test_set.list()?;
        (l.items, l.ignored)
    };
    let classes = classes(test_set, settings, &items)?;
    let (height, width) = if tabular {
        (0, 0)
    } else {
        image_size(preprocess, &items, settings.on_error)?
    };
    let item_shape: Vec<usize> = if tabular {
        vec![table.features]
    } else {
        preprocess.item_shape(height, width)
    };
    // Feature noise is scaled by each feature's spread over the test set.
    let sds = feature_sds(&table);
    let model = Model::load(spec, &item_shape).map_err(|e| match e {
        ModelError::InputShape(mut m) if !tabular => {
            if let Some(hint) = m
                .declared
                .as_deref()
                .and_then(|d| preprocess.shape_hint(d, height, width))
            {
                m.hint = hint;
            }
            ModelError::InputShape(m)
        }
        e => e,
    })?;
    if model.classes != classes.len() {
        return Err(ModelError::Model {
            path: spec.path.clone(),
            message: format!(
                "output '{}' has {} scores per item but there are {} classes ({}); name the model's classes in output order with classes = [...]",
                model.output_name,
                model.classes,
                classes.len(),
                classes.join(", ")
            ),
        });
    }
    let batch_size = settings.batch_size.max(1);
    let threads = rayon::current_num_threads();
    let per_item: usize = item_shape.iter().product();
    let results = in_waves(&items, batch_size, progress, |batch, offset| {
        if tabular {
            run_table_batch(&model, settings, batch, offset, &table, &sds)
        } else {
            run_batch(
                &model,
                preprocess,
                settings,
                batch,
                offset,
                per_item,
                (height, width),
            )
        }
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let Gathered {
        scores,
        skipped,
        item_ms,
        batch_ms,
    } = gather(results, &items);
    let rows: Vec<Row<'_>> = items
        .iter()
        .zip(&scores)
        .filter_map(|(item, s)| {
            s.as_ref().map(|s| Row {
                id: &item.id,
                label: &item.label,
                scores: s,
                slices: &item.slices,
            })
        })
        .collect();
    if rows.is_empty() {
        return Err(ModelError::TestSet {
            path: test_set.path().into(),
            message: "no item could be scored (every image was skipped)".into(),
        });
    }
    predictions::write(out, &classes, test_set.slice_names(), &rows)?;
    let scored = rows.len() as u64;
    let model_seconds: f64 = batch_ms.iter().sum::<f64>() / 1000.0;
    Ok(RunOutput {
        items: scored,
        skipped,
        ignored,
        classes,
        input: model.input_name.clone(),
        output: model.output_name.clone(),
        item_shape,
        timing: Timing {
            item_latency_ms: Percentiles::of(item_ms),
            batch_latency_ms: Percentiles::of(batch_ms),
            throughput: round(scored as f64 / seconds.max(1e-9)),
            inference_throughput: round(scored as f64 / model_seconds.max(1e-9)),
            batch_size,
            threads,
            seconds: round(seconds),
        },
    })
}

/// The classes: the settings' or the test set's, every item's label among them.
fn classes(
    test_set: &TestSet,
    settings: &RunSettings,
    items: &[Item],
) -> Result<Vec<String>, ModelError> {
    let classes = match &settings.classes {
        Some(c) => c.clone(),
        None => TestSet::class_names(items),
    };
    if let Some(bad) = items.iter().find(|i| !classes.contains(&i.label)) {
        let what = match test_set {
            TestSet::Folder(_) => "class folder",
            TestSet::Manifest { .. } | TestSet::Table { .. } => "label",
        };
        return Err(ModelError::TestSet {
            path: test_set.path().into(),
            message: format!(
                "{what} '{}' (item '{}') is not one of the model's classes: {}",
                bad.label,
                bad.id,
                classes.join(", ")
            ),
        });
    }
    Ok(classes)
}

/// Run `batch(items, offset)` over batches of `items`, side by side, a
/// few per thread at a time, so that progress can be reported between
/// waves.
fn in_waves(
    items: &[Item],
    batch_size: usize,
    progress: &mut dyn FnMut(u64, u64),
    batch: impl Fn(&[Item], usize) -> Result<BatchResult, ModelError> + Sync,
) -> Result<Vec<BatchResult>, ModelError> {
    let batches: Vec<&[Item]> = items.chunks(batch_size).collect();
    let threads = rayon::current_num_threads();
    let mut results: Vec<BatchResult> = Vec::with_capacity(batches.len());
    let total = items.len() as u64;
    let mut done = 0u64;
    for (wave_index, wave) in batches.chunks(threads * 4).enumerate() {
        let first_batch = wave_index * threads * 4;
        let wave_results: Vec<Result<BatchResult, ModelError>> = wave
            .par_iter()
            .enumerate()
            .map(|(b, items)| batch(items, (first_batch + b) * batch_size))
            .collect();
        for r in wave_results {
            let r = r?;
            done += (r.scores.len() + r.skipped.len()) as u64;
            results.push(r);
        }
        progress(done, total);
    }
    Ok(results)
}

/// The batches' results in item order.
struct Gathered {
    scores: Vec<Option<Vec<f32>>>,
    skipped: Vec<Skipped>,
    item_ms: Vec<f64>,
    batch_ms: Vec<f64>,
}

fn gather(results: Vec<BatchResult>, items: &[Item]) -> Gathered {
    let mut g = Gathered {
        scores: vec![None; items.len()],
        skipped: Vec::new(),
        item_ms: Vec::new(),
        batch_ms: Vec::new(),
    };
    for r in results {
        for (i, s) in r.scores {
            g.scores[i] = Some(s);
        }
        for (i, reason) in r.skipped {
            g.skipped.push(Skipped {
                id: items[i].id.clone(),
                reason,
            });
        }
        g.item_ms.extend(r.item_ms);
        g.batch_ms.extend(r.batch_ms);
    }
    g
}

/// Each feature's standard deviation over the table (population).
fn feature_sds(table: &crate::testset::TableRows) -> Vec<f64> {
    let f = table.features;
    let n = table.items.len();
    if f == 0 || n == 0 {
        return Vec::new();
    }
    (0..f)
        .map(|j| {
            let mean = (0..n)
                .map(|i| f64::from(table.values[i * f + j]))
                .sum::<f64>()
                / n as f64;
            let ss: f64 = (0..n)
                .map(|i| (f64::from(table.values[i * f + j]) - mean).powi(2))
                .sum();
            (ss / n as f64).sqrt()
        })
        .collect()
}

fn run_table_batch(
    model: &Model,
    settings: &RunSettings,
    batch: &[Item],
    offset: usize,
    table: &crate::testset::TableRows,
    sds: &[f64],
) -> Result<BatchResult, ModelError> {
    let f = table.features;
    let t = Instant::now();
    let mut data = table.values[offset * f..(offset + batch.len()) * f].to_vec();
    if let Some(p) = &settings.perturbation {
        for (j, row) in data.chunks_mut(f).enumerate() {
            p.apply_features(row, sds, offset + j);
        }
    }
    let prepare_ms = t.elapsed().as_secs_f64() * 1000.0 / batch.len() as f64;
    let t = Instant::now();
    let rows = model
        .run(data, batch.len())
        .map_err(|message| ModelError::Inference {
            path: model.path().into(),
            item: batch[0].id.clone(),
            message,
        })?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let share = ms / batch.len() as f64;
    Ok(BatchResult {
        scores: (offset..offset + batch.len()).zip(rows).collect(),
        skipped: Vec::new(),
        item_ms: vec![prepare_ms + share; batch.len()],
        batch_ms: Some(ms),
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The (height, width) every tensor has: from the resize or crop, else the
/// first decodable image's size.
fn image_size(
    preprocess: &Preprocess,
    items: &[Item],
    on_error: OnError,
) -> Result<(u32, u32), ModelError> {
    if let Some([w, h]) = preprocess.center_crop.or(preprocess.resize) {
        let (rh, rw) = preprocess.output_size((w, h));
        return Ok((rh, rw));
    }
    for item in items {
        match image::image_dimensions(&item.path) {
            Ok(size) => return Ok(preprocess.output_size(size)),
            Err(e) if on_error == OnError::Stop => {
                return Err(ModelError::Image {
                    path: item.path.clone(),
                    message: e.to_string(),
                });
            }
            Err(_) => continue,
        }
    }
    Err(ModelError::TestSet {
        path: items.first().map(|i| i.path.clone()).unwrap_or_default(),
        message: "no image could be decoded".into(),
    })
}

fn run_batch(
    model: &Model,
    preprocess: &Preprocess,
    settings: &RunSettings,
    batch: &[Item],
    offset: usize,
    per_item: usize,
    size: (u32, u32),
) -> Result<BatchResult, ModelError> {
    let mut data = Vec::with_capacity(batch.len() * per_item);
    let mut kept = Vec::with_capacity(batch.len());
    let mut skipped = Vec::new();
    let mut decode_ms = Vec::with_capacity(batch.len());
    for (j, item) in batch.iter().enumerate() {
        let t = Instant::now();
        let before = data.len();
        let on_error = settings.on_error;
        let loaded =
            crate::image_input::decode(&item.path).map(|img| match &settings.perturbation {
                Some(p) => preprocess.apply(&p.apply(&img, offset + j), &mut data),
                None => preprocess.apply(&img, &mut data),
            });
        let result = loaded.and_then(|got| {
            if got == size {
                Ok(())
            } else {
                Err(format!(
                    "the image is {}×{} after preprocessing, the others {}×{}; set resize (and center_crop) so that every image has one size",
                    got.1, got.0, size.1, size.0
                ))
            }
        });
        match result {
            Ok(()) => {
                kept.push(offset + j);
                decode_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Err(message) => {
                data.truncate(before);
                match on_error {
                    OnError::Stop => {
                        return Err(ModelError::Image {
                            path: item.path.clone(),
                            message,
                        });
                    }
                    OnError::Skip => skipped.push((offset + j, message)),
                }
            }
        }
    }
    if kept.is_empty() {
        return Ok(BatchResult {
            scores: Vec::new(),
            skipped,
            item_ms: Vec::new(),
            batch_ms: None,
        });
    }
    let t = Instant::now();
    let rows = model
        .run(data, kept.len())
        .map_err(|message| ModelError::Inference {
            path: model.path().into(),
            item: batch[kept[0] - offset].id.clone(),
            message,
        })?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let share = ms / kept.len() as f64;
    Ok(BatchResult {
        scores: kept.into_iter().zip(rows).collect(),
        skipped,
        item_ms: decode_ms.into_iter().map(|d| d + share).collect(),
        batch_ms: Some(ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_are_log_spaced_and_hold_every_duration() {
        let ms = [0.0, 0.12, 0.15, 0.2, 0.9, 1.0, 1.5, 4.0, 40.0];
        let h = Histogram::of(&ms);
        assert_eq!(h.counts.iter().sum::<u64>(), ms.len() as u64);
        assert_eq!(h.edges_ms.len(), h.counts.len() + 1);
        assert_eq!(h.edges_ms.first(), Some(&0.1));
        assert!(
            h.edges_ms.contains(&1.0) && h.edges_ms.contains(&1.26) && h.edges_ms.contains(&5.01)
        );
        // 1.0 lies on an edge and counts in the bin it opens; 1.5 is in the next.
        let at_one = h.edges_ms.iter().position(|&e| e == 1.0).expect("edge 1.0");
        assert_eq!(h.counts[at_one], 1, "{h:?}");
        assert_eq!(h.counts[at_one + 1], 1, "{h:?}"); // 1.26 <= 1.5 < 1.58
        assert!(*h.edges_ms.last().expect("edges") > 40.0);
        assert_eq!(Histogram::of(&[]).counts, Vec::<u64>::new());
    }
}
