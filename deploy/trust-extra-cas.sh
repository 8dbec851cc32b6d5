#!/bin/sh
# Run by the Dockerfile's build stage: trusts the PEM certificates in EXTRA_CA_CERTS (the CA of a
# TLS-intercepting proxy, say) in the system store, for curl and wget, and in the JVM's, for Maven.
# Does nothing when EXTRA_CA_CERTS is empty; fails when it holds no certificate at all.
set -eu
[ -n "${EXTRA_CA_CERTS:-}" ] || exit 0
dir=/usr/local/share/ca-certificates/extra
mkdir -p "$dir"
printf '%s\n' "$EXTRA_CA_CERTS" | awk -v dir="$dir" '
  /-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/extra-%d.crt", dir, n) }
  file != "" { print > file }
  /-----END CERTIFICATE-----/ { close(file); file = "" }
  END { if (n == 0) { print "EXTRA_CA_CERTS holds no PEM certificate (-----BEGIN CERTIFICATE-----)" > "/dev/stderr"; exit 1 } }'
if command -v update-ca-certificates >/dev/null; then
  update-ca-certificates >/dev/null 2>&1
fi
count=0
for cert in "$dir"/*.crt; do
  keytool -importcert -noprompt -cacerts -storepass changeit -alias "build-$(basename "$cert" .crt)" -file "$cert" >/dev/null
  count=$((count + 1))
done
echo "The build stage trusts $count extra CA certificate(s)."
