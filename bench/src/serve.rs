//! Load on a running `assay serve` from a second process, over loopback,
//! bounded in count and time: keep-alive HTTP/1.1 connections, one thread
//! each, requests written from prepared bytes so the client costs little.
//!
//!   bench-serve verify URL TOKEN KEY [--connections N] [--seconds S] [--max N]
//!   bench-serve submit URL TOKEN KEY [--connections N] [--seconds S] [--max N]
//!
//! `verify` first logs one certificate of the lab (KEY, with its API
//! TOKEN file), then has every connection verify it; `submit` signs fresh
//! certificates before the clock starts and submits them.
//!
//! Prints requests per second and latency percentiles (ms) as one JSON line.
//!
//!   bench-serve fill DATA KEY N [--database URL]
//!
//! `fill` logs N fresh certificates of the lab (KEY, registered before)
//! into the registry at DATA (or the PostgreSQL database URL) in process,
//! through the same ledger as `assay serve` but without HTTP, many writes
//! in flight so the writer's batches are full: a registry of a million
//! certificates in minutes, for measuring the service's start and memory.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

fn arg(args: &[String], name: &str, default: u64) -> anyhow::Result<u64> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .context("a value after the flag")?
            .parse()
            .with_context(|| format!("{name} takes a number")),
        None => Ok(default),
    }
}

fn request(host: &str, path: &str, token: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    r.push_str("\r\n");
    let mut b = r.into_bytes();
    b.extend_from_slice(body);
    b
}

/// Send one request and read the response; its status.
fn exchange(
    stream: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    req: &[u8],
) -> anyhow::Result<u16> {
    stream.write_all(req)?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .context("a status line")?
        .parse()?;
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse()?;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok(status)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// Sequence numbers no earlier run of this machine used (with the same
/// key, certificate numbers must not repeat).
fn first_sequence() -> anyhow::Result<u64> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        % 100_000
        * 10_000)
}

fn fill(args: &[String]) -> anyhow::Result<()> {
    use assay_registry::ledger::{Actor, NewCertificate, Write};
    use rayon::prelude::*;
    let data = std::path::PathBuf::from(args.get(2).context("the registry's data folder")?);
    let key = assay_cert::IssuerKey::load(std::path::Path::new(
        args.get(3).context("the lab's key file")?,
    ))?;
    let n: u64 = args
        .get(4)
        .context("how many certificates")?
        .parse()
        .context("N: a number of certificates")?;
    let database = args
        .iter()
        .position(|a| a == "--database")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let trust = assay_cert::TrustStore::parse(
        &assay_registry::testkit::trust_entry(&key, "Bench Lab"),
        "bench trust",
    )?;
    let issued = assay_cert::date::today().map_err(anyhow::Error::msg)?;
    // Sequences above those of `submit` and `verify` runs.
    let first = first_sequence()? + 5_000_000_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let app = assay_registry::open(assay_registry::Config {
            data,
            database,
            log_key: None,
            log_signer: None,
            origin: None,
            public_url: "http://127.0.0.1".into(),
            read_rate: 0.0,
            write_rate: 0.0,
            access_log: false,
            trust_proxy: false,
        })
        .await?;
        let start = Instant::now();
        const CHUNK: u64 = 8192;
        let mut done = 0;
        // The next chunk is signed while the last one is written.
        let mut writing: Vec<tokio::task::JoinHandle<_>> = Vec::new();
        while done < n {
            let end = n.min(done + CHUNK);
            let writes = (done..end)
                .into_par_iter()
                .map(|i| {
                    let bytes = assay_registry::testkit::certificate(
                        &key,
                        first + i,
                        "Bench Holder",
                        &issued,
                    );
                    let v = assay_cert::verify(
                        &bytes,
                        &trust,
                        &assay_cert::verify::Expect {
                            today: issued.clone(),
                            ..Default::default()
                        },
                    );
                    match (v.valid(), v.statement) {
                        (true, Some(s)) => Ok(NewCertificate::new(bytes, &s)),
                        _ => bail!("a bench certificate does not verify: {:?}", v.checks),
                    }
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let pending: Vec<_> = writes
                .into_iter()
                .map(|w| {
                    let ledger = app.ledger.clone();
                    tokio::spawn(async move {
                        let actor = Actor {
                            who: "bench".into(),
                            remote: "bench-serve fill".into(),
                        };
                        ledger.submit(Write::Certificate(w), actor).await
                    })
                })
                .collect();
            for p in std::mem::replace(&mut writing, pending) {
                p.await?.map_err(|e| anyhow::anyhow!("logging: {e}"))?;
            }
            if done % 100_000 < CHUNK && done > 0 {
                eprintln!(
                    "  {done} certificates logged, {:.0}/s",
                    done as f64 / start.elapsed().as_secs_f64()
                );
            }
            done = end;
        }
        for p in writing {
            p.await?.map_err(|e| anyhow::anyhow!("logging: {e}"))?;
        }
        println!(
            "{{\"mode\":\"fill\",\"certificates\":{n},\"seconds\":{:.1},\"per_second\":{:.0}}}",
            start.elapsed().as_secs_f64(),
            n as f64 / start.elapsed().as_secs_f64()
        );
        anyhow::Ok(())
    })
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).context("verify, submit or fill")?.clone();
    if mode == "fill" {
        return fill(&args);
    }
    let url = args.get(2).context("the server's URL")?.clone();
    let host = url
        .strip_prefix("http://")
        .context("an http:// URL")?
        .trim_end_matches('/')
        .to_owned();
    let connections = arg(&args, "--connections", 16)?;
    let seconds = arg(&args, "--seconds", 10)?;
    let max = arg(&args, "--max", u64::MAX)?;

    // Every request prepared before the clock starts.
    let token = std::fs::read_to_string(args.get(3).context("the token file")?)?
        .trim()
        .to_owned();
    let key = assay_cert::IssuerKey::load(std::path::Path::new(
        args.get(4).context("the lab's key file")?,
    ))?;
    let issued = assay_cert::date::today().map_err(anyhow::Error::msg)?;
    let first = first_sequence()?;
    let per_conn: Vec<Vec<Vec<u8>>> = match mode.as_str() {
        "verify" => {
            let cert = assay_registry::testkit::certificate(&key, first, "Bench Holder", &issued);
            let mut stream = TcpStream::connect(&host)?;
            let mut reader = BufReader::new(stream.try_clone()?);
            let submit = request(&host, "/api/v1/certificates", Some(&token), &cert);
            let status = exchange(&mut stream, &mut reader, &submit)?;
            if !(200..300).contains(&status) {
                bail!("logging the certificate to verify answered {status}");
            }
            let r = request(&host, "/api/v1/verify", None, &cert);
            (0..connections).map(|_| vec![r.clone()]).collect()
        }
        "submit" => {
            let first = first + 1;
            let each = max.min(200_000).div_ceil(connections).max(1);
            (0..connections)
                .map(|c| {
                    (0..each)
                        .map(|i| {
                            let seq = first + c * each + i;
                            let cert = assay_registry::testkit::certificate(
                                &key,
                                seq,
                                "Bench Holder",
                                &issued,
                            );
                            request(&host, "/api/v1/certificates", Some(&token), &cert)
                        })
                        .collect()
                })
                .collect()
        }
        other => bail!("mode {other:?}: verify or submit"),
    };

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut threads = Vec::new();
    let cycle = mode == "verify";
    for reqs in per_conn {
        let (host, stop, done) = (host.clone(), stop.clone(), done.clone());
        threads.push(std::thread::spawn(
            move || -> anyhow::Result<(Vec<f64>, u64)> {
                let mut stream = TcpStream::connect(&host)?;
                stream.set_nodelay(true)?;
                let mut reader = BufReader::new(stream.try_clone()?);
                let mut lat = Vec::new();
                let mut errors = 0;
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    if done.fetch_add(1, Ordering::Relaxed) >= max {
                        break;
                    }
                    let req = if cycle {
                        &reqs[0]
                    } else {
                        match reqs.get(i) {
                            Some(r) => r,
                            None => break,
                        }
                    };
                    let t = Instant::now();
                    let status = exchange(&mut stream, &mut reader, req)?;
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    if !(200..300).contains(&status) {
                        errors += 1;
                    }
                    i += 1;
                }
                Ok((lat, errors))
            },
        ));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (lat, e) = t
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
        all.extend(lat);
        errors += e;
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    println!(
        "{{\"mode\":\"{mode}\",\"connections\":{connections},\"requests\":{},\"errors\":{errors},\"seconds\":{elapsed:.3},\"rps\":{:.0},\"p50_ms\":{:.3},\"p90_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3}}}",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.90),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or(f64::NAN),
    );
    if errors > 0 {
        bail!("{errors} requests were not answered 2xx");
    }
    Ok(())
}
