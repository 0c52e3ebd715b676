# The firedrill worker. It runs the TypeScript sources through tsx (no build step), talks to
# Temporal at TEMPORAL_ADDRESS and to Kubernetes through its ServiceAccount or KUBECONFIG.
FROM node:24-bookworm-slim
# Chromium prints the PDF reports (through playwright-core, a runtime dependency); fonts so the
# PDF has glyphs. Without it the worker still writes every other format and says so at start.
RUN apt-get update \
  && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production FIREDRILL_CHROMIUM=/usr/bin/chromium
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY activities ./activities
COPY approvals ./approvals
COPY cli ./cli
COPY client ./client
COPY devstack ./devstack
COPY drills ./drills
COPY report ./report
COPY simulator ./simulator
COPY tower ./tower
COPY worker ./worker
COPY workflows ./workflows
# The report store's mount point, owned by the worker's user: a new named volume mounted
# here (docker-compose.yml) takes this ownership.
RUN mkdir /reports && chown node:node /reports
USER node
ENTRYPOINT ["node", "bin/firedrill.js"]
CMD ["worker"]
