#!/usr/bin/env bash
# Installs the Debian packages the service's tests use (run as root; idempotent, quiet when present):
#   ffmpeg           - reference decoder for the video decoding tests and the demo clip.mp4 script
#   chromium         - headless browser for the Swagger UI test (SwaggerUiBrowserIT)
#   chromium-driver  - its WebDriver (/usr/bin/chromedriver), driven by Selenium
#   fonts-dejavu-core - a TrueType font for the PNG heatmap in headless Java2D
set -euo pipefail
packages=(ffmpeg chromium chromium-driver fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
