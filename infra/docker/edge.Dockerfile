# syntax=docker/dockerfile:1.7
# Edge image (RTMP ingest/playback, HLS, HTTP-FLV). Build from the repository root:
#   docker build -f infra/docker/edge.Dockerfile -t tributary/edge:0.1.0 .
# Runs as the unprivileged `node` user (uid 1000); needs EDGE_API_URL and EDGE_API_TOKEN at run time.

FROM node:20-slim AS build
WORKDIR /src
# npm 11 as pinned by the repository (see api.Dockerfile).
RUN npm install -g npm@11.19.1
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
RUN npx turbo run build --filter=@tributary/edge...
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace=@tributary/edge

FROM node:20-slim
# ffmpeg makes `transcode` rendition ladders (apps/edge src/transcode/, TRANSCODE_FFMPEG_PATH).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages ./packages
COPY --from=build /src/apps/edge/package.json ./apps/edge/
COPY --from=build /src/apps/edge/dist ./apps/edge/dist
USER node
# Both ports are above 1024, so the unprivileged user binds them without extra capabilities.
EXPOSE 1935 8080
CMD ["node", "apps/edge/dist/src/main.js"]
