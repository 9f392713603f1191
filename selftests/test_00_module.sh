#!/bin/sh
# Harness self-test: run.sh loaded kipsec; unload it and load it again.
# Plain sh on purpose: it must not depend on lib.sh.
set -u

fail() { echo "FAIL: $*"; exit 1; }

[ -n "${KIPSEC_KO:-}" ] || fail "KIPSEC_KO is not set (run me through selftests/run.sh)"
[ -d /sys/module/kipsec ] || fail "kipsec is not loaded although run.sh loads it before each test"
[ "$(cat /sys/module/kipsec/initstate 2>/dev/null)" = live ] || fail "kipsec is loaded but not live"

rmmod kipsec || fail "rmmod kipsec failed"
[ ! -e /sys/module/kipsec ] || fail "/sys/module/kipsec still exists after rmmod"

insmod "$KIPSEC_KO" || fail "insmod $KIPSEC_KO failed"
[ "$(cat /sys/module/kipsec/initstate 2>/dev/null)" = live ] || fail "kipsec is not live after insmod"

echo "unloaded and reloaded $KIPSEC_KO"
