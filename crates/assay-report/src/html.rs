//! The HTML report: one self-contained file (styles and figures inline, no
//! script, nothing fetched), readable on a phone and printable, with page
//! numbers in the print margins.

use std::fmt::Write as _;

use crate::document::{Block, Document, Field};
use crate::svg::esc;

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5f6368; --rule: #d9d9de; --pass: #1e7b34; --fail: #b3261e; --none: #5f6368; --warn: #8a5a00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: "Assay Gothic", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", NanumGothic, system-ui, sans-serif; color: var(--ink); background: #fff; line-height: 1.5; font-size: 15px; }
main { max-width: 60rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
header.cover { border-bottom: 3px solid var(--ink); padding-bottom: .75rem; margin-bottom: 1rem; }
header.cover .lab { color: var(--muted); font-size: .9rem; }
h1 { font-size: 1.7rem; margin: .2rem 0; }
h1 .sub { display: block; font-size: 1.05rem; font-weight: normal; color: var(--muted); }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--rule); }
dl.fields { display: grid; grid-template-columns: minmax(9rem, 16rem) 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
dl.fields dt { font-weight: 600; color: var(--muted); }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; word-break: break-all; }
td.mono { font-size: .78em; min-width: 17ch; }
.table { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1rem 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .88rem; color: var(--muted); }
.callout { border-left: 6px solid var(--none); background: #f4f4f6; padding: .6rem .9rem; font-weight: 700; margin: 1rem 0; }
.callout.pass { border-color: var(--pass); color: var(--pass); background: #eef7f0; }
.callout.fail { border-color: var(--fail); color: var(--fail); background: #fbeeed; }
.callout.warn { border-color: var(--warn); color: var(--warn); background: #fdf6e8; }
.signature .line { border-bottom: 1px solid var(--ink); height: 3rem; max-width: 20rem; margin-top: .5rem; }
.signature .label { color: var(--muted); font-size: .85rem; }
.end { text-align: center; margin-top: 2.5rem; font-weight: 600; }
@media (max-width: 40rem) {
  body { font-size: 14px; }
  dl.fields { grid-template-columns: 1fr; }
  dl.fields dd { margin-bottom: .4rem; }
}
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .callout, .signature, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .table { overflow: visible; }
}
"#;

fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The print margins: report number left, "page X of Y" right.
fn page_css(doc: &Document) -> String {
    // "Page {page} of {pages}" → "Page " counter(page) " of " counter(pages).
    let mut content = String::new();
    let mut rest = doc.page_of.as_str();
    while !rest.is_empty() {
        let next = [("{page}", "counter(page)"), ("{pages}", "counter(pages)")]
            .iter()
            .filter_map(|(k, v)| rest.find(k).map(|i| (i, *k, *v)))
            .min_by_key(|(i, _, _)| *i);
        match next {
            Some((i, key, counter)) => {
                if i > 0 {
                    let _ = write!(content, "{} ", css_string(&rest[..i]));
                }
                let _ = write!(content, "{counter} ");
                rest = &rest[i + key.len()..];
            }
            None => {
                let _ = write!(content, "{}", css_string(rest));
                rest = "";
            }
        }
    }
    format!(
        "@page {{ size: A4; margin: 18mm 16mm 20mm; @bottom-left {{ content: {}; font-size: 8pt; color: #5f6368; }} @bottom-right {{ content: {}; font-size: 8pt; color: #5f6368; }} }}",
        css_string(&format!("{} {}", doc.number_label, doc.number)),
        content.trim_end()
    )
}

fn fields(out: &mut String, fields: &[Field]) {
    out.push_str("<dl class=\"fields\">");
    for f in fields {
        let class = if f.mono { " class=\"mono\"" } else { "" };
        let _ = write!(
            out,
            "<dt>{}</dt><dd{class}>{}</dd>",
            esc(&f.label),
            esc(&f.value)
        );
    }
    out.push_str("</dl>\n");
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Fields { fields: f } => fields(out, f),
        Block::Table {
            columns,
            numeric,
            rows,
            caption,
        } => {
            out.push_str("<div class=\"table\"><table>");
            if let Some(c) = caption {
                let _ = write!(out, "<caption>{}</caption>", esc(c));
            }
            out.push_str("<thead><tr>");
            for (i, c) in columns.iter().enumerate() {
                let class = if numeric.get(i).copied().unwrap_or(false) {
                    " class=\"num\""
                } else {
                    ""
                };
                let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", esc(c));
            }
            out.push_str("</tr></thead><tbody>");
            for row in rows {
                out.push_str("<tr>");
                for (i, cell) in row.iter().enumerate() {
                    let numeric = numeric.get(i).copied().unwrap_or(false);
                    let class = if numeric {
                        " class=\"num\""
                    } else if cell.len() == 64 && cell.bytes().all(|c| c.is_ascii_hexdigit()) {
                        " class=\"mono\""
                    } else {
                        ""
                    };
                    let _ = write!(out, "<td{class}>{}</td>", esc(cell));
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table></div>\n");
        }
        Block::Paragraph { text } => {
            let _ = writeln!(out, "<p>{}</p>", esc(text));
        }
        Block::Callout { text, tone } => {
            let _ = writeln!(out, "<p class=\"callout {tone}\">{}</p>", esc(text));
        }
        Block::List { items } => {
            out.push_str("<ul>");
            for i in items {
                let _ = write!(out, "<li>{}</li>", esc(i));
            }
            out.push_str("</ul>\n");
        }
        Block::Figure { id, svg, caption } => {
            let _ = writeln!(
                out,
                "<figure id=\"fig-{id}\">{svg}<figcaption>{}</figcaption></figure>",
                esc(caption)
            );
        }
        Block::Signature { fields: f, label } => {
            out.push_str("<div class=\"signature\">");
            fields(out, f);
            let _ = writeln!(
                out,
                "<div class=\"line\"></div><div class=\"label\">{}</div></div>",
                esc(label)
            );
        }
    }
}

/// Render the document as one HTML file.
pub fn render(doc: &Document) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = match &doc.subtitle {
        Some(s) => format!("{} {} — {s}", doc.title, doc.number),
        None => format!("{} {}", doc.title, doc.number),
    };
    // A Korean report carries its font (1.4 MB, inlined once): a reader's
    // machine without Korean fonts still shows every syllable. English
    // needs none beyond the reader's own.
    let font = if doc.lang == "ko" {
        use base64::Engine as _;
        format!(
            "@font-face {{ font-family: \"Assay Gothic\"; src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}\n",
            base64::engine::general_purpose::STANDARD.encode(crate::pdf::REGULAR)
        )
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:\">\n<title>{}</title>\n<style>{font}{STYLE}{}</style>\n</head>\n<body>\n<main>\n",
        doc.lang,
        esc(&title),
        page_css(doc)
    );
    let _ = write!(
        out,
        "<header class=\"cover\"><div class=\"lab\">{}</div><h1>{}",
        esc(&doc.lab),
        esc(&doc.title)
    );
    if let Some(s) = &doc.subtitle {
        let _ = write!(out, "<span class=\"sub\">{}</span>", esc(s));
    }
    out.push_str("</h1>");
    if !doc.summary.is_empty() {
        fields(&mut out, &doc.summary);
    }
    block(&mut out, &doc.verdict);
    out.push_str("</header>\n");
    for s in &doc.sections {
        let _ = writeln!(out, "<section id=\"{}\">", s.id);
        if !s.heading.is_empty() {
            let _ = writeln!(out, "<h2>{}</h2>", esc(&s.heading));
        }
        for b in &s.blocks {
            block(&mut out, b);
        }
        out.push_str("</section>\n");
    }
    if !doc.end_mark.is_empty() {
        let _ = writeln!(out, "<p class=\"end\">{}</p>", esc(&doc.end_mark));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}
