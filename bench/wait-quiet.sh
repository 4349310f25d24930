#!/usr/bin/env bash
# Waits (at most $2 seconds, default 300) until the 1-minute load average is below $1 (default 1.5).
limit=${1:-1.5}; max=${2:-300}; waited=0
while awk -v l="$limit" '{exit !($1 >= l)}' /proc/loadavg && [ "$waited" -lt "$max" ]; do sleep 10; waited=$((waited+10)); done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after waiting ${waited}s"
