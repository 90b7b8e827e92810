# syncline container image: one image, two roles (API and worker; see
# docker-compose.yml). Stages:
#   build   - all dependencies, the Prisma client, TypeScript compiled to JS,
#             and the prebuilt workflow bundle (so workers start without webpack);
#   runtime - production dependencies only, the compiled code, migrations and the
#             bundle, running as the unprivileged `node` user.
# The compiled tree keeps the source layout (/app/src, /app/prisma), so paths
# the code resolves from __dirname (migrations) are the same as in a checkout.

# The current Node.js LTS (26); scripts/ensure-node.sh pins the same version for the test pass on it.
ARG NODE_IMAGE=node:26.12.1-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts stay off: the packages syncline needs ship prebuilt binaries
# (Temporal core bridge, SWC) and need none (see ENVIRONMENT.md / allowScripts).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
COPY scripts ./scripts
# `prisma generate` does not run the schema engine but insists on finding one;
# pointing it at any file stops the CLI from downloading it.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/app/package.json node node_modules/prisma/build/index.js generate
RUN npx tsc -p tsconfig.build.json \
 && npm run build:workflows -- /app/dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=3000 \
    API_OPS_HOST=0.0.0.0 \
    API_OPS_PORT=3001 \
    WORKER_METRICS_HOST=0.0.0.0 \
    WORKER_METRICS_PORT=9464 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/compiled/src ./src
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
COPY --from=build /app/dist/workflow-bundle.traced.js ./dist/workflow-bundle.traced.js
COPY prisma ./prisma
COPY config ./config
RUN mkdir -p /app/.data && chown -R node:node /app/.data
USER node
EXPOSE 3000 3001 9464
# The API by default; the worker runs the same image with `node src/worker/main.js`.
CMD ["node", "src/api/main.js"]
