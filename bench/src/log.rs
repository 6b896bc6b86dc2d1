//! Proof generation on a log of one million entries: `bench-log [N]`
//! builds the tree, then times inclusion proofs of spread-out leaves and
//! consistency proofs between spread-out sizes, and prints the medians.

use std::time::Instant;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let mut tree = assay_log::tree::Tree::new();
    let start = Instant::now();
    for i in 0..n {
        tree.push(assay_log::leaf_hash(
            format!("certificate envelope {i}").as_bytes(),
        ));
    }
    println!(
        "built a tree of {n} entries in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for k in 0..1000u64 {
        let index = (k * 7_919 * 127) % n;
        let t = Instant::now();
        let p = tree.inclusion_proof(index, n).expect("proof");
        inclusion.push(t.elapsed().as_secs_f64());
        std::hint::black_box(p);
        let old = 1 + (k * 104_729) % (n - 1);
        let t = Instant::now();
        let p = tree.consistency_proof(old, n).expect("proof");
        consistency.push(t.elapsed().as_secs_f64());
        std::hint::black_box(p);
    }
    for (name, mut v) in [("inclusion", inclusion), ("consistency", consistency)] {
        v.sort_by(f64::total_cmp);
        println!(
            "{name} proof, {n} entries: median {:.1} µs, p99 {:.1} µs (1000 proofs)",
            v[500] * 1e6,
            v[990] * 1e6
        );
    }
}
