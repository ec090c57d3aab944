#!/usr/bin/env bash
# The tests run against a real PostgreSQL on 127.0.0.1:5432 (trust auth, user
# postgres). Start the machine's cluster if it is down; install it if missing.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ready && exit 0
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "ensure-postgres: installing PostgreSQL from Debian" >&2
    apt-get update -qq
    # contrib: unaccent and pg_trgm, which the search indexes use (migration 0019);
    # on Debian 12 they ship in postgresql-15 and this name is a small metapackage.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
conf=/etc/postgresql/$version/main
if ! grep -q "ccengine-tests" "$conf/pg_hba.conf"; then
    # Local test cluster only: trust connections from this machine.
    printf '# ccengine-tests\nhost all all 127.0.0.1/32 trust\nlocal all all trust\n' \
        | cat - "$conf/pg_hba.conf" > /tmp/pg_hba.conf && mv /tmp/pg_hba.conf "$conf/pg_hba.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure-postgres: PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
