#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (base image: Ubuntu 22.04, whose python3 is 3.10).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv util-linux
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir --require-hashes -r /autograder/source/requirements.txt
id -u ${sandbox_user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ${sandbox_user}
chmod -R go-rwx /autograder/source
