//! Timing of the interval machinery (not a test): DeLong against the AUC it
//! accompanies, and the confusion-cell bootstrap of F1 and MCC.
//!
//! ```text
//! bench-stats delong ROWS        # AUC alone vs AUC + DeLong interval, medians of 5
//! bench-stats bootstrap ROWS     # 2000 replicates of F1 and MCC (percentile), median of 5
//! ```
//! Rows are generated in memory with the same generator as `gen-bench-data`.

use std::time::Instant;

use anyhow::{Context, bail};
use assay_metrics::confusion::BinaryCounts;
use assay_metrics::ranking::{CurveMode, RankingState};
use assay_stats::binary::IntervalSettings;
use assay_stats::delong;

#[path = "rng.rs"]
mod rng;
use rng::Rng;

fn data(rows: usize) -> (Vec<bool>, Vec<f64>) {
    let mut rng = Rng(4213);
    let mut truth = Vec::with_capacity(rows);
    let mut score = Vec::with_capacity(rows);
    for _ in 0..rows {
        let y = rng.uniform() < 0.3;
        let logit = 2.0 * (f64::from(u8::from(y)) - 0.5) * 1.5 + rng.normal();
        truth.push(y);
        score.push(1.0 / (1.0 + (-logit).exp()));
    }
    (truth, score)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (what, rows) = match args.as_slice() {
        [w, r] => (
            w.as_str(),
            r.parse::<usize>().context("ROWS must be a number")?,
        ),
        _ => bail!("usage: bench-stats delong|bootstrap ROWS"),
    };
    let (truth, score) = data(rows);
    match what {
        "delong" => {
            let (mut alone, mut with) = (Vec::new(), Vec::new());
            for _ in 0..5 {
                let start = Instant::now();
                let mut state = RankingState::new(CurveMode::Exact);
                for (y, s) in truth.iter().zip(&score) {
                    state.push(*s, *y, 1.0);
                }
                let auc = state.summarize(1000).roc_auc;
                let t_auc = start.elapsed().as_secs_f64();
                let (pos, neg) = state.sorted_scores().context("exact mode keeps scores")?;
                let (_, var) = delong::auc_variance(&pos, &neg).context("two classes")?;
                let ci = delong::interval(
                    auc.unwrap_or(0.0),
                    var.unwrap_or(0.0),
                    pos.len() as f64,
                    neg.len() as f64,
                    0.95,
                );
                let t_all = start.elapsed().as_secs_f64();
                alone.push(t_auc);
                with.push(t_all);
                eprintln!(
                    "auc {:?} ci [{:.6}, {:.6}]: {t_auc:.3}s alone, {t_all:.3}s with DeLong",
                    auc, ci.low, ci.high
                );
            }
            let (a, w) = (median(alone), median(with));
            println!(
                "delong {rows} rows: AUC alone {a:.3}s, AUC + DeLong interval {w:.3}s, ratio {:.2}",
                w / a
            );
        }
        "bootstrap" => {
            let mut times = Vec::new();
            let settings = IntervalSettings {
                replicates: 2000,
                ..IntervalSettings::default()
            };
            for _ in 0..5 {
                let start = Instant::now();
                let mut c = BinaryCounts::default();
                for (y, s) in truth.iter().zip(&score) {
                    c.add(*y, *s >= 0.5, 1.0);
                }
                let cells = [c.tn as u64, c.fp as u64, c.fn_ as u64, c.tp as u64];
                let of = |k: &[u64]| BinaryCounts {
                    tn: k[0] as f64,
                    fp: k[1] as f64,
                    fn_: k[2] as f64,
                    tp: k[3] as f64,
                };
                let f1 = settings
                    .counts_interval(&cells, 2, &|k| of(k).fbeta(1.0).value)
                    .context("f1")?;
                let mcc = settings
                    .counts_interval(&cells, 2, &|k| of(k).matrix().mcc().value)
                    .context("mcc")?;
                let t = start.elapsed().as_secs_f64();
                eprintln!(
                    "f1 [{:.6}, {:.6}] mcc [{:.6}, {:.6}]: {t:.4}s",
                    f1.low, f1.high, mcc.low, mcc.high
                );
                times.push(t);
            }
            println!(
                "bootstrap {rows} rows, 2000 replicates of F1 and MCC: median {:.4}s",
                median(times)
            );
        }
        _ => bail!("usage: bench-stats delong|bootstrap ROWS"),
    }
    Ok(())
}
