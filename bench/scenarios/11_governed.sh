# Scenario 11: the throughput scenario's requests through a third torii where
# every request carries a virtual key with a monthly budget and rpm/tpm
# limits (embedded store): key lookup, allow-list, rate-limit counters,
# budget reservation and settlement, ledger write. Against the plain one in
# the same rounds.
scenario_governed() {
  local w=$1
  compare_runs governed "$w" "$CONNECTIONS" "$ROUNDS" torii torii-governed
}
