#!/bin/sh
# Production dependencies of one service in /app, run inside the Dockerfile's deps-<service> stages:
# `npm ci --omit=dev` for the service's workspace (which brings the dependencies of the internal packages
# it uses), then the workspace links are removed: the service's bundle has those packages compiled in.
#   sh install-deps.sh <workspace>
set -eu
workspace="$1"
npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=warn --workspace "$workspace"
find node_modules -maxdepth 2 -type l -delete
rm -rf node_modules/.bin node_modules/.package-lock.json
mkdir -p "$workspace/node_modules"
find "$workspace/node_modules" -maxdepth 2 -type l -delete
