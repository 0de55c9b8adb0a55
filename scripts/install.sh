#!/usr/bin/env bash
# Installs everything Archway needs on a fresh Debian 12 machine (as root) and builds it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system.sh

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "install: Archway needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

npm ci --no-audit --no-fund
npm run build
