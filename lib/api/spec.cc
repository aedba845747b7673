#include "api/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/yaml_source.h"
#include "util/encoding.h"
#include "util/strings.h"

namespace csbridge::api {
namespace {


constexpr std::string_view kMethods[] = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};

Status error_at_offset(const std::string& file, std::string_view text, size_t offset, std::string_view message) {
  return config_error(located_message(file, text, offset, message));
}

// Where JSON text nests deeper than kMaxSpecDepth (outside strings), or npos.
size_t find_excess_json_depth(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxSpecDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string located_message(const std::string& file, std::string_view text, size_t offset, std::string_view message) {
  offset = std::min(offset, text.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return config::format_location(file, text, line, static_cast<int>(offset - line_start) + 1, message);
}

Result<Json> parse_json(std::string_view text, const std::string& file) {
  if (size_t deep = find_excess_json_depth(text); deep != std::string_view::npos) {
    return error_at_offset(file, text, deep, "nesting deeper than " + std::to_string(kMaxSpecDepth) + " levels");
  }
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's message repeats the position; keep what follows "syntax error ". What it
    // quotes ("last read: ...") may be bytes that are not UTF-8: shown as \xNN.
    std::string what = e.what();
    if (size_t p = what.find("syntax error "); p != std::string::npos) what = what.substr(p);
    size_t at = e.byte > 0 ? e.byte - 1 : 0;
    return error_at_offset(file, text, at, util::escape_invalid_utf8(what));
  } catch (const Json::exception& e) {
    // A number too large for a double (out_of_range.406 "number overflow parsing '1e999'"):
    // located at the first occurrence of the number it quotes.
    std::string what = util::escape_invalid_utf8(e.what());
    size_t open = what.find('\''), close = what.rfind('\'');
    size_t at = 0;
    if (open != std::string::npos && close > open + 1) {
      at = text.find(std::string_view(what).substr(open + 1, close - open - 1));
      if (at == std::string_view::npos) at = 0;
    }
    if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return error_at_offset(file, text, at, what);
  }
}

namespace {

// YAML 1.2 core schema for plain scalars: null, booleans, integers and floats;
// anything quoted stays a string.
Json yaml_scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(s, kInt)) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno == 0) return static_cast<int64_t>(v);
    return s;
  }
  if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  return s;
}

class YamlToJson {
 public:
  YamlToJson(const config::YamlDocument& doc) : doc_(doc) {}

  Result<Json> convert(const YAML::Node& node, int depth) {
    if (++nodes_ > kMaxSpecNodes) {
      return config::error_at(doc_, node, "more than " + std::to_string(kMaxSpecNodes) +
                                              " nodes once aliases are expanded");
    }
    if (depth > kMaxSpecDepth) {
      return config::error_at(doc_, node, "nesting deeper than " + std::to_string(kMaxSpecDepth) + " levels");
    }
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        Json out = Json::object();
        for (const auto& kv : node) {
          CSB_ASSIGN_OR_RETURN(Json value, convert(kv.second, depth + 1));
          out[kv.first.Scalar()] = std::move(value);
        }
        return out;
      }
      case YAML::NodeType::Sequence: {
        Json out = Json::array();
        for (const auto& item : node) {
          CSB_ASSIGN_OR_RETURN(Json value, convert(item, depth + 1));
          out.push_back(std::move(value));
        }
        return out;
      }
      case YAML::NodeType::Scalar: return yaml_scalar(node);
      default: return Json(nullptr);
    }
  }

 private:
  const config::YamlDocument& doc_;
  size_t nodes_ = 0;
};

// Position of a `$ref` value in the text, for messages: the first occurrence of
// the value after a "$ref" key. Line 0 when it cannot be found.
Status ref_error(const std::string& file, std::string_view text, std::string_view ref, std::string_view message) {
  for (size_t key = text.find("$ref"); key != std::string_view::npos; key = text.find("$ref", key + 4)) {
    size_t eol = text.find('\n', key);
    size_t value = text.find(ref, key + 4);
    if (value != std::string_view::npos && (eol == std::string_view::npos || value < eol)) {
      return error_at_offset(file, text, value, message);
    }
  }
  return config_error(file + ": " + std::string(message));
}

const Json* at_pointer(const Json& root, std::string_view ref) {
  // "#" is the whole document; "#/a/b" a pointer.
  std::string_view p = ref.substr(1);
  if (!p.empty() && p[0] != '/') return nullptr;
  try {
    Json::json_pointer ptr{std::string(p)};
    if (!root.contains(ptr)) return nullptr;
    return &root.at(ptr);
  } catch (const Json::exception&) {
    return nullptr;
  }
}

// Checks every $ref: remote ones and loops are errors; dangling ones are listed.
Status check_refs(Spec& spec, std::string_view text) {
  struct Item {
    const Json* node;
    std::string pointer;
  };
  std::vector<Item> stack{{&spec.root, ""}};
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    if (item.node->is_object()) {
      if (auto it = item.node->find("$ref"); it != item.node->end() && it->is_string()) {
        const std::string ref = it->get<std::string>();
        if (ref.empty() || ref[0] != '#') {
          return ref_error(spec.file, text, ref,
                           "$ref '" + ref + "' points outside this file; csbridge reads one file and fetches "
                           "nothing: make the reference local (#/…) or bundle the spec first");
        }
        std::vector<std::string> chain{ref};
        const Json* target = at_pointer(spec.root, ref);
        while (target != nullptr && !ref_of(*target).empty()) {
          std::string next = ref_of(*target);
          if (std::find(chain.begin(), chain.end(), next) != chain.end()) {
            chain.push_back(next);
            return ref_error(spec.file, text, ref, "$ref cycle: " + util::join(chain, " → "));
          }
          if (next[0] != '#') break;  // reported where it is written
          chain.push_back(next);
          target = at_pointer(spec.root, next);
        }
        if (target == nullptr) spec.dangling_refs.push_back({item.pointer, chain.back()});
      }
      for (auto it = item.node->begin(); it != item.node->end(); ++it) {
        if (it->is_structured()) stack.push_back({&*it, item.pointer + "/" + pointer_token(it.key())});
      }
    } else if (item.node->is_array()) {
      for (size_t i = 0; i < item.node->size(); ++i) {
        const Json& child = (*item.node)[i];
        if (child.is_structured()) stack.push_back({&child, item.pointer + "/" + std::to_string(i)});
      }
    }
  }
  std::reverse(spec.dangling_refs.begin(), spec.dangling_refs.end());
  return Status::ok();
}

void add_media(const Spec& spec, const Json& content, const std::string& pointer, std::vector<Media>& out) {
  (void)spec;
  if (!content.is_object()) return;
  for (auto it = content.begin(); it != content.end(); ++it) {
    const Json* schema = it->is_object() && it->contains("schema") ? &(*it)["schema"] : nullptr;
    std::string p = pointer + "/" + pointer_token(it.key());
    out.push_back({it.key(), schema, schema ? p + "/schema" : p});
  }
}

// Swagger 2.0 media types: the operation's own list, else the document's.
std::vector<std::string> swagger_types(const Spec& spec, const Operation& op, const char* key) {
  const Json* list = op.node->contains(key) ? &(*op.node)[key] : spec.root.contains(key) ? &spec.root[key] : nullptr;
  std::vector<std::string> out;
  if (list && list->is_array()) {
    for (const Json& t : *list) {
      if (t.is_string()) out.push_back(t.get<std::string>());
    }
  }
  if (out.empty()) out.push_back("application/json");  // what 2.0 tooling assumes when none is declared
  return out;
}

}  // namespace

std::string ref_of(const Json& node) { return string_member(node, "$ref"); }

bool bool_member(const Json& node, const std::string& key) {
  if (!node.is_object()) return false;
  auto it = node.find(key);
  return it != node.end() && it->is_boolean() && it->get<bool>();
}

std::string string_member(const Json& node, const std::string& key) {
  if (!node.is_object()) return "";
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string ref_name(std::string_view ref) {
  size_t slash = ref.rfind('/');
  std::string name(slash == std::string_view::npos ? ref : ref.substr(slash + 1));
  return util::replace_all(util::replace_all(name, "~1", "/"), "~0", "~");
}

std::string pointer_token(std::string_view key) {
  return util::replace_all(util::replace_all(key, "~", "~0"), "/", "~1");
}

const Json* resolve(const Spec& spec, const Json& node) {
  const Json* cur = &node;
  // check_refs refused loops; the bound is a second line of defence.
  for (int hops = 0; hops <= kMaxSpecDepth; ++hops) {
    std::string ref = ref_of(*cur);
    if (ref.empty()) return cur;
    if (ref[0] != '#') return nullptr;
    cur = at_pointer(spec.root, ref);
    if (cur == nullptr) return nullptr;
  }
  return nullptr;
}

Result<Spec> parse_spec(std::string_view text, const std::string& file) {
  Spec spec;
  spec.file = file;
  if (text.size() > kMaxSpecBytes) {
    return config_error(file + ": file is " + std::to_string(text.size()) + " bytes, more than the " +
                        std::to_string(kMaxSpecBytes >> 20) + " MiB accepted for an API spec");
  }
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    CSB_ASSIGN_OR_RETURN(spec.root, parse_json(text, file));
  } else {
    CSB_ASSIGN_OR_RETURN(config::YamlDocument doc, config::parse_yaml(std::string(text), file));
    YamlToJson converter(doc);
    CSB_ASSIGN_OR_RETURN(spec.root, converter.convert(doc.root, 0));
  }
  if (!spec.root.is_object()) {
    return config_error(file + ": not an API description: the document is not a mapping with `openapi` or `swagger`");
  }
  if (auto it = spec.root.find("openapi"); it != spec.root.end()) {
    spec.version = it->is_string() ? it->get<std::string>() : it->dump();
  } else if (auto sw = spec.root.find("swagger"); sw != spec.root.end()) {
    spec.version = sw->is_string() ? sw->get<std::string>() : sw->dump();
    spec.swagger2 = true;
  }
  CSB_RETURN_IF_ERROR(check_refs(spec, text));
  return spec;
}

Result<Spec> load_spec(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return config_error(path + ": cannot read the file");
  const auto size = static_cast<size_t>(in.tellg());
  if (size > kMaxSpecBytes) {
    return config_error(path + ": file is " + std::to_string(size) + " bytes, more than the " +
                        std::to_string(kMaxSpecBytes >> 20) + " MiB accepted for an API spec");
  }
  in.seekg(0);
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_spec(buf.str(), path);
}

bool Operation::writes() const { return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE"; }

std::vector<Operation> operations(const Spec& spec) {
  std::vector<Operation> out;
  auto paths = spec.root.find("paths");
  if (paths == spec.root.end() || !paths->is_object()) return out;
  for (auto p = paths->begin(); p != paths->end(); ++p) {
    const Json* item = resolve(spec, *p);
    if (item == nullptr || !item->is_object()) continue;
    for (std::string_view m : kMethods) {
      auto op = item->find(std::string(m));
      if (op == item->end() || !op->is_object()) continue;
      std::string method;
      for (char c : m) method += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back({method, p.key(), "/paths/" + pointer_token(p.key()) + "/" + std::string(m), &*op, item});
    }
  }
  return out;
}

std::vector<Parameter> parameters(const Spec& spec, const Operation& op) {
  std::vector<Parameter> out;
  auto collect = [&](const Json& owner, const std::string& pointer) {
    auto list = owner.find("parameters");
    if (list == owner.end() || !list->is_array()) return;
    for (size_t i = 0; i < list->size(); ++i) {
      const Json* p = resolve(spec, (*list)[i]);
      if (p == nullptr || !p->is_object()) continue;
      Parameter param;
      param.name = string_member(*p, "name");
      param.in = string_member(*p, "in");
      param.required = bool_member(*p, "required");
      param.pointer = pointer + "/parameters/" + std::to_string(i);
      if (p->contains("schema")) param.schema = &(*p)["schema"];
      else if (spec.swagger2) param.schema = p;
      auto same = std::find_if(out.begin(), out.end(),
                               [&](const Parameter& q) { return q.name == param.name && q.in == param.in; });
      if (same != out.end()) *same = param;
      else out.push_back(param);
    }
  };
  collect(*op.path_item, op.pointer.substr(0, op.pointer.rfind('/')));
  collect(*op.node, op.pointer);
  return out;
}

std::vector<Response> responses(const Spec& spec, const Operation& op) {
  std::vector<Response> out;
  auto list = op.node->find("responses");
  if (list == op.node->end() || !list->is_object()) return out;
  for (auto it = list->begin(); it != list->end(); ++it) {
    Response r;
    r.status = it.key();
    r.pointer = op.pointer + "/responses/" + pointer_token(it.key());
    r.node = resolve(spec, *it);
    if (r.node == nullptr || !r.node->is_object()) {
      out.push_back(std::move(r));
      continue;
    }
    if (spec.swagger2) {
      if (r.node->contains("schema")) {
        for (const std::string& t : swagger_types(spec, op, "produces")) {
          r.media.push_back({t, &(*r.node)["schema"], r.pointer + "/schema"});
        }
      }
    } else if (r.node->contains("content")) {
      add_media(spec, (*r.node)["content"], r.pointer + "/content", r.media);
    }
    if (auto h = r.node->find("headers"); h != r.node->end() && h->is_object()) {
      for (auto hi = h->begin(); hi != h->end(); ++hi) r.headers.push_back(hi.key());
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Media> request_media(const Spec& spec, const Operation& op) {
  std::vector<Media> out;
  if (spec.swagger2) {
    for (const Parameter& p : parameters(spec, op)) {
      if (p.in != "body") continue;
      for (const std::string& t : swagger_types(spec, op, "consumes")) out.push_back({t, p.schema, p.pointer + "/schema"});
    }
    return out;
  }
  auto body = op.node->find("requestBody");
  if (body == op.node->end()) return out;
  const Json* resolved = resolve(spec, *body);
  if (resolved && resolved->contains("content")) add_media(spec, (*resolved)["content"], op.pointer + "/requestBody/content", out);
  return out;
}

std::string schemas_pointer(const Spec& spec) { return spec.swagger2 ? "/definitions" : "/components/schemas"; }

std::vector<std::pair<std::string, std::string>> named_schemas(const Spec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string prefix = schemas_pointer(spec);
  const Json* schemas = at_pointer(spec.root, "#" + prefix);
  if (schemas == nullptr || !schemas->is_object()) return out;
  for (auto it = schemas->begin(); it != schemas->end(); ++it) {
    out.emplace_back(it.key(), prefix + "/" + pointer_token(it.key()));
  }
  return out;
}

}  // namespace csbridge::api
