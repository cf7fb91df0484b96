#!/usr/bin/env bash
# Builds the EventLens images from the Dockerfile with buildah (no Docker daemon needed):
#   bash scripts/images/build.sh [--local-base] [service...]      (default: all four)
# Images are tagged ghcr.io/eventlens/<service>:${EVENTLENS_IMAGE_TAG:-dev}, the names the k8s
# manifests use, and labelled io.eventlens.inputs with scripts/images/inputs.sh's hash.
#   NODE_IMAGE=<image>   the base of every stage (default: the Dockerfile's, the official Node image)
#   --local-base         use the base scripts/images/base.sh makes from Debian's packages (named by
#                        NODE_IMAGE when set), making it
#                        first when missing (for machines that reach no public image registry)
# Layers are cached (--layers): a rebuild after a source edit reinstalls no dependencies.
set -euo pipefail
cd "$(dirname "$0")/../.."

local_base=0
services=()
for arg in "$@"; do
  case "$arg" in
    --local-base) local_base=1 ;;
    command-side|projections|query-side|console) services+=("$arg") ;;
    *) echo "usage: bash scripts/images/build.sh [--local-base] [command-side|projections|query-side|console]..." >&2; exit 2 ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=(command-side projections query-side console)

command -v buildah >/dev/null 2>&1 || {
  echo "images: buildah is missing: apt-get install -y podman buildah runc debootstrap" >&2; exit 1; }

if [ "$local_base" = 1 ]; then
  # The base made here, under the name NODE_IMAGE gives (the tests pass it) or the default one;
  # made when missing (a new machine), never pulled: no image registry is assumed.
  NODE_IMAGE="${NODE_IMAGE:-localhost/eventlens/node-base:$(node -p 'process.versions.node')-bookworm}"
  if ! podman image exists "$NODE_IMAGE" 2>/dev/null; then
    EVENTLENS_BASE_TAG="$NODE_IMAGE" bash scripts/images/base.sh
  fi
fi
base_args=()
[ -n "${NODE_IMAGE:-}" ] && base_args=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
inputs="$(bash scripts/images/inputs.sh "${NODE_IMAGE:-}")"
tag="${EVENTLENS_IMAGE_TAG:-dev}"

for service in "${services[@]}"; do
  image="ghcr.io/eventlens/$service:$tag"
  echo "images: building $image${NODE_IMAGE:+ on $NODE_IMAGE}"
  started=$(date +%s)
  # chroot isolation and explicit ulimits: what works on hosts where the default OCI runtime cannot
  # set up a container (cgroup v1/hybrid); --format docker keeps HEALTHCHECK (OCI images drop it).
  buildah bud --layers --format docker --isolation chroot \
    --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    "${base_args[@]}" --label "io.eventlens.inputs=$inputs" \
    --target "$service" -t "$image" . >"${TMPDIR:-/tmp}/eventlens-image-$service.log" 2>&1 || {
      tail -30 "${TMPDIR:-/tmp}/eventlens-image-$service.log" >&2
      echo "images: building $image failed (log: ${TMPDIR:-/tmp}/eventlens-image-$service.log)" >&2
      exit 1
    }
  echo "images: $image built in $(( $(date +%s) - started )) s"
done
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' --filter reference='ghcr.io/eventlens/*'
