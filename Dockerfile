# secgraph as a container: compiled once in a build stage, run as an unprivileged user with production
# dependencies only. `docker build -t secgraph .` then see compose.yaml for PostgreSQL and Redis.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# The console (console/, built by Vite into dist/console) is checked against the committed schema.
COPY schema.graphql ./
COPY console ./console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

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
# HOST=0.0.0.0 needs SECGRAPH_API_KEYS: an open gateway refuses to listen beyond loopback.
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1's only child of interest: `docker stop` sends SIGTERM straight to it (graceful drain).
CMD ["node", "--enable-source-maps", "dist/server.js"]
