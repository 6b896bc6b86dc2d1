//! Class labels as read from files, and their encoding to class indices.

use std::fmt;

use rustc_hash::FxHashMap;

/// A label cell: an integer, or any other text. Text that is exactly the
/// decimal form of an integer is stored as the integer, so `"3"` in a CSV file
/// and `3` in a Parquet file are the same class.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// An integer label.
    Int(i64),
    /// Any other label.
    Text(String),
}

impl Label {
    /// Canonical form of a text cell.
    pub fn from_text(s: &str) -> Label {
        match s.parse::<i64>() {
            Ok(i) if i.to_string() == s => Label::Int(i),
            _ => Label::Text(s.to_owned()),
        }
    }

    /// Canonical form of a float cell: integral values become integers.
    pub fn from_f64(x: f64) -> Label {
        if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
            Label::Int(x as i64)
        } else {
            Label::Text(x.to_string())
        }
    }

    /// Canonical form of a boolean cell.
    pub fn from_bool(b: bool) -> Label {
        Label::Text(if b { "true" } else { "false" }.to_owned())
    }

    /// Whether the label means "present" in a 0/1 indicator column:
    /// `Some(true)` for 1 / true, `Some(false)` for 0 / false, `None` otherwise.
    pub fn as_flag(&self) -> Option<bool> {
        match self {
            Label::Int(1) => Some(true),
            Label::Int(0) => Some(false),
            Label::Int(_) => None,
            Label::Text(t) => match t.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Int(i) => write!(f, "{i}"),
            Label::Text(t) => f.write_str(t),
        }
    }
}

/// Maps labels to class indices `0..n`, in the order the classes were added.
#[derive(Debug, Clone, Default)]
pub struct LabelEncoder {
    classes: Vec<Label>,
    ints: FxHashMap<i64, u32>,
    texts: FxHashMap<String, u32>,
}

impl LabelEncoder {
    /// An encoder with the given classes, in order.
    pub fn new(classes: impl IntoIterator<Item = Label>) -> Self {
        let mut e = Self::default();
        for c in classes {
            e.insert(c);
        }
        e
    }

    /// Add a class (if new) and return its index.
    pub fn insert(&mut self, label: Label) -> u32 {
        if let Some(i) = self.get(&label) {
            return i;
        }
        let i = self.classes.len() as u32;
        match &label {
            Label::Int(v) => self.ints.insert(*v, i),
            Label::Text(t) => self.texts.insert(t.clone(), i),
        };
        self.classes.push(label);
        i
    }

    /// The index of a known class.
    #[inline]
    pub fn get(&self, label: &Label) -> Option<u32> {
        match label {
            Label::Int(v) => self.ints.get(v).copied(),
            Label::Text(t) => self.texts.get(t).copied(),
        }
    }

    /// The classes in index order.
    pub fn classes(&self) -> &[Label] {
        &self.classes
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether there are no classes.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// Reorder the classes: integers ascending, then texts ascending (the
    /// order scikit-learn's `np.unique` gives for one kind of label).
    pub fn sorted(&self) -> LabelEncoder {
        let mut classes = self.classes.clone();
        classes.sort();
        LabelEncoder::new(classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_text_is_an_integer() {
        assert_eq!(Label::from_text("3"), Label::Int(3));
        assert_eq!(Label::from_text("-7"), Label::Int(-7));
        assert_eq!(Label::from_text("03"), Label::Text("03".into()));
        assert_eq!(Label::from_text("cat"), Label::Text("cat".into()));
        assert_eq!(Label::from_f64(2.0), Label::Int(2));
    }

    #[test]
    fn encoder_keeps_insertion_order_and_sorts() {
        let mut e = LabelEncoder::default();
        assert_eq!(e.insert(Label::from_text("b")), 0);
        assert_eq!(e.insert(Label::Int(2)), 1);
        assert_eq!(e.insert(Label::from_text("b")), 0);
        let s = e.sorted();
        assert_eq!(s.classes(), &[Label::Int(2), Label::Text("b".into())]);
    }
}
