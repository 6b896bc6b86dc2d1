//! Certificate verification throughput of the library, one core:
//! `bench-cert CERT TRUST [N]` verifies the same certificate N times (the
//! whole path: strict envelope parse, signature over the exact bytes,
//! statement parse, every check) and prints certificates per second.

use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (cert, trust) = match (args.get(1), args.get(2)) {
        (Some(c), Some(t)) => (c, t),
        _ => anyhow::bail!("usage: bench-cert CERT TRUST [N]"),
    };
    let n: usize = args.get(3).map_or(Ok(20_000), |s| s.parse())?;
    let bytes = std::fs::read(cert)?;
    let trust = assay_cert::TrustStore::load(std::path::Path::new(trust))?;
    let expect = assay_cert::Expect {
        today: assay_cert::date::today().map_err(anyhow::Error::msg)?,
        model_sha256: None,
        assessment_sha256: None,
    };
    assert!(
        assay_cert::verify(&bytes, &trust, &expect).valid(),
        "the certificate must verify"
    );
    // Five rounds; the median rate.
    let mut rates = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(assay_cert::verify(
                std::hint::black_box(&bytes),
                &trust,
                &expect,
            ));
        }
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "library verify, one core: {:.0} certificates/s (median of 5 rounds of {n}; {} bytes each)",
        rates[2],
        bytes.len()
    );
    Ok(())
}
