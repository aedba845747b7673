#include "config/api_config.h"

#include <algorithm>
#include <cstdlib>

#include "util/strings.h"

namespace csbridge::config {
namespace {

using connector::ApiPaging;
using connector::ApiResource;
using connector::ApiSource;

const std::vector<std::string> kResourceKeys = {"path",        "records",     "params", "paginate", "key",
                                                "concurrency", "incremental", "description"};
const std::vector<std::string> kPagingKeys = {"cursor", "param", "page", "start", "offset", "limit", "limit_param",
                                              "next_url", "max_pages", "after_param", "after_field"};

class ApiLoader {
 public:
  ApiLoader(const YamlDocument& doc, const EnvLookup& env) : doc_(doc), env_(env) {}

  Result<std::shared_ptr<const ApiSource>> load(const YAML::Node& body, const std::string& name) {
    auto s = std::make_shared<ApiSource>();
    s->name = name;
    CSB_ASSIGN_OR_RETURN(s->base_url, scalar(body["api"], "api"));
    if (!s->base_url.starts_with("http://") && !s->base_url.starts_with("https://")) {
      return error_at(doc_, body["api"], "'api' must be an http:// or https:// URL");
    }
    if (body["auth"]) CSB_RETURN_IF_ERROR(auth(body["auth"], *s));
    if (body["headers"]) {
      if (!body["headers"].IsMap()) return error_at(doc_, body["headers"], "'headers' must map header names to values");
      for (const auto& kv : body["headers"]) {
        CSB_ASSIGN_OR_RETURN(std::string v, scalar(kv.second, "header " + kv.first.Scalar()));
        s->headers.emplace_back(kv.first.Scalar(), v);
      }
    }
    if (body["requests_per_second"]) {
      CSB_ASSIGN_OR_RETURN(std::string v, scalar(body["requests_per_second"], "requests_per_second"));
      char* end = nullptr;
      double rps = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || rps <= 0 || rps > 100000) {
        return error_at(doc_, body["requests_per_second"], "'requests_per_second' must be a number above 0");
      }
      s->requests_per_second = rps;
    }
    if (const YAML::Node retry = body["retry"]) {
      if (!retry.IsMap() || !retry["max"]) return error_at(doc_, retry, "'retry' must be {max: N}");
      CSB_ASSIGN_OR_RETURN(s->retry_max, integer(retry["max"], "retry.max", 0, 100));
    }
    if (body["timeout_ms"]) {
      CSB_ASSIGN_OR_RETURN(s->timeout_ms, integer(body["timeout_ms"], "timeout_ms", 100, 3600000));
    }
    if (body["ca_file"]) {
      CSB_ASSIGN_OR_RETURN(s->ca_file, scalar(body["ca_file"], "ca_file"));
    }
    if (body["insecure"]) {
      CSB_ASSIGN_OR_RETURN(std::string v, scalar(body["insecure"], "insecure"));
      if (v != "true" && v != "false") return error_at(doc_, body["insecure"], "'insecure' must be true or false");
      s->insecure = v == "true";
    }
    if (body["encoding"]) {
      CSB_ASSIGN_OR_RETURN(std::string v, scalar(body["encoding"], "encoding"));
      auto e = util::parse_encoding(v);
      if (!e.is_ok()) return error_at(doc_, body["encoding"], e.status().message());
      s->encoding = *e;
    }
    const YAML::Node resources = body["resources"];
    if (!resources || !resources.IsMap() || resources.size() == 0) {
      return error_at(doc_, resources ? resources : body["api"], "an API source needs 'resources': name → {path, …}");
    }
    for (const auto& kv : resources) {
      CSB_ASSIGN_OR_RETURN(ApiResource r, resource(kv.first.Scalar(), kv.second));
      s->resources.push_back(std::move(r));
    }
    for (const auto& r : s->resources) {
      if (!r.parent.empty() && !s->resource(r.parent)) {
        return error_at(doc_, resources[r.name]["path"],
                        "path of " + r.name + " names {" + r.parent + "." + r.parent_field + "}, but there is no resource '" +
                            r.parent + "'");
      }
    }
    return std::shared_ptr<const ApiSource>(std::move(s));
  }

 private:
  Result<std::string> scalar(const YAML::Node& node, const std::string& what) {
    if (!node || !node.IsScalar()) return error_at(doc_, node, "'" + what + "' must be a single value");
    auto v = interpolate_env(node.Scalar(), env_);
    if (!v.is_ok()) return error_at(doc_, node, v.status().message());
    return std::move(v).value();
  }

  // A secret: only through ${ENV}, never written in the file.
  Result<std::string> secret(const YAML::Node& node, const std::string& what) {
    if (node && node.IsScalar() && node.Scalar().find("${") == std::string::npos) {
      return error_at(doc_, node, "'" + what + "' is a secret: write it as ${ENVIRONMENT_VARIABLE}, not in the file");
    }
    return scalar(node, what);
  }

  Result<int> integer(const YAML::Node& node, const std::string& what, int min, int max) {
    CSB_ASSIGN_OR_RETURN(std::string text, scalar(node, what));
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || v < min || v > max) {
      return error_at(doc_, node, "'" + what + "' must be a whole number from " + std::to_string(min) + " to " +
                                      std::to_string(max));
    }
    return static_cast<int>(v);
  }

  Status auth(const YAML::Node& node, ApiSource& s) {
    if (!node.IsMap() || node.size() != 1) {
      return error_at(doc_, node, "'auth' is one of {bearer: …}, {basic: {user, password}}, {header: {NAME: …}}, {query: {NAME: …}}");
    }
    const std::string kind = node.begin()->first.Scalar();
    const YAML::Node v = node.begin()->second;
    if (kind == "bearer") {
      CSB_ASSIGN_OR_RETURN(std::string token, secret(v, "auth.bearer"));
      s.headers.emplace_back("Authorization", "Bearer " + token);
    } else if (kind == "basic") {
      if (!v.IsMap()) return error_at(doc_, v, "'auth.basic' must be {user: U, password: \"${P}\"}");
      CSB_ASSIGN_OR_RETURN(s.basic_user, scalar(v["user"], "auth.basic.user"));
      CSB_ASSIGN_OR_RETURN(s.basic_password, secret(v["password"], "auth.basic.password"));
    } else if (kind == "header" || kind == "query") {
      if (!v.IsMap()) return error_at(doc_, v, "'auth." + kind + "' must map names to \"${SECRET}\" values");
      for (const auto& kv : v) {
        CSB_ASSIGN_OR_RETURN(std::string value, secret(kv.second, "auth." + kind + "." + kv.first.Scalar()));
        (kind == "header" ? s.headers : s.query).emplace_back(kv.first.Scalar(), value);
      }
    } else {
      std::string m = util::closest_match(kind, {"bearer", "basic", "header", "query"});
      return error_at(doc_, node.begin()->first,
                      "unknown auth '" + kind + "'" + (m.empty() ? "; known: bearer, basic, header, query" : ", did you mean '" + m + "'?"));
    }
    return Status::ok();
  }

  Status keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& what) {
    for (const auto& kv : map) {
      std::string k = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string m = util::closest_match(k, known);
      return error_at(doc_, kv.first, "unknown " + what + " '" + k + "'" +
                                          (m.empty() ? "; known: " + util::join(known, ", ") : ", did you mean '" + m + "'?"));
    }
    return Status::ok();
  }

  Result<ApiResource> resource(const std::string& name, const YAML::Node& node) {
    ApiResource r;
    r.name = name;
    if (!node.IsMap()) return error_at(doc_, node, "resource " + name + " must be a map with path, records, …");
    CSB_RETURN_IF_ERROR(keys(node, kResourceKeys, "resource key"));
    CSB_ASSIGN_OR_RETURN(r.path, scalar(node["path"], "path"));
    if (node["records"]) {
      CSB_ASSIGN_OR_RETURN(r.records, scalar(node["records"], "records"));
    }
    if (node["key"]) {
      CSB_ASSIGN_OR_RETURN(r.key, scalar(node["key"], "key"));
    }
    if (node["concurrency"]) {
      CSB_ASSIGN_OR_RETURN(r.concurrency, integer(node["concurrency"], "concurrency", 1, 32));
    }
    if (const YAML::Node params = node["params"]) {
      if (!params.IsMap()) return error_at(doc_, params, "'params' must map query parameters to values");
      for (const auto& kv : params) {
        CSB_ASSIGN_OR_RETURN(std::string v, scalar(kv.second, "params." + kv.first.Scalar()));
        r.params.emplace_back(kv.first.Scalar(), v);
      }
    }
    size_t open = r.path.find('{');
    if (open != std::string::npos) {
      size_t close = r.path.find('}', open);
      std::string ref = close == std::string::npos ? "" : r.path.substr(open + 1, close - open - 1);
      size_t dot = ref.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == ref.size()) {
        return error_at(doc_, node["path"], "a path names a parent's field as {resource.field}");
      }
      r.parent = ref.substr(0, dot);
      r.parent_field = ref.substr(dot + 1);
    }
    if (node["paginate"]) CSB_RETURN_IF_ERROR(paging(node["paginate"], r.paginate));
    if (const YAML::Node inc = node["incremental"]) {
      if (!inc.IsMap() || !inc["param"] || !inc["field"]) {
        return error_at(doc_, inc, "'incremental' is {param: <query parameter>, field: <the record's change time>}");
      }
      CSB_RETURN_IF_ERROR(keys(inc, {"param", "field"}, "incremental key"));
      CSB_ASSIGN_OR_RETURN(r.incremental_param, scalar(inc["param"], "incremental.param"));
      CSB_ASSIGN_OR_RETURN(r.incremental_field, scalar(inc["field"], "incremental.field"));
    }
    return r;
  }

  Status paging(const YAML::Node& node, ApiPaging& p) {
    if (node.IsScalar() && node.Scalar() == "link_header") {
      p.kind = ApiPaging::Kind::kLinkHeader;
      return Status::ok();
    }
    if (!node.IsMap()) {
      return error_at(doc_, node, "'paginate' is link_header, {cursor: /ptr, param: p}, {page: p, start: 1}, "
                                  "{offset: o, limit: l}, or {next_url: /ptr}");
    }
    CSB_RETURN_IF_ERROR(keys(node, kPagingKeys, "paginate key"));
    if (node["cursor"]) {
      p.kind = ApiPaging::Kind::kCursor;
      CSB_ASSIGN_OR_RETURN(p.pointer, scalar(node["cursor"], "paginate.cursor"));
      CSB_ASSIGN_OR_RETURN(p.param, scalar(node["param"], "paginate.param"));
    } else if (node["page"]) {
      p.kind = ApiPaging::Kind::kPage;
      CSB_ASSIGN_OR_RETURN(p.param, scalar(node["page"], "paginate.page"));
      if (node["start"]) {
        CSB_ASSIGN_OR_RETURN(p.start, integer(node["start"], "paginate.start", 0, 1));
      }
      if (node["limit"]) {
        CSB_ASSIGN_OR_RETURN(p.limit, integer(node["limit"], "paginate.limit", 1, 1000000));
      }
      if (node["max_pages"]) {
        CSB_ASSIGN_OR_RETURN(p.max_pages, integer(node["max_pages"], "paginate.max_pages", 1, 100000000));
      }
      if (node["after_param"]) {
        CSB_ASSIGN_OR_RETURN(p.after_param, scalar(node["after_param"], "paginate.after_param"));
        CSB_ASSIGN_OR_RETURN(p.after_field, scalar(node["after_field"], "paginate.after_field"));
      }
    } else if (node["offset"]) {
      p.kind = ApiPaging::Kind::kOffset;
      CSB_ASSIGN_OR_RETURN(p.param, scalar(node["offset"], "paginate.offset"));
      if (node["limit_param"]) {
        CSB_ASSIGN_OR_RETURN(p.limit_param, scalar(node["limit_param"], "paginate.limit_param"));
      }
      if (node["limit"]) {
        CSB_ASSIGN_OR_RETURN(p.limit, integer(node["limit"], "paginate.limit", 1, 1000000));
      }
    } else if (node["next_url"]) {
      p.kind = ApiPaging::Kind::kNextUrl;
      CSB_ASSIGN_OR_RETURN(p.pointer, scalar(node["next_url"], "paginate.next_url"));
    } else {
      return error_at(doc_, node, "'paginate' needs one of cursor, page, offset or next_url (or be link_header)");
    }
    return Status::ok();
  }

  const YamlDocument& doc_;
  const EnvLookup& env_;
};

}  // namespace

Result<std::shared_ptr<const connector::ApiSource>> load_api_source(const YamlDocument& doc, const YAML::Node& body,
                                                                   const std::string& name, const EnvLookup& env) {
  return ApiLoader(doc, env).load(body, name);
}

}  // namespace csbridge::config
