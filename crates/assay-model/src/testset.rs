//! Test sets: an image folder with one sub-folder per class (the torchvision
//! ImageFolder layout), or a manifest table (`path`, `label`, any slice
//! columns) whose paths are relative to the manifest's folder.

use std::path::{Path, PathBuf};

use assay_data::{Column, Kind, Request};

use crate::ModelError;

/// Where the test items are.
#[derive(Debug, Clone, PartialEq)]
pub enum TestSet {
    /// `ROOT/<class>/<file>`: the class is the folder's name.
    Folder(PathBuf),
    /// A table with a path column, a label column and slice columns.
    Manifest {
        /// The table (CSV, Parquet, … as `assay eval` reads).
        path: PathBuf,
        /// Column of image paths (default `path`).
        path_column: String,
        /// Column of true classes (default `label`).
        label_column: String,
        /// Columns copied to the predictions as slices.
        slices: Vec<String>,
    },
    /// A table of feature columns (tabular models): one row per item.
    Table {
        /// The table (CSV, Parquet, … as `assay eval` reads).
        path: PathBuf,
        /// The feature columns, in the model's input order.
        features: Vec<String>,
        /// Column of true classes.
        label_column: String,
        /// Column of item ids (default: the row number).
        id_column: Option<String>,
        /// Columns copied to the predictions as slices.
        slices: Vec<String>,
    },
}

/// The rows of a feature table: items and their feature values, row-major.
pub(crate) struct TableRows {
    pub items: Vec<Item>,
    pub values: Vec<f32>,
    pub features: usize,
}

/// A test set's items and the files of its folder that are not images.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The items, in order.
    pub items: Vec<Item>,
    /// Files left out for their extension, relative to the folder, sorted.
    pub ignored: Vec<String>,
}

/// The extensions of the image files an image folder's items are read
/// from (compared without case).
pub const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

/// Image formats that cannot be read: a file of one of these is an error,
/// not a file to leave out, since leaving test images out would change
/// the test set.
const UNREAD_IMAGE_EXTENSIONS: [&str; 9] = [
    "tif", "tiff", "webp", "gif", "ppm", "pgm", "pbm", "heic", "avif",
];

/// What a file of an image folder is, by its extension.
enum FileKind {
    Image,
    Unreadable(String),
    Other,
}

fn file_kind(path: &Path) -> FileKind {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if IMAGE_EXTENSIONS.contains(&ext.as_str()) {
        FileKind::Image
    } else if UNREAD_IMAGE_EXTENSIONS.contains(&ext.as_str()) {
        FileKind::Unreadable(ext)
    } else {
        FileKind::Other
    }
}

/// One test item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its id: the path as the folder or manifest gives it.
    pub id: String,
    /// The image file.
    pub path: PathBuf,
    /// Its true class.
    pub label: String,
    /// Slice values, in the order of the test set's slice columns.
    pub slices: Vec<String>,
}

/// A column's cells as text.
fn texts(column: &Column) -> Vec<String> {
    match column {
        Column::Label(v) => v.iter().map(ToString::to_string).collect(),
        Column::Number(v) => v.iter().map(ToString::to_string).collect(),
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.into(),
        source,
    }
}

impl TestSet {
    /// The folder or manifest, for messages.
    pub fn path(&self) -> &Path {
        match self {
            TestSet::Folder(p) => p,
            TestSet::Manifest { path, .. } | TestSet::Table { path, .. } => path,
        }
    }

    /// Slice column names.
    pub fn slice_names(&self) -> &[String] {
        match self {
            TestSet::Folder(_) => &[],
            TestSet::Manifest { slices, .. } | TestSet::Table { slices, .. } => slices,
        }
    }

    /// Every item, in a stable order (folder: class folders and files by name;
    /// manifest: its rows).
    pub fn items(&self) -> Result<Vec<Item>, ModelError> {
        self.list().map(|l| l.items)
    }

    /// Every item, and the files of an image folder that are not images
    /// by their extension (`notes.txt`, `Thumbs.db`), which are left out as
    /// torchvision's ImageFolder leaves them out, and listed.
    pub fn list(&self) -> Result<Listing, ModelError> {
        let items = match self {
            TestSet::Folder(root) => return folder_items(root),
            TestSet::Manifest {
                path,
                path_column,
                label_column,
                slices,
            } => manifest_items(path, path_column, label_column, slices)?,
            TestSet::Table { .. } => self.table()?.items,
        };
        Ok(Listing {
            items,
            ignored: Vec::new(),
        })
    }

    /// A feature table's rows (an empty table for image test sets).
    pub(crate) fn table(&self) -> Result<TableRows, ModelError> {
        let TestSet::Table {
            path,
            features,
            label_column,
            id_column,
            slices,
        } = self
        else {
            return Ok(TableRows {
                items: Vec::new(),
                values: Vec::new(),
                features: 0,
            });
        };
        let data_err = |e: assay_data::DataError| ModelError::TestSet {
            path: path.clone(),
            message: e.to_string(),
        };
        if features.is_empty() {
            return Err(ModelError::TestSet {
                path: path.clone(),
                message: "a feature table needs its feature columns named (features = [...] or feature_prefix)".into(),
            });
        }
        let reader = assay_data::open(path, None).map_err(data_err)?;
        let mut requests = vec![
            Request::new(label_column, Kind::Label)
                .role("the true classes; set it with label_column"),
        ];
        if let Some(id) = id_column {
            requests
                .push(Request::new(id, Kind::Label).role("the item ids; set it with id_column"));
        }
        requests.extend(slices.iter().map(|s| Request::new(s, Kind::Label)));
        let first_feature = requests.len();
        requests.extend(
            features
                .iter()
                .map(|f| Request::new(f, Kind::Number).role("a feature column")),
        );
        let mut out = TableRows {
            items: Vec::new(),
            values: Vec::new(),
            features: features.len(),
        };
        for batch in reader
            .select(&requests, assay_data::DEFAULT_BATCH_ROWS)
            .map_err(data_err)?
        {
            let batch = batch.map_err(data_err)?;
            let labels = |i: usize| texts(&batch.columns[i]);
            let truth = labels(0);
            let ids = id_column.as_ref().map(|_| labels(1));
            let slice_start = 1 + usize::from(id_column.is_some());
            let slice_values: Vec<Vec<String>> =
                (0..slices.len()).map(|s| labels(slice_start + s)).collect();
            for r in 0..batch.rows {
                let row = batch.first_row + r as u64 + 1;
                out.items.push(Item {
                    id: ids
                        .as_ref()
                        .map_or_else(|| row.to_string(), |ids| ids[r].clone()),
                    path: path.clone(),
                    label: truth[r].clone(),
                    slices: slice_values.iter().map(|v| v[r].clone()).collect(),
                });
                for c in &batch.columns[first_feature..] {
                    if let Column::Number(v) = c {
                        out.values.push(v[r] as f32);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The class names of a folder test set (its sub-folders, sorted), or the
    /// sorted distinct labels of a manifest.
    pub fn class_names(items: &[Item]) -> Vec<String> {
        let mut names: Vec<String> = items.iter().map(|i| i.label.clone()).collect();
        names.sort();
        names.dedup();
        names
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, ModelError> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    entries.retain(|e| !e.file_name().to_string_lossy().starts_with('.'));
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn folder_items(root: &Path) -> Result<Listing, ModelError> {
    let mut items = Vec::new();
    let mut ignored = Vec::new();
    let mut stray = Vec::new();
    let mut unreadable = Vec::new();
    for class_dir in sorted_entries(root)? {
        let class = class_dir.file_name().to_string_lossy().into_owned();
        let kind = class_dir.file_type().map_err(io(root))?;
        if !kind.is_dir() {
            match file_kind(&class_dir.path()) {
                FileKind::Other => ignored.push(class),
                _ => stray.push(class),
            }
            continue;
        }
        let mut stack = vec![class_dir.path()];
        let mut files = Vec::new();
        while let Some(dir) = stack.pop() {
            for e in sorted_entries(&dir)? {
                if e.file_type().map_err(io(&dir))?.is_dir() {
                    stack.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
        files.sort();
        for path in files {
            let id = crate::identity::relative_name(root, &path);
            match file_kind(&path) {
                FileKind::Image => items.push(Item {
                    id,
                    path,
                    label: class.clone(),
                    slices: Vec::new(),
                }),
                FileKind::Unreadable(ext) => unreadable.push(format!("{id} (.{ext})")),
                FileKind::Other => ignored.push(id),
            }
        }
    }
    if !stray.is_empty() {
        return Err(ModelError::TestSet {
            path: root.into(),
            message: format!(
                "an image folder test set holds one sub-folder per class; found images at its top, which belong to no class: {}",
                stray.join(", ")
            ),
        });
    }
    if !unreadable.is_empty() {
        return Err(ModelError::TestSet {
            path: root.into(),
            message: format!(
                "{} image(s) in a format assay does not read (it reads {}): {}; convert them (e.g. to PNG) so that no test image is left out",
                unreadable.len(),
                IMAGE_EXTENSIONS.join(", "),
                unreadable
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if items.is_empty() {
        return Err(ModelError::TestSet {
            path: root.into(),
            message: format!(
                "no images: the folder needs one sub-folder per class, each holding that class's images ({})",
                IMAGE_EXTENSIONS.join(", ")
            ),
        });
    }
    ignored.sort();
    Ok(Listing { items, ignored })
}

fn manifest_items(
    path: &Path,
    path_column: &str,
    label_column: &str,
    slices: &[String],
) -> Result<Vec<Item>, ModelError> {
    let data_err = |e: assay_data::DataError| ModelError::TestSet {
        path: path.into(),
        message: e.to_string(),
    };
    let reader = assay_data::open(path, None).map_err(data_err)?;
    let mut requests = vec![
        Request::new(path_column, Kind::Label).role("the image paths; set it with path_column"),
        Request::new(label_column, Kind::Label).role("the true classes; set it with label_column"),
    ];
    requests.extend(slices.iter().map(|s| Request::new(s, Kind::Label)));
    let base = path.parent().unwrap_or(Path::new("."));
    let mut items = Vec::new();
    for batch in reader
        .select(&requests, assay_data::DEFAULT_BATCH_ROWS)
        .map_err(data_err)?
    {
        let batch = batch.map_err(data_err)?;
        let labels = |i: usize| texts(&batch.columns[i]);
        let paths = labels(0);
        let truths = labels(1);
        let slice_values: Vec<Vec<String>> = (0..slices.len()).map(|s| labels(2 + s)).collect();
        for (r, (p, t)) in paths.into_iter().zip(truths).enumerate() {
            items.push(Item {
                path: base.join(&p),
                id: p,
                label: t,
                slices: slice_values.iter().map(|v| v[r].clone()).collect(),
            });
        }
    }
    Ok(items)
}
