#include "mapping/loader.h"

#include <doctest/doctest.h>

#include "test_support.h"

namespace csbridge::mapping {
namespace {

struct Loaded {
  model::Model model = model::builtin_model().value();
  config::Config config;
  LoadResult result;

  explicit Loaded(const std::string& yaml) {
    config.sources.push_back({"helpdesk", "sqlite:x.db", "", "", 1, {}});
    load_mapping_document(config::parse_yaml(yaml, "m.yaml").value(), config, model, result);
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const auto& d : result.diagnostics) {
      out.push_back(std::to_string(d.at.line) + ":" + std::to_string(d.at.col) + " " + severity_name(d.severity) +
                    " " + d.code + ": " + d.message);
    }
    return out;
  }
};

TEST_CASE("loader: every form of a field source is read, with its location") {
  Loaded l(R"(entity: ticket
source: helpdesk
table: tickets
key: [id, site]
key_prefix: "t:"
where: "deleted = 0"
fields:
  subject: title
  status:
    column: status
    steps: [trim, {map: {values: {a: open}, else: new}}]
  channel: {value: web}
  priority: {column: prio, default: normal}
  category:
    columns: [a, b]
    steps: [{concat: "/"}]
  customer_id: {column: cust, lookup: {entity: customer, key_prefix: "c:", orphans: null}}
  created_at: created
custom: [x, y]
)");
  CHECK(l.messages().empty());
  REQUIRE(l.result.set.blocks.size() == 1);
  const Block& b = l.result.set.blocks[0];
  CHECK(b.entity == "ticket");
  CHECK(b.key == std::vector<std::string>{"id", "site"});
  CHECK(b.key_prefix == "t:");
  CHECK(b.where == "deleted = 0");
  CHECK(b.custom == CustomMode::kList);
  CHECK(b.custom_columns == std::vector<std::string>{"x", "y"});
  REQUIRE(b.fields.size() == 7);
  CHECK(b.fields[0].kind == SourceKind::kColumn);
  CHECK(b.fields[0].columns == std::vector<std::string>{"title"});
  CHECK(b.fields[0].column_at[0].line == 8);
  CHECK(b.fields[0].column_at[0].col == 12);
  CHECK(b.fields[1].steps.size() == 2);
  CHECK(b.fields[1].steps[1].name == "map");
  CHECK(b.fields[2].kind == SourceKind::kValue);
  CHECK(b.fields[2].value == "web");
  CHECK(b.fields[3].default_value == "normal");
  CHECK(b.fields[4].kind == SourceKind::kColumns);
  REQUIRE(b.fields[5].lookup.has_value());
  CHECK(b.fields[5].lookup->entity == "customer");
  CHECK(b.fields[5].lookup->key_prefix == "c:");
  CHECK(b.fields[5].lookup->orphans_to_null);
  CHECK(b.scope() == "m#1:ticket");
  CHECK(b.display() == "ticket (m.yaml#1)");
}

TEST_CASE("loader: a file of several blocks, and every problem of it in one run") {
  Loaded l(R"(mappings:
  - entity: tag
    source: helpdesk
    table: tags
    key: id
    fields: {name: tag_name}
  - entity: tagg
    source: crm
    key: id
    fields: {name: x}
)");
  CHECK(l.result.set.blocks.size() == 2);
  CHECK(l.messages() == std::vector<std::string>{
                            "7:13 error unknown_entity: unknown CS entity 'tagg', did you mean 'tag'?",
                            "8:13 error unknown_source: unknown source 'crm'; known: helpdesk",
                            "7:5 error missing_key: block has no 'table' (or 'query')",
                        });
}

TEST_CASE("loader: step errors keep the location build_step gives") {
  Loaded l(R"(entity: tag
source: helpdesk
table: tags
key: id
fields:
  name: {column: n, steps: [trimm]}
)");
  REQUIRE(l.messages().size() == 1);
  CHECK(l.messages()[0] == "6:29 error bad_step: unknown step 'trimm', did you mean 'trim'?");
}

TEST_CASE("loader: a block key given twice is an error, not one of the two kept silently (issue 18)") {
  Loaded l(R"(entity: tag
source: helpdesk
table: tags
key: id
fields:
  name: {column: n, column: m}
entity: agent
)");
  CHECK(l.messages() == std::vector<std::string>{
                            "7:1 error duplicate_key: block key 'entity' given twice (first on line 1)",
                            "6:21 error duplicate_key: field key 'column' given twice (first on line 6)"});
}

TEST_CASE("loader: files and folders, unreadable files make the result unreadable") {
  test::TempDir dir;
  dir.write("maps/b.yaml", "entity: tag\nsource: helpdesk\ntable: tags\nkey: id\nfields: {name: n}\n");
  dir.write("maps/a.yml", "entity: tag\nsource: helpdesk\ntable: t2\nkey: id\nkey_prefix: x\nfields: {name: n}\n");
  dir.write("maps/notes.txt", "not a mapping");
  config::Config config;
  config.sources.push_back({"helpdesk", "sqlite:x.db", "", "", 1, {}});
  model::Model model = model::builtin_model().value();

  LoadResult ok = load_mappings({(dir.path() / "maps").string()}, config, model);
  CHECK_FALSE(ok.has_errors());
  REQUIRE(ok.set.blocks.size() == 2);
  CHECK(ok.set.blocks[0].table == "t2");  // sorted by file name: a.yml first

  std::string bad = dir.write("bad.yaml", "entity: tag\nfields: [a\n");
  LoadResult broken = load_mappings({bad, (dir.path() / "missing.yaml").string()}, config, model);
  CHECK(broken.unreadable);
  REQUIRE(broken.diagnostics.size() == 2);
  CHECK(broken.diagnostics[0].code == "yaml_syntax");
  CHECK(broken.diagnostics[0].at.line == 3);
  CHECK(broken.diagnostics[1].code == "unreadable");
  CHECK(broken.diagnostics[1].message == "cannot read the file");
}

TEST_CASE("loader: kinds fit fields as a static check can tell") {
  using transform::Kind;
  CHECK(kind_fits(Kind::kText, model::FieldType::kTimestamp));
  CHECK(kind_fits(Kind::kDate, model::FieldType::kTimestamp));
  CHECK_FALSE(kind_fits(Kind::kTimestamp, model::FieldType::kDate));
  CHECK_FALSE(kind_fits(Kind::kInteger, model::FieldType::kEnum));
  CHECK_FALSE(kind_fits(Kind::kBoolean, model::FieldType::kTimestamp));
  CHECK(kind_fits(Kind::kBoolean, model::FieldType::kString));
  CHECK(kind_of(connector::ValueType::kTimestampTz) == Kind::kTimestamp);
  CHECK(kind_of(connector::ValueType::kBinary) == Kind::kAny);
}

}  // namespace
}  // namespace csbridge::mapping
