import sys
from pathlib import Path

# Tests import the package from the source tree, as trainer/bin/trainer runs it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Every test fails when it reads beside the repository (a fresh clone has nothing there): .ci/repository_guard.py
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / ".ci"))
import repository_guard  # noqa: E402

guard = repository_guard.load()
no_reads_outside_the_repository = guard.no_reads_outside_the_repository
pytest_sessionfinish = guard.pytest_sessionfinish
