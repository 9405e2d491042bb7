#!/usr/bin/env bash
# Runs the README's two commands on a fresh Debian (a debootstrap chroot, as root):
# catches an install step that only this machine's extra packages were hiding.
# usage: sudo scripts/check-fresh-debian.sh [DIR]   (DIR default /var/tmp/kiln-fresh; needs network to Debian)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-/var/tmp/kiln-fresh}
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
[ -x "$root/bin/bash" ] || debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" \
  http://deb.debian.org/debian >/dev/null
cleanup() { umount -R "$root/dev" "$root/sys" "$root/proc" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc"; mount --rbind /dev "$root/dev"; mount --rbind /sys "$root/sys"
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/root/kiln" && git clone -q "$PWD" "$root/root/kiln"
echo "== scripts/quickstart.sh"; chroot "$root" /bin/bash -c 'cd /root/kiln && time scripts/quickstart.sh'
echo "== scripts/test.sh";       chroot "$root" /bin/bash -c 'cd /root/kiln && time scripts/test.sh'
