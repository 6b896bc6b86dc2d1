//! Loading an ONNX model with tract, checking its input against the
//! preprocessing, and running batches.

use std::path::PathBuf;
use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::internal::DimLike;

use crate::ModelError;
use crate::settings::ScoreOutput;

/// Which model, which input and output.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// The ONNX file.
    pub path: PathBuf,
    /// The input to feed (default: the model's only input).
    pub input: Option<String>,
    /// The output holding class scores (default: the first output).
    pub output: Option<String>,
    /// What that output holds.
    pub scores: ScoreOutput,
}

impl ModelSpec {
    /// The model at `path`, its first input and output, probabilities.
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            input: None,
            output: None,
            scores: ScoreOutput::Probabilities,
        }
    }
}

/// A model ready to run on tensors of one item shape.
pub struct Model {
    path: PathBuf,
    plan: Arc<TypedRunnableModel>,
    output_index: usize,
    item_shape: Vec<usize>,
    scores: ScoreOutput,
    /// The input fed.
    pub input_name: String,
    /// The output read.
    pub output_name: String,
    /// Scores per item (classes).
    pub classes: usize,
}

fn message(e: &TractError) -> String {
    format!("{e:#}")
}

/// Refuse a model with an operator tract does not implement, naming it.
fn supported(model: &InferenceModel, path: &std::path::Path) -> Result<(), ModelError> {
    for node in model.nodes() {
        let name = node.op.name();
        if let Some(op) = name
            .strip_prefix("Unimplemented(")
            .and_then(|s| s.strip_suffix(')'))
        {
            return Err(ModelError::UnsupportedOperator {
                path: path.to_owned(),
                operator: op.to_owned(),
                node: node.name.clone(),
            });
        }
    }
    Ok(())
}

fn shown(dims: &[String]) -> String {
    format!("[{}]", dims.join(", "))
}

/// A declared shape as text, `?` for an open dimension.
fn declared_dims(declared: &InferenceFact) -> Vec<String> {
    declared
        .shape
        .dims()
        .map(|d| d.concretize().map_or("?".into(), |d| d.to_string()))
        .collect()
}

/// A declared shape's dimensions (`None` for an open one), or `None`
/// when even its rank is open.
fn declared_shape(declared: &InferenceFact) -> Option<Vec<Option<i64>>> {
    if declared.shape.is_open() {
        return None;
    }
    Some(
        declared
            .shape
            .dims()
            .map(|d| d.concretize().and_then(|d| d.to_i64().ok()))
            .collect(),
    )
}

/// The number of class scores of an output `[N, classes]`.
fn class_count(out_fact: &TypedFact) -> Option<usize> {
    match out_fact.shape.as_concrete() {
        Some(s) if s.len() == 2 => Some(s[1]),
        _ => match out_fact.shape.dims().last().and_then(|d| d.to_usize().ok()) {
            Some(c) if out_fact.rank() == 2 => Some(c),
            _ => None,
        },
    }
}

impl Model {
    /// Load the model and fix its input to `[N, item_shape…]`.
    pub fn load(spec: &ModelSpec, item_shape: &[usize]) -> Result<Model, ModelError> {
        let path = spec.path.clone();
        let model_err = |message: String| ModelError::Model {
            path: path.clone(),
            message,
        };
        let mut model =
            tract_onnx::onnx()
                .model_for_path(&path)
                .map_err(|e| ModelError::NotOnnx {
                    path: path.clone(),
                    message: message(&e),
                })?;
        supported(&model, &path)?;
        let inputs: Vec<String> = model
            .input_outlets()
            .map_err(|e| model_err(message(&e)))?
            .iter()
            .map(|o| model.node(o.node).name.clone())
            .collect();
        let input_index = match &spec.input {
            Some(name) => inputs.iter().position(|n| n == name).ok_or_else(|| {
                model_err(format!(
                    "has no input '{name}'; its inputs are: {}",
                    inputs.join(", ")
                ))
            })?,
            None if inputs.len() == 1 => 0,
            None => {
                return Err(model_err(format!(
                    "has {} inputs ({}); name the one that takes the images with input = \"…\"",
                    inputs.len(),
                    inputs.join(", ")
                )));
            }
        };
        let outputs: Vec<String> = model
            .output_outlets()
            .map_err(|e| model_err(message(&e)))?
            .iter()
            .map(|o| {
                model
                    .outlet_label(*o)
                    .map(str::to_owned)
                    .unwrap_or_else(|| model.node(o.node).name.clone())
            })
            .collect();
        let output_index = match &spec.output {
            Some(name) => outputs.iter().position(|n| n == name).ok_or_else(|| {
                model_err(format!(
                    "has no output '{name}'; its outputs are: {}",
                    outputs.join(", ")
                ))
            })?,
            None => 0,
        };
        // The declared input shape against the preprocessing's.
        let declared = model
            .input_fact(input_index)
            .map_err(|e| model_err(message(&e)))?;
        let ours: Vec<String> = std::iter::once("N".to_owned())
            .chain(item_shape.iter().map(|d| d.to_string()))
            .collect();
        let declared_dims_known = declared_shape(declared);
        if !crate::settings::fits(declared_dims_known.as_deref(), item_shape) {
            return Err(ModelError::InputShape(Box::new(
                crate::error::ShapeMismatch {
                    path,
                    input: inputs[input_index].clone(),
                    model: shown(&declared_dims(declared)),
                    preprocessing: shown(&ours),
                    declared: declared_dims_known,
                    hint: "change resize, center_crop, color or layout".into(),
                },
            )));
        }
        let n = model.sym("N");
        let mut shape: TVec<TDim> = tvec![n.into()];
        shape.extend(item_shape.iter().map(|&d| TDim::from(d)));
        model = model
            .with_input_fact(input_index, f32::fact(shape).into())
            .map_err(|e| model_err(message(&e)))?;
        if outputs.len() > 1 || input_index > 0 || inputs.len() > 1 {
            // Keep only the input fed and the output read.
            let input_outlet =
                model.input_outlets().map_err(|e| model_err(message(&e)))?[input_index];
            let output_outlet =
                model.output_outlets().map_err(|e| model_err(message(&e)))?[output_index];
            model
                .set_input_outlets(&[input_outlet])
                .map_err(|e| model_err(message(&e)))?;
            model
                .select_output_outlets(&[output_outlet])
                .map_err(|e| model_err(message(&e)))?;
        }
        let typed = model.into_optimized().map_err(|e| {
            model_err(format!(
                "cannot be prepared for input shape {}: {}",
                shown(&ours),
                message(&e)
            ))
        })?;
        let out_fact = typed.output_fact(0).map_err(|e| model_err(message(&e)))?;
        let classes = class_count(out_fact).ok_or_else(|| {
            model_err(format!(
                "output '{}' has shape {:?}; class scores need [N, classes]",
                outputs[output_index], out_fact.shape
            ))
        })?;
        let plan = typed.into_runnable().map_err(|e| model_err(message(&e)))?;
        Ok(Model {
            path,
            plan,
            output_index: 0,
            item_shape: item_shape.to_vec(),
            scores: spec.scores,
            input_name: inputs[input_index].clone(),
            output_name: outputs[output_index].clone(),
            classes,
        })
    }

    /// Run `n` items (`data` holds them in the item shape, one after another);
    /// one score row per item, softmaxed when the output holds logits.
    pub fn run(&self, data: Vec<f32>, n: usize) -> Result<Vec<Vec<f32>>, String> {
        let mut shape = vec![n];
        shape.extend(&self.item_shape);
        let tensor = Tensor::from_shape(&shape, &data).map_err(|e| message(&e))?;
        let out = self
            .plan
            .run(tvec!(tensor.into_tvalue()))
            .map_err(|e| message(&e))?;
        let view = out[self.output_index]
            .to_plain_array_view::<f32>()
            .map_err(|e| message(&e))?;
        let rows: Vec<Vec<f32>> = view
            .outer_iter()
            .map(|row| {
                let r: Vec<f32> = row.iter().copied().collect();
                match self.scores {
                    ScoreOutput::Probabilities => r,
                    ScoreOutput::Logits => softmax(&r),
                }
            })
            .collect();
        if rows.len() != n {
            return Err(format!(
                "the model returned {} rows for {n} items",
                rows.len()
            ));
        }
        Ok(rows)
    }

    /// The model file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// Softmax in double precision, shifted by the maximum.
fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f64> = logits.iter().map(|&x| f64::from(x - max).exp()).collect();
    let total: f64 = e.iter().sum();
    e.iter().map(|v| (v / total) as f32).collect()
}
