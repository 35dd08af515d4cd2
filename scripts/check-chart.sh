#!/usr/bin/env bash
# Lint the Helm chart and validate what it renders, for the defaults and every ci/ variant.
set -euo pipefail
cd "$(dirname "$0")/.."
helm=$(bash scripts/get-helm.sh)
validate=.venv/bin/kubernetes-validate
chart=helm/vehicle-connect
for values in "$chart"/ci/*-values.yaml; do
  echo "chart: $(basename "$values")"
  "$helm" lint --strict "$chart" -f "$values"
  "$helm" template vehicle-connect "$chart" -f "$values" | "$validate" --strict --quiet -
done
