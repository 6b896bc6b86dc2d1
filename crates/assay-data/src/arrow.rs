//! Columnar files: Parquet and Arrow IPC, read as Arrow record batches with
//! only the requested columns decoded.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::{Backend, Batch, Column, DataError, Kind, Label, RowRef, Selection};

fn format_error(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Format {
        path: path.into(),
        problem: e.to_string(),
    }
}

fn names(schema: &SchemaRef) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

pub(crate) struct ParquetFile {
    path: PathBuf,
    builder: ParquetRecordBatchReaderBuilder<File>,
    columns: Vec<String>,
}

impl ParquetFile {
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        let file = crate::open_nonempty(path)?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| format_error(path, format!("not a readable Parquet file: {e}")))?;
        let columns = names(builder.schema());
        Ok(Self {
            path: path.into(),
            builder,
            columns,
        })
    }

    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Rows in the file, from its footer.
    pub(crate) fn row_count(&self) -> Option<u64> {
        u64::try_from(self.builder.metadata().file_metadata().num_rows()).ok()
    }

    pub(crate) fn select(
        self,
        selection: Selection,
    ) -> Result<ArrowBatches<ParquetRecordBatchReader>, DataError> {
        let mask = ProjectionMask::roots(
            self.builder.parquet_schema(),
            selection.indices.iter().copied(),
        );
        let reader = self
            .builder
            .with_projection(mask)
            .with_batch_size(crate::DEFAULT_BATCH_ROWS)
            .build()
            .map_err(|e| format_error(&self.path, e))?;
        ArrowBatches::new(self.path, reader, selection)
    }
}

pub(crate) enum IpcReader {
    File(arrow_ipc::reader::FileReader<BufReader<File>>),
    Stream(arrow_ipc::reader::StreamReader<BufReader<File>>),
}

impl Iterator for IpcReader {
    type Item = Result<RecordBatch, ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            IpcReader::File(r) => r.next(),
            IpcReader::Stream(r) => r.next(),
        }
    }
}

impl RecordBatchReader for IpcReader {
    fn schema(&self) -> SchemaRef {
        match self {
            IpcReader::File(r) => r.schema(),
            IpcReader::Stream(r) => r.schema(),
        }
    }
}

pub(crate) struct IpcFile {
    path: PathBuf,
    columns: Vec<String>,
}

impl IpcFile {
    fn reader(path: &Path, projection: Option<Vec<usize>>) -> Result<IpcReader, DataError> {
        let open = || {
            File::open(path)
                .map(|f| BufReader::with_capacity(1 << 20, f))
                .map_err(|source| DataError::Io {
                    path: path.into(),
                    source,
                })
        };
        match arrow_ipc::reader::FileReader::try_new(open()?, projection.clone()) {
            Ok(r) => Ok(IpcReader::File(r)),
            Err(file_err) => arrow_ipc::reader::StreamReader::try_new(open()?, projection)
                .map(IpcReader::Stream)
                .map_err(|_| {
                    format_error(
                        path,
                        format!("not a readable Arrow IPC file or stream: {file_err}"),
                    )
                }),
        }
    }

    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        crate::open_nonempty(path)?;
        let columns = names(&Self::reader(path, None)?.schema());
        Ok(Self {
            path: path.into(),
            columns,
        })
    }

    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    pub(crate) fn select(self, selection: Selection) -> Result<ArrowBatches<IpcReader>, DataError> {
        let mut projection = selection.indices.clone();
        projection.sort_unstable();
        projection.dedup();
        let reader = Self::reader(&self.path, Some(projection))?;
        ArrowBatches::new(self.path, reader, selection)
    }
}

/// Record batches of the projected columns, cut into `Batch`es.
pub(crate) struct ArrowBatches<R> {
    path: PathBuf,
    reader: R,
    selection: Selection,
    /// Position of each request in the projected record batch.
    positions: Vec<usize>,
    pending: Option<RecordBatch>,
    next_row: u64,
}

impl<R: RecordBatchReader> ArrowBatches<R> {
    fn new(path: PathBuf, reader: R, selection: Selection) -> Result<Self, DataError> {
        let schema = reader.schema();
        let mut positions = Vec::new();
        for r in &selection.requests {
            let pos = schema
                .index_of(&r.name)
                .map_err(|e| format_error(&path, e))?;
            let field = schema.field(pos);
            check_type(&path, &r.name, field.data_type(), r.kind)?;
            positions.push(pos);
        }
        Ok(Self {
            path,
            reader,
            selection,
            positions,
            pending: None,
            next_row: 0,
        })
    }
}

fn check_type(path: &Path, column: &str, dt: &DataType, kind: Kind) -> Result<(), DataError> {
    let numeric = dt.is_numeric();
    let texty = matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) || matches!(dt, DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8));
    let ok = match kind {
        Kind::Number => numeric,
        Kind::Label => numeric || texty || matches!(dt, DataType::Boolean),
    };
    if ok {
        Ok(())
    } else {
        Err(DataError::ColumnType {
            path: path.into(),
            column: column.into(),
            found: format!("{dt}"),
            expected: match kind {
                Kind::Number => "numbers".into(),
                Kind::Label => "class labels (integers, text or booleans)".into(),
            },
        })
    }
}

fn first_null(array: &dyn Array) -> Option<usize> {
    if array.null_count() == 0 {
        None
    } else {
        (0..array.len()).find(|&i| array.is_null(i))
    }
}

fn convert(
    path: &Path,
    name: &str,
    array: &ArrayRef,
    kind: Kind,
    first_row: u64,
) -> Result<Column, DataError> {
    let cell_error = |i: usize, problem: String| DataError::Cell {
        path: path.into(),
        at: RowRef {
            row: first_row + i as u64 + 1,
            line: None,
        },
        column: name.into(),
        problem,
    };
    if let Some(i) = first_null(array.as_ref()) {
        return Err(cell_error(i, "the value is missing (null)".into()));
    }
    let cast = |to: &DataType| arrow_cast::cast(array, to).map_err(|e| format_error(path, e));
    match kind {
        Kind::Number => {
            let values = cast(&DataType::Float64)?;
            let values = values.as_primitive::<Float64Type>().values();
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(cell_error(
                    i,
                    format!("{} is not a finite number", values[i]),
                ));
            }
            Ok(Column::Number(values.to_vec()))
        }
        Kind::Label => {
            let dt = array.data_type();
            let labels = if dt.is_integer() {
                cast(&DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .map(|&v| Label::Int(v))
                    .collect()
            } else if dt.is_floating() {
                let values = cast(&DataType::Float64)?;
                let values = values.as_primitive::<Float64Type>().values();
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return Err(cell_error(
                        i,
                        format!("{} cannot be a class label", values[i]),
                    ));
                }
                values.iter().map(|&v| Label::from_f64(v)).collect()
            } else if matches!(dt, DataType::Boolean) {
                array
                    .as_boolean()
                    .iter()
                    .map(|b| Label::from_bool(b.unwrap_or(false)))
                    .collect()
            } else {
                let text = cast(&DataType::Utf8)?;
                let text = text.as_string::<i32>();
                let mut out = Vec::with_capacity(text.len());
                for (i, s) in text.iter().enumerate() {
                    out.push(crate::parse_label(s.unwrap_or("")).map_err(|p| cell_error(i, p))?);
                }
                out
            };
            Ok(Column::Label(labels))
        }
    }
}

impl<R: RecordBatchReader> Backend for ArrowBatches<R> {
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>, DataError> {
        let record = match self.pending.take() {
            Some(r) => r,
            None => match self.reader.next() {
                None => return Ok(None),
                Some(r) => r.map_err(|e| format_error(&self.path, e))?,
            },
        };
        let record = if record.num_rows() > max_rows {
            self.pending = Some(record.slice(max_rows, record.num_rows() - max_rows));
            record.slice(0, max_rows)
        } else {
            record
        };
        let first_row = self.next_row;
        let mut columns = Vec::with_capacity(self.positions.len());
        for (r, &pos) in self.selection.requests.iter().zip(&self.positions) {
            columns.push(convert(
                &self.path,
                &r.name,
                record.column(pos),
                r.kind,
                first_row,
            )?);
        }
        self.next_row += record.num_rows() as u64;
        Ok(Some(Batch {
            first_row,
            rows: record.num_rows(),
            columns,
            source: None,
        }))
    }
}
