# syntax=docker/dockerfile:1
# Two stages: the TypeScript sources are compiled to JavaScript (npm run build), and the image that runs keeps only
# the production dependencies and dist/. No tsx, compiler or test code in production.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bots ./bots
COPY jobs ./jobs
COPY migrations ./migrations
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app

# Dependencies first, so editing the sources does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The compiled service, owned by root and read-only to the unprivileged user that runs it.
COPY --from=build /app/dist ./dist
# Uploaded and polled report files wait here for the ingest worker (a volume in docker-compose.yml).
RUN mkdir -p /app/data/feeds && chown node:node /app/data/feeds
USER node

EXPOSE 3000

# No curl in slim images: node's own fetch asks the liveness route.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is the main process (not npm), so SIGTERM reaches the app's graceful shutdown.
# Migrations run on start; `--role web` or `--role worker` runs one half when scaling them apart, and
# `node dist/src/cli/main.js <command>` is the operator CLI.
CMD ["node", "dist/src/main.js"]
