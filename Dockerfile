# One image, two roles: the incident worker (default) and the Ideogram simulator (`simulate`).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
# The image already has Node 24 and talks to the compose stack's Temporal: no local Temporal binaries.
ENV RUNBOOK_SKIP_TOOLS=1
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS build
COPY . .
RUN node scripts/build-workflow-bundle.ts /app/dist/workflow-bundle.js

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    RUNBOOK_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    RUNBOOK_LOG_FORMAT=json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY src ./src
USER node
ENTRYPOINT ["node", "bin/runbook.js"]
CMD ["worker"]
