#!/usr/bin/env bash
# A CUPS print server with a PDF printer for the printing tests.
# `.ci/cups.sh start` installs CUPS and cups-pdf if missing, starts the scheduler, adds the printer
# (default name PDF) and prints the folder its jobs land in ($CUPS_PDF_OUT); `.ci/cups.sh stop` removes
# the printer and ends the scheduler it started. Both are safe to run twice.
set -euo pipefail
OUT=${CUPS_PDF_OUT:-/tmp/cnam-desk-cups-pdf}
PRINTER=${CUPS_TEST_PRINTER:-PDF}
PIDFILE=/run/cups/cnam-desk-cupsd.pid
PPD=/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd

running() { LC_ALL=C lpstat -r 2>/dev/null | grep -q "scheduler is running"; }

case "${1:-}" in
start)
  if ! command -v cupsd >/dev/null || ! command -v lp >/dev/null || ! command -v lpadmin >/dev/null \
     || [ ! -x /usr/lib/cups/backend/cups-pdf ] || [ ! -f "$PPD" ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cups cups-bsd cups-client printer-driver-cups-pdf >/dev/null
  fi
  mkdir -p "$OUT" /run/cups
  chmod 0777 "$OUT"
  # cups-pdf reads its configuration for each job: no restart needed after this change.
  sed -i -E "s|^#?Out[[:space:]].*|Out ${OUT}|; s|^#?AnonDirName[[:space:]].*|AnonDirName ${OUT}|" /etc/cups/cups-pdf.conf
  if ! running; then
    setsid /usr/sbin/cupsd -f </dev/null >/dev/null 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
      running && break
      sleep 0.2
    done
    running || { echo "cups.sh: le serveur d'impression CUPS n'a pas démarré" >&2; exit 1; }
  fi
  if ! LC_ALL=C lpstat -p "$PRINTER" >/dev/null 2>&1; then
    # lpadmin warns that PPD drivers are deprecated: only a failure is worth showing.
    if ! err=$(lpadmin -p "$PRINTER" -E -v cups-pdf:/ -P "$PPD" 2>&1); then
      echo "$err" >&2
      exit 1
    fi
  fi
  cupsenable "$PRINTER" 2>/dev/null || true
  cupsaccept "$PRINTER" 2>/dev/null || true
  lpadmin -d "$PRINTER"
  echo "$OUT"
  ;;
stop)
  if running; then
    lpadmin -x "$PRINTER" 2>/dev/null || true
  fi
  if [ -f "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    rm -f "$PIDFILE"
  fi
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
