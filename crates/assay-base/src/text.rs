//! Text written into HTML, SVG or XML, and the closest name to a
//! misspelt one.

/// `text` escaped for HTML and XML text and attribute values: `&`, `<`,
/// `>`, `"` and `'` as entities, control characters other than tab and
/// newline (which neither format allows) left out.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// The candidate closest to `name` (a misspelt metric, column or key), if
/// one is close enough to be what was meant: Jaro–Winkler similarity of
/// at least 0.8, the case ignored.
pub fn closest<'a, I: IntoIterator<Item = &'a str>>(name: &str, candidates: I) -> Option<&'a str> {
    let name = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&name, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// ` (did you mean 'X'?)` for the closest candidate, or nothing.
pub fn did_you_mean<'a, I: IntoIterator<Item = &'a str>>(name: &str, candidates: I) -> String {
    closest(name, candidates).map_or_else(String::new, |c| format!(" (did you mean '{c}'?)"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_closest_name_is_suggested_when_it_is_close() {
        let ids = ["accuracy", "roc_auc", "recall", "average_precision"];
        assert_eq!(super::closest("roc_aux", ids), Some("roc_auc"));
        assert_eq!(super::closest("acuracy", ids), Some("accuracy"));
        assert_eq!(super::closest("ROC_AUC", ids), Some("roc_auc"));
        assert_eq!(super::closest("zebra", ids), None);
        assert_eq!(
            super::did_you_mean("lable", ["label", "score"]),
            " (did you mean 'label'?)"
        );
    }

    #[test]
    fn markup_is_escaped_and_control_characters_dropped() {
        assert_eq!(
            super::escape_markup("a<b>&\"c'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&#39;\n"
        );
    }
}
