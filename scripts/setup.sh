#!/usr/bin/env bash
# Installs what etl needs on a fresh Debian/Ubuntu machine and starts MariaDB and Redis when none answers.
# Idempotent: every step checks first. Used by scripts/demo.sh, scripts/test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# Node.js is the one thing we do not install: it decides which versions of everything else apply. The floor is
# package.json's engines.node (20.19: typeorm 1.1 and vite 8 need it, node:zlib crc32 needs 20.15).
command -v node >/dev/null || { log "Node.js is not installed: install Node.js 20.19 or newer (or 22), then run this again"; exit 1; }
node scripts/check-node.js || { log "stopping: this Node.js is too old (see above)"; exit 1; }

if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1
fi

log "installing dependencies (frozen lockfile)"
pnpm install --frozen-lockfile --reporter=silent

if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium from apt (Playwright drives the system browser)"
  apt_install chromium
fi

mariadb_up() { mariadb-admin --host=127.0.0.1 --port=3306 --user=root ping >/dev/null 2>&1; }
if ! mariadb_up; then
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    log "installing mariadb-server from apt"
    apt_install mariadb-server
  fi
  log "starting MariaDB"
  as_root install -d -o mysql -g mysql /run/mysqld
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do mariadb_up && break; sleep 1; done
  if ! mariadb_up; then
    # Debian's root may only accept the unix socket: let it log in over TCP with an empty password too.
    as_root mariadb -uroot -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket" || true
  fi
  mariadb_up || { log "MariaDB did not answer on 127.0.0.1:3306"; exit 1; }
fi

# Redis carries the queue of `etl worker` and the shared limiters (`store: redis`); etl never keeps the only copy of
# anything there, so it is started without persistence. A PING over bash's /dev/tcp needs no redis-cli.
redis_up() { timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379 && printf "PING\r\n" >&3 && read -r reply <&3 && [[ $reply == +PONG* ]]' 2>/dev/null; }
if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server from apt"
    apt_install redis-server
  fi
  log "starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { log "Redis did not answer on 127.0.0.1:6379"; exit 1; }
fi

log "building"
pnpm run build
