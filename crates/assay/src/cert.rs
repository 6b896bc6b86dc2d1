//! `assay keygen`, `assay certify`, `assay verify`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use assay_cert::CertError;
use assay_cert::{IssuerKey, TrustStore, date};
use clap::Args;

const DEFAULT_STANDARD: &str = "ISO/IEC TS 4213:2022";

#[derive(Args)]
pub struct KeygenArgs {
    /// The lab's issuer id (the certificate-number prefix, e.g. KTL); must be the plan's [lab] id
    #[arg(long)]
    pub issuer: String,
    /// The lab's name for the published key [default: the issuer id]
    #[arg(long)]
    pub name: Option<String>,
    /// The lab's accreditation and its scope
    #[arg(long)]
    pub accreditation: Option<String>,
    /// Standards (with edition) the lab certifies against; repeat for several
    #[arg(long = "standard", default_value = DEFAULT_STANDARD)]
    pub standards: Vec<String>,
    /// First day the published key is to be trusted, YYYY-MM-DD [default: today (UTC)]
    #[arg(long)]
    pub not_before: Option<String>,
    /// Years the published key is to be trusted from that day
    #[arg(long, default_value_t = 5)]
    pub years: u32,
    /// Folder for ISSUER.key (secret, owner-only) and ISSUER.pub.toml (to publish)
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Make the key in a PKCS#11 token (an HSM; SoftHSM for trials), named by an RFC 7512 URI:
    /// pkcs11:token=LABEL;object=ISSUER?module-path=/usr/lib/softhsm/libsofthsm2.so. The PIN comes
    /// from ASSAY_PKCS11_PIN or a prompt; ISSUER.key then names the token and holds no secret
    #[arg(long, value_name = "URI", conflicts_with = "unencrypted")]
    pub pkcs11: Option<String>,
    /// Write the secret unencrypted (for demonstrations only; warned about whenever it is used).
    /// Without this or --pkcs11 the key is encrypted under a passphrase from ASSAY_KEY_PASSPHRASE
    /// or a prompt (PKCS#8, scrypt + AES-256-CBC)
    #[arg(long)]
    pub unencrypted: bool,
    /// Print the result as JSON (the key files and the key id) instead of text
    #[arg(long)]
    pub json: bool,
}

/// The environment variable a key file's passphrase may come from.
pub const PASSPHRASE_ENV: &str = "ASSAY_KEY_PASSPHRASE";
/// The environment variable a PKCS#11 token's PIN may come from.
pub const PIN_ENV: &str = "ASSAY_PKCS11_PIN";

/// A secret from its environment variable, else from a prompt on the
/// terminal (not echoed); refused when there is neither.
pub fn ask(secret: assay_cert::keys::Secret<'_>) -> Result<String, String> {
    use assay_cert::keys::Secret;
    use std::io::IsTerminal as _;
    let (env, prompt) = match secret {
        Secret::Passphrase { file } => (PASSPHRASE_ENV, format!("Passphrase of {file}: ")),
        Secret::Pin { token } => (PIN_ENV, format!("PIN of PKCS#11 token {token:?}: ")),
    };
    if let Ok(v) = std::env::var(env) {
        return Ok(v);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt).map_err(|e| format!("cannot read it: {e}"));
    }
    Err(format!(
        "{}: set {env} or run in a terminal to be asked",
        prompt.trim_end_matches([' ', ':'])
    ))
}

/// Open a signing key file (asking for its passphrase or its token's PIN);
/// a plain one is used with a warning.
pub fn open_key(path: &Path) -> anyhow::Result<IssuerKey> {
    let key = IssuerKey::open(path, &ask)?;
    if key.protection == assay_cert::keys::Protection::Plain {
        eprintln!(
            "{} {} holds its secret unencrypted: fit for a demonstration, not for a lab's key \
             (make one with assay keygen, encrypted, or --pkcs11 in a token)",
            crate::style::warning_prefix(),
            path.display()
        );
    }
    Ok(key)
}

/// A new passphrase: from ASSAY_KEY_PASSPHRASE, or asked twice.
fn new_passphrase(file: &Path) -> anyhow::Result<String> {
    use std::io::IsTerminal as _;
    if let Ok(v) = std::env::var(PASSPHRASE_ENV) {
        if v.is_empty() {
            bail!("{PASSPHRASE_ENV} is empty: a key's passphrase cannot be");
        }
        return Ok(v);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "{} is to be encrypted: set {PASSPHRASE_ENV}, run in a terminal to be asked, \
             give --pkcs11 URI to keep the key in a token, or --unencrypted for a demonstration",
            file.display()
        );
    }
    let first = rpassword::prompt_password(format!("New passphrase for {}: ", file.display()))?;
    let second = rpassword::prompt_password("The same again: ")?;
    if first != second {
        bail!("the two passphrases differ");
    }
    if first.chars().count() < 8 {
        bail!("the passphrase is shorter than 8 characters");
    }
    Ok(first)
}

#[derive(Args)]
pub struct CertifyArgs {
    /// The assessment record (assessment.json) of a passing assessment that ran the model
    pub assessment: PathBuf,
    /// The lab's secret key file (from assay keygen)
    #[arg(long)]
    pub key: PathBuf,
    /// The test plan the record was made from [default: the record's plan file in the folder above the record's]
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Also run the model again on the test set: its predictions must be the recorded ones [default: every result is recomputed from the recorded predictions]
    #[arg(long)]
    pub rerun_model: bool,
    /// The reports' digest files (FILE.json beside each report) [default: every report.*.json beside the record]
    #[arg(long = "report")]
    pub reports: Vec<PathBuf>,
    /// Sequence number of the certificate in the year [default: the next one, kept in KEY.sequence]
    #[arg(long)]
    pub sequence: Option<u64>,
    /// Issue date, YYYY-MM-DD [default: today (UTC), or SOURCE_DATE_EPOCH's date]
    #[arg(long)]
    pub issued: Option<String>,
    /// Days the certificate is valid
    #[arg(long, default_value_t = 365)]
    pub valid_days: u32,
    /// Where the certificate's status can be checked [default: the --log registry's page of the certificate]
    #[arg(long)]
    pub status_url: Option<String>,
    /// Submit the certificate to this registry and store the inclusion proof beside it (NUMBER.log.json)
    #[arg(long = "log")]
    pub log: Option<String>,
    /// File holding the lab's API token for --log [env: ASSAY_TOKEN]
    #[arg(long, requires = "log")]
    pub token_file: Option<PathBuf>,
    /// Folder for the certificate [default: the record's folder]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the result as JSON (number, certificate, SHA-256, pages, receipt) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The certificate (*.cert.json)
    pub cert: PathBuf,
    /// The model file or directory: its digest must be the certificate's subject
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The assessment record: its SHA-256 must be the one certified
    #[arg(long)]
    pub assessment: Option<PathBuf>,
    /// Make the --assessment record again from its inputs (its plan's files, the predictions beside it) and require every result to be the recorded one
    #[arg(long, requires = "assessment")]
    pub recompute: bool,
    /// With --recompute: run the model again on the test set too (the plan's model and test set must be there)
    #[arg(long, requires = "recompute")]
    pub rerun_model: bool,
    /// With --recompute: the record's test plan, whose folder the record's paths are relative to [default: the folder above the record's]
    #[arg(long, requires = "recompute")]
    pub plan: Option<PathBuf>,
    /// Trust store(s): issuers, keys, standards, windows (a lab's ISSUER.pub.toml is one)
    #[arg(long = "trust", required = true)]
    pub trust: Vec<PathBuf>,
    /// The day of verification, YYYY-MM-DD [default: today (UTC)]
    #[arg(long)]
    pub at: Option<String>,
    /// Check inclusion and today's status against this registry (without it, the proof file beside the certificate is checked offline when there is one)
    #[arg(long = "log")]
    pub log: Option<String>,
    /// Fail (exit 1) unless the model was checked: without it a genuine certificate says nothing of the model at hand
    #[arg(long)]
    pub require_model: bool,
    /// Print the checks as JSON
    #[arg(long)]
    pub json: bool,
}

fn check_date(text: &str, what: &str) -> anyhow::Result<String> {
    if date::parse(text).is_none() {
        bail!("{what} {text:?} is not a date written YYYY-MM-DD");
    }
    Ok(text.to_owned())
}

/// `assay keygen`.
pub fn keygen(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let id = &args.issuer;
    if let Some(problem) = assay_cert::certificate::issuer_id_problem(id) {
        bail!("--issuer: {problem}");
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let secret = args.out.join(format!("{id}.key"));
    let public = args.out.join(format!("{id}.pub.toml"));
    for p in [&secret, &public] {
        if p.exists() {
            bail!("{} exists; keygen never overwrites a key", p.display());
        }
    }
    let today = match &args.not_before {
        Some(d) => check_date(d, "--not-before")?,
        None => crate::report::default_issue_date()?,
    };
    let key = match &args.pkcs11 {
        Some(uri) => {
            let uri = assay_cert::pkcs11::Uri::parse(uri).map_err(anyhow::Error::msg)?;
            let pin = ask(assay_cert::keys::Secret::Pin { token: &uri.token })
                .map_err(anyhow::Error::msg)?;
            let token_key =
                assay_cert::pkcs11::TokenKey::generate(&uri, &pin).map_err(anyhow::Error::msg)?;
            let key = IssuerKey::with_signer(
                id,
                std::sync::Arc::new(token_key),
                assay_cert::keys::Protection::Token,
            )?;
            key.write(&secret, &assay_cert::keys::Store::Token { uri: &uri })?;
            key
        }
        None if args.unencrypted => {
            let key = IssuerKey::generate(id)?;
            key.write(&secret, &assay_cert::keys::Store::Plain)?;
            eprintln!(
                "{} {} holds its secret unencrypted (--unencrypted): fit for a demonstration only",
                crate::style::warning_prefix(),
                secret.display()
            );
            key
        }
        None => {
            let passphrase = new_passphrase(&secret)?;
            let key = IssuerKey::generate(id)?;
            key.write(
                &secret,
                &assay_cert::keys::Store::Encrypted {
                    passphrase: &passphrase,
                },
            )?;
            key
        }
    };
    let until = date::add_days(&today, i64::from(args.years) * 365).unwrap_or_default();
    use base64::Engine as _;
    let text = assay_cert::trust::entry_text(&assay_cert::trust::Entry {
        id,
        name: args.name.as_deref().unwrap_or(id),
        accreditation: args.accreditation.as_deref(),
        public_key_b64: &base64::engine::general_purpose::STANDARD.encode(key.public().as_bytes()),
        keyid: &key.keyid(),
        standards: &args.standards,
        not_before: &today,
        not_after: &until,
    });
    std::fs::write(&public, text).with_context(|| format!("cannot write {}", public.display()))?;
    let how = match key.protection {
        assay_cert::keys::Protection::Plain => "secret, unencrypted, owner-only",
        assay_cert::keys::Protection::Encrypted => "secret, encrypted, owner-only",
        assay_cert::keys::Protection::Token => "names the key in the token; no secret",
    };
    if crate::style::text() {
        println!(
            "wrote {} ({how}) and {} (publish it; it is a trust-store entry)",
            secret.display(),
            public.display()
        );
        println!("key id {}", key.keyid());
    }
    crate::style::result(&serde_json::json!({
        "secret": secret.display().to_string(),
        "public": public.display().to_string(),
        "keyid": key.keyid().to_string(),
        "protection": how,
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// `assay certify`.
pub fn certify(args: &CertifyArgs) -> anyhow::Result<ExitCode> {
    let (path, mut summary) = issue(args)?;
    if let Some(url) = &args.log {
        let receipt = crate::registry::publish(
            &path,
            &crate::registry::LogArgs {
                url: url.clone(),
                token_file: args.token_file.clone(),
            },
        )
        .with_context(|| {
            format!(
                "the certificate is written but not logged; retry with: assay publish {} --log {url}",
                path.display()
            )
        })?;
        summary["receipt"] = receipt.display().to_string().into();
    }
    crate::style::result(&summary)?;
    Ok(ExitCode::SUCCESS)
}

/// The logo the record names (`[lab] logo`), read from the plan's folder,
/// with its media type; None when it names none.
fn read_logo(
    record_path: &Path,
    plan: Option<&Path>,
) -> anyhow::Result<Option<(Vec<u8>, &'static str)>> {
    let bytes = std::fs::read(record_path)
        .with_context(|| format!("cannot read {}", record_path.display()))?;
    let record = assay_record::read(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", record_path.display()))?;
    let Some(logo) = &record.identification.lab.logo else {
        return Ok(None);
    };
    let folder = assay_assess::rederive::plan_folder(&record, record_path, plan);
    let path = folder.join(logo);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "the lab's logo ([lab] logo = {logo:?}): cannot read {}",
            path.display()
        )
    })?;
    Ok(Some((
        bytes,
        assay_cert::certificate::logo_media_type(logo),
    )))
}

/// Certify; the certificate's path.
/// The certificate's file and its summary for `--json`.
pub fn issue(args: &CertifyArgs) -> anyhow::Result<(PathBuf, serde_json::Value)> {
    let key = open_key(&args.key)?;
    let issued = match &args.issued {
        Some(d) => check_date(d, "--issued")?,
        None => crate::report::default_issue_date()?,
    };
    let record_dir = args
        .assessment
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let rederive = |bytes: &[u8], record: &assay_record::Assessment| {
        use assay_assess::rederive::RederiveError;
        let (recheck, outcome) = rederive(
            bytes,
            record,
            &args.assessment,
            args.plan.as_deref(),
            args.rerun_model,
        );
        outcome.map(|()| recheck).map_err(|e| match e {
            RederiveError::Differs { .. } | RederiveError::OtherPlan { .. } => {
                CertError::Refused(e.to_string())
            }
            other => CertError::Record(other.to_string()),
        })
    };
    // The lab's logo, read and decoded before anything is signed: the
    // re-derivation checks its digest, the certificate pages show it.
    let logo = match read_logo(&args.assessment, args.plan.as_deref())? {
        Some((bytes, media_type)) => {
            assay_report::certificate::logo_svg(&bytes, media_type)
                .map_err(|e| CertError::Refused(e.to_string()))?;
            Some(bytes)
        }
        None => None,
    };
    let issued_cert = assay_cert::issue::issue(
        &assay_cert::issue::Request {
            record: &args.assessment,
            key: &key,
            key_path: &args.key,
            reports: &args.reports,
            sequence: args.sequence,
            issued: &issued,
            valid_days: args.valid_days,
            status_url: args.status_url.clone(),
            log: args.log.as_deref(),
            out: args.out.as_deref().unwrap_or(&record_dir),
        },
        &rederive,
    )?;
    let number = &issued_cert.number;
    if !issued_cert.earlier.is_empty() {
        eprintln!(
            "{} this record already has certificate {} in this folder; {number} is a second certificate for the same assessment",
            crate::style::warning_prefix(),
            issued_cert.earlier.join(", ")
        );
    }
    if crate::style::text() {
        println!(
            "certificate {number}: {} (SHA-256 {})",
            issued_cert.path.display(),
            issued_cert.sha256
        );
    }
    let mut pages = Vec::new();
    let out_dir = issued_cert.path.parent().unwrap_or(Path::new("."));
    for lang in [assay_report::Lang::En, assay_report::Lang::Ko] {
        let doc = assay_report::certificate::document(
            &issued_cert.statement,
            &issued_cert.sha256,
            lang,
            logo.as_deref(),
        )?;
        for format in [assay_report::Format::Html, assay_report::Format::Pdf] {
            let path = out_dir.join(format!(
                "{number}.certificate.{}.{}",
                lang.tag(),
                format.extension()
            ));
            std::fs::write(&path, assay_report::render(&doc, format)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if crate::style::text() {
                println!("  {}", path.display());
            }
            pages.push(path.display().to_string());
        }
    }
    let summary = serde_json::json!({
        "number": number,
        "certificate": issued_cert.path.display().to_string(),
        "sha256": issued_cert.sha256,
        "pages": pages,
    });
    Ok((issued_cert.path, summary))
}

/// Re-derive the record at `record_path` (read as `bytes`, `record`): from
/// its recorded predictions, or with `rerun_model` from a new run of the
/// model. Which check was made, and its outcome.
fn rederive(
    bytes: &[u8],
    record: &assay_record::Assessment,
    record_path: &Path,
    plan: Option<&Path>,
    rerun_model: bool,
) -> (
    assay_assess::rederive::Recheck,
    Result<(), assay_assess::rederive::RederiveError>,
) {
    use assay_assess::rederive::{Recheck, Request};
    let recheck = if rerun_model {
        Recheck::ModelRun
    } else {
        Recheck::Predictions
    };
    let request = Request {
        bytes,
        record,
        record_path,
        plan,
        recheck,
    };
    (
        recheck,
        assay_assess::rederive::rederive(&request, &mut |_| {}),
    )
}

/// `assay verify --recompute`: the record made again from its inputs.
fn recompute_check(args: &VerifyArgs, record: &Path) -> anyhow::Result<assay_cert::Check> {
    let bytes = std::fs::read(record)
        .with_context(|| format!("cannot read the assessment record {}", record.display()))?;
    let parsed =
        assay_record::read(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", record.display()))?;
    let (recheck, outcome) = rederive(
        &bytes,
        &parsed,
        record,
        args.plan.as_deref(),
        args.rerun_model,
    );
    Ok(match outcome {
        Ok(()) => assay_cert::Check::new(
            "recompute",
            assay_cert::Status::Pass,
            format!("{}: every result is the recorded one", recheck.describe()),
        ),
        Err(e) => assay_cert::Check::new("recompute", assay_cert::Status::Fail, e.to_string()),
    })
}

/// `assay verify`.
pub fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.cert)
        .with_context(|| format!("cannot read the certificate {}", args.cert.display()))?;
    let mut trust = TrustStore::default();
    for t in &args.trust {
        trust = trust.merge(TrustStore::load(t)?);
    }
    let today = match &args.at {
        Some(d) => check_date(d, "--at")?,
        None => crate::report::default_issue_date()?,
    };
    let model_sha256 = match &args.model {
        None => None,
        Some(p) => Some(
            assay_model::identity(p)
                .with_context(|| format!("cannot read the model {}", p.display()))?
                .sha256,
        ),
    };
    let assessment_sha256 = match &args.assessment {
        None => None,
        Some(p) => Some(assay_base::digest::sha256_hex(
            &std::fs::read(p)
                .with_context(|| format!("cannot read the assessment record {}", p.display()))?,
        )),
    };
    let mut result = assay_cert::verify(
        &bytes,
        &trust,
        &assay_cert::Expect {
            today,
            model_sha256,
            assessment_sha256,
        },
    );
    if args.recompute
        && let Some(record) = &args.assessment
    {
        result.checks.push(recompute_check(args, record)?);
    }
    let number = result.statement.as_ref().map(|s| s.number().to_owned());
    let claimed = result.claimed_number.clone();
    if result.statement.is_some() {
        result.checks.extend(crate::registry::log_checks(
            &bytes,
            &args.cert,
            number.as_deref().unwrap_or(""),
            args.log.as_deref(),
            &trust,
        )?);
    }
    let verdict = result.verdict();
    let valid = match verdict {
        assay_cert::Verdict::Valid => true,
        assay_cert::Verdict::ValidModelNotChecked => !args.require_model,
        assay_cert::Verdict::Invalid => false,
    };
    if args.json {
        let out = serde_json::json!({
            "certificate": args.cert.display().to_string(),
            "valid": valid,
            "verdict": verdict,
            "model_checked": verdict == assay_cert::Verdict::Valid,
            "checks": result.checks,
            "number": number,
            "claimed_number": claimed,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let number = match (&number, &claimed) {
            (Some(n), _) => n.clone(),
            (None, Some(c)) => format!("{c} (claimed; not verified)"),
            (None, None) => "(unreadable)".to_owned(),
        };
        println!("{}: certificate {number}", args.cert.display());
        for c in &result.checks {
            let mark = match c.status {
                assay_cert::Status::Pass => crate::style::verdict("PASS", true),
                assay_cert::Status::Fail => crate::style::verdict("FAIL", false),
                assay_cert::Status::Skip => "skip".to_owned(),
            };
            println!("  {mark}  {:<12} {}", c.check, c.detail);
        }
        if verdict == assay_cert::Verdict::ValidModelNotChecked && args.require_model {
            println!("INVALID: --require-model, and the model was not checked");
        } else {
            println!("{}", verdict.line());
        }
    }
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAILED)
    })
}
