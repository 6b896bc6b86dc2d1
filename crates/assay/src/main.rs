//! The `assay` binary: argument parsing, terminal output and exit codes.
//! Everything else lives in the library crates.

// The doc comments of the argument structs are clap's help text, written
// for a terminal ("[lab] id", "recall[defect]", bare URLs), not rustdoc.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::bare_urls)]

mod args;
mod cert;
mod demo;
mod plan;
mod registry;
mod report;
mod style;
mod table;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use args::{Cli, Command, CompareArgs, EvalArgs, PlanSizeArgs, PlannedMetric};
use clap::Parser;

/// Exit code for a failed criterion.
pub(crate) const EXIT_FAILED: u8 = 1;
/// Exit code for a usage or input error.
const EXIT_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The registry logs with `tracing`: requests and warnings while it
    // serves, only problems otherwise (the demo's registry included).
    let level = match &cli.command {
        Command::Serve(args) if !args.quiet => tracing::Level::INFO,
        _ => tracing::Level::WARN,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{} {}", style::error_prefix(), message(&e));
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// An error and its causes, each said once: a cause whose words the
/// message already holds (a library error that names its own reason) is
/// not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Eval(args) => eval(*args),
        Command::Demo(args) => demo::run(&args.out),
        Command::PlanSize(args) => plan_size(&args),
        Command::Compare(args) => compare(&args),
        Command::Init(args) => {
            let plan = plan::init(&plan::InitOptions {
                dir: &args.dir,
                force: args.force,
                model: args.model,
                demo: args.demo,
                lang: args.lang.into(),
            })?;
            if args.demo.is_some() {
                println!(
                    "wrote {} and its data; run it with: assay run {} --out {}",
                    plan.display(),
                    plan.display(),
                    args.dir.join("assay-out").display()
                );
            } else {
                println!(
                    "wrote {}: fill in every value written <like this>, then check it with: assay run {} --check",
                    plan.display(),
                    plan.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => {
            style::set_json(args.json);
            report::run(&args)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "assay", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Keygen(args) => {
            style::set_json(args.json);
            cert::keygen(&args)
        }
        Command::Certify(args) => {
            style::set_json(args.json);
            cert::certify(&args)
        }
        Command::Verify(args) => cert::verify(&args),
        Command::Publish(args) => {
            style::set_json(args.json);
            registry::publish_cmd(&args)
        }
        Command::Serve(args) => registry::serve(&args),
        Command::Admin(args) => registry::admin(&args),
        Command::Revoke(args) => registry::change_status(&args, assay_cert::status::Action::Revoke),
        Command::Suspend(args) => {
            registry::change_status(&args, assay_cert::status::Action::Suspend)
        }
        Command::Reinstate(args) => {
            registry::change_status(&args, assay_cert::status::Action::Reinstate)
        }
        Command::Run(args) => plan::run(&plan::RunOptions {
            plan: &args.plan,
            out: &args.out,
            quiet: args.quiet,
            check_only: args.check,
            json: args.json,
        }),
    }
}

fn compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let r = assay_eval::compare::compare(&args.spec()?)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{}", table::render_compare(&r));
    }
    Ok(if r.verdict == assay_record::Outcome::Pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

fn plan_size(args: &PlanSizeArgs) -> anyhow::Result<ExitCode> {
    use assay_stats::sample_size::{Quantity, delivered, required};
    assay_stats::check_level(args.confidence).map_err(|_| {
        anyhow::anyhow!(
            "--confidence must lie strictly between 0 and 1, not {}",
            args.confidence
        )
    })?;
    if !(args.expected > 0.0 && args.expected < 1.0) {
        anyhow::bail!(
            "--expected must lie strictly between 0 and 1, not {}",
            args.expected
        );
    }
    let quantity = match args.metric {
        PlannedMetric::Proportion => Quantity::Proportion(args.method),
        PlannedMetric::Auc => {
            if !(args.prevalence > 0.0 && args.prevalence < 1.0) {
                anyhow::bail!(
                    "--prevalence must lie strictly between 0 and 1, not {}",
                    args.prevalence
                );
            }
            Quantity::Auc {
                prevalence: args.prevalence,
            }
        }
    };
    let what = match args.metric {
        PlannedMetric::Proportion => "items in the denominator (e.g. defective items for recall)",
        PlannedMetric::Auc => "items in all",
    };
    let level = args.confidence;
    let plan = if let Some(items) = args.items {
        let d = delivered(quantity, args.expected, items, level)
            .with_context(|| format!("{items} items give no interval (too few on one side)"))?;
        if !args.json {
            println!(
                "{items} {what} deliver a {:.0}% interval of [{:.4}, {:.4}] (width {:.4}) around {}",
                level * 100.0,
                d.low,
                d.high,
                d.width,
                args.expected
            );
        }
        d
    } else {
        let target = match (args.target, args.margin) {
            (Some(t), None) => t,
            // Rounded to 12 digits so that 0.95 − 0.05 reads 0.9.
            (None, Some(m)) => ((args.expected - m) * 1e12).round() / 1e12,
            _ => anyhow::bail!("name --target or --margin (or --items for the converse)"),
        };
        let Some(d) = required(quantity, args.expected, target, level) else {
            anyhow::bail!(
                "no test set up to {} items shows {target} when {} is expected: the target must lie below the expected value",
                assay_stats::sample_size::MAX_ITEMS,
                args.expected
            );
        };
        if !args.json {
            println!(
                "{} {what} are needed: at {} expected, the {:.0}% interval's lower bound is then {:.4} ≥ {target}",
                d.items,
                args.expected,
                level * 100.0,
                d.low
            );
            if let (Some(p), Some(n)) = (d.positives, d.negatives) {
                println!("({p} positive and {n} negative items)");
            }
        }
        d
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let spec = args.spec()?;
    let result = assay_eval::evaluate(&spec, &mut |_| {})?;
    let json_to_stdout = args.json.as_deref() == Some("-");
    if let Some(target) = &args.json {
        let text = result.to_json();
        if json_to_stdout {
            println!("{text}");
        } else {
            std::fs::write(target, text + "\n")
                .with_context(|| format!("cannot write the result to {target}"))?;
        }
    }
    if !args.quiet && !json_to_stdout {
        print!("{}", table::render(&result));
        if let Some(target) = args.json.as_deref() {
            println!("\nresult written to {target}");
        }
    }
    Ok(if result.verdict == Some(assay_record::Outcome::Fail) {
        ExitCode::from(EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
