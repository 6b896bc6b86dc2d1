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

/// A page's language: the record's.
pub use assay_record::Lang;

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
    /// Certificate page.
    Version,
    /// Certificate page.
    IntendedUse,
    /// Certificate page.
    Task,
    /// Certificate page.
    Classes,
    /// Certificate page.
    Results,
    /// Column.
    Criterion,
    /// Column.
    Metric,
    /// Column.
    Value,
    /// Column.
    Interval,
    /// Column.
    Met,
    /// Word.
    Yes,
    /// Word.
    No,
    /// Certificate page.
    DecisionRule,
    /// Certificate page.
    Accreditation,
    /// Certificate page.
    Reports,
    /// Certificate page.
    History,
    /// Column.
    Date,
    /// Column.
    Event,
    /// History event.
    Logged,
    /// History event.
    ActSuspend,
    /// History event.
    ActReinstate,
    /// History event.
    ActRevoke,
    /// Certificate page.
    ValidFrom,
    /// Log page.
    Latest,
    /// Log page.
    Older,
    /// Log page.
    Newer,
    /// Log page: a status change of certificate N.
    StatusChangeOf,
    /// Verify page field.
    ModelSha,
    /// Verify page field hint.
    ModelShaHint,
    /// Verify page: the field is not a SHA-256.
    NotSha,
    /// Check name.
    CkEnvelope,
    /// Check name.
    CkPayload,
    /// Check name.
    CkSignature,
    /// Check name.
    CkStatement,
    /// Check name.
    CkIssuer,
    /// Check name.
    CkValidity,
    /// Check name.
    CkModel,
    /// Check name.
    CkAssessment,
    /// Check name.
    CkLog,
    /// Check name.
    CkStatus,
    /// Outcome.
    Passed,
    /// Outcome.
    Failed,
    /// Outcome.
    NotChecked,
    /// The technical detail.
    TechDetail,
    /// A detail shown in English in a Korean page.
    InEnglish,
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
            T::Version => ("Version", "버전"),
            T::IntendedUse => ("Intended use", "사용 목적"),
            T::Task => ("Task", "과제"),
            T::Classes => ("Classes", "클래스"),
            T::Results => ("Results certified", "인증된 결과"),
            T::Criterion => ("Criterion", "기준"),
            T::Metric => ("Metric", "지표"),
            T::Value => ("Value", "값"),
            T::Interval => ("95% interval", "95% 구간"),
            T::Met => ("Met", "충족"),
            T::Yes => ("yes", "예"),
            T::No => ("no", "아니요"),
            T::DecisionRule => ("Decision rule", "판정 규칙"),
            T::Accreditation => ("Accreditation", "인정"),
            T::Reports => ("Test reports", "시험 성적서"),
            T::History => ("Status history", "상태 이력"),
            T::Date => ("Date", "날짜"),
            T::Event => ("Event", "사건"),
            T::Logged => ("issued and logged", "발급 및 기록"),
            T::ActSuspend => ("suspended", "일시 정지"),
            T::ActReinstate => ("reinstated", "복원"),
            T::ActRevoke => ("revoked", "취소"),
            T::ValidFrom => ("Valid from", "유효 시작일"),
            T::Latest => ("Latest entries", "최근 항목"),
            T::Older => ("Older entries", "이전 항목"),
            T::Newer => ("Newer entries", "최근 항목으로"),
            T::StatusChangeOf => ("status change of", "상태 변경:"),
            T::ModelSha => ("Model SHA-256 (optional)", "모델 SHA-256 (선택)"),
            T::ModelShaHint => (
                "Paste the SHA-256 of the model file you hold (sha256sum MODEL) to check that the certificate is for it.",
                "가지고 계신 모델 파일의 SHA-256(sha256sum MODEL)을 붙여 넣으면 인증서가 그 모델에 대한 것인지 확인합니다.",
            ),
            T::NotSha => (
                "The model SHA-256 must be 64 hexadecimal digits.",
                "모델 SHA-256은 16진수 64자리여야 합니다.",
            ),
            T::CkEnvelope => ("The file is a signed certificate", "서명된 인증서 파일"),
            T::CkPayload => (
                "Its contents are a certificate statement",
                "내용이 인증서 진술임",
            ),
            T::CkSignature => (
                "Signed by a registered issuer's key",
                "등록된 발급 기관의 키로 서명됨",
            ),
            T::CkStatement => (
                "The certificate's contents are complete",
                "인증서 내용이 완전함",
            ),
            T::CkIssuer => (
                "The issuer is trusted for this standard on the issue date",
                "발급일에 이 표준에 대해 신뢰된 발급 기관",
            ),
            T::CkValidity => ("Within its period of validity today", "오늘 유효 기간 이내"),
            T::CkModel => (
                "It is for the model you hold",
                "가지고 계신 모델에 대한 인증서",
            ),
            T::CkAssessment => ("The assessment record", "평가 기록"),
            T::CkLog => ("Published in the transparency log", "투명성 로그에 공개됨"),
            T::CkStatus => ("Not suspended or revoked", "일시 정지 또는 취소되지 않음"),
            T::Passed => ("yes", "예"),
            T::Failed => ("NO", "아니요"),
            T::NotChecked => ("not checked", "확인하지 않음"),
            T::TechDetail => ("Technical detail", "기술 세부 정보"),
            T::InEnglish => ("(in English)", "(영문)"),
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
        .route("/assets/{name}", get(font))
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
    // Kept cheaply for the rare error page: the query and the language
    // header are read only if one is needed.
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_owned);
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
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
        let q: HashMap<String, String> = query.as_deref().and_then(query_pairs).unwrap_or_default();
        let mut headers = HeaderMap::new();
        if let Some(a) = accept {
            headers.insert(header::ACCEPT_LANGUAGE, a);
        }
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

/// The font the PDF reports embed (Nanum Gothic subset to Latin and
/// Hangul, SIL OFL), served by the registry itself so that Korean renders
/// on a machine without Korean fonts and no third party is asked.
pub const FONT: &[u8] = include_bytes!("../../assay-report/fonts/AssayGothic-Regular.ttf");
/// Its bold face.
pub const FONT_BOLD: &[u8] = include_bytes!("../../assay-report/fonts/AssayGothic-Bold.ttf");

async fn font(Path(name): Path<String>) -> Response {
    let bytes = match name.as_str() {
        "assay-gothic.ttf" => FONT,
        "assay-gothic-bold.ttf" => FONT_BOLD,
        _ => return error_page(Lang::En, ApiError::NotFound(format!("/assets/{name}"))),
    };
    (
        [
            (header::CONTENT_TYPE, "font/ttf"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response()
}

const STYLE: &str = "@font-face{font-family:'Assay Gothic';src:url(/assets/assay-gothic.ttf) format('truetype');font-weight:400}\
@font-face{font-family:'Assay Gothic';src:url(/assets/assay-gothic-bold.ttf) format('truetype');font-weight:700}\
body{font-family:'Assay Gothic',system-ui,sans-serif;margin:0;color:#1b1f24;line-height:1.45}\
.status-big{font-size:2rem;font-weight:700;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:1.6rem}\
details{margin-top:.3rem;font-size:.85rem;color:#4a5562}\
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
    let l = lang.tag();
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
        o = other.tag(),
        switch = T::OtherLanguage.text(lang),
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
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
        l = lang.tag(),
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
                lang.tag(),
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
    let entry = u64::try_from(d.entry).unwrap_or(u64::MAX);
    // The signed statement, for what the row does not hold.
    let statement = match crate::api::entry_bytes(app, entry).await {
        Ok(Some(bytes)) => assay_cert::Envelope::parse(&bytes)
            .ok()
            .and_then(|e| assay_record::certificate::Statement::from_bytes(&e.payload).ok()),
        Ok(None) => None,
        Err(e) => return error_page(lang, e),
    };
    let history = match history(app, &d.number).await {
        Ok(h) => h,
        Err(e) => return error_page(lang, e),
    };
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
    body.push_str(&format!(
        "<p class=\"status-big\" id=\"status\">{}</p>",
        status_word(lang, &d.status)
    ));
    body.push_str("<table>");
    body.push_str(&row(T::Number, esc(&d.number)));
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
    if let Some(st) = &statement {
        body.push_str(&row(T::Version, esc(&st.predicate.model.version)));
    }
    body.push_str(&row(T::ModelDigest, hash(&d.model.sha256)));
    if let Some(st) = &statement {
        let scope = &st.predicate.scope;
        body.push_str(&row(T::IntendedUse, esc(scope.intended_use.get(lang).text)));
        if let Some(task) = scope.task {
            body.push_str(&row(T::Task, esc(task.name())));
        }
        if !scope.classes.is_empty() {
            body.push_str(&row(T::Classes, esc(&scope.classes.join(", "))));
        }
    }
    let issuer = match &d.issuer_name {
        Some(name) => format!("{} ({})", esc(name), esc(&d.issuer)),
        None => esc(&d.issuer),
    };
    body.push_str(&row(T::Issuer, issuer));
    if let Some(acc) = statement
        .as_ref()
        .and_then(|st| st.predicate.issuer.accreditation.as_ref())
        .map(|a| a.get(lang).text)
    {
        body.push_str(&row(T::Accreditation, esc(acc)));
    }
    body.push_str(&row(T::Standard, esc(&d.standard)));
    let verdict = match d.verdict.as_str() {
        "pass" => T::Pass.text(lang).to_owned(),
        "fail" => T::Fail.text(lang).to_owned(),
        other => esc(other),
    };
    body.push_str(&row(T::Verdict, verdict));
    if let Some(rule) = statement.as_ref().and_then(|st| st.predicate.decision_rule) {
        body.push_str(&row(T::DecisionRule, esc(rule.name())));
    }
    body.push_str(&row(T::Issued, esc(&d.issued)));
    if let Some(st) = &statement {
        body.push_str(&row(
            T::ValidFrom,
            esc(&st.predicate.certificate.validity.not_before),
        ));
    }
    body.push_str(&row(T::ValidUntil, esc(&d.not_after)));
    body.push_str(&row(T::Digest, hash(&d.sha256)));
    body.push_str(&row(T::Entry, d.entry.to_string()));
    body.push_str("</table>");
    if let Some(st) = &statement {
        let p = &st.predicate;
        if !p.results.is_empty() {
            body.push_str(&format!(
                "<h2>{}</h2><table id=\"results\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                T::Results.text(lang),
                T::Criterion.text(lang),
                T::Metric.text(lang),
                T::Value.text(lang),
                T::Interval.text(lang),
                T::Met.text(lang)
            ));
            let num = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.4}"));
            for r in &p.results {
                let interval = r.interval.as_ref().map_or_else(
                    || "—".to_owned(),
                    |i| format!("[{:.4}, {:.4}]", i.low, i.high),
                );
                let met = match r.passed {
                    Some(true) => format!("<span class=\"pass\">{}</span>", T::Yes.text(lang)),
                    Some(false) => format!("<span class=\"fail\">{}</span>", T::No.text(lang)),
                    None => "—".to_owned(),
                };
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{interval}</td><td>{met}</td></tr>",
                    esc(&r.criterion),
                    esc(&r.metric),
                    num(r.value)
                ));
            }
            body.push_str("</tbody></table>");
        }
        if !p.reports.is_empty() {
            body.push_str(&format!(
                "<h2>{}</h2><table id=\"reports\"><tbody>",
                T::Reports.text(lang)
            ));
            for r in &p.reports {
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td class=\"hash\">{}</td></tr>",
                    esc(r.number.as_deref().unwrap_or("—")),
                    esc(&r.file),
                    esc(&r.sha256)
                ));
            }
            body.push_str("</tbody></table>");
        }
    }
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"history\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        T::History.text(lang),
        T::Date.text(lang),
        T::Event.text(lang),
        T::Reason.text(lang),
        T::Proof.text(lang)
    ));
    let proof_link = |entry: u64| {
        format!(
            "<a href=\"/api/v1/proofs/inclusion?index={entry}\">{}</a>",
            T::Entry.text(lang)
        )
    };
    body.push_str(&format!(
        "<tr><td>{}</td><td>{}</td><td>—</td><td>{} {}</td></tr>",
        esc(&d.issued),
        T::Logged.text(lang),
        proof_link(entry),
        entry
    ));
    for h in &history {
        let event = match h.action.as_str() {
            "suspend" => T::ActSuspend.text(lang),
            "reinstate" => T::ActReinstate.text(lang),
            "revoke" => T::ActRevoke.text(lang),
            other => other,
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
            esc(&h.date),
            esc(event),
            esc(&h.reason),
            proof_link(h.entry),
            h.entry
        ));
    }
    body.push_str("</tbody></table>");
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

/// One logged status change.
struct Change {
    entry: u64,
    action: String,
    reason: String,
    date: String,
}

/// Every logged status change of a certificate, in order.
async fn history(app: &Shared, number: &str) -> Result<Vec<Change>, ApiError> {
    use sqlx::Row as _;
    let size = app.ledger.read().size();
    let rows = sqlx::query(
        "SELECT entry, action, reason, date FROM status_changes WHERE number = $1 ORDER BY seq",
    )
    .bind(number.to_owned())
    .fetch_all(&app.db.pool)
    .await
    .map_err(crate::db::ctx("reading a certificate's status changes"))?;
    let mut out = Vec::new();
    for r in rows {
        let get = |c: &str| {
            r.try_get::<String, _>(c)
                .map_err(|e| ApiError::Internal(format!("status_changes.{c}: {e}")))
        };
        let entry: i64 = r
            .try_get("entry")
            .map_err(|e| ApiError::Internal(format!("status_changes.entry: {e}")))?;
        let entry = u64::try_from(entry).unwrap_or(u64::MAX);
        // Only what the signed checkpoint covers.
        if entry < size {
            out.push(Change {
                entry,
                action: get("action")?,
                reason: get("reason")?,
                date: get("date")?,
            });
        }
    }
    Ok(out)
}

fn verify_form_body(lang: Lang) -> String {
    format!(
        "<p>{}</p><form method=\"post\" action=\"/verify?lang={}\" enctype=\"multipart/form-data\">\
         <input type=\"file\" name=\"certificate\" accept=\".json,application/json\" required>\
         <label>{} <input type=\"text\" name=\"model_sha256\" size=\"66\" maxlength=\"80\" \
         pattern=\"\\s*[0-9A-Fa-f]{{64}}\\s*\" spellcheck=\"false\" autocomplete=\"off\"></label>\
         <button type=\"submit\">{}</button></form><p class=\"hint\">{}</p>",
        T::VerifyIntro.text(lang),
        lang.tag(),
        T::ModelSha.text(lang),
        T::Check.text(lang),
        T::ModelShaHint.text(lang)
    )
}

/// A check's name in plain words.
fn check_words(check: &str) -> Option<T> {
    Some(match check {
        "envelope" => T::CkEnvelope,
        "payload-type" => T::CkPayload,
        "signature" => T::CkSignature,
        "statement" => T::CkStatement,
        "issuer" => T::CkIssuer,
        "validity" => T::CkValidity,
        "model" => T::CkModel,
        "assessment" => T::CkAssessment,
        "log" => T::CkLog,
        "status" => T::CkStatus,
        _ => return None,
    })
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
    let mut model_sha: Option<String> = None;
    if let Ok(mut m) = multipart {
        loop {
            match m.next_field().await {
                Ok(Some(field)) if field.name() == Some("model_sha256") => match field.text().await
                {
                    Ok(t) if !t.trim().is_empty() => {
                        model_sha = Some(t.trim().to_ascii_lowercase())
                    }
                    Ok(_) => {}
                    Err(e) => return error_page(lang, ApiError::BadRequest(e.body_text())),
                },
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
    if let Some(m) = &model_sha
        && crate::ledger::Digest::from_hex(m).is_none()
    {
        let body = format!(
            "<p class=\"fail\">{}</p>{}",
            T::NotSha.text(lang),
            verify_form_body(lang)
        );
        let mut r = page(lang, T::Verify.text(lang), "/verify", &body);
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    let (valid, out) = match crate::api::verify_bytes(&app, &bytes, model_sha.as_deref()).await {
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
            lang.tag(),
            esc(number)
        ));
    }
    body.push_str(&format!(
        "<table id=\"checks\"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
        T::CheckName.text(lang),
        T::Outcome.text(lang),
    ));
    for c in &out.checks {
        let (class, word) = match c.status {
            assay_cert::Status::Pass => ("pass", T::Passed),
            assay_cert::Status::Fail => ("fail", T::Failed),
            assay_cert::Status::Skip => ("skip", T::NotChecked),
        };
        let name = check_words(c.check).map_or_else(|| esc(c.check), |t| t.text(lang).to_owned());
        // The details in the page's language; English words in a Korean
        // page are marked as such.
        let detail = match (lang, &c.detail_ko) {
            (Lang::Ko, Some(ko)) => esc(ko),
            (Lang::Ko, None) => format!("{} {}", esc(&c.detail), T::InEnglish.text(lang)),
            _ => esc(&c.detail),
        };
        body.push_str(&format!(
            "<tr data-check=\"{}\"><td>{name}<details><summary>{}</summary>{detail}</details></td>\
             <td class=\"{class}\">{}</td></tr>",
            esc(c.check),
            T::TechDetail.text(lang),
            word.text(lang)
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
    let page_no: u64 = match q.get("page").map(|p| p.parse::<u64>()) {
        None => 0,
        Some(Ok(n)) if n <= crate::api::MAX_OFFSET / LOG_PAGE => n,
        Some(_) => {
            return error_page(lang, ApiError::BadRequest("page is a whole number".into()));
        }
    };
    let entries = match latest(&app, size, page_no).await {
        Ok(e) => e,
        Err(e) => return error_page(lang, e),
    };
    let mut body = body;
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"entries\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        T::Latest.text(lang),
        T::Entry.text(lang),
        T::Event.text(lang),
        T::Proof.text(lang)
    ));
    for (idx, what) in &entries {
        let described = match what {
            Logged::Certificate(n) => format!(
                "{} <a href=\"/certificates/{}?lang={}\">{}</a>",
                T::Certificate.text(lang),
                enc(n),
                lang.tag(),
                esc(n)
            ),
            Logged::Status(n, action) => format!(
                "{} <a href=\"/certificates/{}?lang={}\">{}</a>: {}",
                T::StatusChangeOf.text(lang),
                enc(n),
                lang.tag(),
                esc(n),
                esc(match action.as_str() {
                    "suspend" => T::ActSuspend.text(lang),
                    "reinstate" => T::ActReinstate.text(lang),
                    "revoke" => T::ActRevoke.text(lang),
                    other => other,
                })
            ),
            Logged::Other => "—".to_owned(),
        };
        body.push_str(&format!(
            "<tr><td><a href=\"/api/v1/entries/{idx}\">{idx}</a></td><td>{described}</td>\
             <td><a href=\"/api/v1/proofs/inclusion?index={idx}\">{}</a></td></tr>",
            T::Proof.text(lang)
        ));
    }
    body.push_str("</tbody></table><p>");
    if page_no > 0 {
        body.push_str(&format!(
            "<a href=\"/log?lang={}&amp;page={}\">{}</a> ",
            lang.tag(),
            page_no - 1,
            T::Newer.text(lang)
        ));
    }
    if (page_no + 1) * LOG_PAGE < size && page_no < crate::api::MAX_OFFSET / LOG_PAGE {
        body.push_str(&format!(
            "<a href=\"/log?lang={}&amp;page={}\" rel=\"next\">{}</a>",
            lang.tag(),
            page_no + 1,
            T::Older.text(lang)
        ));
    }
    body.push_str("</p>");
    page(lang, T::Log.text(lang), "/log", &body)
}

/// Entries a page of the log page lists.
const LOG_PAGE: u64 = 50;

/// What an entry of the log is.
enum Logged {
    Certificate(String),
    Status(String, String),
    Other,
}

/// The entries of page `page` of the log, newest first, within the signed
/// `size`.
async fn latest(app: &Shared, size: u64, page: u64) -> Result<Vec<(u64, Logged)>, ApiError> {
    use sqlx::Row as _;
    let top = size.saturating_sub(page * LOG_PAGE);
    let bottom = top.saturating_sub(LOG_PAGE);
    let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let certs =
        sqlx::query("SELECT entry, number FROM certificates WHERE entry >= $1 AND entry < $2")
            .bind(to_i64(bottom))
            .bind(to_i64(top))
            .fetch_all(&app.db.pool)
            .await
            .map_err(crate::db::ctx("listing the log's entries"))?;
    let changes = sqlx::query(
        "SELECT entry, number, action FROM status_changes WHERE entry >= $1 AND entry < $2",
    )
    .bind(to_i64(bottom))
    .bind(to_i64(top))
    .fetch_all(&app.db.pool)
    .await
    .map_err(crate::db::ctx("listing the log's entries"))?;
    let mut found: HashMap<u64, Logged> = HashMap::new();
    let col = |r: &sqlx::any::AnyRow, c: &str| {
        r.try_get::<String, _>(c)
            .map_err(|e| ApiError::Internal(format!("{c}: {e}")))
    };
    let entry = |r: &sqlx::any::AnyRow| {
        r.try_get::<i64, _>("entry")
            .map(|e| u64::try_from(e).unwrap_or(u64::MAX))
            .map_err(|e| ApiError::Internal(format!("entry: {e}")))
    };
    for r in &certs {
        found.insert(entry(r)?, Logged::Certificate(col(r, "number")?));
    }
    for r in &changes {
        found.insert(
            entry(r)?,
            Logged::Status(col(r, "number")?, col(r, "action")?),
        );
    }
    Ok((bottom..top)
        .rev()
        .map(|i| (i, found.remove(&i).unwrap_or(Logged::Other)))
        .collect())
}
