"""The PDF renderers read back: names, dates, exact decision wording, escaping, layout, pagination."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from pdf_reading import flat, font_names, page_texts, positions, reader

from cnam_desk.documents import (
    ArrangementLine,
    AttendanceSheet,
    AttendanceStudent,
    DecisionLetter,
    ExamLine,
    Letterhead,
    M1Attestation,
    PassedUnit,
    SuccessAttestation,
    attendance,
    esc,
    fonts,
    render_attendance_sheets,
    render_attestations,
    render_letter,
    render_letters,
)
from cnam_desk.errors import RefusedInput

HARD_NAMES = ["Łukasz Żółć", "Nguyễn Thị Minh Khai", "Ahmet Ağaoğlu", "Siobhan O'Connor", "Zoë Lefèvre-Dupré"]
MARKUP_NAME = "Dupont <Admin> & Fils"
SESSION = "semestre 1, session 1 de l'année 2023-2024"
EXAMS = (
    ExamLine("NFA031", "Programmation avec Java : notions de base", dt.date(2024, 1, 22), dt.time(18), dt.time(21), "Amphi Abbé-Grégoire"),
    ExamLine("NFP107", "Systèmes de gestion de bases de données", dt.date(2024, 1, 22), dt.time(18), dt.time(21), "Salle 31.1.25"),
)
LETTERHEAD = Letterhead(phone="01 40 27 20 00", email="examens@exemple.fr", signatory_name="Claire Martin")


def letter(decision: str = "accepted", **changes) -> DecisionLetter:
    values = {
        "reference": "SE-2024-000123",
        "decision": decision,
        "student_name": "Zoë Lefèvre-Dupré",
        "student_number": "100023001",
        "address_lines": ("12 rue des Écoles", "75005 Paris"),
        "session_title": SESSION,
        "exams": EXAMS,
        "letter_date": dt.date(2024, 2, 4),
    }
    if decision == "accepted":
        values["arrangements"] = (
            ArrangementLine("NFP107", dt.date(2024, 1, 23), dt.time(18), dt.time(21), "Salle 17.2.04"),
        )
    if decision == "refused":
        values["reason"] = "Les deux épreuves n'ont pas lieu au même moment."
    if decision == "incomplete":
        values["missing"] = ("Justificatif de déplacement signé par l'employeur",)
        values["reply_by"] = dt.date(2024, 2, 12)
    return DecisionLetter(**(values | changes))


def pdf_of(render, items, letterhead=LETTERHEAD) -> bytes:
    buffer = io.BytesIO()
    render(items, letterhead, buffer)
    return buffer.getvalue()


# --- fonts and escaping ---------------------------------------------------------------------


def test_the_shipped_font_draws_every_hard_name_and_its_licence_ships_with_it():
    for name in [*HARD_NAMES, "Lefèvre – « Œuvre » ’ …"]:
        assert fonts.missing_glyphs(name) == []
        assert fonts.missing_glyphs(name, fonts.BOLD) == []
    licence = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "LICENSE-DejaVu.txt"
    assert "Bitstream" in licence.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MARKUP_NAME, "Dupont &lt;Admin&gt; &amp; Fils"),
        ("x<y", "x&lt;y"),
        ("R&D", "R&amp;D"),
        ("Tom <tom@x.de>", "Tom &lt;tom@x.de&gt;"),
        (None, ""),
        (12, "12"),
    ],
)
def test_esc_neutralises_markup(value, expected):
    assert esc(value) == expected


@pytest.mark.parametrize("field", ["student_name", "address_lines", "reason", "comment", "session_title"])
def test_a_value_that_looks_like_markup_prints_as_written(field):
    value = (MARKUP_NAME, "x<y & R&D") if field == "address_lines" else MARKUP_NAME
    text = page_texts(pdf_of(render_letters, [letter("refused", **{field: value})]))[0]
    assert MARKUP_NAME in text
    assert "&lt;" not in text and "&amp;" not in text


def test_markup_in_exam_titles_and_letterhead_prints_as_written():
    exams = (ExamLine("A<B", "Chimie <organique> & minérale", dt.date(2024, 1, 22), dt.time(9), dt.time(12), "S<1>"),)
    head = Letterhead(office_name="Examens <b>gras</b>", signatory_name=MARKUP_NAME, signatory_title="Chef & Cie")
    text = page_texts(pdf_of(render_letters, [letter("refused", exams=exams)], head))[0]
    for written in ("A<B", "Chimie <organique> & minérale", "S<1>", "Examens <b>gras</b>", MARKUP_NAME, "Chef & Cie"):
        assert written in text


# --- decision letters -----------------------------------------------------------------------


@pytest.mark.parametrize("name", HARD_NAMES)
def test_every_hard_name_prints_right(name):
    data = pdf_of(render_letters, [letter(student_name=name)])
    assert name in page_texts(data)[0]
    assert font_names(data) == {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"}  # embedded, nothing else


def test_the_letter_is_dated_in_french_with_1er_for_the_first_of_the_month():
    texts = page_texts(pdf_of(render_letters, [letter(), letter(letter_date=dt.date(2024, 3, 1))]))
    assert "Paris, le 4 février 2024" in texts[0]
    assert "Paris, le 1er mars 2024" in texts[1]
    assert "lundi 22 janvier 2024" in texts[0]
    assert "18h00 – 21h00" in texts[0]


def test_accepted_letter_wording():
    text = page_texts(pdf_of(render_letters, [letter("accepted", received_on=dt.date(2024, 1, 5))]))[0]
    for sentence in (
        "Notre référence : SE-2024-000123",
        "Numéro d'auditeur : 100023001",
        "Objet : Demande d'aménagement d'examen – semestre 1, session 1 de l'année 2023-2024",
        "Décision : demande acceptée",
        "Madame, Monsieur,",
        ("Par votre demande reçue le 5 janvier 2024, vous avez sollicité un aménagement de vos conditions "
        "d'examen pour le semestre 1, session 1 de l'année 2023-2024."),
        ("Après étude de votre demande, nous avons le plaisir de vous informer qu'elle est acceptée. "
        "Vous composerez dans les conditions suivantes :"),
        "NFP107 Systèmes de gestion de bases de données mardi 23 janvier 2024 18h00 – 21h00 Salle 17.2.04",
        ("Cet aménagement vous est accordé à titre personnel : il ne modifie pas le planning de la session. "
        "Les dates d'examens ne sont ni modifiables ni reportées."),
        ("Une pièce d'identité originale en cours de validité vous sera demandée à chaque examen ; "
        "les photocopies et les versions numériques ne sont pas acceptées."),
        "Aucune note n'est communiquée par courriel ni par téléphone.",
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
        "La responsable du service des examens",
        "Claire Martin",
    ):
        assert sentence in text, sentence


def test_refused_letter_wording():
    text = page_texts(pdf_of(render_letters, [letter("refused", comment="Voir le planning publié.")]))[0]
    for sentence in (
        "Décision : demande refusée",
        ("Vous avez sollicité un aménagement de vos conditions d'examen pour le semestre 1, session 1 de "
        "l'année 2023-2024."),
        ("Après étude de votre demande, nous avons le regret de vous informer qu'elle ne peut pas être "
        "acceptée, pour le motif suivant : Les deux épreuves n'ont pas lieu au même moment."),
        "Précision du service : Voir le planning publié.",
        ("Nous vous invitons donc à vous présenter aux épreuves suivantes, aux dates, heures et salles prévues "
        "au planning de la session :"),
        "NFA031 Programmation avec Java : notions de base lundi 22 janvier 2024 18h00 – 21h00 Amphi Abbé-Grégoire",
        "Nous vous rappelons que les dates d'examens ne sont ni modifiables ni reportées.",
        "Une pièce d'identité originale en cours de validité vous sera demandée à chaque examen",
        "Aucune note n'est communiquée par courriel ni par téléphone.",
    ):
        assert sentence in text, sentence
    assert "Précision du service" not in page_texts(pdf_of(render_letters, [letter("refused")]))[0]


def test_incomplete_letter_wording():
    text = page_texts(pdf_of(render_letters, [letter("incomplete")]))[0]
    for sentence in (
        "Décision : dossier incomplet",
        ("Votre dossier est incomplet : nous ne pouvons pas étudier votre demande en l'état. Il manque : "
        "• Justificatif de déplacement signé par l'employeur"),
        ("Nous vous remercions de nous faire parvenir ces éléments au plus tard le lundi 12 février 2024, en "
        "rappelant la référence SE-2024-000123."),
        "Épreuves concernées au planning de la session :",
    ):
        assert sentence in text, sentence


def test_redirected_letter_wording():
    text = page_texts(pdf_of(render_letters, [letter("redirected")]))[0]
    for sentence in (
        "Décision : orientation vers la mission Handi'Cnam",
        ("Les aménagements liés à une situation de handicap ne relèvent pas du service des examens : ils sont "
        "étudiés par la mission Handi'Cnam."),
        "Mission Handi'Cnam : handicnam_paris@lecnam.net",
        "La date limite de demande d'aménagement de la session ne s'applique pas à ces demandes.",
        "Une pièce d'identité originale en cours de validité vous sera demandée à chaque examen",
    ):
        assert sentence in text, sentence
    assert "par courriel ni par téléphone" not in text


def test_the_address_sits_in_the_window_of_a_dl_envelope():
    data = pdf_of(render_letters, [letter(student_name="Łukasz Żółć")])
    placed = {text: (x, top) for text, x, top in positions(data)}
    x, top = placed["Łukasz Żółć"]
    assert 100 <= x <= 115
    assert 45 <= top <= 60
    x, top = placed["75005 Paris"]
    assert 100 <= x <= 115 and top <= 90


def test_one_page_per_letter_in_a_batch_in_the_given_order():
    names = ["Zoë Lefèvre-Dupré", "Łukasz Żółć", "Nguyễn Thị Minh Khai", "Ahmet Ağaoğlu"]
    kinds = ["accepted", "refused", "incomplete", "redirected"]
    batch = [letter(kind, student_name=name, reference=f"SE-2024-{i:06d}") for i, (kind, name) in enumerate(zip(kinds, names))]
    texts = page_texts(pdf_of(render_letters, batch))
    assert len(texts) == 4
    for index, name in enumerate(names):
        assert name in texts[index]
        assert f"SE-2024-{index:06d}" in texts[index]


def test_a_long_letter_continues_on_a_page_that_names_its_reference():
    exams = EXAMS * 10
    data = pdf_of(render_letters, [letter("refused", exams=exams), letter("accepted", reference="SE-2")])
    texts = page_texts(data)
    assert len(texts) == 3
    assert "référence SE-2024-000123 (suite)" in texts[1]
    assert "Nous vous prions d'agréer" in texts[1] and "Nous vous prions d'agréer" not in texts[0]
    assert "Notre référence : SE-2" in texts[2] and "(suite)" not in texts[2]
    # The next letter starts on a first page again: its address is in the window.
    assert any(text == "Zoë Lefèvre-Dupré" and 45 <= top <= 60 for text, _x, top in positions(data, 2))


def test_render_letter_to_a_path_and_errors(tmp_path):
    path = tmp_path / "courrier.pdf"
    render_letter(letter(), None, path)
    info = reader(path).metadata
    assert info.title == "Courrier de décision SE-2024-000123"
    assert "Service des examens" in page_texts(path)[0]  # default letterhead
    render_letter(letter(), None, tmp_path / "nouveau" / "courrier.pdf")  # its folder is made
    assert (tmp_path / "nouveau" / "courrier.pdf").is_file()
    with pytest.raises(RefusedInput, match="est un dossier"):
        render_letter(letter(), None, tmp_path / "nouveau")
    with pytest.raises(RefusedInput, match="Aucun courrier"):
        render_letters([], None, tmp_path / "vide.pdf")


def test_a_logo_is_drawn_once_per_document_and_a_bad_logo_is_refused(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 120), (200, 20, 40)).save(logo)
    data = pdf_of(render_letters, [letter(), letter(reference="SE-2")], Letterhead(logo_path=str(logo)))
    images = [name for page in reader(data).pages for name in page["/Resources"].get("/XObject", {})]
    assert len(images) == 2 and len(set(images)) == 1
    broken = tmp_path / "logo-casse.png"
    broken.write_text("pas une image")
    with pytest.raises(RefusedInput, match="logo"):
        pdf_of(render_letters, [letter()], Letterhead(logo_path=str(broken)))
    with pytest.raises(RefusedInput, match="introuvable"):
        pdf_of(render_letters, [letter()], Letterhead(logo_path=str(tmp_path / "absent.png")))


def test_letterhead_settings_round_trip():
    head = Letterhead(address_lines=("1 rue A", "75001 Paris"), logo_path=None, signatory_name="Ana")
    assert Letterhead.from_json(head.as_json()) == head
    assert Letterhead.from_json({"unknown": 1, "logo_path": ""}) == Letterhead()
    assert Letterhead.from_json(None) == Letterhead()


# --- attestations ---------------------------------------------------------------------------

UNITS = (
    PassedUnit("NFA031", "Programmation avec Java : notions de base", Decimal("14.5"), "semestre 1, session 1", Decimal(6)),
    PassedUnit("ANG320", "Anglais <professionnel> & écrit", Decimal(10), "semestre 1, session 2", Decimal("4.5")),
)


def test_attestations_de_reussite_and_de_m1():
    items = [
        SuccessAttestation("AT-2024-000001", "Nguyễn Thị Minh Khai", "100023001", "2023-2024", UNITS, dt.date(2024, 7, 1)),
        M1Attestation(
            "AT-2024-000002", "Zoë Lefèvre-Dupré", "100023002", "2023-2024", "Informatique <générale>", UNITS,
            dt.date(2024, 7, 4),
        ),
    ]
    data = pdf_of(render_attestations, items)
    assert font_names(data) == {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"}
    texts = page_texts(data)
    assert len(texts) == 2
    success, m1 = texts
    assert "Attestation de réussite Année universitaire 2023-2024" in success
    assert (
        "Nous attestons que Nguyễn Thị Minh Khai, numéro d'auditeur 100023001, a obtenu au titre de l'année "
        "universitaire 2023-2024 les unités d'enseignement suivantes :" in success
    )
    assert "NFA031 Programmation avec Java : notions de base semestre 1, session 1 14,50 6" in success
    assert "ANG320 Anglais <professionnel> & écrit semestre 1, session 2 10,00 4,5" in success
    assert "Total des crédits ECTS 10,5" in success
    assert "Fait à Paris, le 1er juillet 2024" in success
    assert "Référence : AT-2024-000001" in success
    assert "Attestation de réussite en première année de master" in m1
    assert "la première année (M1) du master « Informatique <générale> »" in m1
    assert "Fait à Paris, le 4 juillet 2024" in m1
    assert "Référence : AT-2024-000002" in m1


def test_an_attestation_may_state_its_total():
    item = SuccessAttestation("AT-1", "Ahmet Ağaoğlu", "1", "2023-2024", UNITS, dt.date(2024, 7, 1), total_ects=60)
    assert "Total des crédits ECTS 60" in page_texts(pdf_of(render_attestations, [item]))[0]


# --- attendance sheets ----------------------------------------------------------------------


def sheet(count: int, ue: str = "NFA031", room: str = "Amphi Abbé-Grégoire") -> AttendanceSheet:
    students = [AttendanceStudent(f"1000{i:05d}", f"Nom{i:03d}", f"Prénom{i:03d}") for i in range(count)]
    for index, name in enumerate(HARD_NAMES[: min(count, len(HARD_NAMES))]):
        first, last = name.split(" ", 1)
        students[index] = AttendanceStudent(f"2000{index:05d}", last, first)
    return AttendanceSheet(
        "Semestre 1, session 1 de l'année 2023-2024", ue, "Programmation avec Java : notions de base",
        dt.date(2024, 1, 22), dt.time(18), dt.time(21), room, "Paris", tuple(students),
    )


def test_attendance_sheet_columns_names_and_rules():
    data = pdf_of(render_attendance_sheets, [sheet(5)])
    assert font_names(data) == {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"}
    text = page_texts(data)[0]
    assert "Feuille d'émargement" in text
    assert "NFA031 – Programmation avec Java : notions de base" in text
    assert "lundi 22 janvier 2024, 18h00 – 21h00" in text
    assert "Salle : Amphi Abbé-Grégoire – Centre : Paris" in text
    assert "Pièce d'identité originale vérifiée Signature" in text
    assert "les photocopies et les versions numériques ne sont pas acceptées" in text
    for name in HARD_NAMES:
        first, last = name.split(" ", 1)
        assert f"{last} {first}" in text
    assert "Inscrits : 5" in text
    assert "page 1 / 1" in text


def test_a_long_attendance_sheet_repeats_its_header_and_numbers_its_pages():
    count = 45
    texts = page_texts(pdf_of(render_attendance_sheets, [sheet(count), sheet(3, "NFP107", "Salle 31.1.25")]))
    pages = attendance.sheet_pages(range(count))
    assert pages >= 3
    assert len(texts) == pages + 1
    for number, text in enumerate(texts[:pages], start=1):
        assert f"page {number} / {pages}" in text
        assert "N° d'auditeur Nom Prénom" in text
        assert "NFA031 – Programmation" in text
    seen = [i for i in range(5, count) if any(f"Nom{i:03d} Prénom{i:03d}" in text for text in texts[:pages])]
    assert seen == list(range(5, count))
    assert "Inscrits : 45" in texts[pages - 1] and "Inscrits" not in texts[0]
    # The second sheet starts on its own page and counts its own pages.
    assert "NFP107" in texts[pages] and "page 1 / 1" in texts[pages]


@pytest.mark.parametrize("count", [0, 1, 17, 18, 20, 21, 37, 38, 100])
def test_pagination_keeps_every_student_and_never_leaves_the_summary_alone(count):
    pages = attendance.paginate(count)
    assert [i for rows in pages for i in rows] == list(range(count))
    assert all(len(rows) <= attendance.ROWS_PER_PAGE for rows in pages)
    assert len(pages[-1]) <= attendance.ROWS_ON_LAST_PAGE
    assert count == 0 or len(pages[-1]) >= 1


def test_an_exam_without_students_still_gets_its_sheet():
    text = page_texts(pdf_of(render_attendance_sheets, [sheet(0)]))[0]
    assert "Aucun auditeur inscrit à cette épreuve." in text
    assert "Inscrits : 0" in text


def test_a_name_too_long_for_its_cell_is_kept_on_two_lines():
    long = AttendanceStudent("1", "Lefèvre-Dupré de la Tour d'Auvergne", "Marie-Claire")
    base = sheet(1)
    data = pdf_of(render_attendance_sheets, [AttendanceSheet(**{**base.__dict__, "students": (long,)})])
    assert "Lefèvre-Dupré de la Tour d'Auvergne" in flat(" ".join(page_texts(data)))


def test_the_fullest_letterhead_stays_clear_of_the_references_and_the_window(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 200), (200, 20, 40)).save(logo)
    head = Letterhead(
        address_lines=("Case postale 123", "292 rue Saint-Martin", "Accès 35", "75141 Paris Cedex 03"),
        phone="01 40 27 20 00", email="examens@exemple.fr", logo_path=str(logo),
    )
    placed = positions(pdf_of(render_letters, [letter()], head))
    block = [top for text, _x, top in placed if text in {"Cnam Paris", "examens@exemple.fr", "75141 Paris Cedex 03"}]
    assert len(block) == 3 and max(block) < 47
    references = [top for text, _x, top in placed if text.startswith("Notre référence")]
    assert references and min(references) >= 50
