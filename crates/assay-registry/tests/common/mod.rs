//! Shared by the registry's tests: a service on SQLite or PostgreSQL,
//! driven in process, and its labs.
#![allow(dead_code)]

use std::path::PathBuf;

use assay_cert::IssuerKey;
use assay_registry::{Config, Shared, admin, testkit};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt as _;

/// The databases the suite runs on: SQLite always; PostgreSQL when
/// `ASSAY_TEST_POSTGRES` names a server (required when
/// `ASSAY_REQUIRE_TOOLS=1`, as in CI).
pub fn backends() -> Vec<&'static str> {
    let pg = std::env::var("ASSAY_TEST_POSTGRES").is_ok();
    if !pg && std::env::var("ASSAY_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!(
            "ASSAY_REQUIRE_TOOLS=1 but ASSAY_TEST_POSTGRES is not set: the suite must run on PostgreSQL too"
        );
    }
    if pg {
        vec!["sqlite", "postgres"]
    } else {
        eprintln!("ASSAY_TEST_POSTGRES is not set: PostgreSQL skipped");
        vec!["sqlite"]
    }
}

/// A fresh database of the backend: (config, folder kept alive).
pub async fn fresh(backend: &str, name: &str) -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = match backend {
        "postgres" => {
            let admin_url = std::env::var("ASSAY_TEST_POSTGRES").expect("ASSAY_TEST_POSTGRES");
            let db = format!("assay_{}_{}", name, std::process::id());
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin_url).await.expect("postgres");
            let drop = format!("DROP DATABASE IF EXISTS {db}");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&pool)
                .await
                .expect("drop");
            let create = format!("CREATE DATABASE {db}");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&pool)
                .await
                .expect("create");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            Some(format!("{base}/{db}"))
        }
        _ => None,
    };
    (
        Config {
            data: dir.path().to_path_buf(),
            database,
            log_key: None,
            log_signer: None,
            origin: Some("registry.example/log".into()),
            public_url: "http://registry.example".into(),
            read_rate: 0.0,
            write_rate: 0.0,
            access_log: false,
            trust_proxy: false,
        },
        dir,
    )
}

/// A lab with a registered key and a token.
pub struct Lab {
    pub key: IssuerKey,
    pub token: String,
    pub token_id: String,
}

pub async fn lab(app: &Shared, id: &str) -> Lab {
    let key = IssuerKey::generate(id).expect("key");
    admin::add_key(
        &app.db,
        &testkit::trust_entry(&key, &format!("{id} Lab")),
        "entry",
    )
    .await
    .expect("register");
    let (token_id, token) = admin::create_token(&app.db, id).await.expect("token");
    Lab {
        key,
        token,
        token_id,
    }
}

/// An answer: status, headers' content type, body bytes.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub async fn call(
    app: &Shared,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(Body::from(body)).expect("request");
    let resp = assay_registry::router(app.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .expect("body")
        .to_vec();
    Answer {
        status,
        content_type,
        retry_after,
        body,
    }
}

/// Submit a certificate with a lab's token.
pub async fn submit(app: &Shared, token: &str, cert: Vec<u8>) -> Answer {
    call(app, "POST", "/api/v1/certificates", Some(token), cert).await
}

pub async fn get(app: &Shared, uri: &str) -> Answer {
    call(app, "GET", uri, None, Vec::new()).await
}

pub fn today() -> String {
    assay_base::date::today().expect("today")
}

pub fn path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().to_path_buf()
}
