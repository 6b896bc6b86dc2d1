//! Readers for prediction files: CSV (any delimiter), JSON Lines, Parquet,
//! Arrow IPC and NPY arrays, read in batches of named, typed columns.
//!
//! A reader opens a file, lists its columns, and yields the columns the
//! caller asks for — numbers as `f64`, labels as [`Label`] — a batch at a time,
//! so no file is ever held in memory whole. Every problem is a [`DataError`]
//! naming the file, the 1-based data row (and, for text files, the line) and
//! the column.
//!
//! Not here: what the columns mean. Which column is the truth and which the
//! score, and every metric, belong to the callers.
//!
//! ```
//! use assay_data::{open, Column, Kind, Request};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("p.csv");
//! std::fs::write(&path, "label,score\n1,0.9\n0,0.2\n").unwrap();
//! let reader = open(&path, None).unwrap();
//! assert_eq!(reader.columns(), ["label", "score"]);
//! let mut batches = reader
//!     .select(&[Request::new("label", Kind::Label), Request::new("score", Kind::Number)], 1024)
//!     .unwrap();
//! let batch = batches.next().unwrap().unwrap();
//! let Column::Number(scores) = &batch.columns[1] else { panic!() };
//! assert_eq!(scores, &[0.9, 0.2]);
//! ```

mod arrow;
mod csv;
pub mod error;
mod jsonl;
pub mod label;
mod npy;

use std::path::{Path, PathBuf};

pub use error::{DataError, RowRef};
pub use label::{Label, LabelEncoder};

/// Rows per batch unless the caller says otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 65_536;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text with a header row.
    Csv {
        /// The field delimiter.
        delimiter: u8,
    },
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC file or stream (Feather v2).
    ArrowIpc,
    /// One NumPy array per file.
    Npy,
}

impl Format {
    /// The format a file name implies.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "txt" => Format::Csv { delimiter: b',' },
            "tsv" | "tab" => Format::Csv { delimiter: b'\t' },
            "jsonl" | "ndjson" => Format::JsonLines,
            "parquet" | "pq" => Format::Parquet,
            "arrow" | "feather" | "ipc" | "arrows" => Format::ArrowIpc,
            "npy" => Format::Npy,
            _ => return None,
        })
    }

    /// Parse a format name: `csv`, `tsv`, `jsonl`, `parquet`, `arrow`, `npy`.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv { delimiter: b',' },
            "tsv" => Format::Csv { delimiter: b'\t' },
            "jsonl" | "ndjson" | "json-lines" => Format::JsonLines,
            "parquet" => Format::Parquet,
            "arrow" | "ipc" | "feather" => Format::ArrowIpc,
            "npy" => Format::Npy,
            _ => return None,
        })
    }
}

/// A format as a plan (`format = "tsv"`) or the command line
/// (`--format tsv`) names it; with a delimiter, a [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum FormatName {
    /// Comma-separated text (or another delimiter)
    Csv,
    /// Tab-separated text
    Tsv,
    /// JSON Lines
    Jsonl,
    /// Apache Parquet
    Parquet,
    /// Arrow IPC (Feather v2)
    Arrow,
    /// NumPy arrays
    Npy,
}

impl FormatName {
    /// The format, with `delimiter` for delimited text (which makes any
    /// named format delimited text).
    pub fn format(name: Option<FormatName>, delimiter: Option<u8>) -> Option<Format> {
        if let Some(delimiter) = delimiter {
            return Some(Format::Csv { delimiter });
        }
        Some(match name? {
            FormatName::Csv => Format::Csv { delimiter: b',' },
            FormatName::Tsv => Format::Csv { delimiter: b'\t' },
            FormatName::Jsonl => Format::JsonLines,
            FormatName::Parquet => Format::Parquet,
            FormatName::Arrow => Format::ArrowIpc,
            FormatName::Npy => Format::Npy,
        })
    }
}

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Finite numbers.
    Number,
    /// Class labels (integers or text).
    Label,
}

/// A column to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The column name.
    pub name: String,
    /// How to read it.
    pub kind: Kind,
    /// What the column is for, shown when it is missing (e.g. "the truth column; set it with --truth").
    pub role: Option<String>,
}

impl Request {
    /// A request for `name` read as `kind`.
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        Self {
            name: name.into(),
            kind,
            role: None,
        }
    }

    /// Say what the column is for, for the missing-column message.
    #[must_use]
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }
}

/// A column read as numbers, named by the [`Requests`] that asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbers(usize);

/// A column read as labels, named by the [`Requests`] that asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels(usize);

/// The columns a caller reads, each request answered by a typed handle
/// that gives the column's cells in every batch (no positions to count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests(Vec<Request>);

impl Requests {
    /// No columns yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, name: &str, kind: Kind, role: Option<&str>) -> usize {
        let mut r = Request::new(name, kind);
        if let Some(role) = role {
            r = r.role(role);
        }
        self.0.push(r);
        self.0.len() - 1
    }

    /// Read column `name` as numbers; `role` says what it is for when it is missing.
    pub fn numbers(&mut self, name: &str, role: Option<&str>) -> Numbers {
        Numbers(self.push(name, Kind::Number, role))
    }

    /// Read column `name` as labels; `role` says what it is for when it is missing.
    pub fn labels(&mut self, name: &str, role: Option<&str>) -> Labels {
        Labels(self.push(name, Kind::Label, role))
    }

    /// The requests, in order.
    pub fn as_slice(&self) -> &[Request] {
        &self.0
    }
}

/// The cells of one column in one batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Finite numbers.
    Number(Vec<f64>),
    /// Labels.
    Label(Vec<Label>),
}

impl Column {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            Column::Number(v) => v.len(),
            Column::Label(v) => v.len(),
        }
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Consecutive rows of the requested columns, in request order.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// 0-based index of the batch's first data row in the file.
    pub first_row: u64,
    /// Number of rows.
    pub rows: usize,
    /// One column per request.
    pub columns: Vec<Column>,
    /// The file the rows come from when the input is several files (rows
    /// are then numbered within that file); `None` for one file.
    pub source: Option<PathBuf>,
}

impl Batch {
    /// A batch of one file's `rows` rows from `first_row` on (none when
    /// there are no rows).
    pub(crate) fn of(first_row: u64, rows: usize, columns: Vec<Column>) -> Option<Batch> {
        (rows > 0).then_some(Batch {
            first_row,
            rows,
            columns,
            source: None,
        })
    }

    /// The cells of a column asked for as numbers. The readers give every
    /// column the kind it was asked for, so a handle of the batch's
    /// requests always finds numbers (a foreign handle finds none).
    pub fn numbers(&self, column: Numbers) -> &[f64] {
        match self.columns.get(column.0) {
            Some(Column::Number(v)) => v,
            _ => &[],
        }
    }

    /// The cells of a column asked for as labels (see [`Batch::numbers`]).
    pub fn labels(&self, column: Labels) -> &[Label] {
        match self.columns.get(column.0) {
            Some(Column::Label(v)) => v,
            _ => &[],
        }
    }

    /// The 1-based file row of the batch's row `i` (within its file, for shards).
    pub fn file_row(&self, i: usize) -> u64 {
        self.first_row + i as u64 + 1
    }
}

/// What each format implements: the next batch of the selected columns.
pub(crate) trait Backend {
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>, DataError>;
}

enum Opened {
    Csv(csv::CsvFile),
    JsonLines(jsonl::JsonLinesFile),
    Parquet(arrow::ParquetFile),
    ArrowIpc(arrow::IpcFile),
    Npy(npy::NpySet),
    /// Several files read one after another (shards of one table).
    Many(Vec<Reader>),
}

/// An open input: its columns are known, nothing else is read yet.
pub struct Reader {
    path: PathBuf,
    columns: Vec<String>,
    opened: Opened,
}

/// Open a file; the format comes from the name unless given.
pub fn open(path: &Path, format: Option<Format>) -> Result<Reader, DataError> {
    let format = format
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| DataError::UnknownFormat { path: path.into() })?;
    let (columns, opened) = match format {
        Format::Csv { delimiter } => {
            let f = csv::CsvFile::open(path, delimiter)?;
            (f.columns().to_vec(), Opened::Csv(f))
        }
        Format::JsonLines => {
            let f = jsonl::JsonLinesFile::open(path)?;
            (f.columns().to_vec(), Opened::JsonLines(f))
        }
        Format::Parquet => {
            let f = arrow::ParquetFile::open(path)?;
            (f.columns().to_vec(), Opened::Parquet(f))
        }
        Format::ArrowIpc => {
            let f = arrow::IpcFile::open(path)?;
            (f.columns().to_vec(), Opened::ArrowIpc(f))
        }
        Format::Npy => {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("value")
                .to_owned();
            let f = npy::NpySet::open(&[(stem, path.to_path_buf())])?;
            (f.columns().to_vec(), Opened::Npy(f))
        }
    };
    Ok(Reader {
        path: path.into(),
        columns,
        opened,
    })
}

/// Open several files as one table, read one after another (e.g. the shards
/// `part-0.parquet`, `part-1.parquet`, …). Each needs the requested columns;
/// errors name the file and the row within it. One path is [`open`].
pub fn open_many(paths: &[PathBuf], format: Option<Format>) -> Result<Reader, DataError> {
    match paths {
        [] => Err(DataError::UnknownFormat {
            path: PathBuf::new(),
        }),
        [one] => open(one, format),
        _ => {
            let readers = paths
                .iter()
                .map(|p| open(p, format))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Reader {
                path: paths[0].clone(),
                columns: readers[0].columns.clone(),
                opened: Opened::Many(readers),
            })
        }
    }
}

/// Open several NPY files as one table: a 1-D array `NAME=FILE` becomes column
/// `NAME`; a 2-D array with `k` columns becomes `NAME_0 … NAME_{k-1}`. All
/// arrays must have the same number of rows.
pub fn open_npy(arrays: &[(String, PathBuf)]) -> Result<Reader, DataError> {
    let f = npy::NpySet::open(arrays)?;
    let path = arrays.first().map(|a| a.1.clone()).unwrap_or_default();
    Ok(Reader {
        path,
        columns: f.columns().to_vec(),
        opened: Opened::Npy(f),
    })
}

impl Reader {
    /// The file (for NPY sets, the first array's file).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names in file order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The number of data rows, when the format records it (Parquet);
    /// for progress displays.
    pub fn row_count(&self) -> Option<u64> {
        match &self.opened {
            Opened::Parquet(f) => f.row_count(),
            Opened::Many(readers) => readers.iter().map(Reader::row_count).sum(),
            _ => None,
        }
    }

    /// Whether the file has a column of this name.
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    fn missing(&self, r: &Request) -> DataError {
        DataError::MissingColumn {
            path: self.path.clone(),
            column: r.name.clone(),
            hint: format!(
                "{}{}",
                r.role
                    .as_ref()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default(),
                assay_base::text::did_you_mean(&r.name, self.columns.iter().map(String::as_str))
            ),
            available: error::list_columns(&self.columns),
        }
    }

    /// Check that every requested column exists (in every shard), without
    /// reading a row: the error `read` would give for a missing one.
    pub fn check(&self, requests: &Requests) -> Result<(), DataError> {
        if let Opened::Many(readers) = &self.opened {
            return readers.iter().try_for_each(|r| r.check(requests));
        }
        match requests
            .as_slice()
            .iter()
            .find(|r| !self.has_column(&r.name))
        {
            Some(r) => Err(self.missing(r)),
            None => Ok(()),
        }
    }

    /// Start reading the columns of `requests`, `batch_rows` rows at a time.
    pub fn read(self, requests: &Requests, batch_rows: usize) -> Result<Batches, DataError> {
        self.select(requests.as_slice(), batch_rows)
    }

    /// Start reading the requested columns, `batch_rows` rows at a time.
    pub fn select(self, requests: &[Request], batch_rows: usize) -> Result<Batches, DataError> {
        let path = self.path.clone();
        let backend = self.backend(requests)?;
        Ok(Batches {
            path,
            backend,
            batch_rows: batch_rows.max(1),
            rows: 0,
            done: false,
        })
    }

    fn backend(self, requests: &[Request]) -> Result<Box<dyn Backend + Send>, DataError> {
        if let Opened::Many(readers) = self.opened {
            let parts = readers
                .into_iter()
                .map(|r| {
                    let path = r.path.clone();
                    r.backend(requests).map(|b| (path, b))
                })
                .collect::<Result<_, _>>()?;
            return Ok(Box::new(Chain { parts }));
        }
        let mut indices = Vec::with_capacity(requests.len());
        for r in requests {
            match self.columns.iter().position(|c| *c == r.name) {
                Some(i) => indices.push(i),
                None => return Err(self.missing(r)),
            }
        }
        let selection = Selection {
            indices,
            requests: requests.to_vec(),
        };
        Ok(match self.opened {
            Opened::Csv(f) => Box::new(f.select(selection)?),
            Opened::JsonLines(f) => Box::new(f.select(selection)),
            Opened::Parquet(f) => Box::new(f.select(selection)?),
            Opened::ArrowIpc(f) => Box::new(f.select(selection)?),
            Opened::Npy(f) => Box::new(f.select(selection)?),
            Opened::Many(_) => unreachable!("handled above"),
        })
    }
}

/// Requested columns resolved to their positions in the file.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    pub(crate) indices: Vec<usize>,
    pub(crate) requests: Vec<Request>,
}

impl Selection {
    /// An empty column of each request's kind, room for `rows` cells, for
    /// a batch to fill.
    pub(crate) fn empty_columns(&self, rows: usize) -> Vec<Column> {
        self.requests
            .iter()
            .map(|r| match r.kind {
                Kind::Number => Column::Number(Vec::with_capacity(rows)),
                Kind::Label => Column::Label(Vec::with_capacity(rows)),
            })
            .collect()
    }
}

/// The batches of several files, one file after another, each batch tagged
/// with its file.
struct Chain {
    parts: std::collections::VecDeque<(PathBuf, Box<dyn Backend + Send>)>,
}

impl Backend for Chain {
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>, DataError> {
        while let Some((path, backend)) = self.parts.front_mut() {
            if let Some(mut batch) = backend.next_batch(max_rows)? {
                batch.source = Some(path.clone());
                return Ok(Some(batch));
            }
            self.parts.pop_front();
        }
        Ok(None)
    }
}

/// The batches of a selection. Ends with an error if the file had no rows.
pub struct Batches {
    path: PathBuf,
    backend: Box<dyn Backend + Send>,
    batch_rows: usize,
    rows: u64,
    done: bool,
}

impl Batches {
    /// Rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }
}

impl Iterator for Batches {
    type Item = Result<Batch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.backend.next_batch(self.batch_rows) {
            Ok(Some(b)) if b.rows == 0 => self.next(),
            Ok(Some(b)) => {
                self.rows += b.rows as u64;
                Some(Ok(b))
            }
            Ok(None) => {
                self.done = true;
                (self.rows == 0).then(|| {
                    Err(DataError::Empty {
                        path: self.path.clone(),
                    })
                })
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Open a file for reading; a zero-byte file is `DataError::Empty`.
pub(crate) fn open_nonempty(path: &Path) -> Result<std::fs::File, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.into(),
        source,
    })?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(file)
}

/// Parse a text cell as a finite number, or say what is wrong with it.
pub(crate) fn parse_number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the cell is empty; a number is needed".into());
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err(format!("'{t}' is {v}, not a finite number")),
        Err(_) => Err(format!("'{t}' is not a number")),
    }
}

/// Parse a text cell as a label.
pub(crate) fn parse_label(text: &str) -> Result<Label, String> {
    let t = text.trim();
    if t.is_empty() {
        Err("the cell is empty; a label is needed".into())
    } else {
        Ok(Label::from_text(t))
    }
}
