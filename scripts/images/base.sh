#!/usr/bin/env bash
# Makes a local Node 20 base image without any image registry: a minimal Debian bookworm root made
# with debootstrap from Debian's packages, this machine's Node 20 (node and npm) copied in, imported
# with `podman import` and tagged. The Dockerfile builds on it when given
#   --build-arg NODE_IMAGE=<the tag printed at the end>
# Without that argument the Dockerfile uses the official Node image (node:20-bookworm-slim, pinned).
#
#   sudo bash scripts/images/base.sh            # tag: localhost/eventlens/node-base:<node version>-bookworm
#
# Needs root, debootstrap and podman (apt-get install -y podman buildah runc debootstrap), and a Debian
# mirror (EVENTLENS_DEBIAN_MIRROR, default http://deb.debian.org/debian). Node comes from NODE_BIN
# (default: the `node` on PATH, which must be 20.x) and npm from next to it.
set -euo pipefail

mirror="${EVENTLENS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_bin="$(readlink -f "${NODE_BIN:-$(command -v node)}")"
node_version="$("$node_bin" -p 'process.versions.node')"
case "$node_version" in 20.*) ;; *) echo "base: $node_bin is Node $node_version, not 20.x (set NODE_BIN)" >&2; exit 1 ;; esac
npm_dir=""
for d in "$(dirname "$node_bin")/../lib/node_modules/npm" /usr/lib/node_modules/npm /usr/local/lib/node_modules/npm; do
  [ -f "$d/bin/npm-cli.js" ] && { npm_dir="$(readlink -f "$d")"; break; }
done
[ -n "$npm_dir" ] || { echo "base: npm not found next to $node_bin" >&2; exit 1; }
tag="${EVENTLENS_BASE_TAG:-localhost/eventlens/node-base:${node_version}-bookworm}"

for tool in debootstrap podman; do
  command -v "$tool" >/dev/null 2>&1 || { echo "base: $tool is missing: apt-get install -y podman buildah runc debootstrap" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/eventlens-base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "base: debootstrap bookworm (minbase) from $mirror"
# minbase: dpkg, apt, coreutils, passwd (useradd) and the C/C++ runtime libraries node links against.
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

echo "base: Node $node_version from $node_bin, npm $(node "$npm_dir/bin/npm-cli.js" --version) from $npm_dir"
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" /usr/local/bin/node -e 'require("node:crypto").randomUUID(); new Intl.DateTimeFormat("de")' \
  || { echo "base: node does not run in the new root" >&2; exit 1; }

# The certificate authorities this machine adds (/usr/local/share/ca-certificates: a company CA, a
# TLS-inspecting proxy's) are trusted in the base too, by npm during the build and by the services, via
# NODE_EXTRA_CA_CERTS (Node otherwise trusts only its own bundled list).
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi

# Smaller: no package lists, caches, documentation or locales (like the official slim images).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/* \
  "$root"/usr/share/locale/* "$root"/tmp/* "$root"/root/.npm
chmod 1777 "$root/tmp"

echo "base: importing as $tag"
tar -C "$root" --numeric-owner -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$tag"
echo "NODE_IMAGE=$tag"
