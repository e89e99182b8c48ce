# syntax=docker/dockerfile:1.7
# Dashboard image (Next.js). Build from the repository root:
#   docker build -f infra/docker/dashboard.Dockerfile -t tributary/dashboard:0.1.0 .
# Runs as the unprivileged `node` user (uid 1000); needs API_URL at run time (PORT defaults to 3000).

FROM node:20-slim AS build
WORKDIR /src
# npm 11 as pinned by the repository (see api.Dockerfile).
RUN npm install -g npm@11.19.1
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
ENV NEXT_TELEMETRY_DISABLED=1
RUN npx turbo run build --filter=@tributary/dashboard...
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace=@tributary/dashboard

FROM node:20-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages ./packages
COPY --from=build /src/apps/dashboard/package.json /src/apps/dashboard/next.config.ts ./apps/dashboard/
COPY --from=build /src/apps/dashboard/.next ./apps/dashboard/.next
WORKDIR /app/apps/dashboard
USER node
EXPOSE 3000
# `next start` listens on $PORT.
CMD ["node", "/app/node_modules/next/dist/bin/next", "start"]
