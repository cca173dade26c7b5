#pragma once
// Budgets count in whole nano-dollars (1e-9 USD) so that reservations,
// settlements and the ledger add up exactly; costs arrive as doubles.
#include <cmath>
#include <cstdint>

namespace torii::governance {

inline int64_t to_nusd(double usd) { return int64_t(std::llround(usd * 1e9)); }
inline double to_usd(int64_t nusd) { return double(nusd) / 1e9; }

}  // namespace torii::governance
