"""Reading spreadsheets: columns found by their headers, and hostile or broken files refused in French."""

from __future__ import annotations

import datetime as dt
import os
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from cnam_desk.errors import RefusedInput
from cnam_desk.filecheck import MAX_CELLS, check_file
from cnam_desk.spreadsheets import (
    Field,
    Sheet,
    column_letter,
    find_header,
    normalise_header,
    read_tables,
    read_workbook,
)
from tests.ods_files import write_ods_package

ROOT = Path(__file__).resolve().parent.parent

SCHEDULE = [
    Field("ue", "Code UE", ("code ue", "ue", "code")),
    Field("date", "Date", ("date", "date de l'épreuve", "jour")),
    Field("start", "Début", ("début", "heure de début")),
    Field("end", "Fin", ("fin", "heure de fin")),
    Field("room", "Salle", ("salle",), required=False),
    Field("centre", "Centre", ("centre d'examen",), required=False),
]


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, hidden: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)
    return path


PLANNING_ROWS = [
    ["Planning des examens — session 1"],
    ["Semestre 1, 2023-2024"],
    [],
    [
        "Remarque",
        "Heure de fin",
        "Code UE (obligatoire)",
        "Date de l'épreuve",
        "Heure de début",
        "Salle",
    ],
    ["", "21h00", "NFA031", dt.date(2024, 1, 22), "18h00", "Amphi A"],
    [None, None, None, None, None, None],
    ["   ", None, None],
    ["à voir", dt.time(21, 0), "NFA032", "23/01/2024", dt.time(18, 0)],
    [None, None, None, None, None, None, "note hors colonnes"],
]


@pytest.fixture
def planning(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "planning.xlsx", {"Feuil1": PLANNING_ROWS})


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "index, letters",
    [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16383, "XFD"),
    ],
)
def test_column_letter(index, letters):
    assert column_letter(index) == letters


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Date de l'épreuve", "date de l epreuve"),
        ("Heure de début", "heure de debut"),
        ("  CODE_UE  ", "code ue"),
        ("Date de l’épreuve", "date de l epreuve"),
        ("N° d'auditeur", "n d auditeur"),
        ("Intitulé\n(complet)", "intitule complet"),
        ("Élève", "eleve"),
        (None, ""),
        (2024.0, "2024"),
    ],
)
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


# --------------------------------------------------------------------------- reading


def test_read_tables_finds_the_header_under_title_lines(planning: Path):
    tables = read_tables(planning, SCHEDULE)
    assert len(tables) == 1
    table = tables[0]
    assert (table.file_name, table.sheet, table.header_row) == ("planning.xlsx", "Feuil1", 4)
    assert table.headers[:3] == ["Remarque", "Heure de fin", "Code UE (obligatoire)"]
    assert table.columns == {"ue": 2, "date": 3, "start": 4, "end": 1, "room": 5}
    assert [row.number for row in table.rows] == [5, 8, 9]  # blank rows skipped, numbers as shown
    first, second, third = table.rows
    assert first.values == {
        "ue": "NFA031",
        "date": dt.date(2024, 1, 22),
        "start": "18h00",
        "end": "21h00",
        "room": "Amphi A",
    }
    assert "centre" not in first.values  # optional and absent from the file
    assert second.values["start"] == dt.time(18, 0)
    assert second.values["room"] is None  # short row: missing trailing cells read as empty
    assert third.values == {"ue": None, "date": None, "start": None, "end": None, "room": None}
    assert first.columns == {"ue": "C", "date": "D", "start": "E", "end": "B", "room": "F"}
    location = second.location("planning.xlsx", "date")
    assert (
        location.describe() == "fichier « planning.xlsx », feuille « Feuil1 », ligne 8, colonne D"
    )
    assert (
        second.location("planning.xlsx").describe()
        == "fichier « planning.xlsx », feuille « Feuil1 », ligne 8"
    )


def test_read_workbook_gives_python_values_and_none_for_empty_cells(tmp_path: Path):
    path = write_xlsx(
        tmp_path / "valeurs.xlsx",
        {
            "S": [
                [
                    None,
                    "texte",
                    12,
                    12.5,
                    True,
                    dt.date(2024, 1, 22),
                    dt.datetime(2024, 1, 22, 18, 30),
                    dt.time(18, 0),
                ]
            ]
        },
    )
    (sheet,) = read_workbook(path)
    assert sheet.name == "S"
    assert sheet.rows == [
        [
            None,
            "texte",
            12.0,
            12.5,
            True,
            dt.date(2024, 1, 22),
            dt.datetime(2024, 1, 22, 18, 30),
            dt.time(18, 0),
        ]
    ]


def test_rows_and_columns_count_from_a1_even_when_the_top_left_is_empty(tmp_path: Path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C5"] = "Code UE"
    sheet["D5"] = "Date"
    sheet["E5"] = "Début"
    sheet["F5"] = "Fin"
    sheet["C6"] = "NFA031"
    workbook.save(tmp_path / "decale.xlsx")
    (table,) = read_tables(tmp_path / "decale.xlsx", SCHEDULE)
    assert table.header_row == 5
    assert table.rows[0].number == 6
    assert table.rows[0].columns["ue"] == "C"


def test_every_sheet_with_the_header_is_a_table_hidden_ones_too(tmp_path: Path):
    header = ["UE", "Date", "Début", "Fin"]
    path = write_xlsx(
        tmp_path / "deux.xlsx",
        {
            "Consignes": [["Remplir une ligne par examen"]],
            "S1": [header, ["NFA031", "22/01/2024", "18h", "21h"]],
            "S2": [["fin", "début", "date", "code ue"], ["21h", "18h", "10/06/2024", "NFA033"]],
            "Archive": [header, ["NFA001", "01/01/2023", "9h", "12h"]],
        },
        hidden=("Archive",),
    )
    tables = read_tables(path, SCHEDULE)
    assert [t.sheet for t in tables] == ["S1", "S2", "Archive"]
    assert tables[1].rows[0].values["ue"] == "NFA033"
    assert tables[1].rows[0].columns["ue"] == "D"
    sheets = read_workbook(path)
    assert [s.visible for s in sheets] == [True, True, True, False]


def test_exact_header_wins_over_a_prefix():
    sheet = Sheet("S", [["Date de naissance", "Date", "Code UE", "Début", "Fin"]])
    fields = [Field("date", "Date", ("date",)), *SCHEDULE[0:1], *SCHEDULE[2:4]]
    assert find_header(sheet, fields) == (0, {"date": 1, "ue": 2, "start": 3, "end": 4})


def test_prefix_needs_a_whole_word():
    sheet = Sheet("S", [["Dateur", "Code UE", "Début", "Fin"]])
    assert find_header(sheet, SCHEDULE) is None


def test_find_header_looks_only_at_the_first_rows():
    rows = [[f"ligne {i}"] for i in range(40)] + [["UE", "Date", "Début", "Fin"]]
    assert find_header(Sheet("S", rows), SCHEDULE) is None
    assert find_header(Sheet("S", rows), SCHEDULE, search_rows=50) == (
        40,
        {"ue": 0, "date": 1, "start": 2, "end": 3},
    )


def test_missing_columns_are_named_with_what_was_read(tmp_path: Path):
    path = write_xlsx(
        tmp_path / "planning.xlsx",
        {"Feuil1": [["Examens"], ["UE", "Intitulé", "Jour"], ["NFA031", "Java", "lundi"]]},
    )
    with pytest.raises(RefusedInput) as caught:
        read_tables(path, SCHEDULE)
    assert caught.value.message == (
        "fichier « planning.xlsx » : colonnes introuvables : Début, Fin "
        "(feuille « Feuil1 » : en-têtes lus : UE, Intitulé, Jour)"
    )


def test_an_empty_workbook_is_refused_with_its_name(tmp_path: Path):
    path = write_xlsx(tmp_path / "vide.xlsx", {"Feuil1": []})
    with pytest.raises(RefusedInput) as caught:
        read_tables(path, SCHEDULE)
    assert (
        "fichier « vide.xlsx » : colonnes introuvables : Code UE, Date, Début, Fin"
        in caught.value.message
    )
    assert "feuille « Feuil1 » vide" in caught.value.message


def test_merged_cells_and_formulas_do_not_crash(tmp_path: Path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["UE", "Date", "Début", "Fin", "Salle"])
    sheet.append(["NFA031", "22/01/2024", "18h", "21h", "Amphi A"])
    sheet.append(["NFA032", "22/01/2024", "18h", "21h", None])
    sheet.merge_cells("E2:E3")  # one room for two exams
    sheet["F2"] = "=1+1"  # never computed: no cached value
    sheet.merge_cells("A5:D5")
    sheet["A5"] = "Fin du planning"
    workbook.save(tmp_path / "fusion.xlsx")
    (table,) = read_tables(tmp_path / "fusion.xlsx", SCHEDULE)
    assert [r.values.get("room") for r in table.rows] == ["Amphi A", None, None]
    assert table.rows[2].values["ue"] == "Fin du planning"


def test_max_rows(tmp_path: Path):
    path = write_xlsx(
        tmp_path / "long.xlsx", {"Notes": [["UE"]] + [[f"NFA{i:03d}"] for i in range(50)]}
    )
    assert len(read_workbook(path, max_rows=51)[0].rows) == 51
    with pytest.raises(RefusedInput) as caught:
        read_workbook(path, max_rows=50)
    assert (
        caught.value.message
        == "fichier « long.xlsx » refusé : la feuille « Notes » a 51 lignes (50 au plus)"
    )


def test_an_ods_written_by_hand_is_read(tmp_path: Path):
    path = write_ods(tmp_path / "planning.ods", ODS_PLANNING)
    (table,) = read_tables(path, SCHEDULE)
    assert table.sheet == "Feuille1"
    assert table.rows[0].values == {
        "ue": "NFA031",
        "date": dt.date(2024, 1, 22),
        "start": "18h00",
        "end": "21h00",
    }
    assert table.rows[0].number == 2


def test_an_ods_renamed_xlsx_is_read_by_its_content(tmp_path: Path):
    path = write_ods(tmp_path / "planning.xlsx", ODS_PLANNING)
    (table,) = read_tables(path, SCHEDULE)
    assert table.rows[0].values["ue"] == "NFA031"


def test_a_real_xls_is_read_even_renamed_xlsx(tmp_path: Path):
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Feuil1")
    for column, text in enumerate(["Code UE", "Date", "Début", "Fin"]):
        sheet.write(0, column, text)
    sheet.write(1, 0, "NFA031")
    sheet.write(1, 1, dt.date(2024, 1, 22), xlwt.easyxf(num_format_str="DD/MM/YYYY"))
    sheet.write(1, 2, "18h00")
    sheet.write(1, 3, 0.875, xlwt.easyxf(num_format_str="HH:MM"))
    workbook.save(str(tmp_path / "ancien.xls"))
    (tmp_path / "ancien.xls").rename(tmp_path / "renomme.xlsx")
    for name in ("renomme.xlsx",):
        (table,) = read_tables(tmp_path / name, SCHEDULE)
        assert table.rows[0].values["ue"] == "NFA031"
        assert table.rows[0].values["date"] == dt.date(2024, 1, 22)
        assert table.rows[0].values["end"] == dt.time(21, 0)


# --------------------------------------------------------------------------- hand-made files

ODS_PLANNING = [
    [("string", "Code UE"), ("string", "Date"), ("string", "Début"), ("string", "Fin")],
    [("string", "NFA031"), ("date", "2024-01-22"), ("string", "18h00"), ("string", "21h00")],
]


def write_ods(
    path: Path,
    rows,
    *,
    extra_rows: str = "",
    mimetype: str = "application/vnd.oasis.opendocument.spreadsheet",
) -> Path:
    """A minimal OpenDocument spreadsheet: mimetype (stored, first), manifest, content.xml."""
    cells_xml = []
    for row in rows:
        cells = []
        for kind, value in row:
            if kind == "date":
                cells.append(
                    f'<table:table-cell office:value-type="date" office:date-value="{value}"><text:p>{value}</text:p></table:table-cell>'
                )
            elif kind == "float":
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
                )
        cells_xml.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    return write_ods_package(path, "Feuille1", "".join(cells_xml) + extra_rows, mimetype=mimetype)


def rewrite_member(
    source: Path, target: Path, member: str, change: Callable[[bytes], bytes]
) -> Path:
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for info in original.infolist():
            data = original.read(info.filename)
            copy.writestr(info.filename, change(data) if info.filename == member else data)
    return target


def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written field by field: (name, raw deflate data, crc, declared uncompressed size)."""
    local, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(local)
        local += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        local += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def deflate(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


@pytest.fixture(scope="session")
def gigabyte_of_zeros() -> tuple[bytes, int, int]:
    """1 GiB of zeros as about 1 MB of deflate data: one fully flushed block repeated."""
    megabyte = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(megabyte, crc)
    return block * 1024 + compressor.flush(), crc, 1 << 30


def write_cfb(path: Path, stream_names: list[str]) -> Path:
    """An OLE compound file (version 3, 512-byte sectors) whose directory holds empty streams."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into(
        "<IIII", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0
    )  # no mini FAT, no DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * 126
    entries = bytearray()
    names = ["Root Entry", *stream_names]
    for index, name in enumerate(names):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0 : len(encoded)] = encoded
        struct.pack_into("<HBB", entry, 64, len(encoded), 5 if index == 0 else 2, 1)
        # a right-leaning chain of siblings under the root
        left, right, child = (
            0xFFFFFFFF,
            (index + 1 if 0 < index < len(names) - 1 else 0xFFFFFFFF),
            0xFFFFFFFF,
        )
        if index == 0:
            child = 1 if len(names) > 1 else 0xFFFFFFFF
        struct.pack_into("<III", entry, 68, left, right, child)
        struct.pack_into("<II", entry, 116, 0xFFFFFFFE, 0)
        entries += entry
    directory = bytes(entries).ljust(512, b"\x00")
    path.write_bytes(bytes(header) + struct.pack("<128I", *fat) + directory)
    return path


# --------------------------------------------------------------------------- hostile files


def _bomb_xlsx(tmp: Path, zeros: tuple[bytes, int, int]) -> Path:
    data, crc, size = zeros
    return write_raw_zip(
        tmp / "bombe.xlsx",
        [
            ("[Content_Types].xml", *deflate(b"<Types/>")),
            ("xl/workbook.xml", *deflate(b"<workbook/>")),
            ("xl/worksheets/sheet1.xml", data, crc, size),
        ],
    )


def _ratio_bomb(tmp: Path) -> Path:
    path = tmp / "compressee.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * (1 << 20)
            for _ in range(40):  # 40 MB of spaces, a few tens of kB compressed
                member.write(chunk)
    return path


def _lying_size(tmp: Path) -> Path:
    """A member that inflates to far more than its declared size."""
    data, crc, _ = deflate(b"<c/>" * 2_000_000)
    return write_raw_zip(
        tmp / "menteur.xlsx",
        [
            ("[Content_Types].xml", *deflate(b"<Types/>")),
            ("xl/worksheets/sheet1.xml", data, crc, 1000),
        ],
    )


def _truncated(tmp: Path, planning: Path) -> Path:
    data = planning.read_bytes()
    path = tmp / "tronque.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _billion_laughs(tmp: Path, planning: Path) -> Path:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()

    def inject(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[-1]
        return (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            + doctype
            + body.replace(b"<t>NFA031</t>", b"<t>&lol9;</t>")
        )

    return rewrite_member(planning, tmp / "rires.xlsx", "xl/worksheets/sheet1.xml", inject)


def _far_cell(tmp: Path, planning: Path, reference: str = "XFD1048576") -> Path:
    row = "".join(ch for ch in reference if ch.isdigit())

    def add(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>",
            f'<row r="{row}"><c r="{reference}" t="n"><v>1</v></c></row></sheetData>'.encode(),
        )

    return rewrite_member(planning, tmp / "lointain.xlsx", "xl/worksheets/sheet1.xml", add)


def _extra_rows(tmp: Path, planning: Path, xml: str, file_name: str = "bizarre.xlsx") -> Path:
    return rewrite_member(
        planning,
        tmp / file_name,
        "xl/worksheets/sheet1.xml",
        lambda data: data.replace(b"</sheetData>", xml.encode() + b"</sheetData>"),
    )


UNREFERENCED_WIDE_ROW = (
    '<row r="20">'
    + "<c><v>1</v></c>" * 30
    + '</row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
)
UNREFERENCED_LONG_SHEET = (
    '<row r="20">'
    + '<c r="Z20"><v>1</v></c></row>'
    + "<row><c><v>1</v></c></row>" * 2000
    + ('<row r="600000"><c r="A600000"><v>1</v></c></row>')
)
PREFIXED_FAR_CELL = (
    '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1048576">'
    '<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
)
REORDERED_FAR_CELL = '<row spans="1:1" r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>'

HOSTILE = {
    "introuvable": (lambda tmp, planning, zeros: tmp / "absent.xlsx", "introuvable"),
    "vide": (lambda tmp, planning, zeros: _touch(tmp / "vide.xlsx", b""), "vide"),
    "dossier": (lambda tmp, planning, zeros: _mkdir(tmp / "dossier.xlsx"), "n’est pas un fichier"),
    "pdf": (
        lambda tmp, planning, zeros: _touch(
            tmp / "courrier.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
        ),
        "c’est un document PDF",
    ),
    "texte": (
        lambda tmp, planning, zeros: _touch(
            tmp / "export.xlsx", "UE;Date;Début\nNFA031;22/01/2024;18h\n".encode()
        ),
        "c’est un fichier texte",
    ),
    "csv": (
        lambda tmp, planning, zeros: _touch(
            tmp / "export.csv", "UE,Date\nNFA031,22/01/2024\n".encode("cp1252")
        ),
        "c’est un fichier texte",
    ),
    "image": (
        lambda tmp, planning, zeros: _touch(
            tmp / "photo.xlsx", b"\x89PNG\r\n\x1a\n" + os.urandom(200)
        ),
        "c’est une image",
    ),
    "hasard": (
        lambda tmp, planning, zeros: _touch(tmp / "hasard.xlsx", bytes(range(256)) * 8),
        "n’est pas un tableur",
    ),
    "zip": (lambda tmp, planning, zeros: _plain_zip(tmp / "archive.xlsx"), "c’est une archive zip"),
    "odt": (
        lambda tmp, planning, zeros: write_ods(
            tmp / "lettre.ods", [], mimetype="application/vnd.oasis.opendocument.text"
        ),
        "c’est une archive zip",
    ),
    "xlsb": (
        lambda tmp, planning, zeros: write_raw_zip(
            tmp / "binaire.xlsb",
            [
                ("[Content_Types].xml", *deflate(b"<Types/>")),
                ("xl/workbook.bin", *deflate(b"\x83\x01\x00")),
            ],
        ),
        "format .xlsx",
    ),
    "tronqué": (lambda tmp, planning, zeros: _truncated(tmp, planning), "abîmé ou incomplet"),
    "bombe": (
        lambda tmp, planning, zeros: _bomb_xlsx(tmp, zeros),
        "une fois décompressé il occuperait 1024 Mo",
    ),
    "taux": (lambda tmp, planning, zeros: _ratio_bomb(tmp), "bombe de décompression"),
    "taille mentie": (lambda tmp, planning, zeros: _lying_size(tmp), "abîmé ou incomplet"),
    "rires": (lambda tmp, planning, zeros: _billion_laughs(tmp, planning), "DOCTYPE"),
    "cellule lointaine": (lambda tmp, planning, zeros: _far_cell(tmp, planning), "cellules"),
    "cellule lointaine minuscules": (
        lambda tmp, planning, zeros: _far_cell(tmp, planning, "xfd1048576"),
        "cellules",
    ),
    "cellules sans référence": (
        lambda tmp, planning, zeros: _extra_rows(tmp, planning, UNREFERENCED_WIDE_ROW),
        "cellules",
    ),
    "lignes sans référence": (
        lambda tmp, planning, zeros: _extra_rows(tmp, planning, UNREFERENCED_LONG_SHEET),
        "cellules",
    ),
    "préfixe": (
        lambda tmp, planning, zeros: _extra_rows(tmp, planning, PREFIXED_FAR_CELL),
        "cellules",
    ),
    "attributs dans le désordre": (
        lambda tmp, planning, zeros: _extra_rows(tmp, planning, REORDERED_FAR_CELL),
        "cellules",
    ),
    "référence après un >": (
        lambda tmp, planning, zeros: _extra_rows(
            tmp, planning, '<row r="30"><c foo="a>b" r="XFD1048576"><v>1</v></c></row>'
        ),
        "cellules",
    ),
    "fausse référence dans un attribut": (
        lambda tmp, planning, zeros: _extra_rows(
            tmp, planning, "<row r=\"30\"><c foo=' r=\"A1\"' r='XFD1048576'><v>1</v></c></row>"
        ),
        "cellules",
    ),
    "référence répétée": (
        lambda tmp, planning, zeros: _extra_rows(
            tmp, planning, '<row r="30"><c r="A30" r="XFD1048576"><v>1</v></c></row>'
        ),
        "cellules",
    ),
    "chiffré": (
        lambda tmp, planning, zeros: write_cfb(
            tmp / "notes.xlsx", ["EncryptionInfo", "EncryptedPackage"]
        ),
        "protégé par un mot de passe : enregistrez-le sans mot de passe puis recommencez",
    ),
    "word": (
        lambda tmp, planning, zeros: write_cfb(tmp / "ancien.xls", ["WordDocument"]),
        "c’est un document Word",
    ),
    "ole vide": (
        lambda tmp, planning, zeros: write_cfb(tmp / "rien.xls", []),
        "n’est pas un tableur",
    ),
    "ole tronqué": (
        lambda tmp, planning, zeros: _touch(
            tmp / "coupe.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
        ),
        "abîmé ou incomplet",
    ),
}


def _touch(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("lisezmoi.txt", "bonjour")
    return path


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_are_refused_quickly_in_french(kind, tmp_path, planning, gigabyte_of_zeros):
    make, expected = HOSTILE[kind]
    path = make(tmp_path, planning, gigabyte_of_zeros)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for reader in (check_file, read_workbook, lambda p: read_tables(p, SCHEDULE)):
        started = time.perf_counter()
        with pytest.raises(RefusedInput) as caught:
            reader(path)
        assert time.perf_counter() - started < 1.0
        message = caught.value.message
        assert message.startswith(f"fichier « {path.name} »"), message
        assert expected in message, message
        assert "\n" not in message
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert growth_kb < 100_000


def test_calamine_itself_never_expands_entities(tmp_path, planning):
    """Defence in depth: without the DOCTYPE check, calamine still refuses the entity instead of expanding it."""
    path = _billion_laughs(tmp_path, planning)
    started = time.perf_counter()
    with pytest.raises(python_calamine.CalamineError):
        python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    assert time.perf_counter() - started < 1.0


def test_a_far_cell_would_abort_calamine_which_is_why_sheets_are_scanned(tmp_path, planning):
    """Run in a child process: calamine allocates the whole grid and the process dies."""
    path = _far_cell(tmp_path, planning)
    script = (
        "import resource, python_calamine as c;"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
        f"c.CalamineWorkbook.from_path({str(path)!r}).get_sheet_by_index(0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, timeout=60
    )
    assert result.returncode != 0


def test_cells_and_rows_without_references_are_placed_as_calamine_does(tmp_path, planning):
    xml = '<row r="12"><c><v>1</v></c><c><v>2</v></c></row><row><c s="0" r="C13"><v>3</v></c><c><v>4</v></c></row>'
    (sheet,) = read_workbook(_extra_rows(tmp_path, planning, xml))
    assert sheet.rows[11][:2] == [1.0, 2.0]
    assert sheet.rows[12][2:4] == [3.0, 4.0]


def test_a_wide_but_legitimate_sheet_is_read(tmp_path):
    header = ["Code UE", "Date", "Début", "Fin"] + [f"Colonne {i}" for i in range(60)]
    rows = [header] + [["NFA031", "22/01/2024", "18h", "21h"] + list(range(60)) for _ in range(20)]
    (table,) = read_tables(write_xlsx(tmp_path / "large.xlsx", {"S": rows}), SCHEDULE)
    assert len(table.rows) == 20
    assert len(table.headers) == 64


def test_a_sheet_just_under_the_cell_limit_is_accepted(tmp_path, planning):
    rows = MAX_CELLS // 16384
    path = _far_cell(tmp_path, planning, f"XFD{rows}")
    check_file(
        path
    )  # the scan lets it through; reading it is then a matter of memory, not of safety


def test_an_ods_with_a_huge_repeated_block_is_refused(tmp_path):
    huge = (
        '<table:table-row table:number-rows-repeated="200000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/>'
        "</table:table-row>"
    )
    path = write_ods(tmp_path / "repete.ods", ODS_PLANNING, extra_rows=huge)
    started = time.perf_counter()
    with pytest.raises(RefusedInput) as caught:
        read_workbook(path)
    assert time.perf_counter() - started < 1.0
    assert caught.value.message.startswith("fichier « repete.ods »")


def test_trailing_empty_repeats_of_an_ods_are_harmless(tmp_path):
    trailing = (
        '<table:table-row table:number-rows-repeated="1048570">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    path = write_ods(tmp_path / "libreoffice.ods", ODS_PLANNING, extra_rows=trailing)
    (table,) = read_tables(path, SCHEDULE)
    assert len(table.rows) == 1


def test_a_zip_protected_member_is_refused(tmp_path, planning):
    data = bytearray(planning.read_bytes())
    # set the "encrypted" flag of every entry, as zip encryption does
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset] |= 1
            start += 4
    path = _touch(tmp_path / "zip-chiffre.xlsx", bytes(data))
    with pytest.raises(RefusedInput) as caught:
        check_file(path)
    assert "protégé par un mot de passe" in caught.value.message


def test_read_tables_of_a_large_sheet_is_fast(tmp_path):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Planning")
    sheet.append(["Code UE", "Date", "Début", "Fin", "Salle"])
    for i in range(20_000):
        sheet.append(
            [
                f"NFA{i % 1000:03d}",
                dt.date(2024, 1, 22),
                dt.time(18),
                dt.time(21),
                f"Salle {i % 40}",
            ]
        )
    workbook.save(tmp_path / "grand.xlsx")
    started = time.perf_counter()
    (table,) = read_tables(tmp_path / "grand.xlsx", SCHEDULE)
    elapsed = time.perf_counter() - started
    assert len(table.rows) == 20_000
    assert table.rows[-1].number == 20_001
    assert elapsed < 3.0


# --------------------------------------------------------------------------- hostile .xls


def _xls_with(
    tmp_path: Path, patch: Callable[[bytearray], None], name: str = "patched.xls"
) -> Path:
    """A real .xls written by xlwt, then one record changed in place."""
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Feuil1")
    for column, text in enumerate(["Code UE", "Date", "Début", "Fin"]):
        sheet.write(0, column, text)
    sheet.write(3, 3, 7.25)  # stored as an RK record
    workbook.save(str(tmp_path / "source.xls"))
    data = bytearray((tmp_path / "source.xls").read_bytes())
    patch(data)
    return _touch(tmp_path / name, bytes(data))


def _move_cell(data: bytearray) -> None:
    position = data.find(struct.pack("<HHHH", 0x027E, 10, 3, 3))
    assert position > 0
    struct.pack_into("<HH", data, position + 4, 0xFFFF, 0xFFFF)


def _stretch_dimensions(data: bytearray) -> None:
    position = data.find(struct.pack("<HH", 0x0200, 14))
    assert position > 0
    struct.pack_into("<IIHH", data, position + 4, 0, 65536, 0, 0xFFFF)


def _add_password(data: bytearray) -> None:
    # WINDOWPROTECT (0x0019, 2 bytes) of the workbook globals becomes FILEPASS
    position = data.find(struct.pack("<HH", 0x0019, 2))
    assert position > 0
    struct.pack_into("<H", data, position, 0x002F)


@pytest.mark.parametrize(
    "patch, expected",
    [(_move_cell, "cellules"), (_stretch_dimensions, "cellules"), (_add_password, "mot de passe")],
)
def test_hostile_xls_files_are_refused_before_calamine_opens_them(tmp_path, patch, expected):
    path = _xls_with(tmp_path, patch)
    for reader in (check_file, read_workbook):
        started = time.perf_counter()
        with pytest.raises(RefusedInput) as caught:
            reader(path)
        assert time.perf_counter() - started < 1.0
        assert caught.value.message.startswith("fichier « patched.xls »")
        assert expected in caught.value.message


def test_an_unpatched_xls_passes_the_same_checks(tmp_path):
    path = _xls_with(tmp_path, lambda data: None, "propre.xls")
    (sheet,) = read_workbook(path)
    assert sheet.rows[3][3] == 7.25


@pytest.mark.parametrize(
    "xml, accepted",
    [
        ('<row r="150000"><c r="H150000"><v>1</v></c></row>', True),  # long, within A to Z
        (
            '<row r="999998"><c r="A999998"><v>1</v></c></row><row r="999999"><c r="L999999"/></row>',
            True,
        ),
        (
            '<row r="999998"><c r="A999998"><v>1</v></c></row><row r="999999"><c r="M999999"/></row>',
            False,
        ),
        (
            '<row r="999998"><c r="a999998"><v>1</v></c></row><row r="999999"><c r="m999999"/></row>',
            False,
        ),
        ('<row r="12"><c r="DZ12"><v>1</v></c></row>', True),  # wide but short
        ('<row r="99000"><c r="DZ99000"><v>1</v></c></row>', False),  # 99,000 x 130 cells
        ('<row r="5000"><c r="AAA5000"><v>1</v></c></row>', True),  # 5,000 x 703 cells
        ('<row r="20000"><c r="AAA20000"><v>1</v></c></row>', False),  # 20,000 x 703 cells
    ],
)
def test_sheet_extent_bounds(tmp_path, planning, xml, accepted):
    path = _extra_rows(tmp_path, planning, xml, "etendue.xlsx")
    if accepted:
        check_file(path)
    else:
        with pytest.raises(RefusedInput, match="cellules"):
            check_file(path)
