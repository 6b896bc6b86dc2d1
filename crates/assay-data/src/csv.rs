//! Delimited text (CSV, TSV, any one-byte delimiter) with a header row.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::{Backend, Batch, Column, DataError, RowRef, Selection, parse_label, parse_number};

pub(crate) struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<File>,
    columns: Vec<String>,
}

fn csv_error(path: &Path, e: csv::Error) -> DataError {
    let at = |pos: Option<&csv::Position>| RowRef {
        row: pos.map_or(0, |p| p.record()),
        line: pos.map(csv::Position::line),
    };
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DataError::Row {
            path: path.into(),
            at: at(pos.as_ref()),
            problem: format!("the row has {len} fields but the header has {expected_len}"),
        },
        csv::ErrorKind::Utf8 { pos, .. } => DataError::Row {
            path: path.into(),
            at: at(pos.as_ref()),
            problem: "the row is not valid UTF-8 text".into(),
        },
        _ => match e.into_kind() {
            csv::ErrorKind::Io(source) => DataError::Io {
                path: path.into(),
                source,
            },
            other => DataError::Format {
                path: path.into(),
                problem: format!("{other:?}"),
            },
        },
    }
}

impl CsvFile {
    pub(crate) fn open(path: &Path, delimiter: u8) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|source| DataError::Io {
            path: path.into(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .buffer_capacity(1 << 20)
            .from_reader(file);
        let headers = reader.headers().map_err(|e| csv_error(path, e))?;
        if headers.is_empty() {
            return Err(DataError::Empty { path: path.into() });
        }
        let columns = headers.iter().map(|h| h.trim().to_owned()).collect();
        Ok(Self {
            path: path.into(),
            reader,
            columns,
        })
    }

    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    pub(crate) fn select(self, selection: Selection) -> Result<CsvBatches, DataError> {
        Ok(CsvBatches {
            file: self,
            selection,
            record: csv::ByteRecord::new(),
            next_row: 0,
        })
    }
}

pub(crate) struct CsvBatches {
    file: CsvFile,
    selection: Selection,
    record: csv::ByteRecord,
    next_row: u64,
}

impl Backend for CsvBatches {
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>, DataError> {
        let sel = &self.selection;
        let mut columns = sel.empty_columns(max_rows);
        let first_row = self.next_row;
        let mut rows = 0;
        while rows < max_rows {
            let more = self
                .file
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.file.path, e))?;
            if !more {
                break;
            }
            let line = self.record.position().map(csv::Position::line);
            let at = RowRef {
                row: first_row + rows as u64 + 1,
                line,
            };
            for (c, &idx) in sel.indices.iter().enumerate() {
                let raw = &self.record[idx];
                let cell_error = |problem: String| DataError::Cell {
                    path: self.file.path.clone(),
                    at,
                    column: sel.requests[c].name.clone(),
                    problem,
                };
                let text = std::str::from_utf8(raw)
                    .map_err(|_| cell_error("the cell is not valid UTF-8".into()))?;
                match &mut columns[c] {
                    Column::Number(v) => v.push(parse_number(text).map_err(cell_error)?),
                    Column::Label(v) => v.push(parse_label(text).map_err(cell_error)?),
                }
            }
            rows += 1;
        }
        self.next_row += rows as u64;
        Ok(Batch::of(first_row, rows, columns))
    }
}
