// Which CS entities an API can read, and what it can write back (create a
// ticket, update a status, refund), matched from paths, operationIds,
// summaries and schema fields, in English, Chinese and pinyin. The entity
// vocabulary is the one `assess db` uses for tables (assess/entity_fit.h):
// an API resource is read as a table named after it whose columns are the
// response schema's fields.
//
// A name is no proof: a GET is a read of a CS entity only when its response
// schema holds the fields that entity needs (evidence_needs below); a GET
// whose name alone reads as an entity is a weak read, reported apart and
// never counted as read. So is one named only by its operationId, summary or
// tags when its path's parent reads as that entity: /organizations/{id}/networks
// tagged "organizations" is part of an organization, not one.
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
  std::vector<std::string> reasons;     // why the name reads as the entity
  // A read: each need and what meets it ("status or subject: state", "ticket reference: path tickets/{ticket_id}").
  std::vector<std::string> evidence;
  // A weak read: the needs no field meets ("phone or e-mail"), or why the name misleads.
  std::vector<std::string> missing;
};

struct WriteBack {
  std::string capability;  // "ticket creation", "status update", "refund", or "<resource> creation/update/deletion"
  std::string operation;   // "POST /aftersale/tickets"
  std::string entity;      // the CS entity written
  std::string reason;
};

struct Coverage {
  std::vector<EntityRead> read;  // named like a CS entity, with the evidence of its response fields
  std::vector<EntityRead> weak;  // named like a CS entity, without that evidence
  std::vector<WriteBack> write_back;
  // Core CS entities (customer, ticket, ticket_message, business_ref) no operation reads.
  std::vector<std::string> entities_not_readable;
};

// One thing a response must hold to be read as a CS entity; any of `fields`
// (CS fields, matched with the vocabulary of assess/entity_fit.h) meets it.
struct EvidenceNeed {
  std::string what;                 // "body", "ticket reference", "phone or e-mail"
  std::vector<std::string> fields;  // "body"; "customer_id"; "phone", "email"
  // For a reference: the entity referred to. A field naming it ("ticket", "requester")
  // or a path under it (/tickets/{ticket_id}/comments) meets the need too.
  std::string references;
  std::vector<std::string> also;  // further field names that meet it: a ticket's "reporter", "created_by"
};

// What `entity` needs, from the model: each required reference (a message's
// ticket), each required text field (an organization's name, a message's
// body); enums, flags, numbers and times are left out, a mapping fills them.
// Where the model requires less than a source of the entity surely holds (it
// is lenient because legacy rows are sparse), what that source holds is
// added: a ticket's status or subject and its requester, a customer's name
// and phone or e-mail, an agent's e-mail or role, a rating's score, an
// event's kind or values. A business_ref's ticket is not needed: the ERP's
// document knows no ticket, the CS side links the two.
std::vector<EvidenceNeed> evidence_needs(const model::Entity& entity);

Coverage entity_coverage(const Spec& spec, const model::Model& model);

}  // namespace csbridge::api
