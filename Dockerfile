# secgraph as a container: compiled once in a build stage, run as an unprivileged user with production
# dependencies only. `docker build -t secgraph .` then see compose.yaml for PostgreSQL and Redis.
#
# The build reaches only the npm registry and Debian's package mirror, as many corporate build farms do:
# better-sqlite3 is compiled from source (its install script would otherwise fetch a prebuilt binary from
# GitHub), with Debian's toolchain, and node-gyp is pointed at the headers the Node image already carries in
# /usr/local/include/node (otherwise it downloads a header tarball from nodejs.org).
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Install scripts inherit npm_config_*: prebuild-install skips its download for the package named here, node-gyp
# takes its headers from nodedir instead of fetching them. (npm warns that it does not know build-from-source:
# it is prebuild-install's setting, not npm's.)
ENV npm_config_build_from_source=better-sqlite3 \
    npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# The console (console/, built by Vite into dist/console) is checked against the committed schema.
COPY schema.graphql ./
COPY console ./console
# Production dependencies only; better-sqlite3 keeps its compiled addon (build/Release/better_sqlite3.node, where
# it looks for it), not the sources, objects and static library it was built from.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv better_sqlite3.node build/Release/

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    SECGRAPH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
# HOST=0.0.0.0 needs SECGRAPH_API_KEYS: an open gateway refuses to listen beyond loopback. /health is not
# behind the keys.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1 (no shell in between): `docker stop` sends SIGTERM straight to it, and the server drains
# in-flight requests for up to 10 s (server.ts), then exits 0. Docker's default grace is also 10 s, so give it a
# margin (`docker stop -t 15`, compose.yaml's stop_grace_period) or a slow request's drain ends in SIGKILL.
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/server.js"]
