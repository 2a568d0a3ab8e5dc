# syntax=docker/dockerfile:1.7
# Cubicle's two images from one build of the workspace (docs/kubernetes.md, "Images"):
#   docker build --target runner       -t REGISTRY/cubicle-runner:TAG .
#   docker build --target orchestrator -t REGISTRY/cubicle-orchestrator:TAG .

# The images run Node 22 (an LTS line with support ahead; Node 20 ended in April 2026); the code
# itself still runs on Node 20, where the tests run. Pin the base by digest in your build
# (`FROM node:22-bookworm-slim@sha256:…`, from `docker buildx imagetools inspect`): no registry
# was reachable where this file was written, so no digest is invented here.

# ── build: the whole pnpm workspace, compiled, then each image's production files ──────────────
FROM node:22-bookworm-slim AS build
# node-pty and better-sqlite3 compile from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@10.34.9
WORKDIR /src
# Manifests first: the dependency layer is cached until a package.json or the lockfile changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# pnpm applies these to s3rver at install (pnpm-workspace.yaml, patchedDependencies).
COPY patches patches
COPY protocol/package.json protocol/
COPY storage/package.json storage/
COPY runner/package.json runner/
# The runner's install script compiles its process guard (runner/native) with node-gyp.
COPY runner/native runner/native
COPY orchestrator/package.json orchestrator/
COPY frontend/package.json frontend/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build
# Each image gets its package, its workspace dependencies and their production node_modules only.
RUN pnpm --filter @cubicle/runner deploy --prod --legacy /out/runner \
 && pnpm --filter @cubicle/orchestrator deploy --prod --legacy /out/orchestrator

# ── runner: one per running repl (init container `runner pull`, container `runner serve`) ──────
FROM node:22-bookworm-slim AS runner
# What a person expects in a shell: git, python (also as `python`) with a pip that installs,
# editors, tmux, wget and curl, build tools, the usual utilities; ripgrep is the IDE's search in
# files; tini is PID 1 (it reaps the zombies users' background jobs leave and forwards SIGTERM).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      bash ca-certificates curl git jq less make g++ nano openssh-client procps \
      python3 python3-pip python3-venv python-is-python3 ripgrep tini tmux unzip vim-tiny wget zip \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/runner /opt/cubicle/runner
# The image's `node` user is uid/gid 1000: the runner never needs root. `pip install` goes to a
# venv the user owns (Debian's system Python refuses pip installs, PEP 668).
RUN mkdir -p /workspace /state /cache && python3 -m venv /opt/cubicle/python \
 && chown -R 1000:1000 /workspace /state /cache /opt/cubicle/python
# Package caches (npm, pip, …) live on their own volume, apart from the workspace and HOME
# (docs/kubernetes.md, "Volumes").
ENV NODE_ENV=production WORKSPACE_DIR=/workspace STATE_DIR=/state HOST=0.0.0.0 PORT=3001 APP_PORT=3000 \
    VIRTUAL_ENV=/opt/cubicle/python PATH=/opt/cubicle/python/bin:$PATH \
    XDG_CACHE_HOME=/cache npm_config_cache=/cache/npm PIP_CACHE_DIR=/cache/pip \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768
USER 1000:1000
WORKDIR /workspace
EXPOSE 3001 3000
# The flags are runner/src/tuning.ts RUNNER_NODE_FLAGS, the MALLOC_ variables RUNNER_PROCESS_ENV
# (less memory per repl; neither reaches the user's processes).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=4", "--optimize-for-size", "--expose-gc", "/opt/cubicle/runner/dist/cli.js"]
CMD ["serve"]

# ── orchestrator: REST API, gateway, the built IDE ─────────────────────────────────────────────
FROM node:22-bookworm-slim AS orchestrator
RUN apt-get update && apt-get install -y --no-install-recommends tini git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/orchestrator /opt/cubicle/orchestrator
COPY --from=build /src/frontend/dist /opt/cubicle/frontend
COPY templates /opt/cubicle/templates
RUN mkdir -p /data && chown 1000:1000 /data
ENV NODE_ENV=production ORCHESTRATOR_HOST=0.0.0.0 ORCHESTRATOR_PORT=8080 DATA_DIR=/data \
    FRONTEND_DIR=/opt/cubicle/frontend TEMPLATES_DIR=/opt/cubicle/templates \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/cubicle/orchestrator/dist/cli.js"]
CMD ["serve"]
