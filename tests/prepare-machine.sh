#!/usr/bin/env bash
# Makes this machine ready for `make test`: the services the tests talk to are up and the
# programs they drive are installed. Idempotent and quick when all is in place; used by
# `make test` and by CI's `.ci/run`. Every service listens on loopback only.
set -euo pipefail

say() { echo "prepare-machine: $*"; }

wait_for() {  # wait_for NAME COMMAND...: up to 60 s
  local name=$1; shift
  for _ in $(seq 60); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  say "$name did not come up" >&2; return 1
}

apt_install() {  # apt_install PACKAGE...: Debian packages, once per run
  if [ "$(id -u)" != 0 ]; then
    say "needs root to install $* (apt-get install -y $*)" >&2; return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

cluster=$(ls /etc/postgresql 2>/dev/null | head -n1 || true)
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || true
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

# Every test worker runs servers with their own connection pools (about 20 connections
# each); PostgreSQL's default of 100 is too tight for two workers plus subprocesses.
if [ "$(psql -h 127.0.0.1 -U postgres -tAc 'SHOW max_connections' 2>/dev/null || echo 0)" -lt 300 ]; then
  say "raising PostgreSQL max_connections to 300"
  psql -h 127.0.0.1 -U postgres -qc "ALTER SYSTEM SET max_connections = 300"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main restart
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  say "starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_for RabbitMQ bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672'
  # The port opens before the broker accepts logins: wait until it answers.
  wait_for "RabbitMQ (ready)" rabbitmq-diagnostics -q check_running || true
fi

# Browser tests drive Debian's chromium through Playwright (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the browser tests"
  apt_install chromium
fi

# Virus-scanning tests start their own clamd on loopback with a signature file of their own;
# the package's service is never started and never downloads signatures.
if [ ! -x /usr/sbin/clamd ]; then
  say "installing Debian's clamav-daemon for the scanning tests"
  apt_install clamav-daemon
fi

# The tus test with tus-js-client runs it under the machine's Node.js; the client is pinned in
# tests/support/tus_js (package.json and its lock) and installed there once by `npm ci`.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "installing Debian's nodejs and npm for the tus-js-client test"
  apt_install nodejs npm
fi
tus_js="$(dirname "$0")/support/tus_js"
if [ ! -f "$tus_js/node_modules/tus-js-client/package.json" ]; then
  say "installing tus-js-client (npm ci in tests/support/tus_js)"
  (cd "$tus_js" && npm ci --no-audit --no-fund --loglevel=error)
fi
