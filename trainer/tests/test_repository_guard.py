"""The guard of .ci/repository_guard.py: which paths count as beside the repository, and that a read there
is seen (so that a test reading ../shared or another checkout fails)."""
import os
from pathlib import Path

import pytest
import repository_guard
from repository_guard import GUARD, surroundings

ANCHORS = ["/", "/root", "/tmp"]


@pytest.mark.parametrize("repository,zone", [
    ("/work/main", "/work"),                      # the lead's checkout: /work/shared is beside it
    ("/work/wt/clone-v2", "/work"),               # a worktree: the other checkouts and /work/shared
    ("/tmp/tmp.Ab12/repo", "/tmp/tmp.Ab12"),      # CI's fresh clone in a temporary folder
    ("/root/src/repo", "/root/src"),
    ("/root/repo", None),                         # directly in the home folder: nothing of its own beside it
])
def test_the_surroundings_of_a_checkout(repository, zone):
    assert surroundings(repository, ANCHORS) == zone


def test_a_read_beside_the_repository_is_seen_and_inside_is_not():
    repository = Path(GUARD.repository)
    inside = repository / "README.md"
    inside.read_bytes()
    assert GUARD.take() == []
    if GUARD.zone is None:
        pytest.skip(f"{repository} has no surroundings of its own")
    beside = repository.parent / "no-such-sibling-of-the-repository" / "reference.txt"
    with pytest.raises(FileNotFoundError):
        beside.open()
    assert GUARD.take() == [os.path.realpath(beside)]  # taken here, so this test does not fail for it
    assert "a fresh clone has none of it" in repository_guard.message([str(beside)])
