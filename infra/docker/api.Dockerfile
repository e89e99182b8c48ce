# syntax=docker/dockerfile:1.7
# Control plane image. Build from the repository root:
#   docker build -f infra/docker/api.Dockerfile -t tributary/api:0.1.0 .
# Runs as the unprivileged `node` user (uid 1000); needs DATABASE_URL and SECRETS_KEY at run time.

FROM node:20-slim AS build
WORKDIR /src
# The repository pins npm 11 (package.json packageManager): it refuses dependency install
# scripts, which the lockfile was resolved for. node:20-slim ships npm 10.
RUN npm install -g npm@11.19.1
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
# Builds the api and the workspace packages it depends on (turbo follows ^build).
RUN npx turbo run build --filter=@tributary/api...
# Keep only the api's production dependencies for the runtime stage.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace=@tributary/api

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages ./packages
COPY --from=build /src/apps/api/package.json ./apps/api/
COPY --from=build /src/apps/api/dist ./apps/api/dist
# SQL migrations, applied by the api at start under Prisma's advisory lock (safe with replicas).
COPY --from=build /src/apps/api/prisma ./apps/api/prisma
USER node
EXPOSE 4000
CMD ["node", "apps/api/dist/src/main.js"]
