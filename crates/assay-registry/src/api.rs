//! The REST API under `/api/v1` and the C2SP tlog-tiles read paths.

use std::collections::HashMap;

use assay_cert::verify::{Check, Expect, Status};
use assay_log::tiles::{ReadPath, bundle, bundle_start};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use sqlx::Row as _;

use crate::auth::Caller;
use crate::client::{Snapshot, encode_hashes};
use crate::error::{ApiError, remote};
use crate::ledger::{Actor, Digest, NewCertificate, NewStatus, Write};
use crate::wire;
use crate::{Shared, auth};

/// The largest body the API takes (an entry bundle holds entries of at most
/// 65,535 bytes, so no envelope can be larger).
pub const MAX_BODY: usize = 65_535;

/// The OpenAPI document.
pub const OPENAPI: &str = include_str!("openapi.json");

type Answer = Result<Response, ApiError>;

/// The API's and the tiles' routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1", get(index))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/log", get(log_info))
        .route("/api/v1/certificates", get(search).post(submit))
        .route("/api/v1/certificates/{number}", get(certificate))
        .route("/api/v1/certificates/{number}/envelope", get(envelope))
        .route(
            "/api/v1/certificates/{number}/status",
            get(status).post(change_status),
        )
        .route(
            "/api/v1/certificates/{number}/proof",
            get(certificate_proof),
        )
        .route("/api/v1/sha256/{digest}", get(by_digest))
        .route("/api/v1/entries/{index}", get(entry))
        .route("/api/v1/verify", post(verify))
        .route("/api/v1/proofs/inclusion", get(inclusion))
        .route("/api/v1/proofs/consistency", get(consistency))
        .route("/checkpoint", get(tiles))
        .route("/tile/{*path}", get(tiles))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

fn json_response<T: serde::Serialize>(status: StatusCode, v: T) -> Response {
    (status, Json(v)).into_response()
}

async fn index(State(app): State<Shared>) -> Answer {
    let st = app.ledger.read();
    Ok(json_response(
        StatusCode::OK,
        wire::Service {
            checkpoint: "/checkpoint".into(),
            log: wire::ServiceLog {
                key: app.ledger.verifier.key_string(),
                origin: app.ledger.origin.clone(),
                size: st.size(),
            },
            openapi: "/api/v1/openapi.json".into(),
            service: "assay registry".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
    ))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn log_info(State(app): State<Shared>) -> Answer {
    let st = app.ledger.read();
    let root = st.checkpoint.as_ref().map(|c| c.root).unwrap_or_default();
    Ok(json_response(
        StatusCode::OK,
        wire::LogInfo {
            origin: app.ledger.origin.clone(),
            key: app.ledger.verifier.key_string(),
            size: st.size(),
            root: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, root),
            checkpoint: st.note.clone(),
        },
    ))
}

/// The body, or a clear refusal (413 for one over the limit).
pub fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the body is larger than {MAX_BODY} bytes, the most an entry of the log can hold"
            ))
        } else {
            ApiError::BadRequest(format!("the body cannot be read: {e}"))
        }
    })
}

/// The token of an `Authorization: Bearer TOKEN` value; the scheme's name
/// is case-insensitive (RFC 9110 section 11.1).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// The lab behind the `Authorization: Bearer` token, within its write limit.
async fn authorise(app: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "this write needs a lab's API token: Authorization: Bearer <token>".into(),
            )
        })?;
    let caller = auth::caller(&app.db, token.trim())
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the API token is unknown or revoked".into()))?;
    app.writes.check(&caller.lab).map_err(ApiError::TooMany)?;
    Ok(caller)
}

fn today() -> Result<String, ApiError> {
    assay_base::date::today().map_err(ApiError::Internal)
}

/// The checks' outcome as the API reports it.
fn refusal(checks: &[Check]) -> (StatusCode, String) {
    let failed = checks.iter().find(|c| c.status == Status::Fail);
    match failed {
        Some(c) if matches!(c.check, "envelope" | "payload-type") => (
            StatusCode::BAD_REQUEST,
            format!("{}: {}", c.check, c.detail),
        ),
        Some(c) if c.check == "signature" => (
            StatusCode::FORBIDDEN,
            format!(
                "the envelope is not signed by a registered key of your lab: {}",
                c.detail
            ),
        ),
        Some(c) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {}", c.check, c.detail),
        ),
        None => (StatusCode::OK, String::new()),
    }
}

async fn submit(State(app): State<Shared>, headers: HeaderMap, request: Request) -> Answer {
    let who = remote(&request, app.config.trust_proxy);
    let caller = authorise(&app, &headers).await?;
    let bytes = read_body(request).await?;
    let trust = auth::trust(&app.db, Some(&caller.lab)).await?;
    if trust.issuers.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "lab {} has no registered key: register one with `assay admin key add`",
            caller.lab
        )));
    }
    let v = assay_cert::verify(
        &bytes,
        &trust,
        &Expect {
            today: today()?,
            ..Expect::default()
        },
    );
    let (code, message) = refusal(&v.checks);
    if code != StatusCode::OK {
        let detail = serde_json::to_value(&v.checks).unwrap_or(Value::Null);
        return Err(match code {
            StatusCode::BAD_REQUEST => ApiError::BadRequest(message),
            StatusCode::FORBIDDEN => ApiError::Forbidden(message),
            _ => ApiError::Unprocessable(message, detail),
        });
    }
    let Some(statement) = &v.statement else {
        return Err(ApiError::BadRequest(
            "the certificate's statement cannot be read".into(),
        ));
    };
    let new = NewCertificate::new(bytes.to_vec(), statement);
    if new.number.is_empty() || new.issuer != caller.lab {
        return Err(ApiError::Forbidden(format!(
            "certificate {:?} names issuer {:?}; your token is lab {}'s",
            new.number, new.issuer, caller.lab
        )));
    }
    let (number, sha256) = (new.number.clone(), new.sha256);
    let r = app
        .ledger
        .submit(
            Write::Certificate(new),
            Actor {
                who: caller.who(),
                remote: who,
            },
        )
        .await?;
    let out = wire::Receipt {
        log: app.config.public_url.clone(),
        index: r.index,
        checkpoint: r.checkpoint.clone(),
        inclusion: encode_hashes(&r.proof),
        status: snapshot(&app, &number),
        number: Some(number),
        sha256: Some(sha256.to_string()),
        existing: r.existing,
    };
    Ok(json_response(
        if r.existing {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        out,
    ))
}

/// Read a body within the route's limit.
async fn read_body(request: Request) -> Result<Bytes, ApiError> {
    use axum::extract::FromRequest as _;
    body(Bytes::from_request(request, &()).await)
}

/// The signed status snapshot of a certificate (None: not logged).
pub fn snapshot(app: &Shared, number: &str) -> Option<String> {
    let (sha256, status, size) = {
        let st = app.ledger.read();
        let c = st.certs.get(number)?;
        (c.sha256.to_string(), c.status.to_owned(), st.size())
    };
    let s = Snapshot {
        origin: app.ledger.origin.clone(),
        number: number.to_owned(),
        sha256,
        status,
        size,
        date: assay_base::date::today().ok()?,
    };
    app.ledger.sign_note(&s.body())
}

/// The columns [`row_json`] reads, the issuer's registered name last.
const COLUMNS: &str = "number, sha256, entry, issuer, holder, model_name, model_sha256, standard, \
     issued, not_after, verdict, status, status_reason, status_date, \
     (SELECT name FROM labs WHERE labs.id = certificates.issuer) AS issuer_name";

/// A certificate's row as JSON.
pub async fn details(app: &Shared, number: &str) -> Result<Option<wire::CertificateRow>, ApiError> {
    certificate_where(app, "number", number).await
}

/// The certificate whose unique `column` (`number` or `sha256`) is `value`.
async fn certificate_where(
    app: &Shared,
    column: &'static str,
    value: &str,
) -> Result<Option<wire::CertificateRow>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE {column} = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value.to_owned())
        .fetch_optional(&app.db.pool)
        .await
        .map_err(crate::db::ctx("reading a certificate"))?;
    row.as_ref().map(row_json).transpose()
}

fn row_json(r: &sqlx::any::AnyRow) -> Result<wire::CertificateRow, ApiError> {
    let s = |c: &str| -> Result<String, ApiError> {
        r.try_get::<String, _>(c)
            .map_err(|e| ApiError::Internal(format!("certificates.{c}: {e}")))
    };
    let o = |c: &str| -> Result<Option<String>, ApiError> {
        r.try_get::<Option<String>, _>(c)
            .map_err(|e| ApiError::Internal(format!("certificates.{c}: {e}")))
    };
    let number = s("number")?;
    Ok(wire::CertificateRow {
        sha256: s("sha256")?,
        entry: r
            .try_get("entry")
            .map_err(|e| ApiError::Internal(format!("certificates.entry: {e}")))?,
        issuer: s("issuer")?,
        issuer_name: o("issuer_name")?,
        holder: s("holder")?,
        model: wire::ModelRef {
            name: s("model_name")?,
            sha256: s("model_sha256")?,
        },
        standard: s("standard")?,
        issued: s("issued")?,
        not_after: s("not_after")?,
        verdict: s("verdict")?,
        status: s("status")?,
        status_reason: o("status_reason")?,
        status_date: o("status_date")?,
        links: wire::Links::of(&number),
        number,
    })
}

async fn certificate(State(app): State<Shared>, Path(number): Path<String>) -> Answer {
    let d = details(&app, &number)
        .await?
        .ok_or_else(|| not_logged(&number))?;
    Ok(json_response(StatusCode::OK, d))
}

fn not_logged(number: &str) -> ApiError {
    ApiError::NotFound(format!("certificate {number} is not in the registry"))
}

/// An entry's bytes.
pub async fn entry_bytes(app: &Shared, index: u64) -> Result<Option<Vec<u8>>, ApiError> {
    if index >= app.ledger.read().size() {
        return Ok(None);
    }
    let row = sqlx::query("SELECT data FROM entries WHERE idx = $1")
        .bind(i64::try_from(index).unwrap_or(i64::MAX))
        .fetch_optional(&app.db.pool)
        .await
        .map_err(crate::db::ctx("reading an entry"))?;
    match row {
        Some(r) => Ok(Some(
            r.try_get("data").map_err(crate::db::ctx("entries.data"))?,
        )),
        None => Ok(None),
    }
}

async fn envelope(State(app): State<Shared>, Path(number): Path<String>) -> Answer {
    let index = app
        .ledger
        .read()
        .certs
        .get(number.as_str())
        .map(|c| c.entry)
        .ok_or_else(|| not_logged(&number))?;
    let bytes = entry_bytes(&app, index)
        .await?
        .ok_or_else(|| not_logged(&number))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.cert.json\"", file_safe(&number)),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A name safe in a Content-Disposition header.
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn status(State(app): State<Shared>, Path(number): Path<String>) -> Answer {
    let c = app
        .ledger
        .read()
        .certs
        .get(number.as_str())
        .cloned()
        .ok_or_else(|| not_logged(&number))?;
    let note = snapshot(&app, &number).ok_or_else(|| not_logged(&number))?;
    Ok(json_response(
        StatusCode::OK,
        wire::StatusReply {
            sha256: c.sha256.to_string(),
            status: c.status.to_owned(),
            reason: c.reason.as_deref().map(str::to_owned),
            date: c.date.as_deref().map(str::to_owned),
            entry: c.entry,
            status_entry: c.status_entry,
            sequence: c.seq,
            signed: note,
            number,
        },
    ))
}

async fn change_status(
    State(app): State<Shared>,
    Path(number): Path<String>,
    headers: HeaderMap,
    request: Request,
) -> Answer {
    let who = remote(&request, app.config.trust_proxy);
    let caller = authorise(&app, &headers).await?;
    let bytes = read_body(request).await?;
    let issuer = app
        .ledger
        .read()
        .certs
        .get(number.as_str())
        .map(|c| c.issuer.clone())
        .ok_or_else(|| not_logged(&number))?;
    if *issuer != *caller.lab {
        return Err(ApiError::Forbidden(format!(
            "certificate {number} was issued by {issuer}; only its issuer may change its status"
        )));
    }
    let keys = auth::lab_keys(&app.db, &issuer).await?;
    let change = assay_cert::status::verify(&bytes, &keys).map_err(|e| {
        if e.contains("signature") {
            ApiError::Forbidden(e)
        } else {
            ApiError::BadRequest(e)
        }
    })?;
    if change.certificate != number {
        return Err(ApiError::BadRequest(format!(
            "the statement is for certificate {}, not {number}",
            change.certificate
        )));
    }
    let life =
        sqlx::query("SELECT issued, not_after, status_date FROM certificates WHERE number = $1")
            .bind(number.clone())
            .fetch_optional(&app.db.pool)
            .await
            .map_err(crate::db::ctx("reading a certificate's dates"))?
            .ok_or_else(|| not_logged(&number))?;
    let col = |c: &str| -> Result<Option<String>, ApiError> {
        life.try_get::<Option<String>, _>(c)
            .map_err(|e| ApiError::Internal(format!("certificates.{c}: {e}")))
    };
    let (issued, not_after, last) = (col("issued")?, col("not_after")?, col("status_date")?);
    let today = today()?;
    if let Some(problem) = assay_cert::status::date_problem(
        &change.date,
        &assay_cert::status::Life {
            issued: issued.as_deref().unwrap_or(""),
            not_after: not_after.as_deref().unwrap_or(""),
            last_change: last.as_deref(),
            today: &today,
        },
    ) {
        return Err(ApiError::Unprocessable(
            problem,
            serde_json::json!({ "field": "date", "today": today }),
        ));
    }
    let action = change.action;
    let r = app
        .ledger
        .submit(
            Write::Status(NewStatus {
                sha256: Digest::of(&bytes),
                bytes: bytes.to_vec(),
                change,
            }),
            Actor {
                who: caller.who(),
                remote: who,
            },
        )
        .await?;
    if r.existing {
        return Err(ApiError::Conflict(format!(
            "this statement is already logged (entry {}): a status change is logged once",
            r.index
        )));
    }
    let out = wire::StatusReceipt {
        log: app.config.public_url.clone(),
        index: r.index,
        checkpoint: r.checkpoint.clone(),
        inclusion: encode_hashes(&r.proof),
        status: action.status().to_owned(),
        signed: snapshot(&app, &number),
        number,
    };
    Ok(json_response(StatusCode::CREATED, out))
}

fn parse_u64(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "query parameter {name} must be a whole number, not {v:?}"
                ))
            })
        })
        .transpose()
}

fn query(
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::BadRequest(format!("the query string: {e}")))
}

async fn certificate_proof(
    State(app): State<Shared>,
    Path(number): Path<String>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let q = query(q)?;
    let st = app.ledger.read();
    let index = st
        .certs
        .get(number.as_str())
        .map(|c| c.entry)
        .ok_or_else(|| not_logged(&number))?;
    let size = parse_u64(&q, "size")?.unwrap_or(st.size());
    if size > st.size() || index >= size {
        return Err(ApiError::BadRequest(format!(
            "size must be above the entry ({index}) and at most the signed size ({})",
            st.size()
        )));
    }
    let proof = st
        .tree
        .inclusion_proof(index, size)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let checkpoint = (size == st.size()).then(|| st.note.clone());
    drop(st);
    Ok(json_response(
        StatusCode::OK,
        wire::CertificateProof {
            log: app.config.public_url.clone(),
            index,
            size,
            checkpoint,
            inclusion: encode_hashes(&proof),
            status: snapshot(&app, &number),
        },
    ))
}

async fn by_digest(State(app): State<Shared>, Path(digest): Path<String>) -> Answer {
    let digest = digest.to_ascii_lowercase();
    if Digest::from_hex(&digest).is_none() {
        return Err(ApiError::BadRequest(format!(
            "{digest:?} is not a SHA-256: give 64 hexadecimal digits"
        )));
    }
    let index = {
        let st = app.ledger.read();
        Digest::from_hex(&digest)
            .and_then(|d| st.digests.get(&d))
            .copied()
            .filter(|i| *i < st.size())
            .ok_or_else(|| {
                ApiError::NotFound(format!("no entry of the log has SHA-256 {digest}"))
            })?
    };
    // A certificate (by its unique digest), else a status change.
    match certificate_where(&app, "sha256", &digest).await? {
        Some(cert) => Ok(json_response(StatusCode::OK, cert)),
        None => {
            let row = sqlx::query(
                "SELECT number, seq, action, reason, date FROM status_changes WHERE entry = $1",
            )
            .bind(i64::try_from(index).unwrap_or(i64::MAX))
            .fetch_optional(&app.db.pool)
            .await
            .map_err(crate::db::ctx("reading a status change"))?
            .ok_or_else(|| ApiError::NotFound(format!("entry {index} is not known")))?;
            let g = |c: &str| {
                row.try_get::<String, _>(c)
                    .map_err(|e| ApiError::Internal(format!("status_changes.{c}: {e}")))
            };
            Ok(json_response(
                StatusCode::OK,
                wire::StatusChangeEntry {
                    entry: index,
                    status_change: wire::StatusChangeRow {
                        certificate: g("number")?,
                        sequence: row
                            .try_get("seq")
                            .map_err(|e| ApiError::Internal(format!("status_changes.seq: {e}")))?,
                        action: g("action")?,
                        reason: g("reason")?,
                        date: g("date")?,
                    },
                },
            ))
        }
    }
}

async fn entry(State(app): State<Shared>, Path(index): Path<String>) -> Answer {
    let index: u64 = index.parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "the entry index must be a whole number, not {index:?}"
        ))
    })?;
    let bytes = entry_bytes(&app, index)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("entry {index} is not in the signed log")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// Verify an envelope against the registry: every offline check with the
/// registered labs' keys, then its inclusion in the log and its status.
pub async fn verify_bytes(
    app: &Shared,
    bytes: &[u8],
    model_sha256: Option<&str>,
) -> Result<(bool, wire::VerifyReply), ApiError> {
    let trust = app.trust().await?;
    let mut v = assay_cert::verify(
        bytes,
        &trust,
        &Expect {
            today: today()?,
            model_sha256: model_sha256.map(str::to_owned),
            ..Expect::default()
        },
    );
    let sha256 = Digest::of(bytes);
    let number = v
        .statement
        .as_ref()
        .map(|s| s.number().to_owned())
        .unwrap_or_default();
    let (log, status) = {
        let st = app.ledger.read();
        let size = st.size();
        match st.digests.get(&sha256).copied().filter(|i| *i < size) {
            Some(index) => {
                let root = st.checkpoint.as_ref().map(|c| c.root).unwrap_or_default();
                let proven = st.tree.inclusion_proof(index, size).ok().is_some_and(|p| {
                    assay_log::merkle::verify_inclusion(
                        index,
                        size,
                        &assay_log::leaf_hash(bytes),
                        &p,
                        &root,
                    )
                    .is_ok()
                });
                let log = if proven {
                    Check::both(
                        "log",
                        Status::Pass,
                        format!(
                            "entry {index} of the log; its inclusion proof leads to the signed root of size {size}"
                        ),
                        format!(
                            "로그의 항목 {index}: 포함 증명이 크기 {size}의 서명된 루트에 이른다"
                        ),
                    )
                } else {
                    Check::both(
                        "log",
                        Status::Fail,
                        format!("entry {index}: the inclusion proof does not verify"),
                        format!("항목 {index}: 포함 증명이 검증되지 않는다"),
                    )
                };
                let status = match st.certs.get(number.as_str()).filter(|c| c.sha256 == sha256) {
                    Some(c) if c.status == "valid" => Check::both(
                        "status",
                        Status::Pass,
                        "valid: not suspended or revoked".into(),
                        "유효: 정지되거나 취소되지 않음".into(),
                    ),
                    Some(c) => {
                        let (date, reason) = (
                            c.date.clone().unwrap_or_default(),
                            c.reason.clone().unwrap_or_default(),
                        );
                        let ko = match c.status {
                            "revoked" => "취소됨",
                            "suspended" => "정지됨",
                            other => other,
                        };
                        Check::both(
                            "status",
                            Status::Fail,
                            format!("{} on {date}: {reason}", c.status),
                            format!("{date}에 {ko}: {reason}"),
                        )
                    }
                    None => Check::both(
                        "status",
                        Status::Fail,
                        "the entry is not a certificate".into(),
                        "이 항목은 인증서가 아니다".into(),
                    ),
                };
                (log, status)
            }
            None => (
                Check::both(
                    "log",
                    Status::Fail,
                    format!(
                        "no entry of the log has this envelope's SHA-256 ({sha256}): the certificate was never published, or was altered"
                    ),
                    format!(
                        "로그의 어떤 항목에도 이 봉투의 SHA-256({sha256})이 없다: 인증서가 공개된 적이 없거나 변조되었다"
                    ),
                ),
                Check::both(
                    "status",
                    Status::Skip,
                    "not checked: the certificate is not in the log".into(),
                    "확인하지 않음: 인증서가 로그에 없다".into(),
                ),
            ),
        }
    };
    v.checks.push(log);
    v.checks.push(status);
    let valid = v.valid();
    Ok((
        valid,
        wire::VerifyReply {
            valid,
            number,
            sha256: sha256.to_string(),
            checks: v.checks,
            statement: v.statement,
        },
    ))
}

async fn verify(State(app): State<Shared>, b: Result<Bytes, BytesRejection>) -> Answer {
    let bytes = body(b)?;
    let (_, out) = verify_bytes(&app, &bytes, None).await?;
    Ok(json_response(StatusCode::OK, out))
}

async fn inclusion(
    State(app): State<Shared>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let q = query(q)?;
    let st = app.ledger.read();
    let index = match (parse_u64(&q, "index")?, q.get("sha256")) {
        (Some(i), None) => i,
        (None, Some(d)) => {
            let x = Digest::from_hex(d).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "sha256 {d:?} is not a SHA-256: give 64 hexadecimal digits"
                ))
            })?;
            st.digests
                .get(&x)
                .copied()
                .ok_or_else(|| ApiError::NotFound(format!("no entry of the log has SHA-256 {d}")))?
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give index=N or sha256=HEX (one of them)".into(),
            ));
        }
    };
    let size = parse_u64(&q, "size")?.unwrap_or(st.size());
    if size > st.size() {
        return Err(ApiError::BadRequest(format!(
            "size {size} is beyond the signed log ({})",
            st.size()
        )));
    }
    let proof = st
        .tree
        .inclusion_proof(index, size)
        .map_err(|e| ApiError::BadRequest(format!("index {index}, size {size}: {e}")))?;
    Ok(json_response(
        StatusCode::OK,
        wire::InclusionProof {
            index,
            size,
            hashes: encode_hashes(&proof),
        },
    ))
}

async fn consistency(
    State(app): State<Shared>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let q = query(q)?;
    let st = app.ledger.read();
    let from = parse_u64(&q, "from")?
        .ok_or_else(|| ApiError::BadRequest("give from=SIZE (the older tree's size)".into()))?;
    let to = parse_u64(&q, "to")?.unwrap_or(st.size());
    if from == 0 {
        return Err(ApiError::BadRequest(
            "from must be at least 1: every tree is consistent with the empty one, and RFC 9162 defines no proof from size 0".into(),
        ));
    }
    if to > st.size() || from > to {
        return Err(ApiError::BadRequest(format!(
            "need from ≤ to ≤ the signed size ({}); got from {from}, to {to}",
            st.size()
        )));
    }
    let proof = st
        .tree
        .consistency_proof(from, to)
        .map_err(|e| ApiError::BadRequest(format!("from {from}, to {to}: {e}")))?;
    Ok(json_response(
        StatusCode::OK,
        wire::ConsistencyProof {
            from,
            to,
            hashes: encode_hashes(&proof),
        },
    ))
}

/// `GET /checkpoint` and `GET /tile/...`, as of the latest checkpoint.
async fn tiles(State(app): State<Shared>, request: Request) -> Answer {
    let path = request.uri().path().trim_start_matches('/').to_owned();
    let missing = || ApiError::NotFound(format!("/{path} does not exist in this log"));
    let read = ReadPath::parse(&path).ok_or_else(missing)?;
    // A tile or bundle, full or partial, never changes once it exists.
    let octets = |body: Vec<u8>, immutable: bool| {
        let cache = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, cache),
            ],
            body,
        )
            .into_response()
    };
    match read {
        ReadPath::Checkpoint => {
            let note = app.ledger.read().note.clone();
            Ok((
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                note,
            )
                .into_response())
        }
        ReadPath::Tile {
            level,
            index,
            width,
        } => {
            let st = app.ledger.read();
            let hashes = st.tree.tile(level, index, st.size()).ok_or_else(missing)?;
            if !assay_log::tiles::fits(width, hashes.len()) {
                return Err(missing());
            }
            Ok(octets(hashes[..width].concat(), true))
        }
        ReadPath::Entries { index, width } => {
            let size = app.ledger.read().size();
            let first = bundle_start(index, width, size).ok_or_else(missing)?;
            let rows =
                sqlx::query("SELECT data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
                    .bind(i64::try_from(first).unwrap_or(i64::MAX))
                    .bind(i64::try_from(first + width as u64).unwrap_or(i64::MAX))
                    .fetch_all(&app.db.pool)
                    .await
                    .map_err(crate::db::ctx("reading an entry bundle"))?;
            let mut entries = Vec::with_capacity(rows.len());
            for r in rows {
                entries.push(
                    r.try_get::<Vec<u8>, _>("data")
                        .map_err(crate::db::ctx("entries.data"))?,
                );
            }
            if entries.len() != width {
                return Err(ApiError::Internal(format!(
                    "bundle {index}: {} entries in the database, {width} expected",
                    entries.len()
                )));
            }
            let b = bundle(entries.iter().map(Vec::as_slice))
                .ok_or_else(|| ApiError::Internal("an entry is over 65,535 bytes".into()))?;
            Ok(octets(b, true))
        }
    }
}

/// The deepest page a search serves: a page at offset N reads N rows
/// first (237 ms at 100,000 on PostgreSQL).
pub const MAX_OFFSET: u64 = 10_000;

/// Search certificates, newest first: `holder`, `model` (name or
/// SHA-256), `issuer`, `status`, `q` (number, holder or model), `limit`
/// (≤ 200), `offset` (≤ [`MAX_OFFSET`]).
pub async fn find(
    app: &Shared,
    q: &HashMap<String, String>,
) -> Result<Vec<wire::CertificateRow>, ApiError> {
    // (clause with a `?` per value, values), numbered once collected.
    let mut wanted: Vec<(&str, Vec<String>)> = Vec::new();
    let like = crate::db::contains_pattern;
    for (key, value) in q {
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        if v.chars().any(char::is_control) {
            return Err(ApiError::BadRequest(format!(
                "search parameter {key} holds a control character: search for printable text"
            )));
        }
        match key.as_str() {
            "holder" => wanted.push((r"holder_fold LIKE ? ESCAPE '\'", vec![like(v)])),
            "issuer" => wanted.push(("issuer = ?", vec![v.to_owned()])),
            "status" => {
                if !["valid", "suspended", "revoked"].contains(&v) {
                    return Err(ApiError::BadRequest(format!(
                        "status is valid, suspended or revoked, not {v:?}"
                    )));
                }
                wanted.push(("status = ?", vec![v.to_owned()]));
            }
            "model" => wanted.push((
                r"(model_fold LIKE ? ESCAPE '\' OR model_sha256 = ?)",
                vec![like(v), v.to_ascii_lowercase()],
            )),
            "q" => wanted.push((
                r"(LOWER(number) LIKE ? ESCAPE '\' OR holder_fold LIKE ? ESCAPE '\' OR model_fold LIKE ? ESCAPE '\' OR sha256 = ? OR model_sha256 = ?)",
                vec![
                    like(v),
                    like(v),
                    like(v),
                    v.to_ascii_lowercase(),
                    v.to_ascii_lowercase(),
                ],
            )),
            "limit" | "offset" | "lang" => {}
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown search parameter {other:?}: use holder, model, issuer, status, q, limit, offset"
                )));
            }
        }
    }
    // A substring match reads the whole table: one slot at a time.
    let text_search = wanted.iter().any(|(clause, _)| clause.contains("LIKE"));
    let _slot = if text_search {
        match tokio::time::timeout(crate::SCAN_WAIT, app.scans.acquire()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => return Err(ApiError::Busy(1)),
        }
    } else {
        None
    };
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    for (clause, values) in wanted {
        let mut text = String::new();
        for (i, part) in clause.split('?').enumerate() {
            if i > 0 {
                text.push_str(&format!("${}", binds.len() + i));
            }
            text.push_str(part);
        }
        binds.extend(values);
        clauses.push(text);
    }
    let limit = parse_u64(q, "limit")?.unwrap_or(50);
    if limit == 0 || limit > 200 {
        return Err(ApiError::BadRequest("limit is between 1 and 200".into()));
    }
    let offset = parse_u64(q, "offset")?.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::BadRequest(format!(
            "offset is at most {MAX_OFFSET}: narrow the search (issuer, status, holder, model), \
             or follow the whole log through /tile/entries"
        )));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates {filter} \
         ORDER BY issued DESC, number LIMIT {limit} OFFSET {offset}"
    );
    // Every value is bound; the text holds only fixed clauses and the
    // parsed limit and offset.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    let rows = query
        .fetch_all(&app.db.pool)
        .await
        .map_err(crate::db::ctx("searching certificates"))?;
    rows.iter().map(row_json).collect()
}

async fn search(
    State(app): State<Shared>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Answer {
    let q = query(q)?;
    let found = find(&app, &q).await?;
    Ok(json_response(
        StatusCode::OK,
        wire::Found {
            count: found.len(),
            certificates: found,
        },
    ))
}

#[cfg(test)]
mod bearer_tests {
    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for v in ["Bearer abc", "bearer abc", "BEARER abc"] {
            assert_eq!(super::bearer(v), Some("abc"), "{v}");
        }
        assert_eq!(super::bearer("Basic abc"), None);
        assert_eq!(super::bearer("Bearerabc"), None);
    }
}
