# syntax=docker/dockerfile:1
# EventLens container images: one target per service.
#
#   docker build --target command-side -t ghcr.io/eventlens/command-side:dev .
#   (likewise query-side, projections, console)
#
# Each image runs `node --enable-source-maps <service>/dist/main.js` (the console:
# console/server-dist/main.js) from /app as the non-root user 10001, with production dependencies only,
# and needs nothing writable but a tmpfs on /tmp: run it with a read-only root filesystem.
# NODE_IMAGE is the base of every stage; the default is the official image, pinned. A private or
# locally made base (scripts/images/base.sh) is given with --build-arg NODE_IMAGE=<image>.
# scripts/images/build.sh builds all four with buildah; docs/deploy.md, "Container images", says more.
ARG NODE_IMAGE=docker.io/library/node:20.20.2-bookworm-slim

# ---------------------------------------------------------------------------------------------------
# The npm manifests alone (the lock file and every workspace's package.json: keep this list in step with
# the root package.json's "workspaces"; the image test checks it), so that the dependency layers below are
# rebuilt only when a manifest changes, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /manifests
COPY package.json package-lock.json ./
COPY contracts/package.json contracts/
COPY service-kit/package.json service-kit/
COPY read-model/package.json read-model/
COPY stack/package.json stack/
COPY command-side/package.json command-side/
COPY projections/package.json projections/
COPY query-side/package.json query-side/
COPY sdk/package.json sdk/
COPY console/package.json console/
COPY bench/package.json bench/
COPY e2e/package.json e2e/
COPY docs/package.json docs/
COPY k8s/package.json k8s/
COPY monitoring/package.json monitoring/
COPY examples/external-consumer/package.json examples/external-consumer/

# ---------------------------------------------------------------------------------------------------
# Build: every dependency (dev ones included), then `npm run build` of the packages the images hold.
# Install scripts are not run: nothing the build uses needs one.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn
COPY . .
RUN npm run build -w sdk -w command-side -w projections -w query-side -w console

# ---------------------------------------------------------------------------------------------------
# Production dependencies of each service: `npm ci --omit=dev` for its workspace alone
# (scripts/images/install-deps.sh), then cut to what the service's bundle imports and what those
# packages depend on (scripts/images/prune-deps.mjs). The cut matters: npm also installs the
# dependencies of internal packages a service only develops with (the launcher's embedded PostgreSQL),
# and the console's are mostly the single-page app's (Vue, ECharts), already compiled into console/dist.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
COPY scripts/images/install-deps.sh scripts/images/prune-deps.mjs /opt/images/

FROM deps AS deps-command-side
RUN --mount=type=cache,target=/root/.npm,sharing=locked sh /opt/images/install-deps.sh command-side
COPY --from=build /src/command-side/dist/main.js /tmp/bundle.js
RUN node /opt/images/prune-deps.mjs /app /tmp/bundle.js

FROM deps AS deps-projections
RUN --mount=type=cache,target=/root/.npm,sharing=locked sh /opt/images/install-deps.sh projections
COPY --from=build /src/projections/dist/main.js /tmp/bundle.js
# The command line (rebuild, dlq:replay) runs from the same image: keep what its bundle imports too.
COPY --from=build /src/projections/dist/cli.js /tmp/cli.js
RUN node /opt/images/prune-deps.mjs /app /tmp/bundle.js /tmp/cli.js

FROM deps AS deps-query-side
RUN --mount=type=cache,target=/root/.npm,sharing=locked sh /opt/images/install-deps.sh query-side
COPY --from=build /src/query-side/dist/main.js /tmp/bundle.js
RUN node /opt/images/prune-deps.mjs /app /tmp/bundle.js

FROM deps AS deps-console
RUN --mount=type=cache,target=/root/.npm,sharing=locked sh /opt/images/install-deps.sh console
COPY --from=build /src/console/server-dist/main.js /tmp/bundle.js
RUN node /opt/images/prune-deps.mjs /app /tmp/bundle.js

# ---------------------------------------------------------------------------------------------------
# What every service image shares: the user, /app, production mode. Files are root's and read-only to
# the user; nothing is written outside /tmp.
FROM ${NODE_IMAGE} AS runtime
RUN groupadd --system --gid 10001 eventlens \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin eventlens
WORKDIR /app
ENV NODE_ENV=production
LABEL org.opencontainers.image.source="https://github.com/eventlens/eventlens" \
      org.opencontainers.image.licenses="Apache-2.0"

# ---------------------------------------------------------------------------------------------------
# The health checks ask /healthz on the service's own port with node (the images have no curl).
# Their 10 s timeout covers starting node itself, which takes seconds on a busy 2-core host: with
# 3 s a healthy service failed single checks there.

FROM runtime AS command-side
COPY --from=deps-command-side /app/node_modules ./node_modules
COPY --from=deps-command-side /app/command-side/node_modules ./command-side/node_modules
COPY --from=build /src/command-side/package.json ./command-side/
COPY --from=build /src/command-side/dist ./command-side/dist
ENV EVENTLENS_INGEST_HOST=0.0.0.0 EVENTLENS_INGEST_PORT=18100
EXPOSE 18100
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.EVENTLENS_INGEST_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "command-side/dist/main.js"]

FROM runtime AS projections
COPY --from=deps-projections /app/node_modules ./node_modules
COPY --from=deps-projections /app/projections/node_modules ./projections/node_modules
COPY --from=build /src/projections/package.json ./projections/
COPY --from=build /src/projections/dist ./projections/dist
ENV EVENTLENS_PROJECTIONS_HOST=0.0.0.0 EVENTLENS_PROJECTIONS_PORT=18400
EXPOSE 18400
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.EVENTLENS_PROJECTIONS_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "projections/dist/main.js"]

FROM runtime AS query-side
COPY --from=deps-query-side /app/node_modules ./node_modules
COPY --from=deps-query-side /app/query-side/node_modules ./query-side/node_modules
COPY --from=build /src/query-side/package.json ./query-side/
COPY --from=build /src/query-side/dist ./query-side/dist
ENV EVENTLENS_QUERY_HOST=0.0.0.0 EVENTLENS_QUERY_PORT=18200
EXPOSE 18200
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.EVENTLENS_QUERY_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "query-side/dist/main.js"]

# The console: its server, the single-page app it serves (console/dist) and the SDK's demo page
# (sdk/serve.js with sdk/demo and the script-tag build), which it mounts under /demo/.
FROM runtime AS console
COPY --from=deps-console /app/node_modules ./node_modules
COPY --from=deps-console /app/console/node_modules ./console/node_modules
COPY --from=build /src/console/package.json ./console/
COPY --from=build /src/console/server-dist ./console/server-dist
COPY --from=build /src/console/dist ./console/dist
COPY --from=build /src/sdk/package.json /src/sdk/serve.js ./sdk/
COPY --from=build /src/sdk/demo ./sdk/demo
COPY --from=build /src/sdk/dist/eventlens.min.js ./sdk/dist/
ENV EVENTLENS_CONSOLE_HOST=0.0.0.0 EVENTLENS_CONSOLE_PORT=18300
EXPOSE 18300
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.EVENTLENS_CONSOLE_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "console/server-dist/main.js"]
