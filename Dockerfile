# syntax=docker/dockerfile:1
# One image for every process of Alpes Partners payments; the command picks the entry point:
#   node dist/processes/api.js (default) | worker.js | notifications-worker.js | ui.js;
#   node dist/sandbox-bank/sandbox-bank.main.js (the stand-in bank)
#   node scripts/migrate.js (one-shot: create + migrate the database)
# docker-compose.yml runs each as its own service; docs/deployment.md explains them.

# ---- deps: every dependency (dev ones too), cached as long as the lockfile does not change
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build: compile TypeScript, prebuild the workflow bundles and the dashboard
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# tsc does not copy assets: the UI server's placeholder page comes along by hand.
RUN npm run build \
 && npx tsx scripts/bundle-workflows.ts dist \
 && npx tsx scripts/build-dashboard.ts dist/dashboard \
 && mkdir -p dist/ui/server/public && cp -R src/ui/server/public/. dist/ui/server/public/ \
 && test -f dist/processes/api.js -a -f dist/workflow-bundle.js -a -f dist/dashboard/index.html

# ---- runtime: production dependencies and the build output only, as the unprivileged `node` user
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    NOTIFICATIONS_WORKFLOW_BUNDLE_PATH=/app/dist/notifications-workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /app/data \
 && chown node:node /app/data
COPY --from=build /app/dist ./dist
COPY scripts/healthcheck.js scripts/migrate.js ./scripts/
USER node
# API, live UI, sandbox bank, worker SDK metrics (each process uses the one its config names).
EXPOSE 5000 5678 5100 9464
# Without arguments the check derives its probe from the entry point this container runs.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=5 \
  CMD ["node", "scripts/healthcheck.js"]
CMD ["node", "dist/processes/api.js"]
