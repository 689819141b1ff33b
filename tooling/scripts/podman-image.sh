#!/usr/bin/env bash
# Builds and runs the backend image with Debian's podman where no base image can be pulled: the
# Dockerfile's backend stage with `FROM node:…-slim` swapped for `FROM scratch` plus this machine's
# Node binary and the shared libraries it links, then the same deploy folder, ENV, USER,
# HEALTHCHECK and CMD. Needs podman and runc (apt-get install podman runc); crun cannot set rlimits
# or cgroups on hosts like these CI machines, so runc is used, with explicit ulimits.
#   bash tooling/scripts/podman-image.sh        → image localhost/oboe-backend:scratch, /healthz checked
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in podman runc; do
  command -v "$tool" >/dev/null || {
    echo "❌ $tool is missing. Fix: sudo apt-get install -y podman runc" >&2
    exit 1
  }
done
work=$(mktemp -d)
trap 'podman --runtime runc rm -f oboe-scratch-check >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# The README's production commands.
npx -y pnpm@10 --filter @oboe/backend build >/dev/null
npx -y pnpm@10 --filter @oboe/backend deploy --prod "$work/rootfs/app" >/dev/null

node_bin=$(readlink -f "$(command -v node)")
install -D "$node_bin" "$work/rootfs/usr/local/bin/node"
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do install -D "$lib" "$work/rootfs$lib"; done
mkdir -p "$work/rootfs/etc" "$work/rootfs/tmp" && chmod 1777 "$work/rootfs/tmp"
echo 'node:x:1000:1000::/app:/usr/sbin/nologin' >"$work/rootfs/etc/passwd"
echo 'node:x:1000:' >"$work/rootfs/etc/group"

# The Dockerfile's backend stage, from FROM scratch on, without the COPY from the build stage.
{
  echo 'FROM scratch'
  echo 'COPY rootfs/ /'
  awk '/^FROM .* AS backend$/{on=1; next} on && !/^COPY --from=build/' Dockerfile
} >"$work/Containerfile"

podman build --format docker -t localhost/oboe-backend:scratch "$work" >/dev/null
# /healthz needs no configuration; a throwaway port on loopback.
port=$((20000 + RANDOM % 20000))
podman --runtime runc run -d --name oboe-scratch-check --network host \
  --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
  -e HOST=127.0.0.1 -e PORT="$port" \
  -e TENANT_ID=00000000-0000-0000-0000-000000000001 \
  -e FRONTEND_CLIENT_ID=00000000-0000-0000-0000-000000000002 \
  -e BACKEND_CLIENT_ID=00000000-0000-0000-0000-000000000003 \
  -e BACKEND_CLIENT_SECRET=not-a-secret \
  localhost/oboe-backend:scratch >/dev/null
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "GET /healthz: $(curl -sS "http://127.0.0.1:$port/healthz")"
podman --runtime runc healthcheck run oboe-scratch-check 2>/dev/null && echo 'HEALTHCHECK: healthy'
echo "runs as: $(podman --runtime runc inspect oboe-scratch-check --format '{{.Config.User}} {{.Config.Cmd}}')"
