//! Placeholders: the values `assay init` writes `<like this>` for the lab to
//! fill in. A plan that still holds one is refused, so that no record,
//! report or certificate carries a template's words.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One value still written `<like this>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Its key, dotted (`client.name`, `criteria.require[0]`).
    pub key: String,
    /// Its text, the angle brackets included.
    pub text: String,
    /// Its place in the plan.
    pub span: Range<usize>,
}

/// Whether `s` is a placeholder: `<…>` with something inside.
pub fn is_placeholder(s: &str) -> bool {
    let s = s.trim();
    s.len() > 2 && s.starts_with('<') && s.ends_with('>')
}

/// Every placeholder of a plan's text, in the order written. A text that is
/// not TOML has none (the parser's error is reported elsewhere).
pub fn find(text: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    if let Ok(table) = DeTable::parse(text) {
        walk_table(table.get_ref(), "", &mut out);
    }
    out.sort_by_key(|p| p.span.start);
    out
}

fn walk_table(table: &DeTable<'_>, prefix: &str, out: &mut Vec<Placeholder>) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        walk(value, &key, out);
    }
}

fn walk(value: &Spanned<DeValue<'_>>, key: &str, out: &mut Vec<Placeholder>) {
    match value.get_ref() {
        DeValue::String(s) if is_placeholder(s) => out.push(Placeholder {
            key: key.to_owned(),
            text: s.to_string(),
            span: value.span(),
        }),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{key}[{i}]"), out);
            }
        }
        DeValue::Table(t) => walk_table(t, key, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_tables_arrays_and_inline_tables() {
        let text = "[plan]\nid = \"<plan id>\"\nversion = \"1.0\"\n\n[client]\nname = { en = \"<name>\", ko = \"의뢰자\" }\n\n[criteria]\nrequire = [\"accuracy >= 0.9\", \"<a criterion>\"]\nnote = \"a < b > c\"\n";
        let found = find(text);
        let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["plan.id", "client.name.en", "criteria.require[1]"]);
        assert_eq!(&text[found[0].span.clone()], "\"<plan id>\"");
        assert!(!is_placeholder("<>"));
        assert!(!is_placeholder("a <b>"));
        assert!(find("not = toml = at all").is_empty());
    }
}
