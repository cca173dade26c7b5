# Scenario 14: the cache's stores at scale. torii-cache-bench fills the
# semantic index with CACHE_ENTRIES vectors in one partition and times
# lookups (without the embedding call), and measures the memory of the
# index and of the exact store holding as many answers.
scenario_cachestore() {
  local out
  out=$(timeout 900 "$BUILD/torii-cache-bench" "$CACHE_ENTRIES" 256 20000 2>"$WORK/cachestore.err") || {
    log "torii-cache-bench failed: $(tail -3 "$WORK/cachestore.err")"
    return 0
  }
  record kind=cachestore report="$out"
}
