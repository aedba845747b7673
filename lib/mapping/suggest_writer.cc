#include "mapping/suggest_writer.h"

#include <cstdio>

#include "mapping/suggest.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace suggest_detail {

std::string conf(double c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", std::clamp(c, 0.0, 1.0));
  return buf;
}

std::string rows_text(int64_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

std::string flow_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& s : items) quoted.push_back(yaml_scalar(s));
  return "[" + util::join(quoted, ", ") + "]";
}

std::string sql_identifier(std::string_view name) {
  bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? std::string(name) : "\"" + util::replace_all(name, "\"", "\"\"") + "\"";
}

std::string sql_literal(std::string_view value) { return "'" + util::replace_all(value, "'", "''") + "'"; }

void write_field(Lines& out, const FieldChoice& c) {
  const int kField = 2, kInner = 4;
  out.comment(kField, (c.kind == FieldChoice::Kind::kTodo ? std::string("TODO") : "confidence " + conf(c.confidence)) +
                          ": " + (c.kind == FieldChoice::Kind::kTodo ? "a person must fill this" : c.reason));
  for (const std::string& n : c.notes) out.comment(kField, "  " + n);
  const std::string key = yaml_scalar(c.field->name) + ":";
  switch (c.kind) {
    case FieldChoice::Kind::kTodo:
      out.add(kField, key);
      out.add(kInner, "todo: " + yaml_scalar(c.todo));
      return;
    case FieldChoice::Kind::kValue:
      out.add(kField, key + " {value: " + yaml_scalar(c.value) + "}");
      return;
    case FieldChoice::Kind::kColumn:
    case FieldChoice::Kind::kColumns:
    case FieldChoice::Kind::kLeftOut:
      break;
  }
  if (c.kind == FieldChoice::Kind::kColumn && !c.has_steps && c.lookup_entity.empty()) {
    out.add(kField, key + " " + yaml_scalar(c.columns.front()));
    return;
  }
  out.add(kField, key);
  if (c.kind == FieldChoice::Kind::kColumn) out.add(kInner, "column: " + yaml_scalar(c.columns.front()));
  else out.add(kInner, "columns: " + flow_list(c.columns));
  if (!c.lookup_entity.empty()) {
    std::vector<std::string> lookup = {"entity: " + yaml_scalar(c.lookup_entity)};
    if (!c.lookup_prefix.empty()) lookup.push_back("key_prefix: " + yaml_scalar(c.lookup_prefix));
    if (c.orphans_to_null) lookup.push_back("orphans: null");
    if (lookup.size() == 1) out.add(kInner, "lookup: " + yaml_scalar(c.lookup_entity));
    else out.add(kInner, "lookup: {" + util::join(lookup, ", ") + "}");
  }
  if (c.has_steps) {
    out.add(kInner, "steps:");
    out.append(c.steps, kInner + 2);
  }
}

std::string file_text(const model::Entity& e, const std::vector<Lines>& blocks, const assess::Assessment& a) {
  Lines out;
  out.comment(0, e.name + ": " + e.description);
  out.comment(0, "Suggested by `csbridge map suggest` from " +
                     (a.source.redacted.empty() ? std::string("the source") : a.source.redacted) +
                     (a.source.engine.empty() ? "" : " (" + a.source.engine + ")") + ". Review every choice:");
  out.comment(0, "`confidence C: reason` says how sure a choice is (0..1); `todo:` fields need a person and");
  out.comment(0, "`map check` reports them until they are filled.");
  out.add(0, "");
  if (blocks.size() == 1) {
    out.append(blocks.front(), 0);
  } else {
    out.add(0, "mappings:");
    for (const Lines& b : blocks) {
      if (&b != &blocks.front()) out.add(0, "");
      bool first_key = true;
      for (const std::string& l : b.lines()) {
        bool is_comment = l.rfind("#", 0) == 0;
        if (is_comment || !first_key) {
          out.add(first_key ? 2 : 4, l);
        } else {
          out.add(2, "- " + l);
          first_key = false;
        }
      }
    }
  }
  std::string text;
  for (const std::string& l : out.lines()) text += l + "\n";
  return text;
}

}  // namespace suggest_detail

namespace {

bool is_yaml_keyword(std::string_view s) {
  static const char* kWords[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
                                 ".nan", ".inf", "-.inf", "+.inf", "<<", "="};
  std::string lower = util::to_lower(s);
  return std::any_of(std::begin(kWords), std::end(kWords), [&lower](const char* w) { return lower == w; });
}

// U+0085, U+2028, U+2029 are line breaks to YAML 1.1, U+FEFF a byte-order mark.
std::string_view special_unicode_escape(std::string_view s, size_t i, size_t& len) {
  if (s.compare(i, 2, "\xC2\x85") == 0) { len = 2; return "\\N"; }
  if (s.compare(i, 3, "\xE2\x80\xA8") == 0) { len = 3; return "\\L"; }
  if (s.compare(i, 3, "\xE2\x80\xA9") == 0) { len = 3; return "\\P"; }
  if (s.compare(i, 3, "\xEF\xBB\xBF") == 0) { len = 3; return "\\uFEFF"; }
  return {};
}

}  // namespace

std::string yaml_scalar(std::string_view s) {
  bool quote = s.empty() || is_yaml_keyword(s) || s.front() == ' ' || s.back() == ' ' || s.back() == ':' ||
               std::string_view("-?:,[]{}#&*!|>'\"%@`+.0123456789").find(s.front()) != std::string_view::npos ||
               s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos;
  for (size_t i = 0; i < s.size() && !quote; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    quote = c < 0x20 || c == 0x7F || std::string_view(",[]{}").find(s[i]) != std::string_view::npos ||
            !special_unicode_escape(s, i, len).empty();
  }
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    std::string_view special = special_unicode_escape(s, i, len);
    if (!special.empty()) {
      out += special;
      i += len - 1;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace csbridge::mapping
