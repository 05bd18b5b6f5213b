"""A pytest plugin that fails every test which reads a file next to the repository but outside it.

A fresh clone has nothing beside it: a test that passes by reading `../shared/...` (or another checkout)
fails for everyone who clones the repository. Python's audit hooks see every file the test process opens
or lists (`open`, `os.listdir`, `os.scandir`); a path inside the repository's surroundings but outside the
repository is recorded, and the test that read it fails with the path. The surroundings are the folder
tree the repository sits in, below the home, temporary and root folders, which hold what tests may use:
the installed Python and its packages, caches, pytest's tmp_path. Child processes (the trainer CLI, the
Java service) are not watched; CI's fresh clone (.ci/run) covers them.

Loaded by trainer/tests/conftest.py and src/test/cross/conftest.py:

    guard = repository_guard.load()
    no_reads_outside_the_repository = guard.no_reads_outside_the_repository
    pytest_sessionfinish = guard.pytest_sessionfinish
"""
import os
import site
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import List, Optional

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
EVENTS = {"open", "os.listdir", "os.scandir"}


def _real(path) -> str:
    return os.path.realpath(os.path.abspath(os.fspath(path)))


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def surroundings(repository: str, anchors: List[str]) -> Optional[str]:
    """The folder whose tree, outside `repository`, no test may read: the child, on the way down to the
    repository, of the deepest anchor (/, home, temporary folder) above it; None when the repository is
    that child itself (it has no surroundings of its own)."""
    above = [a for a in anchors if _within(repository, a) and repository != a]
    deepest = max(above, key=len, default=os.sep)
    rest = os.path.relpath(repository, deepest).split(os.sep)
    zone = os.path.join(deepest, rest[0])
    return None if zone == repository else zone


def allowed_roots() -> List[str]:
    """Where an installed Python and its packages live, even when they sit beside the repository, the
    import path the tests were started with (PYTHONPATH), the temporary and home folders (unless the
    repository is inside them)."""
    roots = {sys.prefix, sys.exec_prefix, sys.base_prefix, *site.getsitepackages(), site.getusersitepackages()}
    roots.update(p for p in sysconfig.get_paths().values())
    roots.update(p for p in sys.path if p)
    roots.update((tempfile.gettempdir(), str(Path.home())))  # pytest's tmp_path and caches, wherever they are
    return sorted(_real(r) for r in roots if r)


class Guard:
    def __init__(self, repository: Path):
        self.repository = _real(repository)
        self.zone = surroundings(self.repository, [_real(os.sep), _real(Path.home()), _real(tempfile.gettempdir())])
        self.allowed = [r for r in allowed_roots() if not _within(self.repository, r)]
        self.reads: List[str] = []
        self.between_tests: List[str] = []  # read by collection or session fixtures: reported at the end

    def outside(self, path: str) -> bool:
        """Whether reading `path` (absolute, real) is reading beside the repository."""
        return (self.zone is not None and _within(path, self.zone) and not _within(path, self.repository)
                and not any(_within(path, root) for root in self.allowed))

    def audit(self, event: str, args) -> None:
        if event not in EVENTS or not args or args[0] is None or isinstance(args[0], int):
            return
        try:
            path = _real(args[0] if not isinstance(args[0], bytes) else os.fsdecode(args[0]))
        except (TypeError, ValueError):
            return
        if self.outside(path):
            self.reads.append(path)

    def take(self) -> List[str]:
        reads, self.reads = sorted(set(self.reads)), []
        return reads


GUARD = Guard(REPOSITORY)


def load():
    """Install the audit hook once per process (hooks cannot be removed); returns this module."""
    module = sys.modules[__name__]
    if not getattr(sys, "_dwiseneuro_repository_guard", False):
        sys.addaudithook(GUARD.audit)
        sys._dwiseneuro_repository_guard = True
    return module


def message(reads: List[str]) -> str:
    return (f"read outside the repository {GUARD.repository} (a fresh clone has none of it; put what tests need "
            f"in the repository, e.g. trainer/tests/fixtures/): " + ", ".join(reads))


@pytest.fixture(autouse=True)
def no_reads_outside_the_repository():
    GUARD.between_tests.extend(GUARD.take())
    yield
    reads = GUARD.take()
    if reads:
        pytest.fail(message(reads), pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    reads = sorted(set(GUARD.between_tests + GUARD.take()))
    if reads:
        session.config.get_terminal_writer().line(message(reads), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
