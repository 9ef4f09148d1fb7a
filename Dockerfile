# syntax=docker/dockerfile:1
# The service runs its TypeScript sources directly with tsx (a runtime dependency); there is no build step.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app

# Dependencies first, so editing the sources does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Sources (see .dockerignore), owned by root and read-only to the unprivileged user that runs them.
COPY . .
# Uploaded and polled report files wait here for the ingest worker (a volume in docker-compose.yml).
RUN mkdir -p /app/data/feeds && chown node:node /app/data/feeds
USER node

EXPOSE 3000

# No curl in slim images: node's own fetch asks the liveness route.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is the main process (not npm), so SIGTERM reaches the app's graceful shutdown.
# Migrations run on start; `--role web` or `--role worker` runs one half when scaling them apart.
CMD ["node", "--import", "tsx", "src/main.ts"]
