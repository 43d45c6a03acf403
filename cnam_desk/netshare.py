"""Is a SQLite database on a network share? There it is not safe for several workstations.

SQLite's locking relies on the file system; SMB/CIFS and NFS implement it badly, and two
workstations writing to one file on a share can damage it. Offices that share data use a
PostgreSQL server instead (README, "Several workstations: one PostgreSQL server").
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path, PurePosixPath

from cnam_desk.backup import sqlite_path

# Where Linux lists mounted file systems; CNAM_DESK_MOUNTS_FILE replaces it (tests, unusual systems).
MOUNTS_FILE = "/proc/mounts"

NETWORK_FILESYSTEMS = {
    "cifs", "smb", "smb2", "smb3", "smbfs", "nfs", "nfs4", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "lustre", "gpfs", "ocfs2", "gfs2", "davfs", "coda", "fuse.sshfs", "sshfs", "fuse.davfs2", "fuse.glusterfs",
    "fuse.rclone", "fuse.s3fs", "fuse.gvfsd-fuse", "fuse.smbnetfs", "fuse.cephfs",
}

WARNING = (
    "La base « {path} » est sur un partage réseau ({kind}) : SQLite n'y est pas sûr dès que plusieurs "
    "postes l'ouvrent (la base peut être endommagée). Pour travailler à plusieurs, installez un serveur "
    "PostgreSQL (voir la section « Several workstations: one PostgreSQL server » du README)."
)


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in octal (\040 ...).
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def read_mounts(mounts_file: str | os.PathLike[str] | None = None) -> list[tuple[str, str, str]]:
    """(mount point, file system type, source) of every mounted file system; empty where unknown."""
    file = Path(mounts_file or os.environ.get("CNAM_DESK_MOUNTS_FILE") or MOUNTS_FILE)
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape(fields[1]), fields[2], _unescape(fields[0])))
    return mounts


def _is_unc(text: str) -> bool:
    return text.startswith("\\\\") or (text.startswith("//") and not text.startswith("///"))


def _windows_drive_is_remote(path: str) -> bool:
    if sys.platform != "win32":
        return False
    import ctypes  # deferred on purpose: Windows only

    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if not drive:
        return False
    return ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == 4  # type: ignore[attr-defined]  # DRIVE_REMOTE


def network_share(path: str | os.PathLike[str], mounts_file: str | os.PathLike[str] | None = None) -> str | None:
    """What kind of network share holds `path` ("cifs", "nfs4", "chemin UNC" ...), or None when local."""
    text = os.fspath(path)
    if _is_unc(text):
        return "chemin UNC"
    if _windows_drive_is_remote(text):
        return "lecteur réseau"
    try:
        resolved = str(Path(text).expanduser().resolve())
    except OSError:
        resolved = os.path.abspath(text)
    if _is_unc(resolved):
        return "chemin UNC"
    target = PurePosixPath(resolved)
    best: tuple[int, str, str] | None = None
    for mount_point, fstype, source in read_mounts(mounts_file):
        point = PurePosixPath(mount_point)
        if target == point or point in target.parents:
            depth = len(point.parts)
            if best is None or depth >= best[0]:
                best = (depth, fstype, source)
    if best is None:
        return None
    _depth, fstype, source = best
    if fstype.lower() in NETWORK_FILESYSTEMS or _is_unc(source):
        return fstype
    return None


def warning_for(target: str | os.PathLike[str], mounts_file: str | os.PathLike[str] | None = None) -> str | None:
    """The French warning for a SQLite database on a network share, or None."""
    path = sqlite_path(target)
    if path is None:
        return None
    kind = network_share(path, mounts_file)
    return None if kind is None else WARNING.format(path=path, kind=kind)
