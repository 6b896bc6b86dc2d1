//! Model throughput: `bench-model MODEL.onnx C H W BATCH ITEMS` loads the
//! model as `assay run` does and scores ITEMS items of deterministic
//! pseudo-random input in batches of BATCH, batches side by side on all
//! cores; prints items per second (median of 5 rounds after a warm-up).

use std::path::PathBuf;
use std::time::Instant;

use assay_model::{Model, ModelSpec};
use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        anyhow::bail!("usage: bench-model MODEL.onnx C H W BATCH ITEMS");
    }
    let num = |i: usize| args[i].parse::<usize>();
    let (c, h, w, batch, items) = (num(2)?, num(3)?, num(4)?, num(5)?, num(6)?);
    let model = Model::load(&ModelSpec::new(PathBuf::from(&args[1])), &[c, h, w])?;
    let per_item = c * h * w;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let data: Vec<f32> = (0..batch * per_item)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect();
    let batches = items.div_ceil(batch);
    let round = || -> anyhow::Result<f64> {
        let t = Instant::now();
        (0..batches)
            .into_par_iter()
            .try_for_each(|_| model.run(data.clone(), batch).map(|_| ()))
            .map_err(anyhow::Error::msg)?;
        Ok((batches * batch) as f64 / t.elapsed().as_secs_f64())
    };
    round()?;
    let mut rates: Vec<f64> = (0..5).map(|_| round()).collect::<anyhow::Result<_>>()?;
    rates.sort_by(f64::total_cmp);
    println!(
        "tract {} threads batch {batch}: {:.1} items/s (median of 5)",
        rayon::current_num_threads(),
        rates[2]
    );
    Ok(())
}
