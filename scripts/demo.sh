#!/usr/bin/env bash
# The seed's example end to end through the edgecart CLI, on a data directory that persists
# between runs (./data/demo; pass another directory as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" --target edgecart >/dev/null
data="${1:-data/demo}"
rm -rf "$data"
cli() { ./build/release/cli/edgecart --data "$data" --tenant shop-a "$@" || true; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Create product PRD-001 and stock 10 units"
cli request POST /products '{"code":"PRD-001","name":"Wireless Mouse","categoryCode":"ACC","sku":"WM-001","price":29.99,"currency":"USD"}'
cli request PATCH /inventory/PRD-001 '{"quantity":10}'

step "POST /orders with the seed's request (expect 201, ORD-000001, total 65.98)"
cli request POST /orders '{"customerId":"CUST-001","items":[{"productCode":"PRD-001","name":"Wireless Mouse","quantity":2,"price":29.99}],"shippingAddress":{"street":"123 Main St","city":"Tokyo","postalCode":"100-0001","country":"JP"},"paymentMethod":"credit_card"}'

step "Inventory now holds the reservation (reservedQuantity 2)"
cli request GET /inventory/PRD-001

step "A refused transition, then the happy path to shipped"
cli request PATCH /orders/ORD-000001/status '{"status":"delivered"}'
for s in confirmed processing shipped; do
  cli request PATCH /orders/ORD-000001/status "{\"status\":\"$s\"}"
done
cli request GET /inventory/PRD-001

step "Another tenant with the same codes sees nothing of shop-a"
./build/release/cli/edgecart --data "$data" --tenant shop-b request GET /orders || true

step "Check the log on disk"
./build/release/cli/edgecart --data "$data" verify
