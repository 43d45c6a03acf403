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
