#!/usr/bin/env bash
# The e-mail tests receive from a real IMAP server: Debian's Dovecot 2.3 with its
# own configuration under a runtime directory (the machine's /etc/dovecot is left
# alone). IMAP on 127.0.0.1:10143 (STARTTLS offered, plain login allowed: it only
# listens on localhost), IMAPS on 127.0.0.1:10993 with a self-signed certificate
# (its PEM is $RUN/cert.pem, the tests' CA file). Any user name logs in with the
# one password below, and each user is its own empty Maildir: every test uses a
# fresh user. Idempotent: a running server is left alone. `ensure-mail.sh stop`
# stops it.
set -euo pipefail

RUN=${CCENGINE_MAIL_DIR:-/var/tmp/ccengine-mail}
PASSWORD=${CCENGINE_MAIL_PASSWORD:-ccengine-mail}
IMAP_PORT=10143
IMAPS_PORT=10993
CONF=$RUN/dovecot.conf

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$IMAP_PORT") 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
    [ -f "$CONF" ] && $sudo doveadm -c "$CONF" stop 2>/dev/null || true
    exit 0
fi

listening && exit 0
if ! command -v dovecot >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    echo "ensure-mail: installing dovecot-imapd from Debian" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dovecot-imapd openssl >/dev/null
fi

$sudo mkdir -p "$RUN/mail" "$RUN/run" "$RUN/state"
if [ ! -f "$RUN/cert.pem" ]; then
    $sudo openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$RUN/key.pem" -out "$RUN/cert.pem" 2>/dev/null
    $sudo chmod 600 "$RUN/key.pem"
    $sudo chmod 644 "$RUN/cert.pem"
fi
$sudo chown -R mail:mail "$RUN/mail"

$sudo tee "$CONF" >/dev/null <<EOF
# Written by scripts/ensure-mail.sh: a test server, localhost only.
protocols = imap
listen = 127.0.0.1
base_dir = $RUN/run
state_dir = $RUN/state
log_path = $RUN/dovecot.log
ssl = yes
ssl_cert = <$RUN/cert.pem
ssl_key = <$RUN/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 8
mail_location = maildir:$RUN/mail/%u
mail_max_userip_connections = 100
imap_idle_notify_interval = 30 secs
# A wrong password answers at once (the tests wait for it): no delay, no penalty.
auth_failure_delay = 0 secs
passdb {
  driver = static
  args = password=$PASSWORD
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$RUN/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Done {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap {
  process_limit = 1024
}
EOF

$sudo dovecot -c "$CONF"
for _ in $(seq 1 30); do listening && exit 0; sleep 0.5; done
echo "ensure-mail: Dovecot did not come up on 127.0.0.1:$IMAP_PORT (see $RUN/dovecot.log)" >&2
exit 1
