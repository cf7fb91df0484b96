#!/usr/bin/env bash
# Prints one hash of everything an image build reads (the Dockerfile, the build scripts, the lock file
# and the sources of the packages the images hold) and of the base image given: scripts/images/build.sh
# labels each image with it, and the image test rebuilds only when it differs.
#   bash scripts/images/inputs.sh <NODE_IMAGE>
set -euo pipefail
cd "$(dirname "$0")/../.."
{
  echo "NODE_IMAGE=${1:-}"
  git ls-files -co --exclude-standard -z -- Dockerfile .dockerignore package.json package-lock.json \
      scripts/images scripts/build-service.mjs tsconfig.base.json \
      contracts service-kit read-model command-side projections query-side console sdk \
    | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
    | LC_ALL=C sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16
