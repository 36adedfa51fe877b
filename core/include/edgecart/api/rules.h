#pragma once
// The rules the JavaScript package shares with the core, written once here and generated for it
// (`edgecart rules > web/src/rules.ts`; tests/rules_test.cpp fails when the checked-in file is not
// what the core generates): error codes with their statuses, reason phrases and default codes
// (engine/error.h), order statuses and transitions (domain/domain.h), roles and the route table
// with each route's least role (api/access.h).

#include <string>

namespace edgecart {

// The TypeScript module web/src/rules.ts.
std::string typeScriptRules();

}  // namespace edgecart
