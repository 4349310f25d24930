#!/usr/bin/env bash
# The Ideogram runbook's "Quick Triage (Run These First)" script, copied verbatim from
# src/runbooks/ideogram/runbook-page.txt. Only the endpoint changed: https://api.ideogram.ai is
# now ${IDEOGRAM_BASE_URL} and the host name api.ideogram.ai is now ${IDEOGRAM_API_HOST}, so that
# `npm run bench` can point it at the simulator. (The script has no status-page check.)
set -euo pipefail
echo "=== IDEOGRAM TRIAGE ==="
# 1. Test API connectivity and auth
echo -n "API status: "
curl -s -o /dev/null -w "%{http_code}" \
-X POST ${IDEOGRAM_BASE_URL}/generate \
-H "Api-Key: $IDEOGRAM_API_KEY" \
-H "Content-Type: application/json" \
-d '{"image_request":{"prompt":"triage test","model":"V_2_TURBO","magic_prompt_option":"OFF"}}'
echo ""
# 2. Test V3 endpoint
echo -n "V3 status: "
curl -s -o /dev/null -w "%{http_code}" \
-X POST ${IDEOGRAM_BASE_URL}/v1/ideogram-v3/generate \
-H "Api-Key: $IDEOGRAM_API_KEY" \
-F "prompt=triage test" -F "rendering_speed=FLASH"
echo ""
# 3. Check DNS resolution
echo -n "DNS: "
nslookup ${IDEOGRAM_API_HOST} 2>/dev/null | grep -A1 "Name:" | tail -1 || echo "lookup failed"
# 4. Measure latency
echo -n "Latency: "
curl -s -o /dev/null -w "%{time_total}s" \
-X POST ${IDEOGRAM_BASE_URL}/generate \
-H "Api-Key: $IDEOGRAM_API_KEY" \
-H "Content-Type: application/json" \
-d '{"image_request":{"prompt":"latency test","model":"V_2_TURBO","magic_prompt_option":"OFF"}}'
echo ""
