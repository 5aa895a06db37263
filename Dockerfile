# The Node services (gateway, order service), run from TypeScript through tsx like everywhere else.
# docker-compose.yml builds it once and picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
# All dependencies: tsx (a devDependency) runs the services. better-sqlite3 installs its prebuilt binary.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY services ./services
RUN mkdir -p /data && chown node:node /data
USER node
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data
VOLUME ["/data"]
CMD ["node", "--import", "tsx", "services/gateway/main.ts"]
