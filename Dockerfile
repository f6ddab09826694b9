# syntax=docker/dockerfile:1
#
# One image for all four apps (apps/*): the app is chosen by APP, at build time
# (`--build-arg APP=query-service`) or at run time (`-e APP=query-service`).
#
#   docker build -t cqrs-bank:latest --build-arg APP=command-service .
#   docker run --rm -e APP=projector -e DATABASE_URL=... -e KAFKA_BROKERS=... cqrs-bank:latest
#   docker run --rm cqrs-bank:latest node dist/libs/event-store/src/migrate.main.js   # migrations
#
# Entry points come from `npm run build` (tsc + tsc-alias, outDir dist/, rootDir .):
# apps/<app>/src/main.ts -> dist/apps/<app>/src/main.js. test/deploy/manifests.spec.ts checks
# this file against the code (entry paths, ports, non-root user).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency (dev included) for the TypeScript build ----------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
COPY package.json package-lock.json ./
# No install scripts are needed to build (they only fetch analytics / native watchers / an
# embedded Postgres for the tests), so none run.
RUN npm ci --ignore-scripts

# ---- build: tsc + tsc-alias into dist/ ----------------------------------------------------------
FROM deps AS build
COPY . .
RUN npm run build

# ---- runtime: production dependencies + dist/, non-root ---------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# package.json also carries "type": "module", which dist/ (ESM) needs at run time.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force && rm -rf /root/.npm
COPY --from=build /app/dist ./dist

# Declared after the dependency layers so that the four apps share them.
ARG APP=command-service
ENV APP=${APP}

# The base image's `node` user, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000

# Default PORT of each app (apps/<app>/src/<app>.config.ts); PORT overrides it.
EXPOSE 3000 3001 3002 3003

# Liveness only (no dependencies); node's fetch, as slim images have no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const ports={'command-service':3000,'query-service':3001,'projector':3002,'outbox-relay':3003};const port=process.env.PORT||ports[process.env.APP]||3000;fetch('http://127.0.0.1:'+port+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form; the shell only expands $APP and then `exec`s node, so node gets SIGTERM directly.
CMD ["/bin/sh", "-c", "exec node dist/apps/${APP}/src/main.js"]
