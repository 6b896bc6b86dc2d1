"""A ResNet-18-sized image classifier for the throughput benchmark, written
with the onnx helpers: 224×224 RGB input, a 7×7 stem, four stages of two
basic residual blocks (64, 128, 256, 512 channels; batch normalization
folded into the convolutions), global average pooling and a 1000-way Gemm.
The weights are deterministic random numbers (He initialization): only the
amount and kind of arithmetic matter here. Not committed; bench/run.sh makes
it in bench/data."""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(4213)
nodes, inits = [], []


def weight(name, shape):
    fan_in = int(np.prod(shape[1:]))
    inits.append(numpy_helper.from_array((rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32), name))
    return name


def conv(x, name, cin, cout, k, stride, relu=True):
    w = weight(f"{name}_w", [cout, cin, k, k])
    b = weight(f"{name}_b", [cout, 1, 1, 1])
    inits[-1] = numpy_helper.from_array(np.zeros(cout, np.float32), f"{name}_b")
    nodes.append(helper.make_node("Conv", [x, w, f"{name}_b"], [name], name=name, kernel_shape=[k, k],
                                  strides=[stride, stride], pads=[k // 2] * 4))
    if relu:
        nodes.append(helper.make_node("Relu", [name], [f"{name}_r"], name=f"{name}_relu"))
        return f"{name}_r"
    return name


def block(x, name, cin, cout, stride):
    y = conv(x, f"{name}_a", cin, cout, 3, stride)
    y = conv(y, f"{name}_b", cout, cout, 3, 1, relu=False)
    skip = conv(x, f"{name}_down", cin, cout, 1, stride, relu=False) if (stride != 1 or cin != cout) else x
    nodes.append(helper.make_node("Add", [y, skip], [f"{name}_sum"], name=f"{name}_add"))
    nodes.append(helper.make_node("Relu", [f"{name}_sum"], [f"{name}_out"], name=f"{name}_relu"))
    return f"{name}_out"


x = conv("image", "stem", 3, 64, 7, 2)
nodes.append(helper.make_node("MaxPool", [x], ["pool"], name="pool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
x, cin = "pool", 64
for stage, cout in enumerate([64, 128, 256, 512]):
    for i in range(2):
        x = block(x, f"s{stage}b{i}", cin, cout, 2 if (i == 0 and stage > 0) else 1)
        cin = cout
nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1))
fc_w = weight("fc_w", [1000, 512])
inits.append(numpy_helper.from_array(np.zeros(1000, np.float32), "fc_b"))
nodes.append(helper.make_node("Gemm", ["flat", fc_w, "fc_b"], ["logits"], name="fc", transB=1))
graph = helper.make_graph(nodes, "resnet18_like",
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 224, 224])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
print(f"wrote {sys.argv[1]}: {sum(np.prod(i.dims) for i in inits) / 1e6:.1f} M parameters")
