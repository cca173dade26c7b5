#pragma once
// The in-process `mock` provider: answers from mock_llm without any network,
// for offline demos (the quickstart's `demo` model) and smoke tests.
#include "providers/attempt.hpp"

namespace torii::providers {

AttemptOutcome prepare_mock(const AttemptRequest& request);

}  // namespace torii::providers
