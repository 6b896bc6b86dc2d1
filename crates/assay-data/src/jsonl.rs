//! JSON Lines: one object per line; blank lines are skipped.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Backend, Batch, Column, DataError, Kind, Label, RowRef, Selection, parse_number};

/// One parsed line and its line number.
type JsonObject = serde_json::Map<String, Value>;

pub(crate) struct JsonLinesFile {
    path: PathBuf,
    reader: BufReader<File>,
    columns: Vec<String>,
    /// The first object, already read to learn the columns.
    first: Option<(JsonObject, u64)>,
    line: u64,
}

fn read_object(
    path: &Path,
    reader: &mut BufReader<File>,
    line_no: &mut u64,
    row: u64,
    buf: &mut String,
) -> Result<Option<(JsonObject, u64)>, DataError> {
    loop {
        buf.clear();
        let n = reader.read_line(buf).map_err(|source| DataError::Io {
            path: path.into(),
            source,
        })?;
        if n == 0 {
            return Ok(None);
        }
        *line_no += 1;
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        let at = RowRef {
            row,
            line: Some(*line_no),
        };
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(Some((map, *line_no))),
            Ok(_) => Err(DataError::Row {
                path: path.into(),
                at,
                problem: "the line is not a JSON object".into(),
            }),
            Err(e) => Err(DataError::Row {
                path: path.into(),
                at,
                problem: format!("the line is not valid JSON: {e}"),
            }),
        };
    }
}

impl JsonLinesFile {
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|source| DataError::Io {
            path: path.into(),
            source,
        })?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut line = 0;
        let mut buf = String::new();
        let first = read_object(path, &mut reader, &mut line, 1, &mut buf)?;
        let Some(first) = first else {
            return Err(DataError::Empty { path: path.into() });
        };
        let columns = first.0.keys().cloned().collect();
        Ok(Self {
            path: path.into(),
            reader,
            columns,
            first: Some(first),
            line,
        })
    }

    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    pub(crate) fn select(self, selection: Selection) -> JsonLinesBatches {
        JsonLinesBatches {
            file: self,
            selection,
            next_row: 0,
            buf: String::new(),
        }
    }
}

pub(crate) struct JsonLinesBatches {
    file: JsonLinesFile,
    selection: Selection,
    next_row: u64,
    buf: String,
}

fn cell(value: Option<&Value>, kind: Kind) -> Result<CellValue, String> {
    match (value, kind) {
        (None, _) => Err("the field is missing".into()),
        (Some(Value::Null), _) => Err("the value is null".into()),
        (Some(Value::Number(n)), Kind::Number) => n
            .as_f64()
            .ok_or_else(|| format!("{n} is not a number"))
            .map(CellValue::Number),
        (Some(Value::String(s)), Kind::Number) => parse_number(s).map(CellValue::Number),
        (Some(Value::Number(n)), Kind::Label) => Ok(CellValue::Label(match n.as_i64() {
            Some(i) => Label::Int(i),
            None => Label::from_f64(n.as_f64().unwrap_or(f64::NAN)),
        })),
        (Some(Value::String(s)), Kind::Label) => crate::parse_label(s).map(CellValue::Label),
        (Some(Value::Bool(b)), Kind::Label) => Ok(CellValue::Label(Label::from_bool(*b))),
        (Some(other), Kind::Number) => Err(format!("{other} is not a number")),
        (Some(other), Kind::Label) => Err(format!("{other} cannot be a class label")),
    }
}

enum CellValue {
    Number(f64),
    Label(Label),
}

impl Backend for JsonLinesBatches {
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>, DataError> {
        let sel = &self.selection;
        let mut columns = sel.empty_columns(max_rows);
        let first_row = self.next_row;
        let mut rows = 0;
        while rows < max_rows {
            let row = first_row + rows as u64 + 1;
            let object = match self.file.first.take() {
                Some(o) => Some(o),
                None => read_object(
                    &self.file.path,
                    &mut self.file.reader,
                    &mut self.file.line,
                    row,
                    &mut self.buf,
                )?,
            };
            let Some((object, line)) = object else { break };
            for (c, r) in sel.requests.iter().enumerate() {
                let value =
                    cell(object.get(&r.name), r.kind).map_err(|problem| DataError::Cell {
                        path: self.file.path.clone(),
                        at: RowRef {
                            row,
                            line: Some(line),
                        },
                        column: r.name.clone(),
                        problem,
                    })?;
                match (&mut columns[c], value) {
                    (Column::Number(v), CellValue::Number(x)) => v.push(x),
                    (Column::Label(v), CellValue::Label(l)) => v.push(l),
                    _ => unreachable!("cell() returns the kind it was asked for"),
                }
            }
            rows += 1;
        }
        self.next_row += rows as u64;
        Ok(Batch::of(first_row, rows, columns))
    }
}
