"""A SQLite database on a network share is flagged, from a mounts list the test writes itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnam_desk import netshare

MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
//serveur/examens /mnt/examens cifs rw,vers=3.0 0 0
serveur:/export/scol /srv/scol nfs4 rw 0 0
/dev/sdb1 /srv/scol/local ext4 rw 0 0
bob@hote:/data /home/bob/distant fuse.sshfs rw 0 0
//nas/Service\\040des\\040examens /mnt/Service\\040des\\040examens smb3 rw 0 0
//nas/gvfs /run/user/1000/gvfs fuse.gvfsd-fuse rw 0 0
"""


@pytest.fixture
def mounts(tmp_path: Path) -> Path:
    file = tmp_path / "mounts"
    file.write_text(MOUNTS, encoding="utf-8")
    return file


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/mnt/examens/cnam-desk.sqlite3", "cifs"),
        ("/srv/scol/2024/base.sqlite3", "nfs4"),
        ("/srv/scol/local/base.sqlite3", None),  # a local disk mounted inside the share
        ("/home/bob/distant/base.sqlite3", "fuse.sshfs"),
        ("/mnt/Service des examens/base.sqlite3", "smb3"),
        ("/run/user/1000/gvfs/smb-share:server=nas/base.sqlite3", "fuse.gvfsd-fuse"),
        ("/mnt/examens-local/base.sqlite3", None),  # a neighbour whose name starts the same
        ("/home/clerc/base.sqlite3", None),
        ("\\\\serveur\\examens\\base.sqlite3", "chemin UNC"),
        ("//serveur/examens/base.sqlite3", "chemin UNC"),
    ],
)
def test_network_share(mounts: Path, path: str, expected: str | None) -> None:
    assert netshare.network_share(path, mounts) == expected


def test_no_mounts_list_means_local(tmp_path: Path) -> None:
    assert netshare.network_share("/mnt/examens/base.sqlite3", tmp_path / "absent") is None


def test_warning_names_the_file_and_postgres(mounts: Path) -> None:
    warning = netshare.warning_for("/mnt/examens/cnam-desk.sqlite3", mounts)
    assert warning is not None
    assert "/mnt/examens/cnam-desk.sqlite3" in warning and "PostgreSQL" in warning and "README" in warning
    assert netshare.warning_for("postgresql+psycopg://u@serveur/examens", mounts) is None
    assert netshare.warning_for("/home/clerc/base.sqlite3", mounts) is None


def test_command_line_warns_on_stderr(cli, tmp_path: Path) -> None:
    share = tmp_path / "partage"
    share.mkdir()
    fake = tmp_path / "mounts"
    fake.write_text(f"//serveur/examens {share} cifs rw 0 0\n", encoding="utf-8")
    done = cli("--db", str(share / "base.sqlite3"), "calendar", "--json", db=False, env={"CNAM_DESK_MOUNTS_FILE": str(fake)})
    assert done.code == 0
    assert done.out.lstrip().startswith("[")  # JSON stays clean
    assert "partage réseau (cifs)" in done.err and "PostgreSQL" in done.err
    quiet = cli("--db", str(tmp_path / "locale.sqlite3"), "calendar", db=False, env={"CNAM_DESK_MOUNTS_FILE": str(fake)})
    assert quiet.code == 0 and quiet.err == ""
