//! Text written into HTML, SVG or XML.

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

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped_and_control_characters_dropped() {
        assert_eq!(
            super::escape_markup("a<b>&\"c'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&#39;\n"
        );
    }
}
