#!/usr/bin/env python3
"""The bundled model under test: a small classifier on real images, exported
to ONNX with standard operators, its test images, and onnxruntime's outputs.

- data/model/digits.onnx: a multi-layer perceptron (64 → 64 → 10, ReLU)
  trained with scikit-learn on the 8×8 handwritten digits (the training half,
  stratified, seed 4213), written as an ONNX graph by hand so that it uses
  only standard operators: Flatten, Gemm, Relu, Softmax. Input `image`,
  float32 [N, 1, 8, 8], pixels scaled to [0, 1] then normalized with mean 0.5
  and std 0.25; outputs `logits` [N, 10] and `probabilities` [N, 10].
- data/model/digits/test/<class>/<id>.png: the test half (899 images) as
  8-bit grey PNG files in the ImageFolder layout, pixel = round(v · 255 / 16)
  for the data set's 0–16 values.
- data/model/digits_test_manifest.csv: path, label and a slice column
  (`ink`: light / medium / heavy, by the tertile of the image's total ink in
  the training half).
- data/model/digits_onnxruntime.json: onnxruntime's probabilities for every
  test image, for the test that checks tract's outputs against them.
- data/model/breast_cancer.onnx, breast_cancer_features.csv,
  breast_cancer_onnxruntime.json: a tabular model (logistic regression on the
  30 breast-cancer features, standardization inside the graph; classes
  malignant, benign), its test half as a feature table, onnxruntime's outputs.
- crates/assay-model/tests/data: fixtures for the bad-input tests, the
  digits model with a flat [N, 64] input (digits_flat.onnx), and a model
  directory with its manifest as the OpenSSF model-signing library (1.1.1)
  computes it.

The model is trained on exactly the pixels the PNG files hold, so reading the
PNG files and applying the preprocessing reproduces the training inputs.

Run:  .venv/bin/python tools/model/make_model.py
"""

import csv
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import sklearn
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "model"
SEED = 4213
MEAN, STD = 0.5, 0.25


def pixels(values):
    """The 8-bit pixels of the PNG files, from the data set's 0–16 values."""
    return np.rint(values * 255.0 / 16.0).astype(np.uint8)


def model_input(px):
    """What the model sees: [0, 1] pixels, normalized."""
    return ((px.astype(np.float32) / 255.0) - MEAN) / STD


def export(mlp, path):
    (w1, w2), (b1, b2) = mlp.coefs_, mlp.intercepts_
    inits = [
        numpy_helper.from_array(w1.T.astype(np.float32), "w1"),
        numpy_helper.from_array(b1.astype(np.float32), "b1"),
        numpy_helper.from_array(w2.T.astype(np.float32), "w2"),
        numpy_helper.from_array(b2.astype(np.float32), "b2"),
    ]
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "w1", "b1"], ["hidden_pre"], name="dense1", transB=1),
        helper.make_node("Relu", ["hidden_pre"], ["hidden"], name="relu1"),
        helper.make_node("Gemm", ["hidden", "w2", "b2"], ["logits"], name="dense2", transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "digits_mlp",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="assay-tools")
    model.ir_version = 8
    model.doc_string = "MLP on scikit-learn's 8x8 digits; classes 0-9 in output order"
    onnx.checker.check_model(model)
    onnx.save(model, path)


def broken_models(folder):
    """Fixtures for the bad-input tests: a model with an operator no runtime
    implements, and one whose input is [N, 3, 32, 32]."""
    folder.mkdir(parents=True, exist_ok=True)
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 8, 8])
    y = helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 10])
    node = helper.make_node("FrobnicateDigits", ["image"], ["scores"], name="mystery", domain="com.example")
    graph = helper.make_graph([node], "unsupported", [x], [y])
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)]
    )
    model.ir_version = 8
    onnx.save(model, folder / "unsupported_op.onnx")
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 32, 32])
    y = helper.make_tensor_value_info("flat", TensorProto.FLOAT, ["N", 3072])
    graph = helper.make_graph([helper.make_node("Flatten", ["image"], ["flat"], name="flatten", axis=1)], "rgb32", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, folder / "rgb32.onnx")


def flat_model(folder):
    """The digits model as scikit-learn-style exports give it: input
    `features` float32 [N, 64] (the pixels in one row), no Flatten node; the
    same weights, so its outputs equal digits.onnx's on the same images."""
    source = onnx.load(OUT / "digits.onnx")
    graph = source.graph
    nodes = [n for n in graph.node if n.op_type != "Flatten"]
    for n in nodes:
        n.input[:] = ["features" if i == "flat" else i for i in n.input]
    flat = helper.make_graph(
        nodes,
        "digits_mlp_flat",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 64])],
        list(graph.output),
        list(graph.initializer),
    )
    model = helper.make_model(flat, opset_imports=[helper.make_opsetid("", 17)], producer_name="assay-tools")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, folder / "digits_flat.onnx")


def model_directory_fixture(folder):
    """A small model directory and its manifest as the OpenSSF model-signing
    library computes it, for the model-identity test."""
    from google.protobuf import json_format
    from model_signing import hashing
    from model_signing._signing import signing

    directory = folder / "model_dir"
    (directory / "sub").mkdir(parents=True, exist_ok=True)
    (directory / "digits.onnx").write_bytes((OUT / "digits.onnx").read_bytes())
    (directory / "config.json").write_text('{"classes": 10}\n')
    (directory / "sub" / "notes.txt").write_text("weights notes\n")
    statement = signing.Payload(hashing.Config().hash(directory)).statement
    reference = json.loads(json_format.MessageToJson(statement.pb))
    # The library builds ignore_paths from a set: sort it so the file is stable.
    reference["predicate"]["serialization"]["ignore_paths"].sort()
    (folder / "model_dir.openssf.json").write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")


def tabular_model():
    """A tabular model: logistic regression on the 30 breast-cancer features
    (standardization inside the graph: Sub, Div, Gemm, Softmax), its test half
    as a feature table, and onnxruntime's probabilities."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    data = load_breast_cancer()
    names = [f"f{i:02d}" for i in range(data.data.shape[1])]
    x_train, x_test, y_train, y_test, _, id_test = train_test_split(
        data.data, data.target, np.arange(len(data.target)), test_size=0.5, stratify=data.target, random_state=SEED
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    lr = LogisticRegression(max_iter=5000, C=0.05).fit((x_train - mean) / std, y_train)
    # Two-column scores from the binary model: [benign-vs-malignant logit as softmax inputs].
    w = np.stack([np.zeros_like(lr.coef_[0]), lr.coef_[0]]).astype(np.float32)  # classes 0 (malignant), 1 (benign)
    b = np.array([0.0, lr.intercept_[0]], dtype=np.float32)
    inits = [
        numpy_helper.from_array(mean.astype(np.float32), "mean"),
        numpy_helper.from_array(std.astype(np.float32), "std"),
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(b, "b"),
    ]
    nodes = [
        helper.make_node("Sub", ["features", "mean"], ["centred"], name="centre"),
        helper.make_node("Div", ["centred", "std"], ["scaled"], name="scale"),
        helper.make_node("Gemm", ["scaled", "w", "b"], ["logits"], name="linear", transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "breast_cancer_lr",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", len(names)])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="assay-tools")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = OUT / "breast_cancer.onnx"
    onnx.save(model, path)
    labels = np.array(["malignant", "benign"])[y_test]
    with (OUT / "breast_cancer_features.csv").open("w", newline="") as f:
        w_ = csv.writer(f, lineterminator="\n")
        w_.writerow(["id", "label"] + names)
        for i, lab, row in zip(id_test, labels, x_test.astype(np.float32)):
            w_.writerow([int(i), lab] + [repr(float(v)) for v in row])
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (probs,) = session.run(["probabilities"], {"features": x_test.astype(np.float32)})
    sk = lr.predict_proba((x_test - mean) / std)
    print(f"tabular: onnxruntime vs scikit-learn max |diff| {np.abs(probs - sk).max():.2e}")
    reference = {"onnxruntime": onnxruntime.__version__, "model": "breast_cancer.onnx",
                 "items": [{"id": str(int(i)), "probabilities": [float(p) for p in row]} for i, row in zip(id_test, probs)]}
    (OUT / "breast_cancer_onnxruntime.json").write_text(json.dumps(reference) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    data = load_digits()
    px = pixels(data.data)
    ids = np.arange(len(px))
    x_train, x_test, y_train, y_test, _, id_test = train_test_split(
        px, data.target, ids, test_size=0.5, stratify=data.target, random_state=SEED
    )
    mlp = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=2000, random_state=SEED)
    mlp.fit(model_input(x_train), y_train)
    print(f"scikit-learn {sklearn.__version__}: test accuracy {mlp.score(model_input(x_test), y_test):.4f}")
    model_path = OUT / "digits.onnx"
    export(mlp, model_path)

    ink_train = x_train.sum(axis=1)
    cuts = np.quantile(ink_train, [1 / 3, 2 / 3])
    ink = np.array(["light", "medium", "heavy"])[np.searchsorted(cuts, x_test.sum(axis=1))]
    folder = OUT / "digits" / "test"
    rows = []
    for i, (image, label, item, level) in enumerate(zip(x_test, y_test, id_test, ink)):
        path = folder / str(label) / f"{item:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image.reshape(8, 8), mode="L").save(path, optimize=True)
        rows.append([str(path.relative_to(OUT)), int(label), level])
    with (OUT / "digits_test_manifest.csv").open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["path", "label", "ink"])
        w.writerows(rows)

    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    batch = model_input(x_test).reshape(-1, 1, 8, 8)
    logits, probs = session.run(["logits", "probabilities"], {"image": batch})
    sk = mlp.predict_proba(model_input(x_test))
    print(f"onnxruntime {onnxruntime.__version__} vs scikit-learn: max |diff| {np.abs(probs - sk).max():.2e}")
    reference = {
        "onnxruntime": onnxruntime.__version__,
        "model": "digits.onnx",
        "items": [
            {"path": r[0], "probabilities": [float(p) for p in row], "logits": [float(v) for v in lrow]}
            for r, row, lrow in zip(rows, probs, logits)
        ],
    }
    (OUT / "digits_onnxruntime.json").write_text(json.dumps(reference) + "\n")
    tabular_model()
    broken_models(ROOT / "crates" / "assay-model" / "tests" / "data")
    flat_model(ROOT / "crates" / "assay-model" / "tests" / "data")
    model_directory_fixture(ROOT / "crates" / "assay-model" / "tests" / "data")
    print(f"wrote {model_path.relative_to(ROOT)}, {len(rows)} test images, onnxruntime reference")


if __name__ == "__main__":
    main()
