"""The office's words for a request's kind, status and source, used by the window, the command line and letters."""

from __future__ import annotations

from cnam_desk.db.models import RequestKind, RequestSource, RequestStatus

HANDICNAM = "mission Handi'Cnam (handicnam_paris@lecnam.net)"
DISABILITY_TEXT = "motif médical non conservé"  # all that is kept of a disability request's reason

KIND_LABELS = {
    RequestKind.OVERLAP: "Chevauchement d'examens",
    RequestKind.TRIP: "Déplacement professionnel",
    RequestKind.DISABILITY: "Situation de handicap",
    RequestKind.ATTESTATION: "Attestation",
    RequestKind.OTHER: "Autre motif",
}

STATUS_LABELS = {
    RequestStatus.PENDING: "En attente",
    RequestStatus.ACCEPTED: "Acceptée",
    RequestStatus.REFUSED: "Refusée",
    RequestStatus.INCOMPLETE: "Incomplète",
    RequestStatus.REDIRECTED: "Redirigée",
}

SOURCE_LABELS = {
    RequestSource.FORM: "formulaire en ligne",
    RequestSource.MAIL: "courrier ou courriel",
    RequestSource.DESK: "accueil",
}
