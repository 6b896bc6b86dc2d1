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

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

pub mod admin;
pub mod api;
pub mod auth;
pub mod client;
pub mod db;
pub mod error;
pub mod framing;
pub mod ledger;
pub mod testkit;
pub mod web;
pub mod wire;

/// The time now, RFC 3339 UTC to the second.
pub fn now() -> String {
    assay_base::date::rfc3339(
        std::time::SystemTime::now(),
        assay_base::date::Precision::Seconds,
    )
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite file and the log key live.
    pub data: PathBuf,
    /// A `postgres://` URL (None: SQLite in `data`).
    pub database: Option<String>,
    /// The log's key file (default `data/log.key`), a signed-note signer
    /// key kept plain.
    pub log_key: Option<PathBuf>,
    /// The log's key opened by the caller instead (an encrypted Assay key
    /// file, or a key in a PKCS#11 token).
    pub log_signer: Option<KeyRef>,
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
    /// Behind a reverse proxy: take the client's address from the last
    /// `X-Forwarded-For` entry (for rate limits and the audit trail).
    pub trust_proxy: bool,
}

/// A signer the caller opened, for the configuration.
#[derive(Clone)]
pub struct KeyRef(pub Arc<dyn assay_base::sign::Signer>);

impl std::fmt::Debug for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRef({})", self.0.holder())
    }
}

/// Proof that this process is the database's only writer: a lock on
/// `DATA/registry.lock` (SQLite) or a PostgreSQL advisory lock held by a
/// connection of its own, released when the process ends (even by kill -9).
pub struct WriterLock {
    _file: Option<std::fs::File>,
    _conn: std::sync::Mutex<Option<sqlx::AnyConnection>>,
}

/// The advisory lock's key ("4213" for the standard, twice).
const ADVISORY_KEY: i64 = 42_134_213;

async fn writer_lock(db: &db::Db, data: &std::path::Path) -> Result<WriterLock, StartError> {
    let busy = || {
        StartError::Setup(
            "another assay serve is writing this database: one writer per log (two would fork it)"
                .into(),
        )
    };
    match db.backend {
        db::Backend::Sqlite => {
            let path = data.join("registry.lock");
            let file = std::fs::File::create(&path)
                .map_err(|e| StartError::Setup(format!("{}: {e}", path.display())))?;
            match file.try_lock() {
                Ok(()) => Ok(WriterLock {
                    _file: Some(file),
                    _conn: std::sync::Mutex::new(None),
                }),
                Err(std::fs::TryLockError::WouldBlock) => Err(busy()),
                Err(std::fs::TryLockError::Error(e)) => {
                    Err(StartError::Setup(format!("{}: {e}", path.display())))
                }
            }
        }
        db::Backend::Postgres => {
            let mut conn = db
                .pool
                .acquire()
                .await
                .map_err(db::ctx("taking the writer's lock"))?;
            // A writer that just died may hold it until the server sees
            // its connection close: wait a little before refusing.
            let mut tries = 0;
            loop {
                let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(ADVISORY_KEY)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db::ctx("taking the writer's lock"))?;
                if got {
                    break;
                }
                tries += 1;
                if tries == 50 {
                    return Err(busy());
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Ok(WriterLock {
                _file: None,
                _conn: std::sync::Mutex::new(Some(conn.detach())),
            })
        }
    }
}

/// What every handler shares.
pub struct App {
    /// This process is the only writer while this lives.
    pub lock: WriterLock,
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
    /// Slots for searches by text (holder, model, q), which read every
    /// certificate (0.75 s at a million on SQLite): a few clients must not
    /// be able to occupy the database with them.
    pub scans: tokio::sync::Semaphore,
    /// Every registered key, for the verify endpoint, re-read when older
    /// than [`TRUST_TTL`] (submissions always read the database).
    pub trust: std::sync::RwLock<Option<(std::time::Instant, Arc<assay_cert::TrustStore>)>>,
    /// Held by the one request that re-reads the keys.
    trust_refresh: tokio::sync::Mutex<()>,
}

/// How many text searches run at once.
pub const SCANS: usize = 1;

/// How long a text search waits for a slot before the answer is 503.
pub const SCAN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// How long the verify endpoint may use the registered keys it read.
pub const TRUST_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    /// Every registered, unrevoked key, [`TRUST_TTL`] old at most (plus
    /// the time one re-read takes). When the keys are older, one request
    /// re-reads them while the others use the last ones: under load,
    /// hundreds of requests do not queue for the database at once.
    pub async fn trust(&self) -> Result<Arc<assay_cert::TrustStore>, db::DbError> {
        let cached = self.trust.read().unwrap_or_else(|p| p.into_inner()).clone();
        let guard = match &cached {
            Some((at, t)) if at.elapsed() < TRUST_TTL => return Ok(t.clone()),
            Some((_, t)) => match self.trust_refresh.try_lock() {
                Ok(g) => g,
                Err(_) => return Ok(t.clone()),
            },
            None => {
                let g = self.trust_refresh.lock().await;
                let loaded = self.trust.read().unwrap_or_else(|p| p.into_inner()).clone();
                if let Some((_, t)) = loaded {
                    return Ok(t);
                }
                g
            }
        };
        let fresh = Arc::new(auth::trust(&self.db, None).await?);
        *self.trust.write().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), fresh.clone()));
        drop(guard);
        Ok(fresh)
    }
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
    let lock = writer_lock(&db, &config.data).await?;
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
    let signer = admin::log_signer(&db, &key_path, &origin, config.log_signer.as_ref())
        .await
        .map_err(StartError::Setup)?;
    let ledger = ledger::Ledger::start(db.clone(), signer).await?;
    Ok(Arc::new(App {
        lock,
        db,
        ledger,
        reads: auth::RateLimit::new(config.read_rate),
        writes: auth::RateLimit::new(config.write_rate),
        trust: std::sync::RwLock::new(None),
        trust_refresh: tokio::sync::Mutex::new(()),
        scans: tokio::sync::Semaphore::new(SCANS),
        config,
    }))
}

/// The whole service's routes: the rate limit, the access log (a
/// `tracing` span per request, its answer logged at INFO) unless it is
/// off, and 5xx answers for a handler that panics.
pub fn router(app: Shared) -> Router {
    let routes = api::routes()
        .merge(web::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            error::guard,
        ));
    let routes = if app.config.access_log {
        let trust_proxy = app.config.trust_proxy;
        routes.layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(move |req: &axum::extract::Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        remote = %error::remote(req, trust_proxy),
                    )
                })
                .on_request(())
                .on_response(
                    |res: &axum::response::Response,
                     latency: std::time::Duration,
                     _: &tracing::Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            ms = %format_args!("{:.1}", latency.as_secs_f64() * 1e3),
                            "answered"
                        );
                    },
                ),
        )
    } else {
        routes
    };
    let routes = routes
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .with_state(app);
    // Around the whole router, not each route: a 405 gets its `Allow`
    // header from the router, before this sees it.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(web::fill_empty))
}

/// Serve on `listener` until `shutdown` resolves.
pub async fn serve(
    app: Shared,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        framing::Listener(listener),
        router(app).into_make_service_with_connect_info::<framing::Peer>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
