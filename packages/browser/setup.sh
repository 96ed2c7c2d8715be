#!/usr/bin/env bash
# Installs what the browser tests need, once: Debian's `chromium` package (when missing and
# this is root with apt-get) and the pinned puppeteer-core (npm ci). Prints the browser's path.
# Set CHROMIUM to use another Chromium or Chrome executable.
set -euo pipefail
cd "$(dirname "$0")"
exec 9>"${TMPDIR:-/tmp}/accord-browser-setup.lock"
flock 9
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "browser: installing Debian's chromium package (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "browser: no Chromium at $chromium; install Debian's chromium package (apt-get install chromium) or set CHROMIUM" >&2
    exit 2
  fi
fi
if ! grep -q '"version": "25.16.0"' node_modules/puppeteer-core/package.json 2>/dev/null; then
  echo "browser: installing puppeteer-core 25.16.0 (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
echo "$chromium"
