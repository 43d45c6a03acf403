"""The Aide menu's pages: every keyboard shortcut of the window, read from its actions, and the office's guide."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMainWindow, QTextBrowser, QVBoxLayout, QWidget

GUIDE_HTML = """
<h2>Guide du service des examens</h2>
<p>Les tâches du service, dans l’ordre d’un semestre. La session choisie dans un onglet est celle de
toute la fenêtre ; elle est rappelée dans le titre et la barre d’état.</p>
<h3>1. Planifier une session</h3>
<p>Onglet <b>Calendrier</b> : <i>Édition › Nouvelle session…</i> (Ctrl+Maj+N), puis les dates des
épreuves et la date limite de demande d’aménagement. Une session 2 sans date limite reste
« en cours de planification ».</p>
<h3>2. Importer le planning</h3>
<p><i>Fichier › Importer un planning…</i> (Ctrl+I), ou déposer le tableur sur l’onglet. L’aperçu
montre chaque ligne lue avant l’enregistrement ; les chevauchements sont signalés sous le planning.
Les inscriptions s’importent de la même façon.</p>
<h3>3. Étudier les demandes d’aménagement</h3>
<p>Onglet <b>Demandes</b> : <i>Importer des demandes…</i> (les réponses du formulaire), puis la
file de la session, une demande à la fois, au clavier (Ctrl+Maj+A accepter, Ctrl+Maj+R refuser,
Ctrl+Entrée enregistrer). Les demandes sont étudiées
dans la semaine qui suit la date limite ; une demande reçue après est signalée « en retard ». Les
dates des examens ne changent jamais. Une situation de handicap est redirigée vers la mission
Handi’Cnam, sans garder aucun détail de santé.</p>
<h3>4. Imprimer les courriers de décision</h3>
<p><i>Fichier › Courriers de décision de la session…</i> : l’aperçu des courriers décidés, puis
l’impression ou l’enregistrement en PDF.</p>
<h3>5. Saisir et publier les notes</h3>
<p>Onglet <b>Résultats</b> : choisir l’épreuve, taper les notes sur 20 (ABI, ABJ pour les absences),
la double saisie si elle est demandée, puis <i>Publier les notes…</i>. Aucune note n’est donnée par
courriel ni par téléphone.</p>
<h3>6. Session 2</h3>
<p>Page <b>Session 2</b> des Résultats : les auditeurs absents ou non admis (moins de 10/20) à la
session 1. Il n’y a ni inscription ni convocation ; la liste et les feuilles d’émargement
s’exportent depuis le menu Fichier.</p>
<h3>7. Attestations</h3>
<p>Onglet <b>Résultats</b>, l’auditeur choisi dans la grille : <i>Attestation de réussite…</i>
(une UE réussie) ou <i>Attestation de M1…</i> (la première année de master réussie). La fiche d’un
auditeur s’ouvre de partout avec Ctrl+K.</p>
"""


def window_shortcuts(window: QMainWindow) -> list[tuple[str, str]]:
    """(what, keys) for every action of the window that has a key, in menu order, then the others."""
    seen: dict[int, QAction] = {}  # holding each action keeps its id its own while the list is made
    rows: list[tuple[str, str]] = []

    def add(action: QAction, where: str) -> None:
        if id(action) in seen or action.isSeparator():
            return
        seen[id(action)] = action
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        if keys:
            text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")
            rows.append((f"{where}{text}", " ou ".join(keys)))

    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is None:
            continue
        name = top.text().replace("&", "")
        for action in menu.actions():
            add(action, f"{name} › ")
    for action in window.findChildren(QAction):
        add(action, "")
    return rows


def _dialog(parent: QWidget, title: str, html: str, name: str) -> QDialog:
    dialog = QDialog(parent)
    dialog.setObjectName(name)
    dialog.setWindowTitle(title)
    dialog.resize(640, 560)
    text = QTextBrowser(dialog)
    text.setObjectName(f"{name}Text")
    text.setHtml(html)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text, 1)
    layout.addWidget(buttons)
    return dialog


def shortcuts_dialog(window: QMainWindow) -> QDialog:
    lines = "".join(
        f"<tr><td>{escape(what)}</td><td><b>{escape(keys)}</b></td></tr>" for what, keys in window_shortcuts(window)
    )
    html = (
        "<h2>Raccourcis clavier</h2><p>Les touches d’un onglet agissent quand il est affiché.</p>"
        f"<table cellspacing='0' cellpadding='4'>{lines}</table>"
    )
    return _dialog(window, "Raccourcis clavier", html, "shortcutsHelp")


def guide_dialog(window: QMainWindow) -> QDialog:
    return _dialog(window, "Guide du service des examens", GUIDE_HTML, "guideHelp")
