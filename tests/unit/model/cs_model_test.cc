#include "model/cs_model.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "test_support.h"

namespace csbridge::model {
namespace {

constexpr const char* kFile = "test.yaml";

// Five lines, so the entities of a test model start on line 6.
constexpr const char* kHeader =
    "version: \"1\"\n"
    "common_fields:\n"
    "  source_system: {type: string, required: true, pii: none}\n"
    "  source_key: {type: string, required: true, pii: none}\n"
    "entities:\n";

Result<Model> load_entities(const std::string& entities) { return load_model(kHeader + entities, kFile); }

// The error message of a model that must not load.
std::string error_of(const std::string& text) {
  Result<Model> m = load_model(text, kFile);
  REQUIRE_FALSE(m.is_ok());
  CHECK(m.status().code() == ErrorCode::kConfig);
  return m.status().message();
}

std::string entities_error(const std::string& entities) { return error_of(kHeader + entities); }

size_t position(const std::vector<std::string>& order, const std::string& name) {
  auto it = std::find(order.begin(), order.end(), name);
  REQUIRE(it != order.end());
  return static_cast<size_t>(it - order.begin());
}

const Field& field_of(const Model& m, const std::string& entity, const std::string& field) {
  const Entity* e = m.entity(entity);
  REQUIRE_MESSAGE(e != nullptr, entity);
  const Field* f = e->field(field);
  REQUIRE_MESSAGE(f != nullptr, entity << "." << field);
  return *f;
}

}  // namespace

TEST_CASE("cs model: the builtin model has every entity of the CS model with id and provenance") {
  Result<Model> m = builtin_model();
  REQUIRE_MESSAGE(m.is_ok(), m.status().message());
  CHECK(m->version == "1.0");
  const std::vector<std::string> expected = {
      "organization", "customer", "customer_identity", "agent",  "agent_group",
      "agent_group_member", "ticket", "ticket_message", "ticket_event", "tag",
      "ticket_tag", "satisfaction_rating", "attachment", "business_ref"};
  CHECK(m->entity_names() == expected);

  for (const Entity& e : m->entities) {
    CAPTURE(e.name);
    CHECK_FALSE(e.description.empty());
    REQUIRE(e.fields.size() > 5);
    const Field& id = e.fields.front();
    CHECK(id.name == "id");
    CHECK(id.type == FieldType::kId);
    CHECK(id.required);
    CHECK_FALSE(id.provenance);

    // The provenance columns close every entity, in common_fields order.
    const size_t n = e.fields.size();
    CHECK(e.fields[n - 5].name == "source_system");
    CHECK(e.fields[n - 4].name == "source_key");
    CHECK(e.fields[n - 3].name == "custom");
    CHECK(e.fields[n - 2].name == "deleted_at");  // the tombstone (migrate/deletes.h)
    CHECK(e.fields[n - 1].name == "migrated_at");
    for (size_t i = 0; i < n; ++i) CHECK(e.fields[i].provenance == (i >= n - 5));
    CHECK(e.field("deleted_at")->type == FieldType::kTimestamp);
    CHECK_FALSE(e.field("deleted_at")->required);
    CHECK(e.field("source_system")->type == FieldType::kString);
    CHECK(e.field("source_system")->required);
    CHECK(e.field("source_key")->required);
    CHECK(e.field("custom")->type == FieldType::kJson);
    CHECK_FALSE(e.field("custom")->required);
    CHECK(e.field("migrated_at")->type == FieldType::kTimestamp);

    REQUIRE_FALSE(e.unique.empty());
    CHECK(e.unique.front() == std::vector<std::string>{"source_system", "source_key"});
    for (const Field& f : e.fields) {
      CAPTURE(f.name);
      CHECK(f.line > 0);
      if (f.type == FieldType::kString) CHECK(f.max_length > 0);
      if (f.type == FieldType::kEnum) CHECK_FALSE(f.values.empty());
      if (!f.references.empty()) {
        CHECK(f.type == FieldType::kId);
        CHECK(m->entity(f.references) != nullptr);
      }
    }
  }
  CHECK(m->entity("ticket_tag")->unique.at(1) == std::vector<std::string>{"ticket_id", "tag_id"});
}

TEST_CASE("cs model: the embedded text is schemas/cs_model.yaml") {
  std::ifstream in(test::source_dir() + "/schemas/cs_model.yaml", std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(embedded_cs_model_yaml() == text.str());
}

TEST_CASE("cs model: PII classes of key fields") {
  Result<Model> m = builtin_model();
  REQUIRE(m.is_ok());
  const std::map<std::string, PiiClass> expected = {
      {"customer.name", PiiClass::kName},
      {"customer.phone", PiiClass::kPhone},
      {"customer.email", PiiClass::kEmail},
      {"customer.national_id", PiiClass::kNationalId},
      {"customer.address", PiiClass::kAddress},
      {"customer.notes", PiiClass::kFreeText},
      {"customer_identity.value", PiiClass::kFreeText},
      {"customer_identity.nickname", PiiClass::kName},
      {"agent.name", PiiClass::kName},
      {"agent.email", PiiClass::kEmail},
      {"ticket.subject", PiiClass::kFreeText},
      {"ticket.status", PiiClass::kNone},
      {"ticket_message.body", PiiClass::kFreeText},
      {"satisfaction_rating.comment", PiiClass::kFreeText},
      {"attachment.file_name", PiiClass::kFreeText},
      {"attachment.content_sha256", PiiClass::kNone},
      {"business_ref.number", PiiClass::kNone},
      {"ticket.custom", PiiClass::kFreeText},
      {"ticket.source_key", PiiClass::kNone},
  };
  for (const auto& [path, pii] : expected) {
    CAPTURE(path);
    size_t dot = path.find('.');
    CHECK(pii_class_name(field_of(*m, path.substr(0, dot), path.substr(dot + 1)).pii) ==
          std::string(pii_class_name(pii)));
  }
  // A phone column anywhere in the model is classed phone.
  for (const Entity& e : m->entities) {
    for (const Field& f : e.fields) {
      if (f.name.find("phone") != std::string::npos && f.type == FieldType::kString) CHECK(f.pii == PiiClass::kPhone);
    }
  }
}

// Issue 12 item 2: an identity is masked by the class its kind says.
TEST_CASE("cs model: pii_by gives customer_identity.value the class its kind picks") {
  Result<Model> m = builtin_model();
  REQUIRE(m.is_ok());
  const Field& value = field_of(*m, "customer_identity", "value");
  CHECK(value.pii_by.field == "kind");
  auto name = [&](std::optional<std::string> kind) { return std::string(pii_class_name(value.pii_for(kind))); };
  CHECK(name("phone") == "phone");
  CHECK(name("email") == "email");
  CHECK(name("wechat_openid") == "free_text");
  CHECK(name(std::nullopt) == "free_text");
  CHECK(value.pii_classes() == std::vector<PiiClass>{PiiClass::kFreeText, PiiClass::kPhone, PiiClass::kEmail});
  // Only that field has one: every other field's class is its pii.
  for (const Entity& e : m->entities) {
    for (const Field& f : e.fields) {
      if (&f != &value) CHECK_MESSAGE(f.pii_by.field.empty(), e.name << "." << f.name);
    }
  }
}

TEST_CASE("cs model: ticket, message and rating fields") {
  Result<Model> m = builtin_model();
  REQUIRE(m.is_ok());
  CHECK(field_of(*m, "ticket", "status").values ==
        std::vector<std::string>{"new", "open", "pending", "on_hold", "solved", "closed"});
  CHECK(field_of(*m, "ticket", "priority").values == std::vector<std::string>{"low", "normal", "high", "urgent"});
  CHECK(field_of(*m, "ticket", "channel").values ==
        std::vector<std::string>{"email", "phone", "web", "app", "wechat", "chat", "other"});
  CHECK(field_of(*m, "ticket", "status").required);
  CHECK(field_of(*m, "ticket", "merged_into_id").references == "ticket");
  CHECK(field_of(*m, "ticket", "customer_id").references == "customer");

  const Field& internal = field_of(*m, "ticket_message", "is_internal");
  CHECK(internal.type == FieldType::kBoolean);
  CHECK(internal.required);
  CHECK(field_of(*m, "ticket_message", "author_kind").values == std::vector<std::string>{"customer", "agent", "system"});
  CHECK(field_of(*m, "ticket_message", "ticket_id").required);

  CHECK(field_of(*m, "customer_identity", "kind").values.front() == "phone");
  CHECK(field_of(*m, "attachment", "message_id").references == "ticket_message");
  CHECK(field_of(*m, "attachment", "size_bytes").type == FieldType::kBigint);
  const Field& amount = field_of(*m, "business_ref", "amount");
  CHECK(amount.type == FieldType::kDecimal);
  CHECK(amount.precision == 18);
  CHECK(amount.scale == 2);
  CHECK(field_of(*m, "satisfaction_rating", "score").type == FieldType::kInteger);

  std::vector<std::string> required;
  for (const Field* f : m->entity("ticket_tag")->required_fields()) required.push_back(f->name);
  CHECK(required == std::vector<std::string>{"id", "ticket_id", "tag_id", "source_system", "source_key"});
  CHECK(m->entity("no_such_entity") == nullptr);
  CHECK(m->entity("ticket")->field("no_such_field") == nullptr);
}

TEST_CASE("cs model: dependency order") {
  SUBCASE("builtin: organizations, customers and agents before tickets before messages") {
    Result<Model> m = builtin_model();
    REQUIRE(m.is_ok());
    std::vector<std::string> order = m->dependency_order();
    REQUIRE(order.size() == m->entities.size());
    for (const char* before : {"organization", "customer", "agent", "agent_group"}) {
      CHECK(position(order, before) < position(order, "ticket"));
    }
    CHECK(position(order, "ticket") < position(order, "ticket_message"));
    CHECK(position(order, "ticket_message") < position(order, "attachment"));
    for (const Entity& e : m->entities) {
      for (const Field& f : e.fields) {
        if (!f.references.empty() && f.references != e.name) {
          CHECK_MESSAGE(position(order, f.references) < position(order, e.name), e.name << "." << f.name);
        }
      }
    }
  }
  SUBCASE("declared backwards: referenced entities move up, the rest keep file order") {
    Result<Model> m = load_entities(
        "  message:\n"
        "    fields:\n"
        "      ticket_id: {references: ticket}\n"
        "  note:\n"
        "    fields:\n"
        "      text: {type: text, pii: free_text}\n"
        "  ticket:\n"
        "    fields:\n"
        "      customer_id: {references: customer}\n"
        "      parent_id: {references: ticket}\n"
        "  customer:\n"
        "    fields:\n"
        "      name: {type: string, pii: name}\n");
    REQUIRE_MESSAGE(m.is_ok(), m.status().message());
    CHECK(m->dependency_order() == std::vector<std::string>{"note", "customer", "ticket", "message"});
  }
}

TEST_CASE("cs model: defaults and positions") {
  Result<Model> m = load_entities(
      "  customer:\n"                                        // 6
      "    fields:\n"                                        // 7
      "      name: {type: string, pii: name}\n"              // 8
      "      balance: {type: decimal}\n"                     // 9
      "      visits: {type: integer}\n"                      // 10
      "      parent_id: {references: customer}\n"            // 11
      "      code: {type: string, max_length: 8, pii: none, required: true, description: Short code.}\n");
  REQUIRE_MESSAGE(m.is_ok(), m.status().message());
  const Entity& e = m->entities.front();
  CHECK(e.line == 6);
  CHECK(e.description.empty());
  CHECK(e.fields.front().line == 6);  // the implicit id points at its entity
  const Field& name = *e.field("name");
  CHECK(name.line == 8);
  CHECK(name.max_length == 255);
  CHECK_FALSE(name.required);
  const Field& balance = *e.field("balance");
  CHECK(balance.precision == 18);
  CHECK(balance.scale == 2);
  CHECK(balance.pii == PiiClass::kNone);
  CHECK(e.field("visits")->pii == PiiClass::kNone);
  CHECK(e.field("parent_id")->type == FieldType::kId);
  CHECK(e.field("parent_id")->line == 11);
  const Field& code = *e.field("code");
  CHECK(code.max_length == 8);
  CHECK(code.required);
  CHECK(code.description == "Short code.");
  CHECK(e.field("source_key")->provenance);
  CHECK(e.field("source_key")->line == 4);
  CHECK(e.field("source_key")->max_length == 255);
}

TEST_CASE("cs model: type and PII class names") {
  for (FieldType t : {FieldType::kId, FieldType::kString, FieldType::kText, FieldType::kInteger, FieldType::kBigint,
                      FieldType::kDecimal, FieldType::kBoolean, FieldType::kDate, FieldType::kTimestamp,
                      FieldType::kJson, FieldType::kEnum}) {
    Result<FieldType> back = parse_field_type(field_type_name(t));
    REQUIRE(back.is_ok());
    CHECK(*back == t);
  }
  for (PiiClass p : {PiiClass::kNone, PiiClass::kName, PiiClass::kPhone, PiiClass::kNationalId, PiiClass::kEmail,
                     PiiClass::kBankCard, PiiClass::kAddress, PiiClass::kFreeText}) {
    Result<PiiClass> back = parse_pii_class(pii_class_name(p));
    REQUIRE(back.is_ok());
    CHECK(*back == p);
  }
  CHECK(std::string(pii_class_name(PiiClass::kNationalId)) == "national_id");
  CHECK(std::string(field_type_name(FieldType::kTimestamp)) == "timestamp");

  Result<FieldType> bad_type = parse_field_type("varchar");
  CHECK(bad_type.status().code() == ErrorCode::kConfig);
  CHECK(bad_type.status().message() ==
        "unknown type 'varchar' (valid types: id, string, text, integer, bigint, decimal, boolean, date, "
        "timestamp, json, enum)");
  Result<PiiClass> bad_pii = parse_pii_class("mobile");
  CHECK(bad_pii.status().code() == ErrorCode::kConfig);
  CHECK(bad_pii.status().message() ==
        "unknown PII class 'mobile' (valid PII classes: none, name, phone, national_id, email, bank_card, "
        "address, free_text)");
}

TEST_CASE("cs model: bad input") {
  SUBCASE("YAML syntax error") {
    CHECK(error_of("version: \"1\"\nentities: {customer: [\n") ==
          "test.yaml:3:1: invalid YAML: end of sequence flow not found");
  }
  SUBCASE("empty document") {
    CHECK(error_of("") == "test.yaml:1:1: the model must be a mapping with keys version, common_fields, entities");
  }
  SUBCASE("a list instead of a mapping") {
    CHECK(error_of("- customer\n") ==
          "test.yaml:1:1: the model must be a mapping with keys version, common_fields, entities");
  }
  SUBCASE("unknown top-level key") {
    CHECK(error_of("version: \"1\"\nentites: {}\n") ==
          "test.yaml:2:1: unknown top-level key 'entites', did you mean 'entities'?");
  }
  SUBCASE("duplicate top-level key") {
    CHECK(error_of("version: \"1\"\nversion: \"2\"\n") == "test.yaml:2:1: duplicate key 'version'");
  }
  SUBCASE("duplicate field attribute") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      name: {type: string, pii: name, type: text}\n") ==
          "test.yaml:8:39: field 'customer.name': duplicate key 'type'");
  }
  SUBCASE("missing version") {
    CHECK(error_of("common_fields: {}\nentities: {}\n") == "test.yaml:1:1: missing 'version'");
  }
  SUBCASE("common_fields without source_key") {
    CHECK(error_of("version: \"1\"\n"
                   "common_fields:\n"
                   "  source_system: {type: string, required: true, pii: none}\n"
                   "entities:\n"
                   "  tag: {fields: {name: {type: string, pii: none}}}\n") ==
          "test.yaml:3:3: common_fields must declare source_key as a required field (the provenance unique key)");
  }
  SUBCASE("no entities") {
    CHECK(entities_error("  {}\n") ==
          "test.yaml:6:3: entities must be a mapping of entity name to its description and fields");
  }
  SUBCASE("unknown entity key") {
    CHECK(entities_error("  customer:\n"
                         "    feilds: {}\n") ==
          "test.yaml:7:5: entity 'customer': unknown key 'feilds', did you mean 'fields'?");
  }
  SUBCASE("entity without fields") {
    CHECK(entities_error("  customer:\n"
                         "    description: A person.\n") ==
          "test.yaml:6:3: entity 'customer': missing 'fields'");
  }
  SUBCASE("unknown field key with a close match") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      name: {type: string, pii: name, requird: true}\n") ==
          "test.yaml:8:39: field 'customer.name': unknown key 'requird', did you mean 'required'?");
  }
  SUBCASE("unknown field key without a close match") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      name: {type: string, pii: name, default: x}\n") ==
          "test.yaml:8:39: field 'customer.name': unknown key 'default' (valid: type, max_length, precision, "
          "scale, values, required, pii, pii_by, references, description)");
  }
  SUBCASE("unknown type") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      name: {type: strng, pii: name}\n") ==
          "test.yaml:8:20: field 'customer.name': unknown type 'strng', did you mean 'string'? (valid types: id, "
          "string, text, integer, bigint, decimal, boolean, date, timestamp, json, enum)");
  }
  SUBCASE("missing type") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      name: {pii: name}\n") ==
          "test.yaml:8:7: field 'customer.name': missing 'type'");
  }
  SUBCASE("unknown PII class") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      phone: {type: string, pii: phon}\n") ==
          "test.yaml:8:34: field 'customer.phone': unknown PII class 'phon', did you mean 'phone'? (valid PII "
          "classes: none, name, phone, national_id, email, bank_card, address, free_text)");
  }
  SUBCASE("pii_by naming a field that is not an enum of the entity") {
    CHECK(entities_error("  identity:\n"
                         "    fields:\n"
                         "      kind: {type: string, pii: none}\n"
                         "      value: {type: string, pii: free_text, pii_by: {field: kind, classes: {phone: phone}}}\n") ==
          "test.yaml:9:61: field 'identity.value': pii_by: 'kind' is not an enum field of identity");
  }
  SUBCASE("pii_by keyed by a value the enum does not have") {
    CHECK(entities_error("  identity:\n"
                         "    fields:\n"
                         "      kind: {type: enum, values: [phone, email]}\n"
                         "      value: {type: string, pii: free_text, pii_by: {field: kind, classes: {phon: phone}}}\n") ==
          "test.yaml:9:77: field 'identity.value': pii_by: 'phon' is not a value of kind, did you mean 'phone'?");
  }
  SUBCASE("pii_by with an unknown PII class") {
    CHECK(entities_error("  identity:\n"
                         "    fields:\n"
                         "      kind: {type: enum, values: [phone, email]}\n"
                         "      value: {type: string, pii: free_text, pii_by: {field: kind, classes: {phone: fone}}}\n") ==
          "test.yaml:9:84: field 'identity.value': pii_by: unknown PII class 'fone', did you mean 'none'? (valid PII "
          "classes: none, name, phone, national_id, email, bank_card, address, free_text)");
  }
  SUBCASE("pii_by on a field that is not text") {
    CHECK(entities_error("  identity:\n"
                         "    fields:\n"
                         "      kind: {type: enum, values: [phone, email]}\n"
                         "      value: {type: integer, pii_by: {field: kind, classes: {phone: phone}}}\n") ==
          "test.yaml:9:38: field 'identity.value': pii_by applies to string and text fields, not integer");
  }
  SUBCASE("pii_by without classes") {
    CHECK(entities_error("  identity:\n"
                         "    fields:\n"
                         "      kind: {type: enum, values: [phone, email]}\n"
                         "      value: {type: string, pii: free_text, pii_by: {field: kind}}\n") ==
          "test.yaml:9:53: field 'identity.value': pii_by must be a mapping {field: <enum field>, classes: {<value>: "
          "<PII class>}}");
  }
  SUBCASE("pii_by on a common field") {
    CHECK(error_of("version: \"1\"\n"
                   "common_fields:\n"
                   "  source_system: {type: string, required: true, pii: none}\n"
                   "  source_key: {type: string, required: true, pii: none}\n"
                   "  note: {type: text, pii: free_text, pii_by: {field: kind, classes: {phone: phone}}}\n"
                   "entities:\n"
                   "  identity:\n"
                   "    fields:\n"
                   "      kind: {type: enum, values: [phone]}\n") ==
          "test.yaml:5:3: common field 'note': pii_by names a field of an entity, not of common_fields");
  }
  SUBCASE("free-form field without a PII class") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      notes: {type: text}\n") ==
          "test.yaml:8:7: field 'customer.notes': a text field must declare pii (none, name, phone, national_id, "
          "email, bank_card, address, free_text)");
  }
  SUBCASE("reference to an unknown entity") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      name: {type: string, pii: name}\n"
                         "  ticket:\n"
                         "    fields:\n"
                         "      customer_id: {references: custmer}\n") ==
          "test.yaml:11:33: field 'ticket.customer_id': references unknown entity 'custmer', did you mean "
          "'customer'?");
  }
  SUBCASE("reference with a type other than id") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      parent_id: {type: bigint, references: ticket}\n") ==
          "test.yaml:8:25: field 'ticket.parent_id': a reference has type id, not bigint");
  }
  SUBCASE("type id without references") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      parent_id: {type: id}\n") ==
          "test.yaml:8:25: field 'ticket.parent_id': type id needs 'references' (the entity whose id it holds)");
  }
  SUBCASE("duplicate entity") {
    CHECK(entities_error("  tag:\n"
                         "    fields: {name: {type: string, pii: none}}\n"
                         "  tag:\n"
                         "    fields: {name: {type: string, pii: none}}\n") ==
          "test.yaml:8:3: duplicate entity 'tag' (first declared on line 6)");
  }
  SUBCASE("duplicate field") {
    CHECK(entities_error("  tag:\n"
                         "    fields:\n"
                         "      name: {type: string, pii: none}\n"
                         "      name: {type: text, pii: none}\n") ==
          "test.yaml:9:7: entity 'tag': duplicate field 'name' (first declared on line 8)");
  }
  SUBCASE("a declared id") {
    CHECK(entities_error("  tag:\n"
                         "    fields:\n"
                         "      id: {type: bigint}\n") ==
          "test.yaml:8:7: entity 'tag': field 'id' is implicit (every entity gets it first)");
  }
  SUBCASE("a field that is a common field") {
    CHECK(entities_error("  tag:\n"
                         "    fields:\n"
                         "      source_key: {type: string, pii: none}\n") ==
          "test.yaml:8:7: entity 'tag': field 'source_key' is declared in common_fields (line 4)");
  }
  SUBCASE("field name that is not snake_case") {
    CHECK(entities_error("  tag:\n"
                         "    fields:\n"
                         "      Full Name: {type: string, pii: none}\n") ==
          "test.yaml:8:7: field 'tag.Full Name': names must be lower snake_case (a-z, 0-9, _), starting with a "
          "letter");
  }
  SUBCASE("enum without values") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      status: {type: enum, required: true}\n") ==
          "test.yaml:8:7: field 'ticket.status': enum without values");
  }
  SUBCASE("enum with an empty list of values") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      status: {type: enum, values: []}\n") ==
          "test.yaml:8:36: field 'ticket.status': enum without values");
  }
  SUBCASE("enum with a duplicate value") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      status: {type: enum, values: [open, closed, open]}\n") ==
          "test.yaml:8:51: field 'ticket.status': duplicate enum value 'open'");
  }
  SUBCASE("values on a field that is not an enum") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      status: {type: string, pii: none, values: [open]}\n") ==
          "test.yaml:8:49: field 'ticket.status': values apply to enum fields, not string");
  }
  SUBCASE("max_length on text") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      body: {type: text, pii: free_text, max_length: 100}\n") ==
          "test.yaml:8:54: field 'ticket.body': max_length applies to string fields, not text");
  }
  SUBCASE("max_length that is not a number") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      code: {type: string, pii: none, max_length: ten}\n") ==
          "test.yaml:8:51: field 'ticket.code': max_length must be an integer from 1 to 10485760");
  }
  SUBCASE("max_length zero") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      code: {type: string, pii: none, max_length: 0}\n") ==
          "test.yaml:8:51: field 'ticket.code': max_length must be an integer from 1 to 10485760");
  }
  SUBCASE("scale larger than precision") {
    CHECK(entities_error("  order:\n"
                         "    fields:\n"
                         "      amount: {type: decimal, precision: 4, scale: 6}\n") ==
          "test.yaml:8:52: field 'order.amount': scale must be an integer from 0 to 4");
  }
  SUBCASE("required that is not a boolean") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      code: {type: string, pii: none, required: yes}\n") ==
          "test.yaml:8:49: field 'ticket.code': required must be true or false");
  }
  SUBCASE("field attributes that are not a mapping") {
    CHECK(entities_error("  ticket:\n"
                         "    fields:\n"
                         "      code: string\n") ==
          "test.yaml:8:7: field 'ticket.code': expected a mapping of attributes (type, required, pii, …)");
  }
  SUBCASE("unique naming an unknown field") {
    CHECK(entities_error("  tag:\n"
                         "    unique: [[nmae]]\n"
                         "    fields:\n"
                         "      name: {type: string, pii: none}\n") ==
          "test.yaml:7:15: entity 'tag': unique names unknown field 'nmae', did you mean 'name'?");
  }
  SUBCASE("reference cycle of two entities") {
    CHECK(entities_error("  customer:\n"
                         "    fields:\n"
                         "      last_ticket_id: {references: ticket}\n"
                         "  ticket:\n"
                         "    fields:\n"
                         "      customer_id: {references: customer}\n") ==
          "test.yaml:11:33: field 'ticket.customer_id': reference cycle customer -> ticket -> customer");
  }
  SUBCASE("reference cycle of three entities") {
    CHECK(entities_error("  a:\n"
                         "    fields: {b_id: {references: b}}\n"
                         "  b:\n"
                         "    fields: {c_id: {references: c}}\n"
                         "  c:\n"
                         "    fields: {a_id: {references: a}}\n") ==
          "test.yaml:11:33: field 'c.a_id': reference cycle a -> b -> c -> a");
  }
}

TEST_CASE("cs model: a self-reference is not a cycle") {
  Result<Model> m = load_entities(
      "  ticket:\n"
      "    fields:\n"
      "      merged_into_id: {references: ticket}\n");
  REQUIRE_MESSAGE(m.is_ok(), m.status().message());
  CHECK(m->dependency_order() == std::vector<std::string>{"ticket"});
}

TEST_CASE("cs model: deep nesting is an error, not a crash") {
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  CHECK(error_of("version: \"1\"\nentities: " + deep + "\n") == "test.yaml:2:2011: invalid YAML: nested too deeply");
  CHECK(error_of("version: \"1\"\nentities: " + std::string(100000, '{')) ==
        "test.yaml:2:1: invalid YAML: nested too deeply");
}

}  // namespace csbridge::model
