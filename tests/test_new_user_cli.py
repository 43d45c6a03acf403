"""A new clerk at the command line: wrong usage is explained in French, never in English."""

from __future__ import annotations

import pytest

ENGLISH = ("usage:", "invalid choice", "required", "expected one argument", "unrecognized", "invalid int",
           "show this help", "positional arguments")


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("planning",),
        ("planning", "--session"),
        ("decide", "1", "maybe"),
        ("decide", "abc", "accept"),
        ("calendar", "--bogus"),
    ],
)
def test_wrong_usage_is_told_in_french(cli, args):
    result = cli(*args)
    assert result.code == 2, result
    for english in ENGLISH:
        assert english not in result.err, result


def test_help_is_french(cli):
    result = cli("--help")
    assert result.code == 0
    assert "utilisation :" in result.out
    assert "afficher cette aide" in result.out
    for english in ENGLISH:
        assert english not in result.out, result


def test_output_cut_short_by_a_pipe_is_no_error(cli, database_url, private_home):
    """`cnam-desk calendar --json | head -1`: the reader stopping early is not an unexpected error."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "CNAM_DESK_HOME": str(private_home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cnam_desk", "--db", database_url, "calendar", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
    )
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 0, err
    assert "inattendue" not in err
    assert "Traceback" not in err and "Exception" not in err
