#!/usr/bin/env bash
# Debian packages the PDF export and the workbook tests need: LibreOffice (headless Calc),
# Thai fonts (so Thai renders as glyphs, not boxes), poppler (pdftotext, pdftoppm), and
# Node.js with npm, which install and run Microsoft's Open XML SDK validator (package.json;
# `make` runs `npm ci`).
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }
if have soffice && have pdftotext && have pdftoppm && have node && have npm \
  && fc-list 2>/dev/null | grep -qi tlwg; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  have sudo || { echo "need root (or sudo) to install: libreoffice-calc-nogui fonts-thai-tlwg poppler-utils nodejs npm" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  libreoffice-calc-nogui fonts-thai-tlwg poppler-utils fontconfig nodejs npm >/dev/null
