#!/usr/bin/env bash
# System prerequisites of Archway on Debian 12 (root): the build engine and its helpers.
# Idempotent; tolerates a Debian mirror that is mid-sync (apt-get update exiting 100).
set -uo pipefail

PACKAGES=(buildah qemu-user-static binfmt-support runc skopeo docker-registry apache2-utils
  uidmap fuse-overlayfs openssl ca-certificates git postgresql chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-system: installing ${missing[*]}"
  apt-get update || echo "install-system: apt-get update failed (mirror mid-sync?); trying with the lists we have"
  # docker-registry's postinst would start a registry on :5000 on all interfaces; forbid service starts.
  policy=/usr/sbin/policy-rc.d; made_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  rc=$?
  [ "$made_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || { echo "install-system: apt-get install failed ($rc)" >&2; exit "$rc"; }
fi

# QEMU handlers with the F flag (kernel state: lost on reboot or when binfmt_misc is unmounted).
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
for h in qemu-aarch64 qemu-arm; do
  update-binfmts --enable "$h" >/dev/null 2>&1 || true
done
exit 0
