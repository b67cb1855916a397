#!/usr/bin/env bash
# Debian packages the PDF export and the workbook tests need: LibreOffice (headless Calc),
# Thai fonts (so Thai renders as glyphs, not boxes), poppler (pdftotext, pdftoppm), and
# Node.js with npm, which install and run Microsoft's Open XML SDK validator (package.json;
# `make` runs `npm install`). Only what is missing is installed: a machine whose Node.js
# comes from elsewhere (NodeSource bundles npm) must not get Debian's npm, which conflicts.
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }
missing=()
have soffice || missing+=(libreoffice-calc-nogui)
{ have pdftotext && have pdftoppm; } || missing+=(poppler-utils)
# grep reads all of fc-list's output (no -q): an early exit would SIGPIPE fc-list and, with
# pipefail, make a machine that has the fonts look as if it had none.
fc-list 2>/dev/null | grep -i tlwg >/dev/null || missing+=(fonts-thai-tlwg fontconfig)
have node || missing+=(nodejs)
have npm || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" != 0 ]; then
  have sudo || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
