#include "api/payload.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "api/schema.h"
#include "pii/mask.h"
#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::api {
namespace {

constexpr size_t kMaxExampleChars = 60;
constexpr double kMinSchemaMatch = 0.3;
constexpr std::string_view kText = "#text";

// ---------------------------------------------------------------------------
// XML → the same tree as JSON: attributes "@name", child elements by name
// (repeated ones as an array), the text of an element that also has
// attributes or children as "#text". Every value is a string.

Status xml_error(const std::string& file, std::string_view text, ptrdiff_t offset, std::string_view message) {
  return data_error(located_message(file, text, static_cast<size_t>(std::max<ptrdiff_t>(offset, 0)), message));
}

std::string element_text(const pugi::xml_node& node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return std::string(util::trim(out));
}

Result<Json> xml_to_json(const pugi::xml_node& node, int depth, const std::string& file, std::string_view text) {
  if (depth > kMaxPayloadDepth) {
    return xml_error(file, text, node.offset_debug(),
                     "elements nested deeper than " + std::to_string(kMaxPayloadDepth) + " levels");
  }
  // The text is UTF-8, but a character reference may name no character (&#xD800;): pugixml writes its bytes anyway.
  auto check = [&](const char* s) {
    return util::find_invalid_utf8(s) == std::string_view::npos
               ? Status::ok()
               : xml_error(file, text, node.offset_debug(), "a character reference in <" +
                                                                util::escape_invalid_utf8(node.name()) +
                                                                "> names no Unicode character");
  };
  CSB_RETURN_IF_ERROR(check(node.name()));
  bool has_children = false;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    has_children |= c.type() == pugi::node_element;
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) CSB_RETURN_IF_ERROR(check(c.value()));
  }
  if (!has_children && !node.first_attribute()) return Json(element_text(node));
  Json out = Json::object();
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    CSB_RETURN_IF_ERROR(check(a.name()));
    CSB_RETURN_IF_ERROR(check(a.value()));
    out[std::string("@") + a.name()] = a.value();
  }
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    CSB_ASSIGN_OR_RETURN(Json child, xml_to_json(c, depth + 1, file, text));
    auto it = out.find(c.name());
    if (it == out.end()) {
      out[c.name()] = std::move(child);
    } else {
      // A repeated element: the values so far become an array (XML values are never arrays otherwise).
      if (!it->is_array()) *it = Json::array({std::move(*it)});
      it->push_back(std::move(child));
    }
  }
  if (std::string t = element_text(node); !t.empty()) out[std::string(kText)] = t;
  return out;
}

// The encoding an XML declaration names ("GBK" in <?xml version="1.0" encoding="GBK"?>), or "".
std::string declared_xml_encoding(std::string_view text) {
  size_t start = text.find("<?xml");
  if (start == std::string_view::npos || start > 8) return "";
  std::string_view decl = text.substr(start, text.find("?>", start) - start);
  size_t at = decl.find("encoding");
  if (at == std::string_view::npos) return "";
  size_t quote = decl.find_first_of("\"'", at);
  if (quote == std::string_view::npos) return "";
  size_t end = decl.find(decl[quote], quote + 1);
  return end == std::string_view::npos ? "" : std::string(decl.substr(quote + 1, end - quote - 1));
}

// The payload as UTF-8: a legacy encoding its declaration names is decoded
// strictly; bytes that are neither are an error at their offset (never
// replaced: the JSON report and the field examples carry the text on).
Result<std::string> xml_as_utf8(std::string_view text, const std::string& file) {
  std::string declared = declared_xml_encoding(text);
  Result<util::Encoding> encoding = util::parse_encoding(declared);
  if (!declared.empty() && encoding.is_ok() && *encoding != util::Encoding::kUtf8) {
    Result<std::string> decoded = util::to_utf8(text, *encoding);
    if (!decoded) return xml_error(file, text, 0, "the payload does not decode as its declared " + declared + ": " +
                                                      util::escape_invalid_utf8(decoded.status().message()));
    return std::move(decoded).value();
  }
  if (size_t bad = util::find_invalid_utf8(text); bad != std::string_view::npos) {
    return xml_error(file, text, static_cast<ptrdiff_t>(bad),
                     "invalid UTF-8 (bytes " + util::hex_bytes(text, bad, 4) + ") in a payload that declares " +
                         (declared.empty() ? std::string("no other encoding") : "encoding " + util::escape_invalid_utf8(declared)));
  }
  return std::string(text);
}

Result<Json> parse_xml(std::string_view raw, const std::string& file) {
  CSB_ASSIGN_OR_RETURN(std::string utf8, xml_as_utf8(raw, file));
  std::string_view text = utf8;
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) return xml_error(file, text, r.offset, r.description());
  pugi::xml_node root = doc.document_element();
  if (!root) return data_error(file + ": no root element");
  return xml_to_json(root, 1, file, text);
}

// ---------------------------------------------------------------------------
// Values

std::string scalar_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string type_of(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "array";
    default: return "object";
  }
}

bool lexical_integer(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  return std::regex_match(s, kInt);
}

bool lexical_number(const std::string& s) {
  static const std::regex kNum("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?");
  return std::regex_match(s, kNum);
}

// Does `v` fit the declared `type`? XML text fits by its lexical form.
bool fits(const Json& v, std::string_view type, bool xml) {
  if (xml && v.is_string()) {
    const std::string s = v.get<std::string>();
    if (type == "integer") return lexical_integer(s);
    if (type == "number") return lexical_number(s);
    if (type == "boolean") return s == "true" || s == "false" || s == "0" || s == "1";
    return type == "string";
  }
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return true;
}

// ---------------------------------------------------------------------------
// Field paths, PII and drift in one walk.

class Walker {
 public:
  Walker(const Spec& spec, const pii::Detector& detector, bool xml) : spec_(spec), detector_(detector), xml_(xml) {}

  void flatten(const Json& v, const std::string& path) {
    if (v.is_object() && !v.empty()) {
      for (auto it = v.begin(); it != v.end(); ++it) flatten(*it, join(path, it.key()));
      return;
    }
    if (v.is_array() && !v.empty()) {
      for (const Json& item : v) flatten(item, path + "[]");
      return;
    }
    record_field(v, path.empty() ? "$" : path);
  }

  // `parent` is the object schema around `schema`, for XML attributes on scalar elements.
  void drift(const Json& v, const Json* schema, const std::string& path, const SchemaView* parent) {
    SchemaView view = view_schema(spec_, schema);
    if (schema == nullptr || view.dangling) return;
    if (v.is_null()) {
      if (!view.nullable && !view.types.empty()) add({DriftKind::kTypeMismatch, path, "null", {}, type_text(view), 0});
      return;
    }
    const bool wants_object = has_type(view, "object") || !view.properties.empty();
    const bool wants_array = has_type(view, "array");
    if (v.is_object() && !wants_object && !wants_array && xml_) {
      // <amount currency="CNY">1563.00</amount>: the text is the value, the attributes belong to the object around it.
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (it.key() == kText) continue;
        std::string name = it.key().starts_with("@") ? it.key().substr(1) : it.key();
        if (parent == nullptr || (!property(*parent, name) && !parent->open)) {
          add({DriftKind::kUndocumentedField, join(path, it.key()), "", {}, "", 0});
        }
      }
      auto text = v.find(kText);
      if (text != v.end()) drift(*text, schema, path, parent);
      return;
    }
    if (wants_array) {
      if (v.is_array()) {
        for (const Json& item : v) drift(item, view.items, path + "[]", nullptr);
        return;
      }
      if (xml_ && v.is_object() && v.size() == 1) {  // <items><item/>…</items>
        auto only = v.begin();
        std::string inner = join(path, only.key()) + "[]";
        if (only->is_array()) {
          for (const Json& item : *only) drift(item, view.items, inner, nullptr);
        } else {
          drift(*only, view.items, inner, nullptr);
        }
        return;
      }
    }
    if (wants_object && v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (it.key() == kText) continue;
        std::string name = xml_ && it.key().starts_with("@") ? it.key().substr(1) : it.key();
        const Json* prop = property(view, name);
        if (prop == nullptr) {
          if (!view.open) add({DriftKind::kUndocumentedField, join(path, it.key()), "", {}, "", 0});
          continue;
        }
        drift(*it, prop, join(path, it.key()), &view);
      }
      for (const std::string& r : view.required) {
        if (!v.contains(r) && !(xml_ && v.contains("@" + r))) {
          add({DriftKind::kMissingRequired, join(path, r), "", {}, "", 0});
        }
      }
      return;
    }
    if (!view.types.empty() &&
        std::none_of(view.types.begin(), view.types.end(), [&](const std::string& t) { return fits(v, t, xml_); })) {
      add({DriftKind::kTypeMismatch, path, shown(v), {}, type_text(view), 0});
      return;
    }
    if (!view.enum_values.empty() && !v.is_structured()) {
      std::string text = scalar_text(v);
      if (std::find(view.enum_values.begin(), view.enum_values.end(), text) == view.enum_values.end()) {
        add({DriftKind::kEnumViolation, path, shown(v), view.enum_values, "", 0});
      }
    }
  }

  std::vector<PayloadField> take_fields() { return std::move(fields_); }
  std::vector<Drift> take_drift() { return std::move(drift_); }
  bool truncated() const { return truncated_; }

 private:
  static std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

  static std::string type_text(const SchemaView& v) {
    return util::join(v.types, " or ") + (v.nullable ? " or null" : "");
  }

  std::string shown(const Json& v) const {
    std::string text = scalar_text(v);
    pii::ValueClass c = detector_.classify(text);
    if (c.pii != model::PiiClass::kNone) text = pii::mask_value(detector_, c.pii, text);
    return text;
  }

  void add(Drift d) {
    for (Drift& seen : drift_) {
      if (seen.kind == d.kind && seen.field == d.field && seen.value == d.value) {
        ++seen.count;
        return;
      }
    }
    d.count = 1;
    drift_.push_back(std::move(d));
  }

  void record_field(const Json& v, const std::string& path) {
    auto it = index_.find(path);
    if (it == index_.end()) {
      if (fields_.size() >= kMaxPayloadFields) {
        truncated_ = true;
        return;
      }
      it = index_.emplace(path, fields_.size()).first;
      fields_.push_back({path, {}, 0, {}, ""});
    }
    PayloadField& f = fields_[it->second];
    ++f.count;
    std::string type = type_of(v);
    if (std::find(f.types.begin(), f.types.end(), type) == f.types.end()) f.types.push_back(type);
    if (v.is_null() || v.is_structured()) return;
    std::string text = scalar_text(v);
    pii::ValueClass c = v.is_boolean() || v.is_number_float() ? pii::ValueClass{} : detector_.classify(text);
    if (c.pii != model::PiiClass::kNone) {
      auto hit = std::find_if(f.pii.begin(), f.pii.end(), [&](const PiiCount& p) { return p.pii == c.pii; });
      if (hit == f.pii.end()) f.pii.push_back({c.pii, 1});
      else ++hit->hits;
    }
    if (f.example.empty()) {
      std::string shown_text = c.pii != model::PiiClass::kNone ? pii::mask_value(detector_, c.pii, text) : text;
      f.example = util::display_width(shown_text) > kMaxExampleChars ? shown_text.substr(0, kMaxExampleChars) + "…"
                                                                     : shown_text;
    }
  }

  const Spec& spec_;
  const pii::Detector& detector_;
  bool xml_;
  std::map<std::string, size_t> index_;
  std::vector<PayloadField> fields_;
  std::vector<Drift> drift_;
  bool truncated_ = false;
};

// ---------------------------------------------------------------------------
// Which spec schema the payload is

std::set<std::string> key_names(const Json& v) {
  std::set<std::string> out;
  if (!v.is_object()) return out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key() == kText) continue;
    out.insert(it.key().starts_with("@") ? it.key().substr(1) : it.key());
  }
  return out;
}

struct SchemaMatch {
  std::string name, pointer;
  double score = 0;
};

SchemaMatch best_schema(const Spec& spec, const Json& record, std::string_view root_name) {
  SchemaMatch best;
  std::set<std::string> keys = key_names(record);
  if (keys.empty()) return best;
  for (const auto& [name, pointer] : named_schemas(spec)) {
    Json ref = {{"$ref", "#" + pointer}};
    SchemaView v = view_schema(spec, &ref);
    size_t common = 0;
    for (const auto& [prop, ignored] : v.properties) common += keys.count(prop);
    size_t all = keys.size() + v.properties.size() - common;
    double score = all == 0 ? 0 : static_cast<double>(common) / static_cast<double>(all);
    if (!root_name.empty() && util::equals_icase(root_name, name)) score += 0.1;  // <order> is an Order
    if (score > best.score + 1e-9) best = {name, pointer, score};
  }
  if (best.score < kMinSchemaMatch) return {};
  best.score = std::min(best.score, 1.0);
  return best;
}

}  // namespace

const char* drift_kind_name(DriftKind kind) {
  switch (kind) {
    case DriftKind::kUndocumentedField: return "undocumented_field";
    case DriftKind::kMissingRequired: return "missing_required";
    case DriftKind::kEnumViolation: return "enum_violation";
    case DriftKind::kTypeMismatch: return "type_mismatch";
  }
  return "undocumented_field";
}

PayloadAssessment assess_payload_text(const Spec& spec, std::string_view text, const std::string& file,
                                      const pii::Detector& detector) {
  PayloadAssessment out;
  out.file = file;
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  const bool xml = first != std::string_view::npos && text[first] == '<';
  out.format = xml ? "xml" : "json";
  if (text.size() > kMaxPayloadBytes) {
    out.error = file + ": payload is " + std::to_string(text.size()) + " bytes, more than the " +
                std::to_string(kMaxPayloadBytes >> 20) + " MiB accepted for a sample";
    return out;
  }
  std::string root_name;
  Result<Json> doc = xml ? parse_xml(text, file) : parse_json(text, file);
  if (!doc) {
    out.error = doc.status().message();
    return out;
  }
  if (xml) {
    pugi::xml_document d;  // the root element's name hints at the schema
    if (d.load_buffer(text.data(), text.size())) root_name = d.document_element().name();
  }
  const Json& root = *doc;
  Walker walker(spec, detector, xml);
  walker.flatten(root, "");

  // A list of records, or one record, or a page: an object around an array of records.
  const Json* record = &root;
  if (root.is_array()) {
    out.records = static_cast<int64_t>(root.size());
    record = root.empty() ? nullptr : &root[0];
  }
  SchemaMatch match = record ? best_schema(spec, *record, root_name) : SchemaMatch{};
  if (!match.name.empty()) {
    out.schema = match.name;
    out.schema_pointer = match.pointer;
    out.schema_match = match.score;
    Json ref = {{"$ref", "#" + match.pointer}};
    if (root.is_array()) {
      for (const Json& item : root) walker.drift(item, &ref, "[]", nullptr);
    } else {
      out.records = 1;
      walker.drift(root, &ref, "", nullptr);
      SchemaView v = view_schema(spec, &ref);
      // A page: paging fields around an array of records. (An order's items are no page.)
      const bool paged = std::any_of(v.properties.begin(), v.properties.end(), [](const auto& kv) {
        std::string n = util::to_lower(kv.first);
        return n == "page" || n == "total" || n == "offset" || n == "cursor" || n == "next" || n == "next_cursor" ||
               n == "page_size" || n == "has_more" || n == "total_count" || n == "count";
      });
      for (const auto& [name, prop] : v.properties) {
        if (!paged) break;
        auto it = root.find(name);
        if (it != root.end() && it->is_array() && has_type(view_schema(spec, prop), "array") &&
            (it->empty() || (*it)[0].is_object())) {
          out.records = static_cast<int64_t>(it->size());  // a page: its records
          break;
        }
      }
    }
  } else if (!root.is_array()) {
    out.records = 1;
  }
  out.fields = walker.take_fields();
  out.fields_truncated = walker.truncated();
  out.drift = walker.take_drift();
  return out;
}

Result<PayloadAssessment> assess_payload_file(const Spec& spec, const std::string& path, const pii::Detector& detector) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) return not_found(path + ": cannot read the payload file");
  if (size > kMaxPayloadBytes) {
    PayloadAssessment out;
    out.file = path;
    char c = 0;
    in.get(c);
    out.format = c == '<' ? "xml" : "json";
    out.error = path + ": payload is " + std::to_string(size) + " bytes, more than the " +
                std::to_string(kMaxPayloadBytes >> 20) + " MiB accepted for a sample";
    return out;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return assess_payload_text(spec, buf.str(), path, detector);
}

}  // namespace csbridge::api
