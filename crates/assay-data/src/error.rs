//! Errors that name the file, the row and the column that went wrong.

use std::path::PathBuf;

/// Where in a file a problem is: a 1-based data row (the header is not
/// counted) and, for text formats, the 1-based line of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef {
    /// 1-based data row.
    pub row: u64,
    /// 1-based line in a text file.
    pub line: Option<u64>,
}

impl std::fmt::Display for RowRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "row {} (line {line})", self.row),
            None => write!(f, "row {}", self.row),
        }
    }
}

/// An input that cannot be read as asked.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file cannot be opened or read.
    #[error("{}: cannot read the file", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file type cannot be told from the name.
    #[error("{}: cannot tell the file format from its name; use .csv, .tsv, .jsonl, .parquet, .arrow or .npy, or pass --format", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file has no data rows (or, CSV, not even a header).
    #[error("{}: the file has no data rows", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A requested column does not exist.
    #[error("{}: no column named '{column}'{hint}; the file has: {available}", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// What the column is needed for, e.g. " (the truth column; set it
        /// with --truth)", and the closest column's name when one is close.
        hint: String,
        /// The columns present (shortened when there are many).
        available: String,
    },
    /// One cell is wrong.
    #[error("{}: {at}, column '{column}': {problem}", path.display())]
    Cell {
        /// The file.
        path: PathBuf,
        /// The row.
        at: RowRef,
        /// The column.
        column: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// A whole row is wrong (ragged rows, malformed JSON).
    #[error("{}: {at}: {problem}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// The row.
        at: RowRef,
        /// What is wrong.
        problem: String,
    },
    /// A column has a type that cannot serve.
    #[error("{}: column '{column}' holds {found}, but {expected} are needed", path.display())]
    ColumnType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The type found.
        found: String,
        /// The type needed.
        expected: String,
    },
    /// The file is not valid in its format, or arrays do not fit together.
    #[error("{}: {problem}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

impl DataError {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            DataError::Io { path, .. }
            | DataError::UnknownFormat { path }
            | DataError::Empty { path }
            | DataError::MissingColumn { path, .. }
            | DataError::Cell { path, .. }
            | DataError::Row { path, .. }
            | DataError::ColumnType { path, .. }
            | DataError::Format { path, .. } => path,
        }
    }
}

/// List column names for an error message, shortened past 20.
pub(crate) fn list_columns(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
    let mut s = shown.join(", ");
    if names.is_empty() {
        s = "(no columns)".into();
    } else if names.len() > 20 {
        s.push_str(&format!(", … ({} in all)", names.len()));
    }
    s
}
