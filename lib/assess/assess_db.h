// `assess db`: one pass over every table of a legacy database — schema,
// profiles, PII, relationships, CS-model fit, data-quality findings and a
// summary with readiness, migration order and an effort estimate.
#pragma once

#include <string>
#include <vector>

#include "assess/assessment.h"
#include "connector/connector.h"
#include "model/cs_model.h"
#include "util/progress.h"

namespace csbridge::assess {

struct AssessOptions {
  std::vector<std::string> tables;  // "" = every table the source lists
  // Row counts come from the full read of each table; for a table that cannot
  // be read, an exact count(*) is tried unless this is set (statistics then).
  bool estimate_counts = false;
  double sample_percent = 100;      // profile this share of rows (0 < p ≤ 100); reading stays complete
  size_t batch_rows = 5000;
};

// Assesses `db`. Fails only when the source cannot be listed at all; a table
// that cannot be described or read becomes a finding on that table and the
// others are assessed.
Result<Assessment> assess_database(connector::Connector& db, const model::Model& model, const AssessOptions& options,
                                   util::Progress* progress = nullptr);

}  // namespace csbridge::assess
