#!/usr/bin/env bash
# Migrate, load the demo force on first start, and serve on http://127.0.0.1:5000.
set -euo pipefail
bin=.venv/bin
$bin/readiness db upgrade
if [ ! -f instance/demo-loaded ]; then
  $bin/readiness demo load --if-empty
  touch instance/demo-loaded
fi
cat <<MSG

  Readiness is running on http://127.0.0.1:5000
  Log in as one of the demo users (password: demo-password-2026):
    admin      whole force, all rights
    training   training officer of the brigade
    commander  commander of the 1st battalion
  API: .venv/bin/readiness tokens create admin   (then Authorization: Bearer <token>)

MSG
exec $bin/readiness run --host 127.0.0.1 --port 5000
