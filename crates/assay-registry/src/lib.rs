//! The public registry of certificates: a transparency log of certificate
//! envelopes and status changes (revocations, suspensions, reinstatements)
//! served over HTTP.
//!
//! - [`db`]: SQLite or PostgreSQL through sqlx, migrations embedded.
//! - [`ledger`]: the log's state and its one writer (batched, durable,
//!   never two inconsistent checkpoints).
//! - [`api`]: the REST API under `/api/v1`, the C2SP tlog-tiles read paths.
//! - [`web`]: server-rendered pages in Korean and English, no JavaScript.
//! - [`admin`]: labs, keys and tokens.
//! - [`client`]: what a verifier checks in a log's answers (proof files,
//!   status snapshots), shared by the server and `assay verify`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

pub mod admin;
pub mod api;
pub mod auth;
pub mod client;
pub mod db;
pub mod error;
pub mod ledger;
pub mod testkit;
pub mod web;

/// The time now, RFC 3339 UTC to the second.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (y, m, d) = assay_cert::date::civil_from_days(days);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite file and the log key live.
    pub data: PathBuf,
    /// A `postgres://` URL (None: SQLite in `data`).
    pub database: Option<String>,
    /// The log's key file (default `data/log.key`).
    pub log_key: Option<PathBuf>,
    /// The log's origin for a new key (default from the public URL).
    pub origin: Option<String>,
    /// Where clients reach the service (links, QR codes).
    pub public_url: String,
    /// Requests a second per client address (0: no limit).
    pub read_rate: f64,
    /// Writes a second per lab (0: no limit).
    pub write_rate: f64,
    /// Log one line per request to stderr.
    pub access_log: bool,
}

/// What every handler shares.
pub struct App {
    /// The database.
    pub db: db::Db,
    /// The log.
    pub ledger: ledger::Ledger,
    /// The configuration.
    pub config: Config,
    /// Read limits per client address.
    pub reads: auth::RateLimit,
    /// Write limits per lab.
    pub writes: auth::RateLimit,
}

/// Shared app state.
pub type Shared = Arc<App>;

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The log.
    #[error(transparent)]
    Ledger(#[from] ledger::LoadError),
    /// A file or the key.
    #[error("{0}")]
    Setup(String),
}

/// The database URL the configuration names.
pub fn database_url(config: &Config) -> String {
    config
        .database
        .clone()
        .unwrap_or_else(|| db::sqlite_url(&config.data))
}

/// Open the database and the log (creating the log key on first start).
pub async fn open(config: Config) -> Result<Shared, StartError> {
    std::fs::create_dir_all(&config.data)
        .map_err(|e| StartError::Setup(format!("{}: {e}", config.data.display())))?;
    let db = db::Db::connect(&database_url(&config)).await?;
    let origin = match &config.origin {
        Some(o) => o.clone(),
        None => admin::stored_origin(&db)
            .await?
            .unwrap_or_else(|| admin::origin_from_url(&config.public_url)),
    };
    let key_path = config
        .log_key
        .clone()
        .unwrap_or_else(|| config.data.join("log.key"));
    let signer = admin::log_signer(&db, &key_path, &origin)
        .await
        .map_err(StartError::Setup)?;
    let ledger = ledger::Ledger::start(db.clone(), signer).await?;
    Ok(Arc::new(App {
        db,
        ledger,
        reads: auth::RateLimit::new(config.read_rate),
        writes: auth::RateLimit::new(config.write_rate),
        config,
    }))
}

/// The whole service's routes.
pub fn router(app: Shared) -> Router {
    api::routes()
        .merge(web::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            error::guard,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .with_state(app)
}

/// Serve on `listener` until `shutdown` resolves.
pub async fn serve(
    app: Shared,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
