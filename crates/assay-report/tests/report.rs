//! Reports from committed assessment records (written by `assay run` on the
//! demo plans): every field ISO/IEC 17025 clause 7.8.2.1 asks for is present
//! in both languages, in the HTML and in the PDF's extracted text; figures
//! parse as SVG; output is deterministic; the HTML renders in a browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use assay_report::text::{Lang, T, Words as _, metric_name};
use assay_report::{Block, Document, Format, Options};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The records: a predictions plan (slices, baseline, criteria, leakage)
/// and a model run (performance, robustness, multi-class), a regression
/// and a clustering plan.
const RECORDS: [&str; 4] = [
    "breast_cancer.assessment.json",
    "digits.assessment.json",
    "regression.assessment.json",
    "clustering.assessment.json",
];

fn load(name: &str) -> (Value, Options) {
    let bytes = std::fs::read(data(name)).expect("fixture");
    let record: Value = serde_json::from_slice(&bytes).expect("fixture is JSON");
    let options = Options {
        lang: Lang::En,
        number: None,
        issued: "2026-12-01".to_owned(),
        record_sha256: assay_base::digest::sha256_hex(&bytes),
        record_name: name.to_owned(),
    };
    (record, options)
}

fn doc(name: &str, lang: Lang) -> (Document, Value, Options) {
    let (record, mut options) = load(name);
    options.lang = lang;
    let d = assay_report::document(&record, &options).expect("document");
    (d, record, options)
}

fn html(d: &Document) -> String {
    String::from_utf8(assay_report::render(d, Format::Html).expect("html")).expect("utf-8")
}

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer}"))
}

/// What a test report must show (ISO/IEC 17025 clause 7.8.2.1, clause 7.8.6
/// for the decision rule), as (what, text) pairs for one record and language.
fn required(record: &Value, options: &Options, lang: Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut need = |what: &str, text: String| out.push((what.to_owned(), text));
    need("title", T::ReportTitle.get(lang).to_owned());
    need("lab name", s(record, "/identification/lab/name").to_owned());
    need(
        "lab address",
        s(record, "/identification/lab/address").to_owned(),
    );
    let number = format!(
        "{}-R{}",
        s(record, "/identification/plan_id"),
        options.record_sha256[..8].to_uppercase()
    );
    need("report number", number);
    need(
        "client",
        s(record, "/identification/client/name").to_owned(),
    );
    match record
        .pointer("/identification/client/address")
        .and_then(Value::as_str)
    {
        Some(address) => need("client address", address.to_owned()),
        None => need(
            "client address (not stated)",
            T::NotStated.get(lang).to_owned(),
        ),
    }
    need("method", "ISO/IEC TS 4213:2022".to_owned());
    need("clauses applied", T::ClausesApplied.get(lang).to_owned());
    need(
        "model name",
        s(record, "/identification/model/name").to_owned(),
    );
    need(
        "model version",
        s(record, "/identification/model/version").to_owned(),
    );
    if let Some(digest) = record
        .pointer("/model_run/identity/sha256")
        .and_then(Value::as_str)
    {
        need("model SHA-256", digest.to_owned());
    }
    for input in record["inputs"].as_array().expect("inputs") {
        need("input digest", s(input, "/sha256").to_owned());
        need(
            "input size",
            lang.count(input["size"].as_u64().expect("size")),
        );
    }
    need(
        "date received",
        lang.date(s(record, "/identification/report/received")),
    );
    need("date of testing", lang.date(s(record, "/run/started_at")));
    need("date of issue", lang.date(&options.issued));
    for id in record["reported_metrics"].as_array().expect("reported") {
        let id = id.as_str().expect("id");
        need("reported metric", metric_name(id, lang));
    }
    for (id, m) in record["evaluation"]["metrics"]
        .as_object()
        .expect("metrics")
    {
        if let (Some(v), Some(lo), Some(hi)) = (
            m["value"].as_f64(),
            m.pointer("/ci/low").and_then(Value::as_f64),
            m.pointer("/ci/high").and_then(Value::as_f64),
        ) {
            need(
                &format!("{id} with its interval"),
                format!(
                    "{}</td><td class=\"num\">[{}, {}]",
                    lang.fixed(v, 4),
                    lang.fixed(lo, 4),
                    lang.fixed(hi, 4)
                ),
            );
        }
    }
    for c in record["evaluation"]["criteria"]
        .as_array()
        .expect("criteria")
    {
        need("criterion", s(c, "/expression").to_owned());
    }
    need("decision rule", T::RuleGuarded.get(lang).to_owned());
    need(
        "verdict",
        match s(record, "/verdict/overall") {
            "pass" => T::VerdictPass,
            "fail" => T::VerdictFail,
            _ => T::VerdictNotJudged,
        }
        .get(lang)
        .to_owned(),
    );
    for d in record["disclosures"].as_array().expect("disclosures") {
        need("disclosure clause", s(d, "/clause").to_owned());
    }
    need("deviations", T::SecDeviations.get(lang).to_owned());
    need("warnings", T::SecWarnings.get(lang).to_owned());
    need(
        "only the items tested",
        T::OnlyItemsTested.get(lang).to_owned(),
    );
    need(
        "authoriser",
        s(record, "/identification/report/authoriser").to_owned(),
    );
    need("end of report", T::EndOfReport.get(lang).to_owned());
    need("record digest", options.record_sha256.clone());
    out
}

fn unescape(html: &str) -> String {
    html.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

#[test]
fn every_required_field_is_in_the_html_in_both_languages() {
    for name in RECORDS {
        for lang in [Lang::En, Lang::Ko] {
            let (d, record, options) = doc(name, lang);
            let text = unescape(&html(&d));
            let mut missing = Vec::new();
            for (what, needle) in required(&record, &options, lang) {
                if !text.contains(&needle) {
                    missing.push(format!("{what}: {needle:?}"));
                }
            }
            // Page numbers of the printed HTML come from the print style.
            let page = if lang == Lang::En {
                "\"Page \" counter(page) \" of \" counter(pages)"
            } else {
                "counter(pages) \"쪽 중 \" counter(page) \"쪽\""
            };
            if !text.contains(page) {
                missing.push(format!("page X of Y: {page}"));
            }
            assert!(
                missing.is_empty(),
                "{name} ({lang:?}) lacks:\n{}",
                missing.join("\n")
            );
        }
    }
}

#[test]
fn the_languages_differ_in_every_heading() {
    let (en, _, _) = doc(RECORDS[1], Lang::En);
    let (ko, _, _) = doc(RECORDS[1], Lang::Ko);
    assert_eq!(en.sections.len(), ko.sections.len());
    for (a, b) in en.sections.iter().zip(&ko.sections) {
        assert_eq!(a.id, b.id);
        assert_ne!(a.heading, b.heading, "{} is not translated", a.id);
        assert!(
            b.heading
                .chars()
                .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
            "{}",
            b.heading
        );
    }
}

/// The HTML's outline: sections, headings, field labels, table columns,
/// figures and the verdict, one per line.
fn outline(html: &str) -> String {
    let mut out = Vec::new();
    let mut rest = html;
    let tags = [
        ("<section id=\"", "\"", "section "),
        ("<h2>", "</h2>", "  h2 "),
        ("<dt>", "</dt>", "    dt "),
        ("<th scope=\"col\"", "</th>", "    th "),
        ("<caption>", "</caption>", "    caption "),
        ("<figure id=\"", "\"", "    figure "),
        ("<p class=\"callout ", "\"", "    callout "),
    ];
    loop {
        let next = tags
            .iter()
            .filter_map(|(open, close, label)| rest.find(open).map(|i| (i, *open, *close, *label)))
            .min_by_key(|t| t.0);
        let Some((i, open, close, label)) = next else {
            break;
        };
        let after = &rest[i + open.len()..];
        let end = after.find(close).unwrap_or(after.len());
        let mut inner = after[..end].to_owned();
        if let Some(gt) = inner.find('>').filter(|_| open.starts_with("<th")) {
            inner = inner[gt + 1..].to_owned();
        }
        out.push(format!("{label}{inner}"));
        rest = &after[end..];
    }
    out.join("\n")
}

#[test]
fn html_structure_snapshots() {
    for (name, lang, snap) in [
        (RECORDS[0], Lang::En, "breast_cancer_en"),
        (RECORDS[0], Lang::Ko, "breast_cancer_ko"),
        (RECORDS[1], Lang::En, "digits_en"),
    ] {
        let (d, _, _) = doc(name, lang);
        insta::assert_snapshot!(snap, outline(&html(&d)));
    }
}

#[test]
fn the_html_fetches_nothing_and_is_deterministic() {
    for name in RECORDS {
        let (d, _, _) = doc(name, Lang::Ko);
        let a = html(&d);
        let (d2, _, _) = doc(name, Lang::Ko);
        assert_eq!(a, html(&d2), "the same record gives the same bytes");
        for banned in [
            "<script",
            "<link",
            "src=\"http",
            "url(http",
            "@import",
            "<iframe",
            "<img src=\"http",
        ] {
            assert!(!a.contains(banned), "{name}: {banned}");
        }
        assert!(a.contains("<meta name=\"viewport\""), "readable on a phone");
        assert!(a.contains("@media print"), "printable");
        // Korean renders without Korean fonts on the reader's machine:
        // the report font is inlined, and it has the Hangul syllables.
        let b64 = a
            .split("url(data:font/ttf;base64,")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .expect("a Korean report inlines its font");
        use base64::Engine as _;
        let font = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        let face = ttf_parser::Face::parse(&font, 0).expect("a font");
        assert!(face.glyph_index('한').is_some() && face.glyph_index('성').is_some());
        assert!(a.contains("font-src data:"));
        let (d, _, _) = doc(name, Lang::En);
        assert!(
            !html(&d).contains("@font-face"),
            "English needs no inlined font"
        );
    }
}

#[test]
fn every_figure_is_well_formed_svg_with_finite_coordinates() {
    let mut seen = std::collections::BTreeSet::new();
    for name in RECORDS {
        for lang in [Lang::En, Lang::Ko] {
            let (d, _, _) = doc(name, lang);
            for s in &d.sections {
                for b in &s.blocks {
                    if let Block::Figure { id, svg, .. } = b {
                        let tree =
                            roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{id}: {e}"));
                        let root = tree.root_element();
                        assert_eq!(root.tag_name().name(), "svg");
                        assert!(root.attribute("viewBox").is_some());
                        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{id}");
                        assert!(tree.descendants().count() > 20, "{id} draws something");
                        seen.insert(*id);
                    }
                }
            }
        }
    }
    let want = [
        "baseline",
        "confusion",
        "latency",
        "pr",
        "reliability",
        "robustness",
        "roc",
        "slices",
    ];
    for id in want {
        assert!(seen.contains(id), "no {id} figure; saw {seen:?}");
    }
}

#[test]
fn the_roc_figure_draws_the_band() {
    let (d, _, _) = doc(RECORDS[0], Lang::En);
    let svg = d
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            Block::Figure { id: "roc", svg, .. } => Some(svg.clone()),
            _ => None,
        })
        .expect("roc figure");
    assert!(svg.contains("fill-opacity"), "the band is a filled area");
    assert!(svg.contains("band 95 %"));
}

#[test]
fn a_missing_field_is_named_by_its_pointer() {
    let (mut record, options) = load(RECORDS[0]);
    record["identification"]["lab"]
        .as_object_mut()
        .expect("lab")
        .remove("name");
    let e = assay_report::document(&record, &options).expect_err("no lab name");
    assert_eq!(
        e.to_string(),
        "/identification/lab/name: expected a string, or one per language: { en = \"…\", ko = \"…\" }"
    );
    let (mut record, options) = load(RECORDS[0]);
    record["schema"] = Value::from("assay/eval-result/v1");
    let e = assay_report::document(&record, &options).expect_err("not a record");
    assert!(
        e.to_string()
            .starts_with("/schema: expected \"assay/assessment/v1\""),
        "{e}"
    );
    let (mut record, options) = load(RECORDS[1]);
    record["evaluation"]["metrics"]["accuracy"]["ci"]["low"] = Value::from("high");
    let e = assay_report::document(&record, &options).expect_err("bad number");
    assert!(
        e.to_string()
            .contains("/evaluation/metrics/accuracy/ci/low: expected a number"),
        "{e}"
    );
}

/// A tool the CI installs (`.ci/run` sets ASSAY_REQUIRE_TOOLS=1); elsewhere
/// a test that needs it says it did not run.
fn tool(name: &str) -> Option<&'static str> {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
    if found {
        return Some(Box::leak(name.to_owned().into_boxed_str()));
    }
    assert!(
        std::env::var_os("ASSAY_REQUIRE_TOOLS").is_none(),
        "{name} is required (ASSAY_REQUIRE_TOOLS is set) but not installed"
    );
    eprintln!("{name} is not installed: this check did not run");
    None
}

#[test]
fn the_pdf_text_holds_every_required_field_and_the_page_numbers() {
    let Some(pdftotext) = tool("pdftotext") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for name in RECORDS {
        for lang in [Lang::En, Lang::Ko] {
            let (d, record, options) = doc(name, lang);
            let pdf = assay_report::render(&d, Format::Pdf).expect("pdf");
            assert!(pdf.starts_with(b"%PDF-"));
            assert_eq!(
                pdf,
                assay_report::render(&d, Format::Pdf).expect("pdf"),
                "deterministic"
            );
            let path = dir.path().join(format!("{name}.{}.pdf", lang.tag()));
            std::fs::write(&path, &pdf).expect("write");
            let out = Command::new(pdftotext)
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // Digests are set whole: nothing is inserted into them.
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(!text.contains('\u{200B}'), "no zero-width space in {name}");
            let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let squeezed: String = text.split_whitespace().collect();
            let mut missing = Vec::new();
            for (what, needle) in required(&record, &options, lang) {
                // Table cells are compared by value alone; wrapped lines by
                // their words.
                let needle = needle
                    .split("</td><td class=\"num\">")
                    .collect::<Vec<_>>()
                    .join(" ");
                let squeezed_needle: String = needle.split_whitespace().collect();
                if !flat.contains(&needle) && !squeezed.contains(&squeezed_needle) {
                    missing.push(format!("{what}: {needle:?}"));
                }
            }
            let pages = text.matches('\u{c}').count().max(1);
            let last = if lang == Lang::En {
                format!("Page {pages} of {pages}")
            } else {
                format!("{pages}쪽 중 {pages}쪽")
            };
            if !flat.contains(&last) {
                missing.push(format!("page numbers: {last}"));
            }
            assert!(
                missing.is_empty(),
                "{name} ({lang:?}) PDF lacks:\n{}",
                missing.join("\n")
            );
            // The end mark never stands alone on the last page: its page
            // holds the last block too (here the signature block), not
            // just the running header (about seven words) and the mark.
            let last_page = text
                .split('\u{c}')
                .rfind(|p| !p.trim().is_empty())
                .unwrap_or("");
            let end = T::EndOfReport.get(lang);
            assert!(
                last_page.contains(end),
                "{name} ({lang:?}): the end mark is on the last page"
            );
            let words = last_page
                .replace(end, "")
                .replace(&last, "")
                .split_whitespace()
                .count();
            assert!(
                words > 12,
                "{name} ({lang:?}): the last page holds little but the end mark:\n{last_page}"
            );
        }
    }
}

#[test]
fn the_html_renders_in_a_browser_to_a_page_that_is_not_blank() {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        tool("chromium");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (d, _, _) = doc(RECORDS[1], Lang::Ko);
    let page = dir.path().join("report.html");
    std::fs::write(&page, html(&d)).expect("write");
    let png = dir.path().join("shot.png");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=800,3000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("browser runs");
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&png).expect("PNG").to_rgb8();
    let (w, h) = img.dimensions();
    assert_eq!((w, h), (800, 3000));
    // Not blank: a real share of pixels is ink, and there are many shades
    // (text, lines, the verdict's colour, figures).
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().map(|&c| u32::from(c)).sum::<u32>() < 384)
        .count();
    let mut colours = std::collections::HashSet::new();
    for p in img.pixels() {
        colours.insert(p.0);
    }
    assert!(
        dark as f64 / f64::from(w * h) > 0.01,
        "only {dark} dark pixels"
    );
    assert!(colours.len() > 50, "only {} colours", colours.len());
}

/// Every character a report writes, in either language, has a glyph in the
/// embedded font (the PDF has no other font to fall back on).
#[test]
fn the_embedded_font_has_every_character_the_reports_write() {
    let font_data =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts/AssayGothic-Regular.ttf"))
            .expect("font");
    let face = ttf_parser::Face::parse(&font_data, 0).expect("font parses");
    let mut text = String::new();
    for lang in [Lang::En, Lang::Ko] {
        for t in T::ALL {
            text.push_str(t.get(lang));
        }
        for name in RECORDS {
            let (d, _, _) = doc(name, lang);
            text.push_str(&serde_json::to_string(&d).expect("json"));
        }
    }
    let mut missing: Vec<char> = text
        .chars()
        .filter(|c| !c.is_control() && *c != '\u{200B}' && face.glyph_index(*c).is_none())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}
