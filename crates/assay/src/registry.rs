//! `assay serve`, `assay admin`, `assay publish`, and the log's part of
//! `assay verify` (online with `--log URL`, offline from the proof file
//! stored beside a certificate).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use assay_cert::{Check, TrustStore};
use assay_log::note::NoteVerifier;
use assay_registry::client::{self, Transport};
use clap::{Args, Subcommand};

#[derive(Args, Clone)]
pub struct DbArgs {
    /// The registry's folder: the SQLite database (registry.db) and the log key (log.key)
    #[arg(long, default_value = "assay-registry")]
    pub data: PathBuf,
    /// A PostgreSQL database instead of SQLite, e.g. postgres://user:pass@host/db [env: ASSAY_DATABASE_URL]
    #[arg(long)]
    pub database: Option<String>,
}

impl DbArgs {
    fn url(&self) -> Option<String> {
        self.database
            .clone()
            .or_else(|| std::env::var("ASSAY_DATABASE_URL").ok())
            .filter(|u| !u.is_empty())
    }
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on (port 0 picks a free port; the address is printed)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The address clients use (links, QR codes, receipts) [default: http://LISTEN]
    #[arg(long)]
    pub public_url: Option<String>,
    /// The log's origin line for a new log [default: the public URL's host and path + /log]
    #[arg(long)]
    pub origin: Option<String>,
    /// The log's signing key [default: DATA/log.key, made on first start]
    #[arg(long)]
    pub log_key: Option<PathBuf>,
    /// Requests a second per client address (0: no limit)
    #[arg(long, default_value_t = 200.0)]
    pub read_rate: f64,
    /// Writes a second per lab (0: no limit)
    #[arg(long, default_value_t = 50.0)]
    pub write_rate: f64,
    /// No access log on stderr
    #[arg(long)]
    pub quiet: bool,
    /// Behind a reverse proxy: rate-limit and audit by the last X-Forwarded-For address instead of the peer's
    #[arg(long)]
    pub trust_proxy: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Whether `path` is an Assay key file (TOML with `issuer = …`) rather
/// than a signed-note signer key.
fn is_assay_key_file(path: &std::path::Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| !t.trim_start().starts_with("PRIVATE+KEY+"))
}

/// `assay serve`.
pub fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        // An Assay key file (encrypted, or a token's) is opened here; a
        // signed-note signer key (PRIVATE+KEY+…) is read by the registry.
        let (log_key, log_signer) = match &args.log_key {
            Some(path) if is_assay_key_file(path) => {
                let key = crate::cert::open_key(path)?;
                (None, Some(assay_registry::KeyRef(key.signer())))
            }
            other => {
                let path = other
                    .clone()
                    .unwrap_or_else(|| args.db.data.join("log.key"));
                eprintln!(
            "{} the log key {} is a plain signed-note key file: for a public log, \
                     make one with assay keygen (encrypted, or --pkcs11 in a token) and give it with --log-key",
                    crate::style::warning_prefix(),
                    path.display()
                );
                (other.clone(), None)
            }
        };
        let config = assay_registry::Config {
            data: args.db.data.clone(),
            database: args.db.url(),
            log_key,
            log_signer,
            origin: args.origin.clone(),
            public_url: public_url.clone(),
            read_rate: args.read_rate,
            write_rate: args.write_rate,
            access_log: !args.quiet,
            trust_proxy: args.trust_proxy,
        };
        let db_name = assay_registry::db::redact(&assay_registry::database_url(&config));
        let app = assay_registry::open(config).await?;
        let (size, key) = (app.ledger.read().size(), app.ledger.verifier.key_string());
        eprintln!("assay serve: database {db_name}");
        eprintln!(
            "assay serve: log {} ({size} entries), key {key}",
            app.ledger.origin
        );
        println!("listening on http://{addr} (public URL {public_url})");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        assay_registry::serve(app, listener, shutdown()).await?;
        eprintln!("assay serve: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[derive(Args)]
pub struct AdminArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Register a lab's key from its published entry (ISSUER.pub.toml from assay keygen); the lab is created with its first key
    KeyAdd {
        /// The lab's trust-store entry
        #[arg(long)]
        trust: PathBuf,
    },
    /// Revoke a key: it no longer authorises submissions
    KeyRevoke {
        /// The key id (SHA-256 of the public key, as `assay admin labs` lists it)
        keyid: String,
    },
    /// Make an API token for a lab: printed once, stored only as a hash
    TokenCreate {
        /// The lab's id
        #[arg(long)]
        lab: String,
        /// Write the token to this file (owner-only) instead of printing it
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Revoke a token by its id
    TokenRevoke {
        /// The token's id (the part after `assay_`)
        id: String,
    },
    /// List labs with their keys and tokens
    Labs {
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// The audit trail, newest first
    Audit {
        /// Rows to show
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// As JSON
        #[arg(long)]
        json: bool,
    },
    /// Re-hash every entry and check every stored checkpoint against them
    Check,
    /// Print the log's [[log]] trust-store entry (for verifiers' trust stores)
    LogEntry {
        /// The URL the log is served at
        #[arg(long)]
        url: Option<String>,
    },
}

/// Write a secret to a new owner-only file.
fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    Ok(assay_cert::keys::write_secret(path, text)?)
}

/// `assay admin`.
pub fn admin(args: &AdminArgs) -> anyhow::Result<ExitCode> {
    use assay_registry::admin;
    let rt = runtime()?;
    rt.block_on(async {
        std::fs::create_dir_all(&args.db.data)
            .with_context(|| format!("cannot create {}", args.db.data.display()))?;
        let url = args
            .db
            .url()
            .unwrap_or_else(|| assay_registry::db::sqlite_url(&args.db.data));
        let db = assay_registry::db::Db::connect(&url).await?;
        match &args.command {
            AdminCommand::KeyAdd { trust } => {
                let text = std::fs::read_to_string(trust)
                    .with_context(|| format!("cannot read {}", trust.display()))?;
                let (lab, keyid) = admin::add_key(&db, &text, &trust.display().to_string()).await?;
                println!("registered key {keyid} for lab {lab}");
            }
            AdminCommand::KeyRevoke { keyid } => {
                admin::revoke_key(&db, keyid).await?;
                println!("revoked key {keyid}");
            }
            AdminCommand::TokenCreate { lab, out } => {
                let (id, token) = admin::create_token(&db, lab).await?;
                match out {
                    Some(p) => {
                        write_secret(p, &format!("{token}\n"))?;
                        eprintln!("token {id} for lab {lab} written to {}", p.display());
                    }
                    None => {
                        eprintln!("token {id} for lab {lab} (shown once; only its hash is kept):");
                        println!("{token}");
                    }
                }
            }
            AdminCommand::TokenRevoke { id } => {
                admin::revoke_token(&db, id).await?;
                println!("revoked token {id}");
            }
            AdminCommand::Labs { json } => {
                let labs = admin::labs(&db).await?;
                if *json {
                    println!("{}", serde_json::to_string_pretty(&labs)?);
                } else {
                    for l in labs {
                        println!("{}  {}", l.id, l.name);
                        for k in l.keys {
                            println!("  key   {k}");
                        }
                        for t in l.tokens {
                            println!("  token {t}");
                        }
                    }
                }
            }
            AdminCommand::Audit { limit, json } => {
                let rows = admin::audit_trail(&db, *limit).await?;
                if *json {
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    for r in rows {
                        println!(
                            "{}  {:<22} {:<24} {:<20} {}  {}",
                            r.at, r.action, r.actor, r.subject, r.remote, r.detail
                        );
                    }
                }
            }
            AdminCommand::Check => {
                let r = admin::check(&db).await?;
                println!(
                    "the log verifies: {} entries re-hashed, {} checkpoints match them",
                    r.entries, r.checkpoints
                );
            }
            AdminCommand::LogEntry { url } => {
                let v = admin::log_key(&db).await?.ok_or_else(|| {
                    anyhow::anyhow!("this database has no log yet: start `assay serve` once")
                })?;
                print!("{}", log_entry(&v, url.as_deref()));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// A `[[log]]` trust-store entry.
pub fn log_entry(v: &NoteVerifier, url: Option<&str>) -> String {
    let q = assay_cert::trust::toml_string;
    let mut out = String::from(
        "# An Assay transparency log: add this entry to a trust store to accept its checkpoints.\n[[log]]\n",
    );
    out.push_str(&format!("origin = {}\n", q(v.name())));
    out.push_str(&format!("key = {}\n", q(&v.key_string())));
    if let Some(u) = url {
        out.push_str(&format!("url = {}\n", q(u)));
    }
    out
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The registry client's transport: blocking HTTP (ureq, rustls).
struct Http(ureq::Agent);

impl Http {
    fn new() -> Self {
        Http(agent())
    }

    fn read(
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, Vec<u8>), String> {
        let mut resp = resp.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        Ok((status, body))
    }
}

impl Transport for Http {
    fn get(&self, url: &str) -> Result<(u16, Vec<u8>), String> {
        Self::read(self.0.get(url).call())
    }

    fn post(&self, url: &str, body: &[u8], token: &str) -> Result<(u16, Vec<u8>), String> {
        Self::read(
            self.0
                .post(url)
                .header("Authorization", &format!("Bearer {token}"))
                .header("Content-Type", "application/json")
                .send(body),
        )
    }
}

#[derive(Args)]
pub struct PublishArgs {
    /// The certificate (*.cert.json)
    pub cert: PathBuf,
    /// Print the result as JSON (the certificate and its receipt) instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Args, Clone)]
pub struct LogArgs {
    /// The registry's URL, e.g. https://registry.example.org
    #[arg(long = "log")]
    pub url: String,
    /// File holding the lab's API token [env: ASSAY_TOKEN]
    #[arg(long)]
    pub token_file: Option<PathBuf>,
}

fn token(args: &LogArgs) -> anyhow::Result<String> {
    if let Some(p) = &args.token_file {
        let t = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the token file {}", p.display()))?;
        return Ok(t.trim().to_owned());
    }
    std::env::var("ASSAY_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!("give the lab's API token with --token-file FILE or ASSAY_TOKEN")
        })
}

/// Submit a certificate to the registry and store the receipt beside it.
pub fn publish(cert: &Path, args: &LogArgs) -> anyhow::Result<PathBuf> {
    let bytes = std::fs::read(cert).with_context(|| format!("cannot read {}", cert.display()))?;
    let token = token(args)?;
    let (proof, new) = client::publish(
        &Http::new(),
        &args.url,
        &bytes,
        &token,
        &cert.display().to_string(),
    )?;
    let path = client::proof_path(cert);
    std::fs::write(&path, serde_json::to_vec_pretty(&proof)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if crate::style::text() {
        println!(
            "logged {} as entry {} of {} ({}); proof: {}",
            cert.display(),
            proof.index,
            proof.log,
            if new { "new" } else { "already logged" },
            path.display()
        );
    }
    Ok(path)
}

/// `assay publish`.
pub fn publish_cmd(args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let receipt = publish(&args.cert, &args.log)?;
    crate::style::result(&serde_json::json!({
        "certificate": args.cert.display().to_string(),
        "receipt": receipt.display().to_string(),
    }))?;
    Ok(ExitCode::SUCCESS)
}

/// The log's checks for `assay verify`: online with `url`; otherwise from
/// the proof file beside the certificate (or none).
pub fn log_checks(
    cert_bytes: &[u8],
    cert: &Path,
    number: &str,
    url: Option<&str>,
    trust: &TrustStore,
) -> anyhow::Result<Vec<Check>> {
    let stored_path = client::proof_path(cert);
    let stored = if stored_path.exists() {
        let text = std::fs::read(&stored_path)
            .with_context(|| format!("cannot read {}", stored_path.display()))?;
        let proof: client::Receipt = serde_json::from_slice(&text).with_context(|| {
            format!(
                "{}: not a receipt of a log (NUMBER.log.json, as assay certify --log or assay publish writes it)",
                stored_path.display()
            )
        })?;
        Some((proof, stored_path.display().to_string()))
    } else {
        None
    };
    let http = Http::new();
    Ok(client::log_checks(&client::LogQuery {
        cert: cert_bytes,
        number,
        stored,
        online: url.map(|u| (u, &http as &dyn Transport)),
        trust,
    })?)
}

/// A registry served from a background thread (for `assay demo`); stopped
/// when dropped.
pub struct Background {
    /// Where it listens.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serve a registry in `data` on a free loopback port, with the lab of
/// `trust_entry` registered (if it is not yet) and a fresh token for it
/// written to `token_out`; the log's `[[log]]` entry goes to `log_out`.
pub fn background(
    data: &Path,
    trust_entry: &Path,
    token_out: &Path,
    log_out: &Path,
) -> anyhow::Result<Background> {
    let entry = std::fs::read_to_string(trust_entry)
        .with_context(|| format!("cannot read {}", trust_entry.display()))?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<String>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (data, token_out, log_out) = (
        data.to_path_buf(),
        token_out.to_path_buf(),
        log_out.to_path_buf(),
    );
    let thread = std::thread::spawn(move || {
        let setup = async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}", listener.local_addr()?);
            let app = assay_registry::open(assay_registry::Config {
                data,
                database: None,
                log_key: None,
                log_signer: None,
                origin: Some("demo.assay.invalid/log".into()),
                public_url: url.clone(),
                read_rate: 0.0,
                write_rate: 0.0,
                access_log: false,
                trust_proxy: false,
            })
            .await?;
            let store = TrustStore::parse(&entry, "the demo key's entry")?;
            let keyid = store
                .issuers
                .first()
                .map(|i| i.keyid.clone())
                .unwrap_or_default();
            let labs = assay_registry::admin::labs(&app.db).await?;
            if !labs.iter().any(|l| l.keys.contains(&keyid)) {
                assay_registry::admin::add_key(&app.db, &entry, "the demo key's entry").await?;
            }
            let lab = store
                .issuers
                .first()
                .map(|i| i.id.clone())
                .unwrap_or_default();
            let (_, token) = assay_registry::admin::create_token(&app.db, &lab).await?;
            let _ = std::fs::remove_file(&token_out);
            write_secret(&token_out, &format!("{token}\n"))?;
            std::fs::write(&log_out, log_entry(&app.ledger.verifier, Some(&url)))?;
            anyhow::Ok((app, listener, url))
        };
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        rt.block_on(async move {
            match setup.await {
                Ok((app, listener, url)) => {
                    let _ = ready_tx.send(Ok(url));
                    let stop = async {
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = assay_registry::serve(app, listener, stop).await {
                        eprintln!("assay demo: the registry stopped: {e}");
                    }
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        });
    });
    let url = ready_rx
        .recv()
        .context("the registry thread ended before it was ready")??;
    Ok(Background {
        url,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

#[derive(Args)]
pub struct StatusArgs {
    /// The certificate (*.cert.json) whose status changes
    pub cert: PathBuf,
    /// The lab's secret key file (the certificate's issuer)
    #[arg(long)]
    pub key: PathBuf,
    /// Why, in words (shown to everyone who checks the certificate)
    #[arg(long)]
    pub reason: String,
    /// The day it takes effect, YYYY-MM-DD [default: today (UTC)]
    #[arg(long)]
    pub date: Option<String>,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `assay revoke`, `assay suspend`, `assay reinstate`: sign a status
/// change with the issuer's key and log it.
pub fn change_status(
    args: &StatusArgs,
    action: assay_cert::status::Action,
) -> anyhow::Result<ExitCode> {
    let key = crate::cert::open_key(&args.key)?;
    let bytes = std::fs::read(&args.cert)
        .with_context(|| format!("cannot read {}", args.cert.display()))?;
    let date = match &args.date {
        Some(d) => {
            if !assay_base::date::is_date(d) {
                bail!("--date {d:?} is not a date written YYYY-MM-DD");
            }
            d.clone()
        }
        None => assay_base::date::today().map_err(anyhow::Error::msg)?,
    };
    let token = token(&args.log)?;
    let r = client::change_status(
        &Http::new(),
        &client::StatusRequest {
            log: &args.log.url,
            token: &token,
            cert: &bytes,
            key: &key,
            action,
            reason: &args.reason,
            date: &date,
        },
    )
    .with_context(|| format!("{}", args.cert.display()))?;
    println!(
        "{} is now {} (entry {} of {})",
        r.number,
        action.status(),
        r.index,
        args.log.url.trim_end_matches('/')
    );
    Ok(ExitCode::SUCCESS)
}
