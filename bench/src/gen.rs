//! Benchmark data generator: deterministic synthetic predictions written as
//! Parquet, the same files both Assay and the scikit-learn reference read.
//!
//! ```text
//! gen-bench-data binary     ROWS OUT.parquet   # label (int64), score (f64)
//! gen-bench-data multiclass ROWS CLASSES OUT.parquet   # label, prob_0 … prob_{k-1}
//! gen-bench-data regression ROWS OUT.parquet   # target, prediction (f64, positive)
//! gen-bench-data clustering ROWS OUT.parquet   # label (10 classes), cluster (12), int64
//! ```

use std::fs::File;
use std::sync::Arc;

use anyhow::{Context, bail};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

#[path = "rng.rs"]
mod rng;
use rng::Rng;

const CHUNK: usize = 1 << 20;

fn writer(path: &str, schema: Arc<Schema>) -> anyhow::Result<ArrowWriter<File>> {
    let file = File::create(path).with_context(|| format!("cannot create {path}"))?;
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(CHUNK))
        .build();
    Ok(ArrowWriter::try_new(file, schema, Some(props))?)
}

fn binary(rows: usize, path: &str) -> anyhow::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("label", DataType::Int64, false),
        Field::new("score", DataType::Float64, false),
    ]));
    let mut w = writer(path, schema.clone())?;
    let mut rng = Rng(4213);
    let mut done = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        let mut labels = Vec::with_capacity(n);
        let mut scores = Vec::with_capacity(n);
        for _ in 0..n {
            let y = i64::from(rng.uniform() < 0.3);
            let logit = 2.0 * (y as f64 - 0.5) * 1.5 + rng.normal();
            labels.push(y);
            scores.push(1.0 / (1.0 + (-logit).exp()));
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(labels)),
            Arc::new(Float64Array::from(scores)),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        done += n;
    }
    w.close()?;
    Ok(())
}

fn multiclass(rows: usize, classes: usize, path: &str) -> anyhow::Result<()> {
    let mut fields = vec![Field::new("label", DataType::Int64, false)];
    fields.extend((0..classes).map(|c| Field::new(format!("prob_{c}"), DataType::Float64, false)));
    let schema = Arc::new(Schema::new(fields));
    let mut w = writer(path, schema.clone())?;
    let mut rng = Rng(17);
    let chunk = (CHUNK / 8).max(1);
    let mut done = 0;
    let mut logits = vec![0.0; classes];
    while done < rows {
        let n = chunk.min(rows - done);
        let mut labels = Vec::with_capacity(n);
        let mut probs: Vec<Vec<f64>> = (0..classes).map(|_| Vec::with_capacity(n)).collect();
        for _ in 0..n {
            let y = (rng.next_u64() % classes as u64) as usize;
            for (c, l) in logits.iter_mut().enumerate() {
                *l = rng.normal() + if c == y { 3.0 } else { 0.0 };
            }
            let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total: f64 = logits.iter().map(|l| (l - max).exp()).sum();
            for (c, l) in logits.iter().enumerate() {
                probs[c].push((l - max).exp() / total);
            }
            labels.push(y as i64);
        }
        let mut cols: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(labels))];
        cols.extend(
            probs
                .into_iter()
                .map(|p| Arc::new(Float64Array::from(p)) as ArrayRef),
        );
        w.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        done += n;
    }
    w.close()?;
    Ok(())
}

/// Positive targets (a log-normal quantity, so that every regression
/// metric, deviances and logarithmic errors included, is defined) and
/// predictions with a multiplicative error.
fn regression(rows: usize, path: &str) -> anyhow::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("target", DataType::Float64, false),
        Field::new("prediction", DataType::Float64, false),
    ]));
    let mut w = writer(path, schema.clone())?;
    let mut rng = Rng(4213);
    let mut done = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        let mut target = Vec::with_capacity(n);
        let mut prediction = Vec::with_capacity(n);
        for _ in 0..n {
            let y = (1.0 + 0.5 * rng.normal()).exp();
            target.push(y);
            prediction.push(y * (0.2 * rng.normal()).exp());
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from(target)),
            Arc::new(Float64Array::from(prediction)),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        done += n;
    }
    w.close()?;
    Ok(())
}

/// Ten classes of unequal size; each item keeps its class as its cluster
/// with probability 0.8, else falls in one of twelve clusters at random.
fn clustering(rows: usize, path: &str) -> anyhow::Result<()> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("label", DataType::Int64, false),
        Field::new("cluster", DataType::Int64, false),
    ]));
    let mut w = writer(path, schema.clone())?;
    let mut rng = Rng(4213);
    let mut done = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        let mut label = Vec::with_capacity(n);
        let mut cluster = Vec::with_capacity(n);
        for _ in 0..n {
            // Class k with probability proportional to k + 1.
            let u = rng.uniform() * 55.0;
            let k = ((((8.0 * u + 1.0).sqrt() - 1.0) / 2.0).floor() as i64).min(9);
            label.push(k);
            cluster.push(if rng.uniform() < 0.8 {
                k
            } else {
                (rng.uniform() * 12.0) as i64
            });
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(label)),
            Arc::new(Int64Array::from(cluster)),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), cols)?)?;
        done += n;
    }
    w.close()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |s: &str| {
        s.parse::<usize>()
            .with_context(|| format!("'{s}' is not a row count"))
    };
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["binary", rows, out] => binary(num(rows)?, out),
        ["multiclass", rows, classes, out] => multiclass(num(rows)?, num(classes)?, out),
        ["regression", rows, out] => regression(num(rows)?, out),
        ["clustering", rows, out] => clustering(num(rows)?, out),
        _ => bail!(
            "usage: gen-bench-data binary ROWS OUT.parquet | multiclass ROWS CLASSES OUT.parquet | regression ROWS OUT.parquet | clustering ROWS OUT.parquet"
        ),
    }
}
