//! Errors at a place in the plan: line, column and the plan's line with a
//! caret under the offending text.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

/// A plan that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file cannot be read.
    #[error("cannot read the plan {}: {source}", path.display())]
    Read {
        /// The plan file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Something at a known place in the plan.
    #[error("{}:{line}:{column}: {message}\n{excerpt}", path.display())]
    At {
        /// The plan file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong and what to do.
        message: String,
        /// The line of the plan with a caret under the offending text.
        excerpt: String,
    },
}

/// Where a byte offset lies: 1-based line and column (in characters), and
/// the byte range of its line.
fn locate(source: &str, offset: usize) -> (usize, usize, Range<usize>) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let line = source[..start].matches('\n').count() + 1;
    let column = source[start..offset].chars().count() + 1;
    (line, column, start..end)
}

/// The 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let (line, column, _) = locate(source, offset);
    (line, column)
}

/// The span of `inner` (a byte range of the string's value) inside the plan,
/// when the string is written without escapes; else the whole string.
pub(crate) fn inner_span(
    source: &str,
    value: &Spanned<String>,
    inner: Range<usize>,
) -> Range<usize> {
    let span = value.span();
    let raw = source.get(span.clone()).unwrap_or("");
    let text = value.get_ref();
    for quote in ["\"", "'"] {
        if raw.len() == text.len() + 2 && raw.starts_with(quote) && &raw[1..raw.len() - 1] == text {
            return span.start + 1 + inner.start..span.start + 1 + inner.end;
        }
    }
    span
}

/// serde's messages, in the words of a plan.
pub(crate) fn friendly(message: &str) -> String {
    let mut m = message
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .replace("unknown variant", "unknown value")
        .replace("expected one of", "expected one of:");
    for (rust, words) in [
        ("expected usize", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u8", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a string", "expected a string in quotes"),
    ] {
        if m.ends_with(rust) {
            m = format!("{}{words}", &m[..m.len() - rust.len()]);
        }
    }
    if m.starts_with("unknown key") {
        format!("{m} (check the spelling; `assay init` writes a plan with every key)")
    } else {
        m
    }
}

pub(crate) fn error_at(path: &Path, source: &str, span: Range<usize>, message: &str) -> PlanError {
    let (line, column, line_range) = locate(source, span.start);
    let text = source[line_range.clone()].trim_end_matches('\r');
    let width = source
        .get(span.start.min(line_range.end)..span.end.clamp(span.start, line_range.end))
        .map_or(1, |s| s.chars().count())
        .max(1);
    let gutter = line.to_string().len();
    let pad: String = text
        .chars()
        .take(column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let excerpt = format!(
        "{:gutter$} |\n{line} | {text}\n{:gutter$} | {pad}{}",
        "",
        "",
        "^".repeat(width)
    );
    PlanError::At {
        path: path.to_owned(),
        line,
        column,
        message: message.to_owned(),
        excerpt,
    }
}

/// The plan's text and where it was read from: every error is placed in it.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its exact text.
    pub text: String,
    /// The folder its relative paths start from.
    pub base: PathBuf,
}

impl Source {
    /// An error at `span` of the plan.
    pub fn error(&self, span: Range<usize>, message: &str) -> PlanError {
        error_at(&self.path, &self.text, span, message)
    }

    /// A path of the plan, resolved against its folder.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        let p = Path::new(relative);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base.join(p)
        }
    }

    /// The plan's file name.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }

    /// An error inside a string value of the plan: at `inner` (a byte range
    /// of the string) when it is written plainly, else at the whole value.
    pub fn error_inside(
        &self,
        value: &Spanned<String>,
        inner: Range<usize>,
        message: &str,
    ) -> PlanError {
        self.error(inner_span(&self.text, value, inner), message)
    }
}
