//! Web pages, server-rendered, usable without JavaScript, in Korean and
//! English: search and list, a certificate's page, a verify page (upload a
//! file), the log's latest checkpoint.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Shared;
use crate::error::ApiError;

/// A page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Korean.
    Ko,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }
}

/// Every text a page shows, in both languages (the match makes both
/// required).
#[derive(Debug, Clone, Copy)]
pub enum T {
    /// Site title.
    Registry,
    /// The copy at hand is the one logged.
    SameCopy,
    /// The copy at hand is not the one logged.
    OtherCopy,
    /// Nav.
    Search,
    /// Nav.
    Verify,
    /// Nav.
    Log,
    /// Search field.
    Query,
    /// Search field.
    AnyStatus,
    /// Column.
    Number,
    /// Column.
    Holder,
    /// Column.
    Model,
    /// Column.
    Issuer,
    /// Column.
    Issued,
    /// Column.
    ValidUntil,
    /// Column.
    Status,
    /// Column.
    Standard,
    /// Column.
    Verdict,
    /// Column.
    Digest,
    /// Column.
    ModelDigest,
    /// Column.
    Entry,
    /// Status word.
    Valid,
    /// Status word.
    Suspended,
    /// Status word.
    Revoked,
    /// Line.
    Reason,
    /// Nothing found.
    NoneFound,
    /// Download link.
    Download,
    /// Proof link.
    Proof,
    /// Verify page intro.
    VerifyIntro,
    /// Button.
    Check,
    /// Verdict.
    IsValid,
    /// Verdict.
    IsInvalid,
    /// Column.
    CheckName,
    /// Column.
    Outcome,
    /// Column.
    Detail,
    /// Log page.
    TreeSize,
    /// Log page.
    RootHash,
    /// Log page.
    LogKey,
    /// Log page.
    Origin,
    /// Log page intro.
    LogIntro,
    /// QR caption.
    QrCaption,
    /// Not found page.
    NotFound,
    /// Every slot for a text search is taken.
    Busy,
    /// A method the address does not answer.
    NotAllowed,
    /// A request the registry cannot read.
    BadRequest,
    /// A request larger than the registry takes.
    TooLarge,
    /// Too many requests.
    TooMany,
    /// A fault of the registry.
    ServerError,
    /// Upload error.
    NoFile,
    /// Language switch.
    OtherLanguage,
    /// Certificate page title.
    Certificate,
    /// Verdict word.
    Pass,
    /// Verdict word.
    Fail,
}

impl T {
    /// The text in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        let (en, ko) = match self {
            T::Registry => ("Assay certificate registry", "Assay 인증서 등록부"),
            T::Search => ("Search", "검색"),
            T::Verify => ("Verify a certificate", "인증서 검증"),
            T::Log => ("Transparency log", "투명성 로그"),
            T::Query => ("Number, holder or model", "인증서 번호, 보유자 또는 모델"),
            T::AnyStatus => ("any status", "모든 상태"),
            T::Number => ("Certificate number", "인증서 번호"),
            T::Holder => ("Holder", "보유자"),
            T::Model => ("Model", "모델"),
            T::Issuer => ("Issuer", "발급 기관"),
            T::Issued => ("Issued", "발급일"),
            T::ValidUntil => ("Valid until", "유효 기한"),
            T::Status => ("Status", "상태"),
            T::Standard => ("Standard", "표준"),
            T::Verdict => ("Verdict", "판정"),
            T::Digest => ("Certificate SHA-256", "인증서 SHA-256"),
            T::ModelDigest => ("Model SHA-256", "모델 SHA-256"),
            T::Entry => ("Log entry", "로그 항목"),
            T::Valid => ("valid", "유효"),
            T::Suspended => ("suspended", "일시 정지"),
            T::Revoked => ("revoked", "취소"),
            T::Reason => ("Reason", "사유"),
            T::NoneFound => ("No certificate matches.", "일치하는 인증서가 없습니다."),
            T::Download => ("Download the certificate (JSON)", "인증서 내려받기 (JSON)"),
            T::Proof => ("Inclusion proof", "포함 증명"),
            T::VerifyIntro => (
                "Choose a certificate file (.cert.json). It is checked against the registered issuers' keys, the log and its current status. Nothing is stored.",
                "인증서 파일(.cert.json)을 선택하십시오. 등록된 발급 기관의 키, 로그 및 현재 상태와 대조하여 검증합니다. 파일은 저장되지 않습니다.",
            ),
            T::Check => ("Verify", "검증"),
            T::IsValid => ("The certificate is valid.", "유효한 인증서입니다."),
            T::IsInvalid => (
                "The certificate is NOT valid.",
                "유효하지 않은 인증서입니다.",
            ),
            T::CheckName => ("Check", "검사 항목"),
            T::Outcome => ("Outcome", "결과"),
            T::Detail => ("Detail", "내용"),
            T::TreeSize => ("Entries", "항목 수"),
            T::RootHash => ("Root hash", "루트 해시"),
            T::LogKey => ("Log public key", "로그 공개 키"),
            T::Origin => ("Origin", "오리진"),
            T::LogIntro => (
                "Every certificate and every status change is an entry of an append-only Merkle tree (RFC 9162). The latest signed checkpoint (C2SP tlog-checkpoint):",
                "모든 인증서와 상태 변경은 추가 전용 머클 트리(RFC 9162)의 항목입니다. 최신 서명된 체크포인트(C2SP tlog-checkpoint):",
            ),
            T::QrCaption => ("Scan to open this page", "이 페이지를 열려면 스캔하십시오"),
            T::SameCopy => (
                "The certificate you hold (SHA-256 {sha}) is the one logged here.",
                "가지고 계신 인증서(SHA-256 {sha})는 여기에 기록된 인증서와 같습니다.",
            ),
            T::OtherCopy => (
                "The certificate you hold (SHA-256 {sha}) is NOT the one logged under this number: the logged certificate is shown below.",
                "가지고 계신 인증서(SHA-256 {sha})는 이 번호로 기록된 인증서가 아닙니다. 기록된 인증서는 아래와 같습니다.",
            ),
            T::NotFound => ("Not found.", "찾을 수 없습니다."),
            T::Busy => (
                "The registry is busy with other text searches: try again in a moment, or choose a status.",
                "다른 텍스트 검색이 진행 중입니다. 잠시 후 다시 시도하거나 상태를 선택하여 검색하십시오.",
            ),
            T::NotAllowed => (
                "This address does not answer that kind of request.",
                "이 주소는 그런 종류의 요청에 응답하지 않습니다.",
            ),
            T::BadRequest => ("The request cannot be read.", "요청을 읽을 수 없습니다."),
            T::TooLarge => (
                "The request is larger than the registry accepts.",
                "요청이 등록부가 받는 크기보다 큽니다.",
            ),
            T::TooMany => (
                "Too many requests: try again in a moment.",
                "요청이 너무 많습니다. 잠시 후 다시 시도하십시오.",
            ),
            T::ServerError => (
                "The registry could not answer: try again later.",
                "등록부가 응답하지 못했습니다. 나중에 다시 시도하십시오.",
            ),
            T::NoFile => ("Choose a file to verify.", "검증할 파일을 선택하십시오."),
            T::OtherLanguage => ("한국어", "English"),
            T::Certificate => ("Certificate", "인증서"),
            T::Pass => ("pass: every criterion met", "적합: 모든 기준 충족"),
            T::Fail => ("fail", "부적합"),
        };
        match lang {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// The routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(home))
        .route("/certificates/{number}", get(certificate))
        .route("/certificates/{number}/{sha256}", get(certificate_copy))
        .route("/verify", get(verify_form).post(verify_upload))
        .route("/log", get(log_page))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
}

/// An address the registry does not have: under `/api/` the API's JSON
/// error, elsewhere a page in the reader's language, both 404.
async fn not_found(
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let e = ApiError::NotFound(format!("{} is not an address of this registry", uri.path()));
    if machine_path(uri.path()) {
        return e.into_response();
    }
    error_page(lang_of(&q, &headers), e)
}

/// Whether `path` is answered in JSON (the API, the log's tiles and
/// checkpoint) rather than with a page.
pub fn machine_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/tile/")
        || path == "/checkpoint"
}

/// Every error answered without a body (a 405 of the router, a rejection
/// of an extractor that says nothing) gets the registry's own: the API's
/// JSON error on machine paths, a page in the reader's language elsewhere.
pub async fn fill_empty(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let q: HashMap<String, String> = req.uri().query().and_then(query_pairs).unwrap_or_default();
    let headers = req.headers().clone();
    let r = next.run(req).await;
    let status = r.status();
    if !(status.is_client_error() || status.is_server_error())
        || r.headers().contains_key(header::CONTENT_TYPE)
    {
        return r;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{method} is not allowed on {path}{}",
            r.headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .map_or_else(String::new, |a| format!(": it answers {a}"))
        ),
        s => format!(
            "{path}: {}",
            s.canonical_reason().unwrap_or("the request was refused")
        ),
    };
    let e = ApiError::Status(status, message);
    let mut out = if machine_path(&path) {
        e.into_response()
    } else {
        error_page(lang_of(&q, &headers), e)
    };
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = r.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// The query's pairs, decoded (None: it cannot be read).
fn query_pairs(q: &str) -> Option<HashMap<String, String>> {
    axum::extract::Query::<HashMap<String, String>>::try_from_uri(&format!("/?{q}").parse().ok()?)
        .ok()
        .map(|axum::extract::Query(m)| m)
}

pub use assay_base::text::escape_markup as esc;

/// Percent-encode a query value.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn lang_of(q: &HashMap<String, String>, headers: &HeaderMap) -> Lang {
    match q.get("lang").map(String::as_str) {
        Some("ko") => Lang::Ko,
        Some("en") => Lang::En,
        _ => {
            let accept = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if accept.trim_start().starts_with("ko") {
                Lang::Ko
            } else {
                Lang::En
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans KR','Malgun Gothic',sans-serif;margin:0;color:#1b1f24;line-height:1.45}\
header{background:#12355b;color:#fff;padding:.8rem 1.2rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}\
header a{color:#fff;text-decoration:none}header .title{font-weight:700;margin-right:auto}\
main{max-width:60rem;margin:0 auto;padding:1rem 1.2rem}table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d5dbe3;vertical-align:top}\
td.hash{font-family:ui-monospace,monospace;word-break:break-all;font-size:.85rem}\
.s-valid,.pass{color:#0a6b2e;font-weight:600}.s-suspended,.skip{color:#8a5a00;font-weight:600}.s-revoked,.fail{color:#a4161a;font-weight:600}\
pre{background:#f3f5f8;padding:.8rem;overflow-x:auto}form{margin:1rem 0;display:flex;flex-wrap:wrap;gap:.5rem}\
input,select,button{font-size:1rem;padding:.35rem .5rem}.qr{width:10rem;height:10rem}\
@media(max-width:40rem){th,td{display:block;border:0}tr{display:block;border-bottom:1px solid #d5dbe3;padding:.4rem 0}}";

fn page(lang: Lang, title: &str, here: &str, body: &str) -> Response {
    let other = match lang {
        Lang::En => Lang::Ko,
        Lang::Ko => Lang::En,
    };
    let sep = if here.contains('?') { '&' } else { '?' };
    let l = lang.code();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{l}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — {site}</title><style>{STYLE}</style></head><body>\
         <header><a class=\"title\" href=\"/?lang={l}\">{site}</a>\
         <a href=\"/?lang={l}\">{search}</a><a href=\"/verify?lang={l}\">{verify}</a>\
         <a href=\"/log?lang={l}\">{log}</a>\
         <a href=\"{here}{sep}lang={o}\" hreflang=\"{o}\">{switch}</a></header>\
         <main><h1>{title}</h1>{body}</main></body></html>\n",
        site = T::Registry.text(lang),
        search = T::Search.text(lang),
        verify = T::Verify.text(lang),
        log = T::Log.text(lang),
        o = other.code(),
        switch = T::OtherLanguage.text(lang),
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        html,
    )
        .into_response()
}

fn status_word(lang: Lang, status: &str) -> String {
    let w = match status {
        "valid" => T::Valid.text(lang),
        "suspended" => T::Suspended.text(lang),
        "revoked" => T::Revoked.text(lang),
        other => other,
    };
    format!("<span class=\"s-{}\">{}</span>", esc(status), esc(w))
}

/// An error as a page (the same status code as the API would give).
fn error_page(lang: Lang, e: ApiError) -> Response {
    let api = e.into_response();
    let code = api.status();
    let text = match code {
        StatusCode::NOT_FOUND => T::NotFound,
        StatusCode::SERVICE_UNAVAILABLE if api.headers().contains_key(RETRY_AFTER) => T::Busy,
        StatusCode::METHOD_NOT_ALLOWED => T::NotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => T::TooLarge,
        StatusCode::TOO_MANY_REQUESTS => T::TooMany,
        c if c.is_server_error() => T::ServerError,
        _ => T::BadRequest,
    }
    .text(lang)
    .to_owned();
    let mut r = page(lang, &text, "/", "");
    *r.status_mut() = code;
    if let Some(v) = api.headers().get(RETRY_AFTER) {
        r.headers_mut().insert(RETRY_AFTER, v.clone());
    }
    r
}

async fn home(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&q, &headers);
    let found = match crate::api::find(&app, &q).await {
        Ok(f) => f,
        Err(e) => return error_page(lang, e),
    };
    let query = q.get("q").map(String::as_str).unwrap_or("");
    let chosen = q.get("status").map(String::as_str).unwrap_or("");
    let mut body = format!(
        "<form method=\"get\" action=\"/\" role=\"search\"><input type=\"hidden\" name=\"lang\" value=\"{l}\">\
         <input type=\"search\" name=\"q\" value=\"{qv}\" placeholder=\"{ph}\" aria-label=\"{ph}\">\
         <select name=\"status\" aria-label=\"{st}\"><option value=\"\">{any}</option>",
        l = lang.code(),
        qv = esc(query),
        ph = T::Query.text(lang),
        st = T::Status.text(lang),
        any = T::AnyStatus.text(lang),
    );
    for (value, t) in [
        ("valid", T::Valid),
        ("suspended", T::Suspended),
        ("revoked", T::Revoked),
    ] {
        let sel = if chosen == value { " selected" } else { "" };
        body.push_str(&format!(
            "<option value=\"{value}\"{sel}>{}</option>",
            t.text(lang)
        ));
    }
    body.push_str(&format!(
        "</select><button type=\"submit\">{}</button></form>",
        T::Search.text(lang)
    ));
    if found.is_empty() {
        body.push_str(&format!("<p>{}</p>", T::NoneFound.text(lang)));
    } else {
        body.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            T::Number.text(lang),
            T::Holder.text(lang),
            T::Model.text(lang),
            T::Issuer.text(lang),
            T::Issued.text(lang),
            T::Status.text(lang)
        ));
        for c in &found {
            let n = c.number.as_str();
            body.push_str(&format!(
                "<tr><td><a href=\"/certificates/{}?lang={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                enc(n),
                lang.code(),
                esc(n),
                esc(&c.holder),
                esc(&c.model.name),
                esc(&c.issuer),
                esc(&c.issued),
                status_word(lang, &c.status)
            ));
        }
        body.push_str("</tbody></table>");
    }
    page(lang, T::Search.text(lang), "/", &body)
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .quiet_zone(true)
                .build();
            let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, svg);
            format!("<img class=\"qr\" alt=\"QR\" src=\"data:image/svg+xml;base64,{b64}\">")
        }
        Err(_) => String::new(),
    }
}

async fn certificate(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    certificate_page(&app, &headers, &q, &number, None).await
}

/// The address a certificate's QR code carries: the certificate's page,
/// saying whether the copy whose SHA-256 it names is the one logged (404
/// when it is not).
async fn certificate_copy(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path((number, sha256)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    certificate_page(&app, &headers, &q, &number, Some(&sha256)).await
}

async fn certificate_page(
    app: &Shared,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    number: &str,
    copy: Option<&str>,
) -> Response {
    let lang = lang_of(q, headers);
    let number = number.to_owned();
    let d = match crate::api::details(app, &number).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            return error_page(lang, ApiError::NotFound(format!("certificate {number}")));
        }
        Err(e) => return error_page(lang, e),
    };
    let row = |t: T, v: String| format!("<tr><th>{}</th><td>{v}</td></tr>", t.text(lang));
    let hash = |v: &str| format!("<span class=\"hash\">{}</span>", esc(v));
    let mut body = String::new();
    let same = copy.map(|c| c.eq_ignore_ascii_case(&d.sha256));
    if let Some(c) = copy {
        let (t, class) = if same == Some(true) {
            (T::SameCopy, "pass")
        } else {
            (T::OtherCopy, "fail")
        };
        body.push_str(&format!(
            "<p class=\"{class}\">{}</p>",
            t.text(lang).replace("{sha}", &esc(c))
        ));
    }
    body.push_str("<table>");
    body.push_str(&row(T::Number, esc(&d.number)));
    body.push_str(&row(T::Status, status_word(lang, &d.status)));
    if let Some(reason) = &d.status_reason {
        body.push_str(&row(
            T::Reason,
            format!(
                "{} ({})",
                esc(reason),
                esc(d.status_date.as_deref().unwrap_or(""))
            ),
        ));
    }
    body.push_str(&row(T::Holder, esc(&d.holder)));
    body.push_str(&row(T::Model, esc(&d.model.name)));
    body.push_str(&row(T::ModelDigest, hash(&d.model.sha256)));
    let issuer = match &d.issuer_name {
        Some(name) => format!("{} ({})", esc(name), esc(&d.issuer)),
        None => esc(&d.issuer),
    };
    body.push_str(&row(T::Issuer, issuer));
    body.push_str(&row(T::Standard, esc(&d.standard)));
    let verdict = match d.verdict.as_str() {
        "pass" => T::Pass.text(lang).to_owned(),
        "fail" => T::Fail.text(lang).to_owned(),
        other => esc(other),
    };
    body.push_str(&row(T::Verdict, verdict));
    body.push_str(&row(T::Issued, esc(&d.issued)));
    body.push_str(&row(T::ValidUntil, esc(&d.not_after)));
    body.push_str(&row(T::Digest, hash(&d.sha256)));
    body.push_str(&row(T::Entry, d.entry.to_string()));
    body.push_str("</table>");
    let n = enc(&d.number);
    let url = format!(
        "{}/certificates/{n}",
        app.config.public_url.trim_end_matches('/')
    );
    body.push_str(&format!(
        "<p><a href=\"/api/v1/certificates/{n}/envelope\" download>{}</a> · \
         <a href=\"/api/v1/certificates/{n}/proof\">{}</a></p><figure>{}<figcaption>{}</figcaption></figure>",
        T::Download.text(lang),
        T::Proof.text(lang),
        qr_svg(&assay_record::certificate::verification_url(&url, &d.sha256)),
        T::QrCaption.text(lang)
    ));
    let mut response = page(
        lang,
        &format!("{} {}", T::Certificate.text(lang), d.number),
        &format!("/certificates/{n}"),
        &body,
    );
    if same == Some(false) {
        *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    response
}

fn verify_form_body(lang: Lang) -> String {
    format!(
        "<p>{}</p><form method=\"post\" action=\"/verify?lang={}\" enctype=\"multipart/form-data\">\
         <input type=\"file\" name=\"certificate\" accept=\".json,application/json\" required>\
         <button type=\"submit\">{}</button></form>",
        T::VerifyIntro.text(lang),
        lang.code(),
        T::Check.text(lang)
    )
}

async fn verify_form(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let lang = lang_of(&q, &headers);
    page(
        lang,
        T::Verify.text(lang),
        "/verify",
        &verify_form_body(lang),
    )
}

async fn verify_upload(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let lang = lang_of(&q, &headers);
    let mut file: Option<Vec<u8>> = None;
    if let Ok(mut m) = multipart {
        loop {
            match m.next_field().await {
                Ok(Some(field)) if field.name() == Some("certificate") => {
                    match field.bytes().await {
                        Ok(b) if !b.is_empty() => file = Some(b.to_vec()),
                        Ok(_) => {}
                        Err(e) => {
                            return error_page(lang, ApiError::BadRequest(e.body_text()));
                        }
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    let code = e.status();
                    let err = if code == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::TooLarge(e.body_text())
                    } else {
                        ApiError::BadRequest(e.body_text())
                    };
                    return error_page(lang, err);
                }
            }
        }
    }
    let Some(bytes) = file else {
        let body = format!(
            "<p class=\"fail\">{}</p>{}",
            T::NoFile.text(lang),
            verify_form_body(lang)
        );
        let mut r = page(lang, T::Verify.text(lang), "/verify", &body);
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    };
    let (valid, out) = match crate::api::verify_bytes(&app, &bytes).await {
        Ok(x) => x,
        Err(e) => return error_page(lang, e),
    };
    let mut body = format!(
        "<p class=\"{}\" id=\"verdict\">{}</p>",
        if valid { "pass" } else { "fail" },
        if valid {
            T::IsValid.text(lang)
        } else {
            T::IsInvalid.text(lang)
        }
    );
    let number = out.number.as_str();
    if !number.is_empty() && valid {
        body.push_str(&format!(
            "<p><a href=\"/certificates/{}?lang={}\">{}</a></p>",
            enc(number),
            lang.code(),
            esc(number)
        ));
    }
    body.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        T::CheckName.text(lang),
        T::Outcome.text(lang),
        T::Detail.text(lang)
    ));
    for c in &out.checks {
        let st = match c.status {
            assay_cert::Status::Pass => "pass",
            assay_cert::Status::Fail => "fail",
            assay_cert::Status::Skip => "skip",
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td class=\"{st}\">{st}</td><td>{}</td></tr>",
            esc(c.check),
            esc(&c.detail)
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&verify_form_body(lang));
    page(lang, T::Verify.text(lang), "/verify", &body)
}

async fn log_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&q, &headers);
    let (note, size, root) = {
        let st = app.ledger.read();
        let root = st.checkpoint.as_ref().map(|c| c.root).unwrap_or_default();
        (st.note.clone(), st.size(), root)
    };
    let hex = assay_base::digest::hex(&root);
    let body = format!(
        "<p>{}</p><pre id=\"checkpoint\">{}</pre><table>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{size}</td></tr>\
         <tr><th>{}</th><td class=\"hash\">{hex}</td></tr><tr><th>{}</th><td class=\"hash\">{}</td></tr></table>\
         <p><a href=\"/checkpoint\">/checkpoint</a> · <a href=\"/api/v1/openapi.json\">OpenAPI</a></p>",
        T::LogIntro.text(lang),
        esc(&note),
        T::Origin.text(lang),
        esc(&app.ledger.origin),
        T::TreeSize.text(lang),
        T::RootHash.text(lang),
        T::LogKey.text(lang),
        esc(&app.ledger.verifier.key_string()),
    );
    page(lang, T::Log.text(lang), "/log", &body)
}
