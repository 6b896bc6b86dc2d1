"""onnxruntime's side of the model-throughput benchmark: the same model,
input shape, batch size and item count, `intra_op_num_threads` = the core
count, batches one after another (onnxruntime parallelizes inside each call).
Prints items per second (median of 5 rounds after a warm-up)."""

import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

path, c, h, w, batch, items = sys.argv[1], *map(int, sys.argv[2:7])
options = ort.SessionOptions()
options.intra_op_num_threads = os.cpu_count()
options.inter_op_num_threads = 1
session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
x = np.random.default_rng(0).random((batch, c, h, w), dtype=np.float32)
batches = -(-items // batch)


def round_():
    t = time.perf_counter()
    for _ in range(batches):
        session.run(None, {name: x})
    return batches * batch / (time.perf_counter() - t)


round_()
rates = [round_() for _ in range(5)]
print(f"onnxruntime {ort.__version__} {os.cpu_count()} threads batch {batch}: {statistics.median(rates):.1f} items/s (median of 5)")
