import sys
from pathlib import Path

# Tests import the package from the source tree, as trainer/bin/trainer runs it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
