# syntax=docker/dockerfile:1
# One image recipe for the three services; SERVICE chooses which. Build context: the
# repository root (docker-compose.yml does this):
#   docker build --build-arg SERVICE=user-service -t ecom/user-service .
#   docker build --build-arg SERVICE=recommendation-service -t ecom/recommendation-service .
# recommendation-service's image also carries its embeddings model (build arguments
# EMBEDDINGS_MODEL_ID, EMBEDDINGS_MODEL_FILE; docs/docker.md). Node: the current LTS line (26).
ARG NODE_IMAGE=node:26.13.0-bookworm-slim
ARG SERVICE=user-service

# --- build: the whole workspace, then only this service's production files ----------------
FROM ${NODE_IMAGE} AS build
ARG SERVICE
ENV CI=true ONNXRUNTIME_NODE_INSTALL=skip
RUN case "$SERVICE" in user-service|catalog-service|recommendation-service) ;; \
      *) echo "SERVICE must be user-service, catalog-service or recommendation-service (got '$SERVICE')" >&2; exit 1 ;; esac
RUN npm install --global pnpm@10.34.8
WORKDIR /repo
# Dependencies are fetched in their own layer, reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
# The workspace, without models/ (only the model stage uses it) or anything in .dockerignore.
COPY package.json tsconfig.base.json dataset.csv ./
COPY scripts ./scripts
COPY packages ./packages
COPY user-service ./user-service
COPY catalog-service ./catalog-service
COPY recommendation-service ./recommendation-service
# postinstall generates the Prisma clients (offline: no engine download needed).
RUN pnpm install --offline --frozen-lockfile
# `pnpm deploy` copies the service with its production dependencies only; injected
# workspace packages make it follow the shared lockfile. The bundle is built inside that
# copy so its imports point at the packages that ship with it (scripts/build-service.mjs).
RUN pnpm --filter "@ecom/$SERVICE" --config.inject-workspace-packages=true deploy --prod --ignore-scripts /deploy/app \
 && cp tsconfig.base.json /deploy/ \
 && cd /deploy/app \
 && node /repo/scripts/build-service.mjs \
 && rm -rf test \
 && cp /repo/dataset.csv ./dataset.csv

# --- model (recommendation-service only): models/<id>/ from the build context, else a download
FROM ${NODE_IMAGE} AS model
ARG SERVICE
ARG EMBEDDINGS_MODEL_ID=Xenova/all-MiniLM-L12-v2
ARG EMBEDDINGS_MODEL_FILE=onnx/model.onnx
COPY scripts/fetch-model.mjs /tmp/fetch-model.mjs
COPY models/ /models/
# Without network and without a copy the image is still built, with no model in it: the
# service then needs EMBEDDINGS_MODEL=auto (hashing fallback, with a warning) or hashing.
RUN dest="/models/$EMBEDDINGS_MODEL_ID"; \
    if [ "$SERVICE" != recommendation-service ]; then rm -rf /models/*; \
    elif [ -f "$dest/config.json" ]; then echo "model: using the copy in models/$EMBEDDINGS_MODEL_ID"; \
    elif node /tmp/fetch-model.mjs "$EMBEDDINGS_MODEL_ID" "$dest" "$EMBEDDINGS_MODEL_FILE"; then :; \
    else echo "WARNING: no model baked in (download failed, no copy in models/)"; fi; \
    rm -f /models/README.md

# --- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG EMBEDDINGS_MODEL_ID=Xenova/all-MiniLM-L12-v2
# DATASET_PATH is read by user- and catalog-service, EMBEDDINGS_MODEL_PATH by
# recommendation-service; a service ignores the variables it does not read.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data DATASET_PATH=/app/dataset.csv \
    EMBEDDINGS_MODEL_PATH=/models/${EMBEDDINGS_MODEL_ID}
WORKDIR /app
COPY --from=model /models /models
COPY --from=build --chown=node:node /deploy/app ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The service applies its migrations at start-up (same bookkeeping as `prisma migrate deploy`).
CMD ["node", "--enable-source-maps", "dist/server.js"]
