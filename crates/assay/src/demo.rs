//! `assay demo`: the whole pipeline, as far as it is built, on bundled real
//! data: first a test plan on a model's predictions (a logistic regression on
//! scikit-learn's breast cancer data, with slices, criteria, a baseline and a
//! leakage check), then a test plan that runs an ONNX model (a perceptron on
//! scikit-learn's handwritten digits) on its test images, and a tabular ONNX
//! model on its feature table; each record then gets its test reports (HTML
//! and PDF, English and Korean).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

fn run_plan(
    dir: &Path,
    model: bool,
    title: &str,
) -> anyhow::Result<(ExitCode, std::path::PathBuf)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let plan = crate::plan::init(&crate::plan::InitOptions {
        dir,
        force: true,
        model: false,
        demo: Some(if model {
            crate::plan::Demo::Model
        } else {
            crate::plan::Demo::Predictions
        }),
        lang: assay_report::Lang::En,
    })?;
    let results = dir.join("results");
    println!("== {title}: test plan {}\n", plan.display());
    let code = crate::plan::run(&crate::plan::RunOptions {
        plan: &plan,
        out: &results,
        quiet: false,
        check_only: false,
        json: false,
    })?;
    Ok((code, results.join("assessment.json")))
}

/// Run the demo in `out`.
pub fn run(out: &Path) -> anyhow::Result<ExitCode> {
    let (first, first_record) = run_plan(
        out,
        false,
        "Breast cancer classifier, its predictions on the held-out half",
    )?;
    println!();
    let (second, second_record) = run_plan(
        &out.join("model"),
        true,
        "Handwritten digit classifier (ONNX), run by assay on the test images",
    )?;
    println!();
    let model_dir = out.join("model");
    let third_record = model_dir.join("tabular-results/assessment.json");
    println!(
        "== Breast cancer classifier (tabular ONNX), run by assay on the feature table: test plan {}\n",
        model_dir.join("tabular.toml").display()
    );
    let third = crate::plan::run(&crate::plan::RunOptions {
        plan: &model_dir.join("tabular.toml"),
        out: &model_dir.join("tabular-results"),
        quiet: false,
        check_only: false,
        json: false,
    })?;
    let issued = crate::report::default_issue_date()?;
    reports(&[&first_record, &second_record, &third_record], &issued)?;
    let (cert, verified) = certify(out, &second_record, &issued)?;
    let (online, offline) = registry_round(out, &cert)?;
    Ok([first, second, third, verified, online, offline]
        .into_iter()
        .find(|c| *c != ExitCode::SUCCESS)
        .unwrap_or(ExitCode::SUCCESS))
}

/// Each record's test reports, in both languages and both formats.
fn reports(records: &[&Path], issued: &str) -> anyhow::Result<()> {
    println!("\nThe test plans' assessment records and their test reports:");
    for record in records {
        println!("  {}", record.display());
        for lang in assay_report::Lang::ALL {
            for format in assay_report::Format::ALL {
                let out = crate::report::write_beside(record, lang, format, issued)?;
                println!("    {}", out.display());
            }
        }
    }
    Ok(())
}

/// The model that was run and passed gets a certificate, signed with a
/// demonstration key, and the certificate is verified offline.
fn certify(out: &Path, record: &Path, issued: &str) -> anyhow::Result<(PathBuf, ExitCode)> {
    let model_dir = out.join("model");
    println!("\nCertificate of the handwritten digit classifier:");
    let keys = out.join("keys");
    let key = keys.join("DEMO.key");
    if !key.exists() {
        crate::cert::keygen(&crate::cert::KeygenArgs {
            issuer: "DEMO".into(),
            name: Some("Assay demonstration laboratory".into()),
            accreditation: Some("demonstration only, no accreditation".into()),
            standards: vec!["ISO/IEC TS 4213:2022".into()],
            not_before: None,
            years: 5,
            out: keys.clone(),
            pkcs11: None,
            unencrypted: true,
            json: false,
        })?;
    }
    let cert = crate::cert::issue(&crate::cert::CertifyArgs {
        assessment: record.to_owned(),
        key: key.clone(),
        plan: None,
        rerun_model: false,
        reports: Vec::new(),
        sequence: None,
        issued: Some(issued.to_owned()),
        valid_days: 365,
        status_url: None,
        log: None,
        token_file: None,
        out: None,
        json: false,
    })?
    .0;
    println!(
        "\n$ assay verify {} --model {} --assessment {} --recompute --trust {}",
        cert.display(),
        model_dir.join("digits.onnx").display(),
        record.display(),
        keys.join("DEMO.pub.toml").display()
    );
    let verified = crate::cert::verify(&crate::cert::VerifyArgs {
        cert: cert.clone(),
        model: Some(model_dir.join("digits.onnx")),
        assessment: Some(record.to_owned()),
        recompute: true,
        rerun_model: false,
        plan: None,
        trust: vec![keys.join("DEMO.pub.toml")],
        at: None,
        log: None,
        require_model: false,
        json: false,
    })?;
    Ok((cert, verified))
}

/// The registry: the certificate goes into a transparency log, and is
/// checked there (online) and from the proof stored beside it (offline).
fn registry_round(out: &Path, cert: &Path) -> anyhow::Result<(ExitCode, ExitCode)> {
    let keys = out.join("keys");
    let registry = out.join("registry");
    let server = crate::registry::background(
        &registry,
        &keys.join("DEMO.pub.toml"),
        &keys.join("DEMO.token"),
        &registry.join("log.pub.toml"),
    )?;
    println!(
        "
The registry (assay serve) at {}:",
        server.url
    );
    println!(
        "$ assay publish {} --log {} --token-file {}",
        cert.display(),
        server.url,
        keys.join("DEMO.token").display()
    );
    crate::registry::publish(
        cert,
        &crate::registry::LogArgs {
            url: server.url.clone(),
            token_file: Some(keys.join("DEMO.token")),
        },
    )?;
    let trust = vec![keys.join("DEMO.pub.toml"), registry.join("log.pub.toml")];
    let model = out.join("model").join("digits.onnx");
    println!(
        "
$ assay verify {} --model {} --trust {} --trust {} --log {}",
        cert.display(),
        model.display(),
        trust[0].display(),
        trust[1].display(),
        server.url
    );
    let online = crate::cert::verify(&crate::cert::VerifyArgs {
        cert: cert.to_owned(),
        model: Some(model.clone()),
        assessment: None,
        recompute: false,
        rerun_model: false,
        plan: None,
        trust: trust.clone(),
        at: None,
        log: Some(server.url.clone()),
        require_model: false,
        json: false,
    })?;
    drop(server);
    println!(
        "
Offline, from the stored proof:"
    );
    let offline = crate::cert::verify(&crate::cert::VerifyArgs {
        cert: cert.to_owned(),
        model: Some(model.clone()),
        assessment: None,
        recompute: false,
        rerun_model: false,
        plan: None,
        trust,
        at: None,
        log: None,
        require_model: false,
        json: false,
    })?;
    Ok((online, offline))
}
