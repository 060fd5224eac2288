# syntax=docker/dockerfile:1
# irsa server image: build with the dev toolchain, ship dist/ and production dependencies only,
# run as a non-root user on a read-only root filesystem (state in the /var/lib/irsa volume, scratch
# in a /tmp tmpfs). See docs/operations.md.
#
#   docker build -t irsa .
#   docker run --read-only --tmpfs /tmp -v irsa-data:/var/lib/irsa -p 7788:7788 irsa
#   docker run … irsa serve --host 0.0.0.0 --store postgres://… --issuer https://irsa.example.com --log

FROM node:20-bookworm-slim AS build
# Toolchain for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm ci` runs the prepare script, which builds dist/.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The image's `node` user (uid 1000) owns only the state directory; the code stays root-owned.
RUN mkdir -p /var/lib/irsa && chown 1000:1000 /var/lib/irsa && chmod 0700 /var/lib/irsa
VOLUME ["/var/lib/irsa"]
USER 1000:1000
EXPOSE 7788
# Liveness only (the process answers); readiness is /readyz (store and keys), probed by Kubernetes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:7788/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "7788", "--data", "/var/lib/irsa", "--log"]
