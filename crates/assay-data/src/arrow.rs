//! Columnar files: Parquet and Arrow IPC, read as Arrow record batches with
//! only the requested columns decoded.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type, Float16Type, Float32Type,
    Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
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
    match kind {
        Kind::Number => {
            let values = numbers(array.as_ref()).ok_or_else(|| unreadable(path, name, array))?;
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(cell_error(
                    i,
                    format!("{} is not a finite number", values[i]),
                ));
            }
            Ok(Column::Number(values))
        }
        Kind::Label => {
            let dt = array.data_type();
            let labels = if dt.is_integer() {
                let values =
                    integers(array.as_ref()).ok_or_else(|| unreadable(path, name, array))?;
                let mut out = Vec::with_capacity(values.len());
                for (i, v) in values.into_iter().enumerate() {
                    out.push(Label::Int(v.ok_or_else(|| {
                        cell_error(i, "the integer is too large for a class label".into())
                    })?));
                }
                out
            } else if dt.is_numeric() {
                let values =
                    numbers(array.as_ref()).ok_or_else(|| unreadable(path, name, array))?;
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
                let text = texts(array.as_ref()).ok_or_else(|| unreadable(path, name, array))?;
                let mut out = Vec::with_capacity(text.len());
                for (i, s) in text.into_iter().enumerate() {
                    out.push(crate::parse_label(s).map_err(|p| cell_error(i, p))?);
                }
                out
            };
            Ok(Column::Label(labels))
        }
    }
}

/// A column of a type `check_type` let through but no conversion below
/// reads (a bug, said as an error rather than a panic).
fn unreadable(path: &Path, name: &str, array: &ArrayRef) -> DataError {
    format_error(
        path,
        format!(
            "column '{name}': values of type {} cannot be read",
            array.data_type()
        ),
    )
}

/// A numeric column's values as `f64`: integers and floats as Rust's `as`
/// converts them (exact up to 2^53), decimals correctly rounded from their
/// digits. `None` for a type that is not numeric.
fn numbers(array: &dyn Array) -> Option<Vec<f64>> {
    macro_rules! widen {
        ($($t:ty),+) => {
            $(if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(a.values().iter().map(|&v| v as f64).collect());
            })+
        };
    }
    widen!(
        Float64Type,
        Float32Type,
        Int8Type,
        Int16Type,
        Int32Type,
        Int64Type,
        UInt8Type,
        UInt16Type,
        UInt32Type,
        UInt64Type
    );
    if let Some(a) = array.as_primitive_opt::<Float16Type>() {
        return Some(a.values().iter().map(|v| v.to_f64()).collect());
    }
    fn decimal<T: std::fmt::Display>(values: &[T], scale: i8) -> Vec<f64> {
        // The digits and the exponent, parsed once: the nearest f64.
        values
            .iter()
            .map(|v| {
                format!("{v}e{}", -i32::from(scale))
                    .parse()
                    .unwrap_or(f64::NAN)
            })
            .collect()
    }
    match array.data_type() {
        DataType::Decimal32(_, s) => {
            Some(decimal(array.as_primitive::<Decimal32Type>().values(), *s))
        }
        DataType::Decimal64(_, s) => {
            Some(decimal(array.as_primitive::<Decimal64Type>().values(), *s))
        }
        DataType::Decimal128(_, s) => {
            Some(decimal(array.as_primitive::<Decimal128Type>().values(), *s))
        }
        DataType::Decimal256(_, s) => {
            Some(decimal(array.as_primitive::<Decimal256Type>().values(), *s))
        }
        _ => None,
    }
}

/// An integer column's values as `i64`; `None` inside for an unsigned
/// value beyond `i64::MAX`. `None` for a type that is not an integer.
fn integers(array: &dyn Array) -> Option<Vec<Option<i64>>> {
    macro_rules! widen {
        ($($t:ty),+) => {
            $(if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(a.values().iter().map(|&v| i64::try_from(v).ok()).collect());
            })+
        };
    }
    widen!(
        Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type
    );
    None
}

/// A text column's values, plain or dictionary-encoded. `None` for a type
/// that is not text.
fn texts(array: &dyn Array) -> Option<Vec<&str>> {
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some(a.iter().map(|s| s.unwrap_or("")).collect());
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some(a.iter().map(|s| s.unwrap_or("")).collect());
    }
    if let Some(a) = array.as_string_view_opt() {
        return Some(a.iter().map(|s| s.unwrap_or("")).collect());
    }
    let dict = array.as_any_dictionary_opt()?;
    let values = texts(dict.values().as_ref())?;
    let keys = dict.normalized_keys();
    keys.iter().map(|&k| values.get(k).copied()).collect()
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int8Type;
    use arrow_array::{
        ArrayRef, Decimal128Array, DictionaryArray, Float16Array, Float32Array, Int16Array,
        LargeStringArray, StringViewArray, UInt8Array, UInt64Array,
    };

    use super::*;

    fn read(array: ArrayRef, kind: Kind) -> Result<Column, DataError> {
        convert(Path::new("t.arrow"), "c", &array, kind, 0)
    }

    fn numbers_of(array: ArrayRef) -> Vec<f64> {
        match read(array, Kind::Number) {
            Ok(Column::Number(v)) => v,
            other => panic!("not numbers: {other:?}"),
        }
    }

    fn labels_of(array: ArrayRef) -> Vec<Label> {
        match read(array, Kind::Label) {
            Ok(Column::Label(v)) => v,
            other => panic!("not labels: {other:?}"),
        }
    }

    #[test]
    fn every_numeric_type_reads_as_its_value() {
        assert_eq!(
            numbers_of(Arc::new(UInt8Array::from(vec![0, 255]))),
            [0.0, 255.0]
        );
        assert_eq!(
            numbers_of(Arc::new(Int16Array::from(vec![-3, 7]))),
            [-3.0, 7.0]
        );
        assert_eq!(
            numbers_of(Arc::new(Float32Array::from(vec![0.25f32]))),
            [0.25]
        );
        let half = Float16Array::from(vec![half::f16::from_f64(0.5)]);
        assert_eq!(numbers_of(Arc::new(half)), [0.5]);
        // 0.1 and 1.23 as decimals: the nearest f64, as parsing "0.1" gives.
        let dec = Decimal128Array::from(vec![1i128, 123])
            .with_precision_and_scale(10, 1)
            .expect("a decimal type");
        assert_eq!(numbers_of(Arc::new(dec)), [0.1, 12.3]);
    }

    #[test]
    fn integer_labels_are_exact_and_too_large_ones_are_an_error() {
        assert_eq!(
            labels_of(Arc::new(UInt64Array::from(vec![1u64, 2]))),
            [Label::Int(1), Label::Int(2)]
        );
        match read(Arc::new(UInt64Array::from(vec![1, u64::MAX])), Kind::Label) {
            Err(DataError::Cell { at, problem, .. }) => {
                assert_eq!(at.row, 2);
                assert!(problem.contains("too large"), "{problem}");
            }
            other => panic!("not a cell error: {other:?}"),
        }
    }

    #[test]
    fn text_labels_read_from_every_string_layout() {
        let want = [Label::Text("cat".into()), Label::Text("dog".into())];
        assert_eq!(
            labels_of(Arc::new(LargeStringArray::from(vec!["cat", "dog"]))),
            want
        );
        assert_eq!(
            labels_of(Arc::new(StringViewArray::from(vec!["cat", "dog"]))),
            want
        );
        let dict: DictionaryArray<Int8Type> = vec!["dog", "cat", "dog"].into_iter().collect();
        assert_eq!(
            labels_of(Arc::new(dict)),
            [want[1].clone(), want[0].clone(), want[1].clone()]
        );
    }
}
