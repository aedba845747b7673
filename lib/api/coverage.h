// Which CS entities an API can read, and what it can write back (create a
// ticket, update a status, refund), matched from paths, operationIds,
// summaries and schema fields, in English, Chinese and pinyin. The entity
// vocabulary is the one `assess db` uses for tables (assess/entity_fit.h):
// an API resource is read as a table named after it whose columns are the
// response schema's fields.
#pragma once

#include <string>
#include <vector>

#include "api/spec.h"
#include "model/cs_model.h"

namespace csbridge::api {

struct EntityRead {
  std::string entity;  // CS entity: customer, ticket, business_ref, …
  std::string label;   // "order (business_ref)", "customer"
  std::vector<std::string> operations;  // "GET /orders"
  std::vector<std::string> reasons;
};

struct WriteBack {
  std::string capability;  // "ticket creation", "status update", "refund", or "<resource> creation/update/deletion"
  std::string operation;   // "POST /aftersale/tickets"
  std::string entity;      // the CS entity written
  std::string reason;
};

struct Coverage {
  std::vector<EntityRead> read;
  std::vector<WriteBack> write_back;
  std::vector<std::string> entities_not_readable;  // core CS entities (customer, ticket, ticket_message, agent) not read
};

Coverage entity_coverage(const Spec& spec, const model::Model& model);

}  // namespace csbridge::api
