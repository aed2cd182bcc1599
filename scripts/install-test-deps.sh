#!/usr/bin/env bash
# Installs the real services the test suite runs against, from Debian's packages, when they are missing:
# Redis (shared cache and pub/sub tests), Dovecot (the IMAP server behind the STA alert-mail tests) and
# Chromium (GraphiQL and the console in a real browser), PostgreSQL (the store tests run on both engines) and
# openssl (self-signed certificates for the HTTPS emulators of the proxy and TLS tests) and Squid (the real
# forward proxy of test/forward-proxy.test.ts, with its basic_ncsa_auth helper) and Postfix (the MTA the email destination tests send through).
# `npm test` runs this first (the `pretest` script), so a fresh clone needs no other step.
# The tests start their own throwaway instances on loopback; nothing is started here.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd)
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/sbin/squid ] && [ -x /usr/lib/squid/basic_ncsa_auth ] || need+=(squid)
# Postfix: the real MTA the email destination tests send through (it delivers into the test Dovecot).
[ -x /usr/sbin/postfix ] || need+=(postfix)

if [ ${#need[@]} -eq 0 ]; then
  echo "test services present: redis-server, dovecot, chromium, postgresql, openssl, squid, postfix"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "The tests need Debian packages that are missing; install them as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
echo "installing ${need[*]} from Debian's packages"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
