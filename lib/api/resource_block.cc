#include "api/resource_block.h"

#include <nlohmann/json.hpp>

#include <set>
#include <vector>

#include "util/strings.h"

namespace csbridge::api {
namespace {

using Json = nlohmann::ordered_json;

// The JSON pointer of the record list: "" for a body that is the list, else the first array
// member (data, items, … first), one level of nesting looked into. nullopt when there is none.
std::optional<std::string> records_pointer(const Json& body, const Json** list) {
  if (body.is_array()) {
    *list = &body;
    return "";
  }
  if (!body.is_object()) return std::nullopt;
  for (const char* key : {"data", "items", "records", "results", "list", "rows", "content"}) {
    if (body.contains(key) && body[key].is_array()) {
      *list = &body[key];
      return "/" + std::string(key);
    }
  }
  for (const auto& [k, v] : body.items()) {
    if (v.is_array()) {
      *list = &v;
      return "/" + k;
    }
  }
  for (const auto& [k, v] : body.items()) {
    if (!v.is_object()) continue;
    for (const auto& [k2, v2] : v.items()) {
      if (v2.is_array()) {
        *list = &v2;
        return "/" + k + "/" + k2;
      }
    }
  }
  return std::nullopt;
}

// The pointer of a member whose name is one of `names`, at the top or one level down (meta,
// pagination, links, …), holding a string or number; "" when none.
std::string member_pointer(const Json& body, std::initializer_list<const char*> names) {
  if (!body.is_object()) return "";
  auto find_in = [&](const Json& obj, const std::string& prefix) -> std::string {
    for (const char* n : names) {
      if (obj.contains(n) && (obj[n].is_string() || obj[n].is_number() || obj[n].is_null())) return prefix + "/" + n;
    }
    return "";
  };
  if (std::string p = find_in(body, ""); !p.empty()) return p;
  for (const auto& [k, v] : body.items()) {
    if (v.is_object()) {
      if (std::string p = find_in(v, "/" + k); !p.empty()) return p;
    }
  }
  return "";
}

// The record field that names a record: an id-like field present and distinct in every record.
std::string key_field(const Json& list, const std::string& resource) {
  std::string singular = resource.ends_with("s") ? resource.substr(0, resource.size() - 1) : resource;
  std::vector<std::string> candidates = {"id", singular + "_id", singular + "Id", "uuid", "key", "code", "number", "no"};
  if (!list.empty() && list[0].is_object()) {
    for (const auto& [k, v] : list[0].items()) {
      std::string lower = util::to_lower(k);
      if (lower.ends_with("_id") || lower.ends_with("id") || lower.ends_with("_no")) candidates.push_back(k);
    }
  }
  for (const std::string& name : candidates) {
    std::set<std::string> seen;
    bool ok = !list.empty();
    for (const auto& rec : list) {
      if (!rec.is_object() || !rec.contains(name) || !(rec[name].is_string() || rec[name].is_number_integer()) ||
          !seen.insert(rec[name].dump()).second) {
        ok = false;
        break;
      }
    }
    if (ok) return name;
  }
  return "";
}

std::string yaml_scalar(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) plain &= std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '/' || c == '.';
  if (plain && !std::isdigit(static_cast<unsigned char>(s[0]))) return s;
  return Json(s).dump();
}

bool is_size_name(const std::string& name) {
  std::string n = util::to_lower(name);
  for (const char* w : {"size", "limit", "per", "take", "count"}) {
    if (n.find(w) != std::string::npos) return true;
  }
  return false;
}

bool is_secret_name(const std::string& name) {
  std::string n = util::to_lower(name);
  for (const char* w : {"key", "token", "secret", "password", "passwd", "sign", "signature", "auth"}) {
    if (n.find(w) != std::string::npos) return true;
  }
  return false;
}

struct Url {
  std::string origin, path;
  std::vector<std::pair<std::string, std::string>> query;
};

Url split_url(const std::string& url) {
  Url u;
  std::string base = url.substr(0, url.find('#'));
  size_t q = base.find('?');
  std::string no_query = base.substr(0, q);
  size_t scheme = no_query.find("://");
  size_t slash = no_query.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  u.origin = slash == std::string::npos ? no_query : no_query.substr(0, slash);
  if (size_t at = u.origin.find('@'); at != std::string::npos && scheme != std::string::npos) {
    u.origin.erase(scheme + 3, at - scheme - 2);  // user:password@ never goes into the block
  }
  u.path = slash == std::string::npos ? "/" : no_query.substr(slash);
  if (q != std::string::npos) {
    for (std::string_view kv : util::split(std::string_view(base).substr(q + 1), '&')) {
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      u.query.emplace_back(std::string(kv.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1)));
    }
  }
  return u;
}

// The paginate: value, and the parameters it takes over from the probed URL.
std::string paginate_of(const Pagination& p, const Json& body, const FirstPage& page, const Url& url,
                        std::set<std::string>& taken, std::string& note) {
  auto param_value = [&](const std::string& name) -> std::string {
    for (const auto& [k, v] : url.query) {
      if (k == name) return v;
    }
    return "";
  };
  std::string position, size;
  for (const auto& name : p.parameters) {
    if (is_size_name(name)) size = size.empty() ? name : size;
    else position = position.empty() ? name : position;
  }
  if (!page.link_header.empty() && (p.style.empty() || p.style == "link_header")) return "link_header";
  if (p.style == "cursor" || (p.style.empty() && !member_pointer(body, {"next_cursor", "nextCursor"}).empty())) {
    std::string ptr = member_pointer(body, {"next_cursor", "nextCursor", "next_page_token", "nextPageToken", "cursor"});
    if (ptr.empty()) {
      note = "# the first page names no next cursor: set paginate.cursor to its JSON pointer\n";
      ptr = "/next_cursor";
    }
    if (position.empty()) position = "cursor";
    taken.insert(position);
    return "{cursor: " + yaml_scalar(ptr) + ", param: " + yaml_scalar(position) + "}";
  }
  if (std::string next = member_pointer(body, {"next", "next_url", "nextUrl", "next_page_url"});
      p.style.empty() && !next.empty()) {
    return "{next_url: " + yaml_scalar(next) + "}";
  }
  std::string limit = size.empty() ? "" : param_value(size);
  if (p.style == "page") {
    std::string start = param_value(position);
    taken.insert(position);
    std::string out = "{page: " + yaml_scalar(position) + ", start: " + (start == "0" ? "0" : "1");
    if (!limit.empty()) out += ", limit: " + limit;
    return out + "}";
  }
  if (p.style == "offset") {
    taken.insert(position);
    std::string out = "{offset: " + yaml_scalar(position);
    if (!size.empty() && !limit.empty()) {
      taken.insert(size);
      out += ", limit_param: " + yaml_scalar(size) + ", limit: " + limit;
    }
    return out + "}";
  }
  note = "# no pagination recognised: one request lists them all (set paginate: if the API pages)\n";
  return "";
}

}  // namespace

std::string resource_block(const FirstPage& page, const Pagination& pagination) {
  Json body = Json::parse(page.body, nullptr, false);
  if (body.is_discarded()) return "";
  const Json* list = nullptr;
  std::optional<std::string> records = records_pointer(body, &list);
  if (!records) return "";
  Url url = split_url(page.url);
  // The operation's path ("GET /orders" → /orders) is the resource; the rest of the URL the base.
  std::string path = pagination.operation.substr(pagination.operation.find(' ') + 1);
  if (pagination.operation.empty() || !url.path.ends_with(path)) {
    size_t last = url.path.find_last_of('/');
    path = last == std::string::npos ? url.path : url.path.substr(last);
  }
  std::string base = url.origin + url.path.substr(0, url.path.size() - path.size());
  std::string name;
  for (char c : path.substr(path.find_last_of('/') + 1)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "records";

  std::set<std::string> taken;
  std::string note;
  std::string paginate = paginate_of(pagination, body, page, url, taken, note);
  std::vector<std::string> params, secrets;
  for (const auto& [k, v] : url.query) {
    if (taken.count(k)) continue;
    if (is_secret_name(k)) secrets.push_back(k);
    else params.push_back(yaml_scalar(k) + ": " + yaml_scalar(v));
  }
  std::string key = key_field(*list, name);

  std::string out = "sources:\n  legacy_api:\n    api: " + yaml_scalar(base) + "\n";
  out += "    auth: {bearer: \"${LEGACY_API_TOKEN}\"}   # or basic / header / query, secrets through ${ENV}\n";
  for (const auto& s : secrets) {
    out += "    # the probed URL carries '" + s + "': put it under auth: {query: {" + s + ": \"${…}\"}}\n";
  }
  out += "    resources:\n      " + name + ":\n        path: " + yaml_scalar(path) + "\n";
  if (!records->empty()) out += "        records: " + yaml_scalar(*records) + "\n";
  if (!params.empty()) out += "        params: {" + util::join(params, ", ") + "}\n";
  if (!note.empty()) out += "        " + note;
  if (!paginate.empty()) out += "        paginate: " + paginate + "\n";
  if (!key.empty()) out += "        key: " + yaml_scalar(key) + "\n";
  else out += "        # key: the field that names a record (none of the first page's fields is distinct)\n";
  return out;
}

}  // namespace csbridge::api
