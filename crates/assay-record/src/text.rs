//! The languages Assay writes in, and the texts a lab writes in its plan:
//! in one language, or in both (`title = { en = "…", ko = "…" }`).

use serde::{Deserialize, Serialize};

/// A language of reports, certificates and pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// Every language, in the order reports are listed.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The BCP 47 tag (`en`, `ko`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// From a tag.
    pub fn parse(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag() == tag)
    }
}

/// A text the lab writes: one string for every language, or one per
/// language. Written as a plain string it is recorded as one, so a plan
/// without translations gives the same record as before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Text {
    /// The same words in every language.
    Plain(String),
    /// Words per language; at least one is given.
    Both(Translations),
}

/// A text's words per language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translations {
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Korean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ko: Option<String>,
}

/// A text in the language asked for, or in another one when it has none
/// in that language (`fallback` then names the language it is in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InLang<'a> {
    /// The words.
    pub text: &'a str,
    /// The language they are in, when it is not the one asked for.
    pub fallback: Option<Lang>,
}

impl Text {
    /// The words in `lang`, falling back to the other language.
    pub fn get(&self, lang: Lang) -> InLang<'_> {
        match self {
            Text::Plain(s) => InLang {
                text: s,
                fallback: None,
            },
            Text::Both(t) => match t.of(lang) {
                Some(s) => InLang {
                    text: s,
                    fallback: None,
                },
                None => Lang::ALL
                    .into_iter()
                    .find_map(|other| {
                        t.of(other).map(|s| InLang {
                            text: s,
                            fallback: Some(other),
                        })
                    })
                    .unwrap_or(InLang {
                        text: "",
                        fallback: None,
                    }),
            },
        }
    }

    /// Every language's words (one for a plain text), for search and for
    /// checks that look at all of them.
    pub fn all(&self) -> Vec<&str> {
        match self {
            Text::Plain(s) => vec![s.as_str()],
            Text::Both(t) => Lang::ALL.into_iter().filter_map(|l| t.of(l)).collect(),
        }
    }

    /// The first language's words: what a one-language context (a log
    /// line, a search column) shows.
    pub fn first(&self) -> &str {
        self.all().first().copied().unwrap_or("")
    }

    /// Whether there are no words in any language.
    pub fn is_empty(&self) -> bool {
        self.all().iter().all(|s| s.trim().is_empty())
    }
}

impl Translations {
    /// The words in `lang`, if given.
    pub fn of(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::En => self.en.as_deref(),
            Lang::Ko => self.ko.as_deref(),
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, or one per language: { en = \"…\", ko = \"…\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::Plain(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text::Plain(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                let t =
                    Translations::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                if t.en.is_none() && t.ko.is_none() {
                    return Err(serde::de::Error::custom(
                        "give the text in at least one language: { en = \"…\", ko = \"…\" }",
                    ));
                }
                Ok(Text::Both(t))
            }
        }
        d.deserialize_any(Visit)
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::Plain(String::new())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::Plain(s.to_owned())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Plain(s)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_a_string_or_one_per_language_and_falls_back_visibly() {
        let plain: Text = serde_json::from_str("\"Lab\"").unwrap();
        assert_eq!(plain.get(Lang::Ko).text, "Lab");
        assert_eq!(serde_json::to_string(&plain).unwrap(), "\"Lab\"");
        let both: Text = serde_json::from_str(r#"{"en": "Lab", "ko": "시험소"}"#).unwrap();
        assert_eq!(both.get(Lang::Ko).text, "시험소");
        assert_eq!(both.get(Lang::En).text, "Lab");
        let en_only: Text = serde_json::from_str(r#"{"en": "Lab"}"#).unwrap();
        assert_eq!(
            en_only.get(Lang::Ko),
            InLang {
                text: "Lab",
                fallback: Some(Lang::En)
            }
        );
        assert!(serde_json::from_str::<Text>(r#"{"de": "Labor"}"#).is_err());
        assert_eq!(Lang::parse("ko"), Some(Lang::Ko));
        assert_eq!(Lang::parse("de"), None);
    }
}
