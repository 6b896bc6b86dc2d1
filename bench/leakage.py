"""The leakage check as a lab would script it with pandas: test items whose
content hash appears among the training hashes. Prints the count."""

import sys

import pandas as pd

train = pd.read_csv(sys.argv[1], dtype=str)
test = pd.read_csv(sys.argv[2], dtype=str)
known = set(train["sha256"].str.lower())
leaked = test[test["sha256"].str.lower().isin(known)]
print(len(leaked))
