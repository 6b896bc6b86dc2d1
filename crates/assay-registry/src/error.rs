//! Errors as the API answers them (JSON, a clear message for every 4xx, an
//! incident id and nothing else for a 5xx) and the guard every request
//! passes: the rate limit per client address and the access log (method,
//! path without query, status, time: never a header, so never a token).

use crate::wire::ErrorReply;
use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Shared;
use crate::ledger::WriteError;

/// An API error.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed.
    BadRequest(String),
    /// 401: no valid token.
    Unauthorized(String),
    /// 403: the token's lab may not do this.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: it conflicts with the log.
    Conflict(String),
    /// 413.
    TooLarge(String),
    /// 422: well-formed but refused (e.g. the certificate does not verify).
    Unprocessable(String, serde_json::Value),
    /// 429.
    TooMany(u64),
    /// 503.
    Unavailable,
    /// 503 with `Retry-After`: every slot for a search that reads the
    /// whole table is taken.
    Busy(u64),
    /// 500: the details go to the server's log only.
    Internal(String),
    /// Any other 4xx, with its message (a 405, a 431).
    Status(StatusCode, String),
}

/// A short random id to match a 5xx answer with the server's log.
pub fn incident() -> String {
    let mut b = [0u8; 6];
    let _ = getrandom::fill(&mut b);
    assay_base::digest::hex(&b)
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> ApiError {
        match e {
            WriteError::Conflict(m) => ApiError::Conflict(m),
            WriteError::NotFound(m) => ApiError::NotFound(m),
            WriteError::Unavailable => ApiError::Unavailable,
        }
    }
}

fn reply(error: String) -> ErrorReply {
    ErrorReply {
        error,
        detail: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, reply(m)),
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, reply(m)),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, reply(m)),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, reply(m)),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, reply(m)),
            ApiError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, reply(m)),
            ApiError::Status(code, m) => (code, reply(m)),
            ApiError::Unprocessable(m, detail) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorReply {
                    error: m,
                    detail: Some(detail),
                },
            ),
            ApiError::TooMany(wait) | ApiError::Busy(wait) => {
                let (status, error) = if matches!(self, ApiError::Busy(_)) {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!(
                            "the registry is busy with other text searches: retry in {wait} s, \
                             or search by issuer or status, which need no text search"
                        ),
                    )
                } else {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        format!("too many requests: retry in {wait} s"),
                    )
                };
                let mut r = (status, Json(reply(error))).into_response();
                if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return r;
            }
            ApiError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                reply("the log cannot take writes now; retry later".into()),
            ),
            ApiError::Internal(detail) => {
                let id = incident();
                tracing::error!(incident = %id, "{detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    reply(format!("internal error (incident {id})")),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// The answer to a handler that panicked: no detail leaves the server.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal("a handler panicked".into()).into_response()
}

/// The client's address, when the server knows it: the peer's, or behind
/// a trusted reverse proxy (`--trust-proxy`) the last address of
/// `X-Forwarded-For` (the one the proxy itself appended).
pub fn remote(req: &Request, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(last) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|a| a.parse::<std::net::IpAddr>().is_ok())
    {
        return last.to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<crate::framing::Peer>>()
        .map_or_else(|| "-".to_owned(), |c| c.0.0.ip().to_string())
}

/// The most bytes of header fields (names and values) a request may
/// carry: a certificate's number and a token fit many times over.
pub const MAX_HEADERS: usize = 16 * 1024;

/// The rate limit of reads, per client address, and the bound on the
/// size of a request's header fields (431 above [`MAX_HEADERS`]).
pub async fn guard(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let size: usize = req
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + req.uri().to_string().len();
    if size > MAX_HEADERS {
        return ApiError::Status(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request's address and header fields take {size} bytes; the registry reads at most {MAX_HEADERS}"
            ),
        )
        .into_response();
    }
    let who = remote(&req, app.config.trust_proxy);
    if let Err(wait) = app.reads.check(&who) {
        return ApiError::TooMany(wait).into_response();
    }
    next.run(req).await
}
