//! The bundled model run by tract against onnxruntime's outputs (recorded by
//! `tools/model/make_model.py`, onnxruntime 1.31.1), and every bad input the
//! model runner must name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assay_data::{Column, Kind, Request};
use assay_model::{
    Color, ModelError, ModelSpec, OnError, Preprocess, RunSettings, ScoreOutput, TestSet,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn digits_model() -> ModelSpec {
    ModelSpec {
        output: Some("probabilities".into()),
        ..ModelSpec::new(root().join("data/model/digits.onnx"))
    }
}

fn digits_preprocess() -> Preprocess {
    Preprocess {
        color: Color::Gray,
        mean: vec![0.5],
        std: vec![0.25],
        ..Preprocess::default()
    }
}

fn folder() -> TestSet {
    TestSet::Folder(root().join("data/model/digits/test"))
}

/// id → probabilities, from a predictions file.
fn read_predictions(path: &Path, classes: usize) -> HashMap<String, Vec<f64>> {
    let reader = assay_data::open(path, None).expect("a readable file");
    let mut requests = vec![Request::new("id", Kind::Label)];
    requests.extend((0..classes).map(|c| Request::new(format!("prob_{c}"), Kind::Number)));
    let mut out = HashMap::new();
    for batch in reader
        .select(&requests, 4096)
        .expect("the requested columns")
    {
        let batch = batch.expect("a readable batch");
        let Column::Label(ids) = &batch.columns[0] else {
            panic!()
        };
        for (i, id) in ids.iter().enumerate() {
            let row = batch.columns[1..]
                .iter()
                .map(|c| match c {
                    Column::Number(v) => v[i],
                    Column::Label(_) => panic!(),
                })
                .collect();
            out.insert(id.to_string(), row);
        }
    }
    out
}

fn reference() -> Vec<(String, Vec<f64>, Vec<f64>)> {
    let text = std::fs::read_to_string(root().join("data/model/digits_onnxruntime.json"))
        .expect("a readable file");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["onnxruntime"], "1.31.1");
    v["items"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|i| {
            let nums = |k: &str| {
                i[k].as_array()
                    .expect("an array")
                    .iter()
                    .map(|x| x.as_f64().expect("a number"))
                    .collect()
            };
            // "digits/test/<class>/<file>" → the folder test set's id "<class>/<file>".
            let id = i["path"]
                .as_str()
                .expect("a string")
                .trim_start_matches("digits/test/")
                .to_owned();
            (id, nums("probabilities"), nums("logits"))
        })
        .collect()
}

#[test]
fn tract_matches_onnxruntime_on_the_bundled_model() {
    let dir = tempfile::tempdir().unwrap();
    for (output, scores, batch_size) in [
        ("probabilities", ScoreOutput::Probabilities, 32),
        ("logits", ScoreOutput::Logits, 7),
    ] {
        let out = dir.path().join(format!("{output}.parquet"));
        let spec = ModelSpec {
            output: Some(output.into()),
            scores,
            ..digits_model()
        };
        let settings = RunSettings {
            batch_size,
            ..RunSettings::default()
        };
        let r = assay_model::run(
            &spec,
            &folder(),
            &digits_preprocess(),
            &settings,
            &out,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(r.items, 899);
        assert_eq!(
            r.classes,
            (0..10).map(|c| c.to_string()).collect::<Vec<_>>()
        );
        assert_eq!(r.item_shape, [1, 8, 8]);
        assert!(r.skipped.is_empty());
        assert!(
            r.timing.throughput > 0.0
                && r.timing.item_latency_ms.p99 >= r.timing.item_latency_ms.p50
        );
        let got = read_predictions(&out, 10);
        let reference = reference();
        assert_eq!(got.len(), reference.len());
        let mut worst = 0.0f64;
        for (id, probs, _) in &reference {
            let row = &got[id];
            for (a, b) in row.iter().zip(probs) {
                worst = worst.max((a - b).abs());
            }
        }
        assert!(
            worst <= 1e-5,
            "{output}: largest difference from onnxruntime {worst:e}"
        );
    }
}

#[test]
fn a_manifest_gives_the_same_predictions_with_its_slices() {
    let dir = tempfile::tempdir().unwrap();
    let test_set = TestSet::Manifest {
        path: root().join("data/model/digits_test_manifest.csv"),
        path_column: "path".into(),
        label_column: "label".into(),
        slices: vec!["ink".into()],
    };
    let out = dir.path().join("p.parquet");
    let r = assay_model::run(
        &digits_model(),
        &test_set,
        &digits_preprocess(),
        &RunSettings::default(),
        &out,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.items, 899);
    let reader = assay_data::open(&out, None).unwrap();
    assert!(reader.has_column("ink") && reader.has_column("pred") && reader.has_column("label"));
}

fn run_err(
    spec: &ModelSpec,
    test_set: &TestSet,
    pre: &Preprocess,
    settings: &RunSettings,
) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let e: ModelError = assay_model::run(
        spec,
        test_set,
        pre,
        settings,
        &dir.path().join("p.parquet"),
        &mut |_, _| {},
    )
    .expect_err("the run fails");
    e.to_string()
}

/// The error of a run of `spec` on the digits test set.
fn digits_err(spec: ModelSpec) -> String {
    run_err(
        &spec,
        &folder(),
        &digits_preprocess(),
        &RunSettings::default(),
    )
}

#[test]
fn a_file_that_is_not_onnx_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.onnx");
    std::fs::write(&path, b"this is not a protobuf model").unwrap();
    let e = digits_err(ModelSpec::new(path));
    assert!(e.contains("model.onnx: not a readable ONNX model"), "{e}");
}

#[test]
fn an_unsupported_operator_is_named_with_its_node() {
    let e = digits_err(ModelSpec::new(
        root().join("crates/assay-model/tests/data/unsupported_op.onnx"),
    ));
    assert!(
        e.contains("operator 'FrobnicateDigits'") && e.contains("node 'mystery'"),
        "{e}"
    );
}

#[test]
fn an_input_shape_mismatch_names_both_shapes() {
    let e = digits_err(ModelSpec::new(
        root().join("crates/assay-model/tests/data/rgb32.onnx"),
    ));
    assert!(
        e.contains("[N, 3, 32, 32]") && e.contains("[N, 1, 8, 8]"),
        "{e}"
    );
}

/// A copy of a few test images with one corrupt file.
fn with_corrupt_image() -> (tempfile::TempDir, TestSet) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = root().join("data/model/digits/test");
    for class in ["0", "1"] {
        std::fs::create_dir_all(dir.path().join(class)).expect("a writable folder");
        let mut files: Vec<_> = std::fs::read_dir(src.join(class))
            .expect("a readable folder")
            .map(|e| e.expect("a readable entry").path())
            .collect();
        files.sort();
        for f in files.iter().take(5) {
            std::fs::copy(
                f,
                dir.path()
                    .join(class)
                    .join(f.file_name().expect("a file name")),
            )
            .expect("a writable folder");
        }
    }
    std::fs::write(
        dir.path().join("1/broken.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .expect("a writable folder");
    let ts = TestSet::Folder(dir.path().to_path_buf());
    (dir, ts)
}

#[test]
fn a_corrupt_image_stops_the_run_or_is_counted_when_skipped() {
    let (_dir, ts) = with_corrupt_image();
    let classes = Some((0..10).map(|c| c.to_string()).collect());
    let settings = RunSettings {
        classes: classes.clone(),
        ..RunSettings::default()
    };
    let e = run_err(&digits_model(), &ts, &digits_preprocess(), &settings);
    assert!(e.contains("broken.png: cannot decode the image"), "{e}");
    let out_dir = tempfile::tempdir().unwrap();
    let settings = RunSettings {
        on_error: OnError::Skip,
        classes,
        ..RunSettings::default()
    };
    let r = assay_model::run(
        &digits_model(),
        &ts,
        &digits_preprocess(),
        &settings,
        &out_dir.path().join("p.parquet"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.items, 10);
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].id, "1/broken.png");
}

#[test]
fn a_class_folder_outside_the_class_list_is_named() {
    let (dir, ts) = with_corrupt_image();
    std::fs::remove_file(dir.path().join("1/broken.png")).unwrap();
    std::fs::create_dir_all(dir.path().join("seven")).unwrap();
    std::fs::copy(
        dir.path()
            .join("1")
            .read_dir()
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path(),
        dir.path().join("seven/x.png"),
    )
    .unwrap();
    let settings = RunSettings {
        classes: Some((0..10).map(|c| c.to_string()).collect()),
        ..RunSettings::default()
    };
    let e = run_err(&digits_model(), &ts, &digits_preprocess(), &settings);
    assert!(
        e.contains("class folder 'seven'") && e.contains("0, 1, 2"),
        "{e}"
    );
    // Without a class list the folders are the classes: 3 folders, 10 scores.
    let e = run_err(
        &digits_model(),
        &ts,
        &digits_preprocess(),
        &RunSettings::default(),
    );
    assert!(
        e.contains("10 scores per item but there are 3 classes"),
        "{e}"
    );
}

/// A model directory's identity equals the manifest the OpenSSF
/// model-signing library (1.1.1) computes for it (recorded by
/// tools/model/make_model.py): the same resources and the same root.
#[test]
fn model_directory_identity_follows_openssf_model_signing() {
    let data = root().join("crates/assay-model/tests/data");
    let id = assay_model::identity(&data.join("model_dir")).unwrap();
    let text = std::fs::read_to_string(data.join("model_dir.openssf.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(id.kind, "directory");
    assert_eq!(id.name, reference["subject"][0]["name"]);
    assert_eq!(id.sha256, reference["subject"][0]["digest"]["sha256"]);
    let resources = reference["predicate"]["resources"].as_array().unwrap();
    assert_eq!(id.resources.len(), resources.len());
    for (ours, theirs) in id.resources.iter().zip(resources) {
        assert_eq!(ours.name, theirs["name"]);
        assert_eq!(ours.digest, theirs["digest"]);
    }
    let file = assay_model::identity(&root().join("data/model/digits.onnx")).unwrap();
    assert_eq!(file.kind, "file");
    assert_eq!(file.sha256, id.resources[1].digest);
}

fn table() -> TestSet {
    TestSet::Table {
        path: root().join("data/model/breast_cancer_features.csv"),
        features: (0..30).map(|i| format!("f{i:02}")).collect(),
        label_column: "label".into(),
        id_column: Some("id".into()),
        slices: Vec::new(),
    }
}

/// The tabular model on its feature table, against onnxruntime's outputs.
#[test]
fn tract_matches_onnxruntime_on_a_tabular_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.parquet");
    let spec = ModelSpec::new(root().join("data/model/breast_cancer.onnx"));
    let settings = RunSettings {
        classes: Some(vec!["malignant".into(), "benign".into()]),
        batch_size: 16,
        ..RunSettings::default()
    };
    let r = assay_model::run(
        &spec,
        &table(),
        &Preprocess::default(),
        &settings,
        &out,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.items, 285);
    assert_eq!(r.item_shape, [30]);
    let reader = assay_data::open(&out, None).unwrap();
    let requests = [
        Request::new("id", Kind::Label),
        Request::new("prob_malignant", Kind::Number),
        Request::new("prob_benign", Kind::Number),
    ];
    let mut got = HashMap::new();
    for batch in reader.select(&requests, 4096).unwrap() {
        let batch = batch.unwrap();
        let (Column::Label(ids), Column::Number(a), Column::Number(b)) =
            (&batch.columns[0], &batch.columns[1], &batch.columns[2])
        else {
            panic!()
        };
        for i in 0..ids.len() {
            got.insert(ids[i].to_string(), [a[i], b[i]]);
        }
    }
    let text =
        std::fs::read_to_string(root().join("data/model/breast_cancer_onnxruntime.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut worst = 0.0f64;
    for item in v["items"].as_array().unwrap() {
        let ours = got[item["id"].as_str().unwrap()];
        for (a, b) in ours.iter().zip(item["probabilities"].as_array().unwrap()) {
            worst = worst.max((a - b.as_f64().unwrap()).abs());
        }
    }
    assert!(
        worst <= 1e-5,
        "largest difference from onnxruntime {worst:e}"
    );
    // Feature noise: deterministic for the seed, and it changes the scores.
    let noisy = |seed: u64| {
        let out = dir.path().join(format!("noisy{seed}.parquet"));
        let settings = RunSettings {
            perturbation: Some(assay_model::Perturb {
                kind: assay_model::Perturbation::FeatureNoise,
                severity: 5,
                seed,
            }),
            ..settings.clone()
        };
        assay_model::run(
            &spec,
            &table(),
            &Preprocess::default(),
            &settings,
            &out,
            &mut |_, _| {},
        )
        .unwrap();
        std::fs::read(out).unwrap()
    };
    assert_eq!(noisy(1), noisy(1));
    assert_ne!(noisy(1), noisy(2));
    assert_ne!(
        noisy(1),
        std::fs::read(dir.path().join("p.parquet")).unwrap()
    );
}

#[test]
fn files_that_are_not_images_are_left_out_and_listed() {
    let (dir, ts) = with_corrupt_image();
    std::fs::remove_file(dir.path().join("1/broken.png")).unwrap();
    for (name, bytes) in [
        ("notes.txt", &b"scanned on line 3"[..]),
        ("0/Thumbs.db", b"\xd0\xcf\x11\xe0"),
        (".DS_Store", b"\0\0\0\x01Bud1"),
        ("1/.DS_Store", b"\0\0\0\x01Bud1"),
        ("1/README", b"class one"),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let settings = RunSettings {
        classes: Some((0..10).map(|c| c.to_string()).collect()),
        ..RunSettings::default()
    };
    let out = tempfile::tempdir().unwrap();
    let r = assay_model::run(
        &digits_model(),
        &ts,
        &digits_preprocess(),
        &settings,
        &out.path().join("p.parquet"),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.items, 10);
    assert!(r.skipped.is_empty());
    assert_eq!(r.ignored, ["0/Thumbs.db", "1/README", "notes.txt"]);

    // An image in a format that cannot be read is an error, not left out.
    std::fs::write(dir.path().join("0/scan.TIF"), b"II*\0").unwrap();
    let e = run_err(&digits_model(), &ts, &digits_preprocess(), &settings);
    assert!(
        e.contains("0/scan.TIF (.tif)") && e.contains("convert them"),
        "{e}"
    );
    // An image at the top belongs to no class.
    std::fs::remove_file(dir.path().join("0/scan.TIF")).unwrap();
    std::fs::copy(
        dir.path()
            .join("1")
            .read_dir()
            .unwrap()
            .flatten()
            .find(|e| e.path().extension().is_some_and(|x| x == "png"))
            .unwrap()
            .path(),
        dir.path().join("top.png"),
    )
    .unwrap();
    let e = run_err(&digits_model(), &ts, &digits_preprocess(), &settings);
    assert!(e.contains("belong to no class: top.png"), "{e}");
}

#[test]
fn a_flat_model_takes_layout_flat_and_the_error_says_so() {
    let flat = ModelSpec {
        output: Some("probabilities".into()),
        ..ModelSpec::new(root().join("crates/assay-model/tests/data/digits_flat.onnx"))
    };
    // The default layout: the error names the setting that fits.
    let e = run_err(
        &flat,
        &folder(),
        &digits_preprocess(),
        &RunSettings::default(),
    );
    assert!(
        e.contains("[N, 64]") && e.contains("[N, 1, 8, 8]") && e.contains("set layout = \"flat\""),
        "{e}"
    );
    // With it, the same probabilities as the [N, 1, 8, 8] model.
    let dir = tempfile::tempdir().unwrap();
    let pre = Preprocess {
        layout: assay_model::Layout::Flat,
        ..digits_preprocess()
    };
    let out = dir.path().join("flat.parquet");
    let r = assay_model::run(
        &flat,
        &folder(),
        &pre,
        &RunSettings::default(),
        &out,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.item_shape, [64]);
    let got = read_predictions(&out, 10);
    let mut worst = 0.0f64;
    for (id, probs, _) in &reference() {
        for (a, b) in got[id].iter().zip(probs) {
            worst = worst.max((a - b).abs());
        }
    }
    assert!(
        worst <= 1e-5,
        "largest difference from onnxruntime {worst:e}"
    );
    // The other way round, and a colour and size the model does not take.
    let e = run_err(&digits_model(), &folder(), &pre, &RunSettings::default());
    assert!(e.contains("set layout = \"nchw\""), "{e}");
    let e = digits_err(ModelSpec::new(
        root().join("crates/assay-model/tests/data/rgb32.onnx"),
    ));
    assert!(
        e.contains("32×32") && e.contains("resize = [32, 32]") && e.contains("color = \"rgb\""),
        "{e}"
    );
}
