#include "api/checks.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "api/schema.h"
#include "assess/name_tokens.h"
#include "util/strings.h"

namespace csbridge::api {
namespace {

// Query parameter names of each pagination style (compared lower-case, without '_' and '-').
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& pagination_vocabulary() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kStyles = {
      {"cursor", {"cursor", "after", "before", "pagetoken", "nexttoken", "continuation", "continuationtoken",
                  "startingafter", "scrollid"}},
      {"page", {"page", "pageno", "pagenum", "pagenumber", "pageindex", "current", "pagesize", "perpage", "size",
                "pagecount"}},
      {"offset", {"offset", "limit", "skip", "take", "start", "rows"}},
  };
  return kStyles;
}

// Parameters that set a page's size, for max_page_size.
bool is_size_parameter(std::string_view squashed) {
  return squashed == "pagesize" || squashed == "perpage" || squashed == "size" || squashed == "limit" ||
         squashed == "take" || squashed == "rows";
}

std::string squash(std::string_view name) {
  std::string out;
  for (char c : util::to_lower(name)) {
    if (c != '_' && c != '-') out += c;
  }
  return out;
}

bool is_error_status(std::string_view status) {
  return status == "default" || (!status.empty() && (status[0] == '4' || status[0] == '5'));
}

bool is_success_status(std::string_view status) { return !status.empty() && status[0] == '2'; }

bool is_rate_limit_header(std::string_view header) {
  std::string h = util::to_lower(header);
  return h.starts_with("x-ratelimit") || h.starts_with("x-rate-limit") || h.starts_with("ratelimit") ||
         h == "retry-after";
}

bool is_idempotency_parameter(const Parameter& p) {
  std::string n = util::to_lower(p.name);
  return (p.in == "header" || p.in == "query") &&
         (n.find("idempotency") != std::string::npos || n.find("idempotent") != std::string::npos);
}

// A field name that holds a time: created_at, update_time, paidDate, 创建时间 …
bool looks_like_time(std::string_view name) {
  if (name.find("时间") != std::string_view::npos || name.find("日期") != std::string_view::npos) return true;
  std::vector<std::string> words = assess::name_tokens(name);
  if (words.empty()) return false;
  const std::string& last = words.back();
  return (words.size() > 1 && (last == "at" || last == "on")) || last == "time" || last == "date" ||
         last == "timestamp" || last == "datetime";
}

Check make(std::string id, Outcome outcome, std::string message, std::vector<std::string> paths = {}) {
  return {std::move(id), outcome, std::move(message), std::move(paths)};
}

std::string count_text(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

Check check_validity(const Spec& spec, const std::vector<Operation>& ops) {
  std::vector<std::string> problems, paths;
  auto problem = [&](std::string text, std::string pointer) {
    problems.push_back(std::move(text));
    paths.push_back(std::move(pointer));
  };
  const bool v3 = !spec.swagger2 && spec.version.starts_with("3.");
  const bool v2 = spec.swagger2 && spec.version == "2.0";
  if (!v3 && !v2) {
    problem(spec.version.empty() ? "no `openapi` or `swagger` version field"
                                 : "version '" + spec.version + "' is neither OpenAPI 3.x nor Swagger 2.0",
            spec.swagger2 ? "/swagger" : spec.version.empty() ? "" : "/openapi");
  }
  const Json* info = spec.root.contains("info") ? &spec.root["info"] : nullptr;
  if (info == nullptr || !info->is_object()) {
    problem("no `info` object", "/info");
  } else {
    if (!info->contains("title")) problem("`info.title` is missing", "/info");
    if (!info->contains("version")) problem("`info.version` is missing", "/info");
  }
  if (!spec.root.contains("paths") || !spec.root["paths"].is_object() || spec.root["paths"].empty()) {
    problem("no paths", "/paths");
  }
  // Fields read as text that hold another type (`host: 42`): reported, and read as absent.
  auto must_be_text = [&](const Json& parent, const std::string& key, const std::string& pointer) {
    auto it = parent.is_object() ? parent.find(key) : parent.end();
    if (it != parent.end() && !it->is_string()) problem("`" + pointer.substr(1) + "` is " + it->type_name() + ", not a string", pointer);
  };
  must_be_text(spec.root, "host", "/host");
  must_be_text(spec.root, "basePath", "/basePath");
  if (auto s = spec.root.find("servers"); s != spec.root.end() && s->is_array()) {
    for (size_t i = 0; i < s->size(); ++i) must_be_text((*s)[i], "url", "/servers/" + std::to_string(i) + "/url");
  }
  static const std::regex kTemplate("\\{([^}]+)\\}");
  for (const Operation& op : ops) {
    auto r = op.node->find("responses");
    if (r == op.node->end() || !r->is_object() || r->empty()) {
      problem(op.label() + " declares no responses", op.pointer);
    }
    std::vector<Parameter> params = parameters(spec, op);
    for (std::sregex_iterator it(op.path.begin(), op.path.end(), kTemplate), end; it != end; ++it) {
      std::string name = (*it)[1];
      bool declared = std::any_of(params.begin(), params.end(),
                                  [&](const Parameter& p) { return p.in == "path" && p.name == name; });
      if (!declared) problem(op.label() + ": path parameter '" + name + "' is not declared", op.pointer);
    }
  }
  for (const DanglingRef& d : spec.dangling_refs) problem("$ref '" + d.ref + "' points nowhere", d.pointer);
  if (problems.empty()) {
    return make("spec_valid", Outcome::kPass,
                std::string(v2 ? "Swagger " : "OpenAPI ") + spec.version + "; every $ref resolves, every operation "
                "declares responses and its path parameters");
  }
  return make("spec_valid", Outcome::kFail, util::join(problems, "; "), paths);
}

Check check_https(const Spec& spec, SpecFacts& facts) {
  std::vector<std::string> paths;
  if (spec.swagger2) {
    std::string host = string_member(spec.root, "host");
    std::string base = string_member(spec.root, "basePath");
    std::vector<std::string> schemes;
    if (auto s = spec.root.find("schemes"); s != spec.root.end() && s->is_array()) {
      for (const Json& x : *s) {
        if (x.is_string()) schemes.push_back(x.get<std::string>());
      }
    }
    if (!host.empty()) {
      if (schemes.empty()) schemes.push_back("http");  // Swagger 2.0: the scheme of the spec's own URL, often http
      for (size_t i = 0; i < schemes.size(); ++i) {
        facts.servers.push_back({schemes[i] + "://" + host + base, schemes[i] == "https"});
        if (schemes[i] != "https") paths.push_back(spec.root.contains("schemes") ? "/schemes/" + std::to_string(i) : "/host");
      }
    }
  } else if (auto s = spec.root.find("servers"); s != spec.root.end() && s->is_array()) {
    for (size_t i = 0; i < s->size(); ++i) {
      std::string url = string_member((*s)[i], "url");
      facts.servers.push_back({url, util::starts_with_icase(url, "https://")});
      if (!facts.servers.back().https) paths.push_back("/servers/" + std::to_string(i) + "/url");
    }
  }
  facts.https_only = !facts.servers.empty() && paths.empty();
  if (facts.servers.empty()) {
    return make("https_only", Outcome::kWarn, "no servers declared: whether the API is served over HTTPS is unknown",
                {spec.swagger2 ? "/host" : "/servers"});
  }
  if (paths.empty()) return make("https_only", Outcome::kPass, "every server URL is https");
  std::vector<std::string> plain;
  for (const Server& s : facts.servers) {
    if (!s.https) plain.push_back(s.url);
  }
  return make("https_only", Outcome::kFail,
              count_text(plain.size(), "server is", "servers are") + " not HTTPS: " + util::join(plain, ", ") +
                  " (credentials and personal data would cross the network in clear text)",
              paths);
}

Check check_auth(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  const Json* schemes = nullptr;
  std::string pointer = spec.swagger2 ? "/securityDefinitions" : "/components/securitySchemes";
  if (spec.swagger2) {
    if (spec.root.contains("securityDefinitions")) schemes = &spec.root["securityDefinitions"];
  } else if (spec.root.contains("components") && spec.root["components"].contains("securitySchemes")) {
    schemes = &spec.root["components"]["securitySchemes"];
  }
  if (schemes != nullptr && schemes->is_object()) {
    for (auto it = schemes->begin(); it != schemes->end(); ++it) {
      const Json* s = resolve(spec, *it);
      if (s == nullptr || !s->is_object()) continue;
      facts.auth.push_back({it.key(), string_member(*s, "type"), string_member(*s, "in"), string_member(*s, "name"),
                            string_member(*s, "scheme")});
    }
  }
  if (facts.auth.empty()) {
    return make("auth", Outcome::kFail, "no authentication scheme is declared", {pointer});
  }
  auto requires_auth = [](const Json& security) {
    if (!security.is_array()) return false;
    return std::any_of(security.begin(), security.end(), [](const Json& req) { return req.is_object() && !req.empty(); });
  };
  const bool global = spec.root.contains("security") && requires_auth(spec.root["security"]);
  std::vector<std::string> open, paths;
  for (const Operation& op : ops) {
    bool secured = op.node->contains("security") ? requires_auth((*op.node)["security"]) : global;
    if (!secured) {
      open.push_back(op.label());
      paths.push_back(op.pointer);
    }
  }
  std::vector<std::string> names;
  for (const AuthScheme& a : facts.auth) {
    std::string n = a.name + " (" + a.type;
    if (!a.param.empty()) n += " in " + a.in + " " + a.param;
    if (!a.scheme.empty()) n += " " + a.scheme;
    names.push_back(n + ")");
  }
  if (open.empty()) return make("auth", Outcome::kPass, "every operation requires " + util::join(names, ", "));
  return make("auth", Outcome::kWarn,
              count_text(open.size(), "operation requires", "operations require") + " no authentication: " +
                  util::join(open, ", "),
              paths);
}

Check check_operation_ids(const std::vector<Operation>& ops, SpecFacts& facts) {
  std::vector<std::string> paths;
  std::map<std::string, int> seen;
  std::vector<std::string> duplicates;
  for (const Operation& op : ops) {
    std::string id = string_member(*op.node, "operationId");
    if (id.empty()) {
      facts.operations_without_id.push_back(op.label());
      paths.push_back(op.pointer);
    } else if (++seen[id] == 2) {
      duplicates.push_back(id);
      paths.push_back(op.pointer + "/operationId");
    }
  }
  if (!duplicates.empty()) {
    return make("operation_ids", Outcome::kFail, "operationId used twice: " + util::join(duplicates, ", "), paths);
  }
  if (!facts.operations_without_id.empty()) {
    return make("operation_ids", Outcome::kWarn,
                count_text(facts.operations_without_id.size(), "operation has", "operations have") +
                    " no operationId: " + util::join(facts.operations_without_id, ", "),
                paths);
  }
  return make("operation_ids", Outcome::kPass, "every operation has a unique operationId");
}

Check check_pagination(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  std::vector<std::string> missing, paths;
  for (const Operation& op : ops) {
    if (!is_list_operation(spec, op)) continue;
    facts.pagination.push_back(pagination_of(spec, op));
    if (facts.pagination.back().style.empty()) {
      missing.push_back(op.label());
      paths.push_back(op.pointer);
    }
  }
  if (facts.pagination.empty()) return make("pagination", Outcome::kPass, "no list operations");
  if (missing.empty()) {
    std::vector<std::string> styles;
    for (const Pagination& p : facts.pagination) styles.push_back(p.operation + ": " + p.style);
    return make("pagination", Outcome::kPass, "every list operation pages: " + util::join(styles, ", "));
  }
  return make("pagination", Outcome::kWarn,
              count_text(missing.size(), "list operation has", "list operations have") +
                  " no recognised pagination (page, offset, cursor or Link header): " + util::join(missing, ", "),
              paths);
}

Check check_errors(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  std::map<std::string, int> refs;
  std::vector<std::string> undocumented, paths;
  for (const Operation& op : ops) {
    bool documented = false;
    for (const Response& r : responses(spec, op)) {
      if (!is_error_status(r.status)) continue;
      for (const Media& m : r.media) {
        if (m.schema == nullptr) continue;
        documented = true;
        std::string ref = ref_of(*m.schema);
        if (!ref.empty()) ++refs[ref];
      }
    }
    if (!documented) {
      undocumented.push_back(op.label());
      paths.push_back(op.pointer + "/responses");
    }
  }
  int best = 0;
  for (const auto& [ref, n] : refs) {
    if (n > best) {
      best = n;
      facts.error_schema = ref;
    }
  }
  if (undocumented.size() == ops.size()) {
    return make("error_schema", Outcome::kFail, "no operation documents an error response with a schema", paths);
  }
  std::string schema = facts.error_schema.empty() ? "inline schemas" : facts.error_schema;
  if (undocumented.empty()) return make("error_schema", Outcome::kPass, "errors are documented with " + schema);
  return make("error_schema", Outcome::kWarn,
              "errors are documented with " + schema + ", but " +
                  count_text(undocumented.size(), "operation documents", "operations document") +
                  " no error response: " + util::join(undocumented, ", "),
              paths);
}

Check check_idempotency(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  std::vector<std::string> unsafe, paths;
  size_t writes = 0;
  for (const Operation& op : ops) {
    if (!op.writes()) continue;
    ++writes;
    std::vector<Parameter> params = parameters(spec, op);
    if (std::any_of(params.begin(), params.end(), is_idempotency_parameter)) continue;
    facts.writes_without_idempotency_key.push_back(op.label());
    // PUT and DELETE are idempotent by their HTTP semantics; POST and PATCH are not.
    if (op.method == "POST" || op.method == "PATCH") {
      unsafe.push_back(op.label());
      paths.push_back(op.pointer);
    }
  }
  if (writes == 0) return make("idempotency", Outcome::kPass, "the API has no write operations");
  if (unsafe.empty()) {
    return make("idempotency", Outcome::kPass,
                "every POST/PATCH declares an Idempotency-Key; PUT and DELETE are idempotent by their semantics");
  }
  return make("idempotency", Outcome::kFail,
              (unsafe.size() == 1 ? "1 write declares no Idempotency-Key and is not idempotent by its method: "
                                  : std::to_string(unsafe.size()) +
                                        " writes declare no Idempotency-Key and are not idempotent by their method: ") +
                  util::join(unsafe, ", ") +
                  " (a retried request may act twice)",
              paths);
}

Check check_webhooks(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  std::vector<std::string> paths;
  for (const Operation& op : ops) {
    auto cbs = op.node->find("callbacks");
    if (cbs == op.node->end() || !cbs->is_object()) continue;
    for (auto cb = cbs->begin(); cb != cbs->end(); ++cb) {
      const Json* item = resolve(spec, *cb);
      if (item == nullptr || !item->is_object()) continue;
      paths.push_back(op.pointer + "/callbacks/" + pointer_token(cb.key()));
      for (auto expr = item->begin(); expr != item->end(); ++expr) {
        Callback c{op.label(), cb.key(), expr.key(), ""};
        const Json* path_item = resolve(spec, *expr);
        if (path_item && path_item->is_object()) {
          for (auto m = path_item->begin(); m != path_item->end() && c.payload.empty(); ++m) {
            if (!m->is_object() || !m->contains("requestBody")) continue;
            const Json* body = resolve(spec, (*m)["requestBody"]);
            if (body == nullptr || !body->contains("content")) continue;
            for (const auto& media : (*body)["content"]) {
              if (media.is_object() && media.contains("schema")) c.payload = ref_of(media["schema"]);
              if (!c.payload.empty()) break;
            }
          }
        }
        facts.callbacks.push_back(std::move(c));
      }
    }
  }
  for (const char* key : {"webhooks", "x-webhooks"}) {
    auto w = spec.root.find(key);
    if (w == spec.root.end() || !w->is_object()) continue;
    for (auto it = w->begin(); it != w->end(); ++it) {
      facts.callbacks.push_back({"", it.key(), "", ""});
      paths.push_back("/" + std::string(key) + "/" + pointer_token(it.key()));
    }
  }
  if (facts.callbacks.empty()) {
    return make("webhooks", Outcome::kWarn, "no webhooks or callbacks: changes can only be found by polling");
  }
  std::vector<std::string> names;
  for (const Callback& c : facts.callbacks) names.push_back(c.operation.empty() ? c.name : c.operation + " " + c.name);
  return make("webhooks", Outcome::kPass, "change notifications: " + util::join(names, ", "), paths);
}

Check check_rate_limits(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  std::vector<std::string> paths;
  for (const Operation& op : ops) {
    for (const Response& r : responses(spec, op)) {
      bool any = false;
      for (const std::string& h : r.headers) {
        if (!is_rate_limit_header(h)) continue;
        any = true;
        if (std::find(facts.rate_limit_headers.begin(), facts.rate_limit_headers.end(), h) ==
            facts.rate_limit_headers.end()) {
          facts.rate_limit_headers.push_back(h);
        }
      }
      if (any) {
        facts.rate_limit_declared_on.push_back(op.label() + " " + r.status);
        paths.push_back(r.pointer + "/headers");
      }
    }
  }
  if (facts.rate_limit_headers.empty()) {
    return make("rate_limit_headers", Outcome::kWarn,
                "no rate-limit headers (X-RateLimit-*, RateLimit-*, Retry-After) are documented: bulk reads must "
                "guess how fast they may go");
  }
  return make("rate_limit_headers", Outcome::kPass,
              util::join(facts.rate_limit_headers, ", ") + " on " + util::join(facts.rate_limit_declared_on, ", "),
              paths);
}

Check check_content_types(const Spec& spec, const std::vector<Operation>& ops, SpecFacts& facts) {
  for (const Operation& op : ops) {
    std::vector<Media> all = request_media(spec, op);
    for (const Response& r : responses(spec, op)) all.insert(all.end(), r.media.begin(), r.media.end());
    for (const Media& m : all) {
      if (std::find(facts.media_types.begin(), facts.media_types.end(), m.type) == facts.media_types.end()) {
        facts.media_types.push_back(m.type);
      }
    }
  }
  bool json = false, xml = false;
  for (const std::string& t : facts.media_types) {
    json = json || util::to_lower(t).find("json") != std::string::npos;
    xml = xml || util::to_lower(t).find("xml") != std::string::npos;
  }
  if (json || xml) {
    return make("content_types", Outcome::kPass,
                std::string(json && xml ? "JSON and XML" : json ? "JSON" : "XML") + ": " +
                    util::join(facts.media_types, ", "));
  }
  if (facts.media_types.empty()) return make("content_types", Outcome::kWarn, "no media types are declared");
  return make("content_types", Outcome::kWarn,
              "neither JSON nor XML is offered: " + util::join(facts.media_types, ", "));
}

// Every `properties` member in the document (schemas, parameters, callbacks).
Check check_date_times(const Spec& spec) {
  std::vector<std::string> names, paths;
  struct Item {
    const Json* node;
    std::string pointer;
  };
  std::vector<Item> stack{{&spec.root, ""}};
  std::vector<Item> found;
  while (!stack.empty()) {
    Item item = std::move(stack.back());
    stack.pop_back();
    if (item.node->is_object()) {
      if (auto props = item.node->find("properties"); props != item.node->end() && props->is_object()) {
        for (auto p = props->begin(); p != props->end(); ++p) {
          if (!looks_like_time(p.key())) continue;
          SchemaView v = view_schema(spec, &*p);
          if (!v.format.empty() || v.types.empty() || has_type(v, "object") || has_type(v, "array")) continue;
          found.push_back({&*p, item.pointer + "/properties/" + pointer_token(p.key())});
        }
      }
      for (auto it = item.node->begin(); it != item.node->end(); ++it) {
        if (it->is_structured()) stack.push_back({&*it, item.pointer + "/" + pointer_token(it.key())});
      }
    } else if (item.node->is_array()) {
      for (size_t i = 0; i < item.node->size(); ++i) {
        if ((*item.node)[i].is_structured()) stack.push_back({&(*item.node)[i], item.pointer + "/" + std::to_string(i)});
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const Item& a, const Item& b) { return a.pointer < b.pointer; });
  for (const Item& f : found) {
    paths.push_back(f.pointer);
    names.push_back(f.pointer.substr(f.pointer.rfind('/') + 1));
  }
  if (found.empty()) return make("date_time_formats", Outcome::kPass, "every time field declares its format");
  return make("date_time_formats", Outcome::kWarn,
              count_text(found.size(), "time field declares", "time fields declare") +
                  " no format (date-time or date), so its zone and precision are a guess: " + util::join(names, ", "),
              paths);
}

const Json* success_schema(const Spec& spec, const Operation& op) {
  for (const Response& r : responses(spec, op)) {
    if (!is_success_status(r.status)) continue;
    for (const Media& m : r.media) {
      if (m.schema != nullptr) return m.schema;
    }
  }
  return nullptr;
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "pass";
    case Outcome::kWarn: return "warn";
    case Outcome::kFail: return "fail";
  }
  return "fail";
}

bool is_list_operation(const Spec& spec, const Operation& op) {
  if (op.method != "GET" || op.path.ends_with("}")) return false;
  SchemaView v = view_schema(spec, success_schema(spec, op));
  if (has_type(v, "array")) return true;
  bool wraps_array = std::any_of(v.properties.begin(), v.properties.end(), [&](const auto& kv) {
    return has_type(view_schema(spec, kv.second), "array");
  });
  if (!wraps_array) return false;
  // An object with an array inside is a page when the path names a plural or the query pages.
  size_t slash = op.path.find_last_of('/');
  std::string last = op.path.substr(slash == std::string::npos ? 0 : slash + 1);
  return assess::singular(util::to_lower(last)) != util::to_lower(last) || !pagination_of(spec, op).style.empty();
}

Pagination pagination_of(const Spec& spec, const Operation& op) {
  Pagination out;
  out.operation = op.label();
  std::vector<Parameter> params = parameters(spec, op);
  for (const auto& [style, words] : pagination_vocabulary()) {
    for (const Parameter& p : params) {
      if (p.in != "query") continue;
      std::string s = squash(p.name);
      if (std::find(words.begin(), words.end(), s) == words.end()) continue;
      if (out.style.empty()) out.style = style;
      if (out.style != style) continue;
      out.parameters.push_back(p.name);
      if (is_size_parameter(s) && p.schema != nullptr) {
        const Json* schema = resolve(spec, *p.schema);
        if (schema && schema->contains("maximum") && (*schema)["maximum"].is_number()) {
          // Any number may stand there (1e300, -1): kept when it is a page size a server could mean.
          const double maximum = (*schema)["maximum"].get<double>();
          if (maximum >= 1 && maximum <= 1e9) out.max_page_size = static_cast<int64_t>(maximum);
        }
      }
    }
    // "limit" alone belongs with page or cursor when those are there.
    if (!out.style.empty()) break;
  }
  if (out.style == "offset" && out.parameters.size() == 1 && squash(out.parameters[0]) == "limit") {
    out.style.clear();  // a limit without an offset does not page
    out.parameters.clear();
    out.max_page_size = 0;
  }
  if (out.style.empty()) {
    for (const Response& r : responses(spec, op)) {
      for (const std::string& h : r.headers) {
        if (util::equals_icase(h, "Link")) {
          out.style = "link_header";
          out.parameters = {h};
        }
      }
    }
  }
  return out;
}

Readiness check_spec(const Spec& spec) {
  Readiness r;
  SpecFacts& f = r.facts;
  if (auto info = spec.root.find("info"); info != spec.root.end() && info->is_object()) {
    f.title = info->contains("title") && (*info)["title"].is_string() ? (*info)["title"].get<std::string>() : "";
    if (auto v = info->find("version"); v != info->end()) f.api_version = v->is_string() ? v->get<std::string>() : v->dump();
  }
  std::vector<Operation> ops = operations(spec);
  for (const Operation& op : ops) {
    f.operations.push_back({op.method, op.path, string_member(*op.node, "operationId"), op.writes(),
                            string_member(*op.node, "summary")});
  }
  r.checks.push_back(check_validity(spec, ops));
  r.checks.push_back(check_https(spec, f));
  r.checks.push_back(check_auth(spec, ops, f));
  r.checks.push_back(check_operation_ids(ops, f));
  r.checks.push_back(check_pagination(spec, ops, f));
  r.checks.push_back(check_errors(spec, ops, f));
  r.checks.push_back(check_idempotency(spec, ops, f));
  r.checks.push_back(check_webhooks(spec, ops, f));
  r.checks.push_back(check_rate_limits(spec, ops, f));
  r.checks.push_back(check_content_types(spec, ops, f));
  r.checks.push_back(check_date_times(spec));
  double points = 0;
  for (const Check& c : r.checks) points += c.outcome == Outcome::kPass ? 1 : c.outcome == Outcome::kWarn ? 0.5 : 0;
  r.score = 100 * points / static_cast<double>(r.checks.size());
  return r;
}

}  // namespace csbridge::api
