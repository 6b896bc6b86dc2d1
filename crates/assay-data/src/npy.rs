//! NumPy `.npy` arrays: each file is a 1-D column or a 2-D block of columns,
//! streamed element by element (never loaded whole).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use npyz::{NpyFile, NpyReader, Order, TypeChar};

use crate::{Backend, Batch, Column, DataError, Kind, Label, RowRef, Selection};

type In = BufReader<File>;

/// One array's element stream, by element type.
enum Elements {
    F64(NpyReader<f64, In>),
    F32(NpyReader<f32, In>),
    I64(NpyReader<i64, In>),
    I32(NpyReader<i32, In>),
    I16(NpyReader<i16, In>),
    I8(NpyReader<i8, In>),
    U64(NpyReader<u64, In>),
    U32(NpyReader<u32, In>),
    U16(NpyReader<u16, In>),
    U8(NpyReader<u8, In>),
    Bool(NpyReader<bool, In>),
    Text(NpyReader<String, In>),
}

enum Element {
    Number(f64),
    Label(Label),
}

impl Elements {
    fn next(&mut self) -> Option<std::io::Result<Element>> {
        macro_rules! num {
            ($r:expr) => {
                $r.next().map(|r| r.map(|v| Element::Number(v as f64)))
            };
        }
        macro_rules! int {
            ($r:expr) => {
                $r.next()
                    .map(|r| r.map(|v| Element::Label(Label::Int(v as i64))))
            };
        }
        match self {
            Elements::F64(r) => num!(r),
            Elements::F32(r) => num!(r),
            Elements::I64(r) => int!(r),
            Elements::I32(r) => int!(r),
            Elements::I16(r) => int!(r),
            Elements::I8(r) => int!(r),
            Elements::U64(r) => r.next().map(|r| {
                r.and_then(|v| {
                    i64::try_from(v)
                        .map(|v| Element::Label(Label::Int(v)))
                        .map_err(|_| std::io::Error::other(format!("{v} is too large for a label")))
                })
            }),
            Elements::U32(r) => int!(r),
            Elements::U16(r) => int!(r),
            Elements::U8(r) => int!(r),
            Elements::Bool(r) => r
                .next()
                .map(|r| r.map(|b| Element::Label(Label::Int(i64::from(b))))),
            Elements::Text(r) => r
                .next()
                .map(|r| r.map(|s| Element::Label(Label::from_text(&s)))),
        }
    }
}

struct Array {
    name: String,
    path: PathBuf,
    rows: u64,
    /// Columns in the array: `None` for a 1-D array.
    width: Option<usize>,
    file: Option<NpyFile<In>>,
    elements: Option<Elements>,
}

pub(crate) struct NpySet {
    arrays: Vec<Array>,
    columns: Vec<String>,
    /// For each column: (array, column within the array).
    origin: Vec<(usize, usize)>,
}

fn open_array(name: &str, path: &Path) -> Result<Array, DataError> {
    let file = crate::open_nonempty(path)?;
    let npy =
        NpyFile::new(BufReader::with_capacity(1 << 20, file)).map_err(|e| DataError::Format {
            path: path.into(),
            problem: format!("not a readable .npy file: {e}"),
        })?;
    let shape = npy.shape().to_vec();
    let (rows, width) = match shape.as_slice() {
        [n] => (*n, None),
        [n, k] => (*n, Some(*k as usize)),
        other => {
            return Err(DataError::Format {
                path: path.into(),
                problem: format!(
                    "the array has shape {other:?}; 1-D (a column) or 2-D (rows × columns) is needed"
                ),
            });
        }
    };
    if width.is_some() && npy.order() == Order::Fortran {
        return Err(DataError::Format {
            path: path.into(),
            problem: "the 2-D array is stored in Fortran order; save it with np.save(path, np.ascontiguousarray(a))".into(),
        });
    }
    if rows == 0 {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(Array {
        name: name.into(),
        path: path.into(),
        rows,
        width,
        file: Some(npy),
        elements: None,
    })
}

fn elements(path: &Path, npy: NpyFile<In>) -> Result<Elements, DataError> {
    let unsupported = |what: String| DataError::Format {
        path: path.into(),
        problem: format!(
            "arrays of {what} are not supported; use floats, integers, booleans or unicode strings"
        ),
    };
    let npyz::DType::Plain(t) = npy.dtype() else {
        return Err(unsupported("structured records".into()));
    };
    let bad = |e: npyz::DTypeError| DataError::Format {
        path: path.into(),
        problem: e.to_string(),
    };
    Ok(match (t.type_char(), t.size_field()) {
        (TypeChar::Float, 8) => Elements::F64(npy.data().map_err(bad)?),
        (TypeChar::Float, 4) => Elements::F32(npy.data().map_err(bad)?),
        (TypeChar::Int, 8) => Elements::I64(npy.data().map_err(bad)?),
        (TypeChar::Int, 4) => Elements::I32(npy.data().map_err(bad)?),
        (TypeChar::Int, 2) => Elements::I16(npy.data().map_err(bad)?),
        (TypeChar::Int, 1) => Elements::I8(npy.data().map_err(bad)?),
        (TypeChar::Uint, 8) => Elements::U64(npy.data().map_err(bad)?),
        (TypeChar::Uint, 4) => Elements::U32(npy.data().map_err(bad)?),
        (TypeChar::Uint, 2) => Elements::U16(npy.data().map_err(bad)?),
        (TypeChar::Uint, 1) => Elements::U8(npy.data().map_err(bad)?),
        (TypeChar::Bool, _) => Elements::Bool(npy.data().map_err(bad)?),
        (TypeChar::UnicodeStr, _) => Elements::Text(npy.data().map_err(bad)?),
        _ => return Err(unsupported(format!("dtype {t}"))),
    })
}

impl NpySet {
    pub(crate) fn open(arrays: &[(String, PathBuf)]) -> Result<Self, DataError> {
        let mut opened: Vec<Array> = Vec::new();
        for (name, path) in arrays {
            let a = open_array(name, path)?;
            if let Some(first) = opened.first()
                && first.rows != a.rows
            {
                return Err(DataError::Format {
                    path: a.path.clone(),
                    problem: format!(
                        "the array has {} rows but {} has {}; all arrays must describe the same items",
                        a.rows,
                        first.path.display(),
                        first.rows
                    ),
                });
            }
            opened.push(a);
        }
        let mut columns = Vec::new();
        let mut origin = Vec::new();
        for (i, a) in opened.iter().enumerate() {
            match a.width {
                None => {
                    columns.push(a.name.clone());
                    origin.push((i, 0));
                }
                Some(k) => {
                    for j in 0..k {
                        columns.push(format!("{}_{j}", a.name));
                        origin.push((i, j));
                    }
                }
            }
        }
        Ok(Self {
            arrays: opened,
            columns,
            origin,
        })
    }

    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
    }

    pub(crate) fn select(mut self, selection: Selection) -> Result<NpyBatches, DataError> {
        let mut wanted = Vec::new();
        for (r, &idx) in selection.requests.iter().zip(&selection.indices) {
            let (array, col) = self.origin[idx];
            let a = &mut self.arrays[array];
            if a.elements.is_none() {
                let file = a.file.take().expect("each array is opened once");
                a.elements = Some(elements(&a.path, file)?);
            }
            wanted.push((array, col, r.kind, r.name.clone()));
        }
        let rows = self.arrays.first().map_or(0, |a| a.rows);
        Ok(NpyBatches {
            set: self,
            wanted,
            next_row: 0,
            rows,
        })
    }
}

pub(crate) struct NpyBatches {
    set: NpySet,
    wanted: Vec<(usize, usize, Kind, String)>,
    next_row: u64,
    rows: u64,
}

impl Backend for NpyBatches {
    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>, DataError> {
        if self.next_row >= self.rows {
            return Ok(None);
        }
        let first_row = self.next_row;
        let n = (max_rows as u64).min(self.rows - first_row) as usize;
        let mut columns: Vec<Column> = self
            .wanted
            .iter()
            .map(|w| match w.2 {
                Kind::Number => Column::Number(Vec::with_capacity(n)),
                Kind::Label => Column::Label(Vec::with_capacity(n)),
            })
            .collect();
        // Read each used array's rows once, then hand its values to the columns that want them.
        let used: Vec<usize> = {
            let mut u: Vec<usize> = self.wanted.iter().map(|w| w.0).collect();
            u.sort_unstable();
            u.dedup();
            u
        };
        for a_idx in used {
            let a = &mut self.set.arrays[a_idx];
            let width = a.width.unwrap_or(1);
            let path = a.path.clone();
            let elements = a
                .elements
                .as_mut()
                .expect("selected arrays have element streams");
            // For each column of the array, the requests that want it.
            let mut targets: Vec<Vec<usize>> = vec![Vec::new(); width];
            for (c, w) in self.wanted.iter().enumerate() {
                if w.0 == a_idx {
                    targets[w.1].push(c);
                }
            }
            for i in 0..n {
                let row = first_row + i as u64 + 1;
                for target in &targets {
                    let e = match elements.next() {
                        Some(Ok(e)) => e,
                        Some(Err(err)) => {
                            return Err(DataError::Format {
                                path,
                                problem: format!("row {row}: {err}"),
                            });
                        }
                        None => {
                            return Err(DataError::Format {
                                path,
                                problem: format!(
                                    "the array ends at row {row}, before the length its header gives"
                                ),
                            });
                        }
                    };
                    for &c in target {
                        let (_, _, kind, name) = &self.wanted[c];
                        let at = RowRef { row, line: None };
                        let cell_error = |problem: String| DataError::Cell {
                            path: path.clone(),
                            at,
                            column: name.clone(),
                            problem,
                        };
                        match (&mut columns[c], kind, &e) {
                            (Column::Number(v), Kind::Number, Element::Number(x)) => {
                                if !x.is_finite() {
                                    return Err(cell_error(format!("{x} is not a finite number")));
                                }
                                v.push(*x);
                            }
                            (Column::Number(v), Kind::Number, Element::Label(Label::Int(x))) => {
                                v.push(*x as f64)
                            }
                            (Column::Number(_), Kind::Number, Element::Label(l)) => {
                                return Err(cell_error(format!("'{l}' is not a number")));
                            }
                            (Column::Label(v), Kind::Label, Element::Label(l)) => v.push(l.clone()),
                            (Column::Label(v), Kind::Label, Element::Number(x)) => {
                                if !x.is_finite() {
                                    return Err(cell_error(format!("{x} cannot be a class label")));
                                }
                                v.push(Label::from_f64(*x));
                            }
                            _ => unreachable!("columns are built from the same kinds"),
                        }
                    }
                }
            }
        }
        self.next_row += n as u64;
        Ok(Some(Batch {
            first_row,
            rows: n,
            columns,
            source: None,
        }))
    }
}
