#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate the TEST-ONLY age keys in this directory with Debian's age-keygen.
set -eu
cd "$(dirname "$0")"
rm -f identity.txt identity2.txt
age-keygen -o identity.txt 2>/dev/null
age-keygen -o identity2.txt 2>/dev/null
age-keygen -y identity.txt >recipient.txt
age-keygen -y identity2.txt >recipient2.txt
