//! The predictions Parquet file: `id`, `label`, one `prob_<class>` column per
//! class, `pred`, and the slice columns — what `assay eval` reads for a
//! multi-class task.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

use crate::{ModelError, columns};

/// One scored item.
pub(crate) struct Row<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub scores: &'a [f32],
    pub slices: &'a [String],
}

/// A predictions file with the columns a run of `classes` and
/// `slice_names` writes and no row: what a plan's check reads to know the
/// columns before the model runs.
pub fn write_empty(
    path: &Path,
    classes: &[String],
    slice_names: &[String],
) -> Result<(), ModelError> {
    write(path, classes, slice_names, &[])
}

/// Write the rows; `classes` name the score columns in model output order.
pub(crate) fn write(
    path: &Path,
    classes: &[String],
    slice_names: &[String],
    rows: &[Row<'_>],
) -> Result<(), ModelError> {
    let err = |message: String| ModelError::Write {
        path: path.into(),
        message,
    };
    let mut fields = vec![
        Field::new(columns::ID, DataType::Utf8, false),
        Field::new(columns::LABEL, DataType::Utf8, false),
    ];
    fields.extend(classes.iter().map(|c| {
        Field::new(
            format!("{}{c}", columns::PROBABILITY_PREFIX),
            DataType::Float64,
            false,
        )
    }));
    fields.push(Field::new(columns::PREDICTION, DataType::Utf8, false));
    fields.extend(
        slice_names
            .iter()
            .map(|s| Field::new(s.as_str(), DataType::Utf8, false)),
    );
    let schema = Arc::new(Schema::new(fields));
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.id))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.label))),
    ];
    for c in 0..classes.len() {
        columns.push(Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|r| f64::from(r.scores[c])),
        )));
    }
    columns.push(Arc::new(StringArray::from_iter_values(rows.iter().map(
        |r| {
            // The first of tied maxima, as numpy's argmax.
            let mut best = 0;
            for (j, s) in r.scores.iter().enumerate() {
                if *s > r.scores[best] {
                    best = j;
                }
            }
            classes[best].as_str()
        },
    ))));
    for s in 0..slice_names.len() {
        columns.push(Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.slices[s].as_str()),
        )));
    }
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| err(e.to_string()))?;
    let file = std::fs::File::create(path).map_err(|e| err(e.to_string()))?;
    let mut writer = ArrowWriter::try_new(file, schema, None).map_err(|e| err(e.to_string()))?;
    writer.write(&batch).map_err(|e| err(e.to_string()))?;
    writer.close().map_err(|e| err(e.to_string()))?;
    Ok(())
}
