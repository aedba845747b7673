// The API backend of the connector contract (api_source.h): resources listed
// page by page through HttpClient, records flattened into rows.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <future>
#include <unordered_map>

#include "connector/api_source.h"
#include "connector/file_source.h"
#include "connector/http_client.h"
#include "connector/xml_connector.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

using Row = std::vector<std::pair<std::string, std::optional<std::string>>>;
constexpr size_t kPagesSampled = 1;          // pages describe() reads to find the columns
constexpr int kMalformedRetries = 2;         // a page that does not parse is asked for again this often
constexpr const char* kExtraColumn = "_extra";  // fields the first page did not have, as a JSON object

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// `url` with `params` added to its query.
std::string with_params(std::string url, const std::vector<std::pair<std::string, std::string>>& params) {
  for (const auto& [k, v] : params) {
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += percent_encode(k) + "=" + percent_encode(v);
  }
  return url;
}

// A next-page URL as the API wrote it, made absolute against the source's base URL.
std::string absolute(const std::string& base, const std::string& url) {
  if (url.starts_with("http://") || url.starts_with("https://")) return url;
  size_t scheme = base.find("://");
  size_t host_end = scheme == std::string::npos ? std::string::npos : base.find('/', scheme + 3);
  std::string origin = host_end == std::string::npos ? base : base.substr(0, host_end);
  if (url.starts_with("/")) return origin + url;
  return base + (base.ends_with("/") ? "" : "/") + url;
}

void flatten(const nlohmann::ordered_json& v, std::string& name, Row& out) {
  if (v.is_object() && !name.empty()) {
    size_t mark = name.size();
    for (const auto& [k, member] : v.items()) {
      name += "." + k;
      flatten(member, name, out);
      name.resize(mark);
    }
    return;
  }
  if (v.is_null()) out.emplace_back(name, std::nullopt);
  else if (v.is_string()) out.emplace_back(name, v.get<std::string>());
  else if (v.is_boolean()) out.emplace_back(name, v.get<bool>() ? "true" : "false");
  else out.emplace_back(name, v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

// The value at a JSON pointer as text ("" when absent or null).
std::string text_at(const nlohmann::ordered_json& doc, const std::string& pointer) {
  if (pointer.empty()) return "";
  try {
    const nlohmann::ordered_json& v = doc.at(nlohmann::ordered_json::json_pointer(pointer));
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    return "";
  } catch (const std::exception&) {
    return "";
  }
}

// One list of records: a resource, or the child list of one parent record.
class Listing {
 public:
  Listing(const ApiSource& source, const ApiResource& resource, HttpClient& http, std::string path)
      : source_(source), r_(resource), http_(http), path_(std::move(path)), page_(resource.paginate.start) {}

  // The next page's rows (false at the end of the list).
  Result<bool> next(std::vector<Row>& rows, std::vector<RejectedRecord>& rejects) {
    rows.clear();
    if (done_) return false;
    std::string url = url_now();
    std::optional<nlohmann::ordered_json> doc;
    HttpReply reply;
    std::string malformed;
    for (int attempt = 0; attempt <= kMalformedRetries; ++attempt) {
      CSB_ASSIGN_OR_RETURN(reply, http_.get(url));
      malformed.clear();
      auto parsed = parse(reply, url, rows, rejects, malformed);
      if (!parsed.is_ok()) return parsed.status();
      if (malformed.empty()) {
        doc = std::move(parsed).value();
        break;
      }
      rows.clear();
    }
    const ApiPaging& p = r_.paginate;
    if (!malformed.empty()) {
      // A page that never parses: with page numbers or offsets the next page is still known.
      rejects.push_back({source_.redact(url), malformed});
      if (p.kind == ApiPaging::Kind::kPage) {
        ++page_;
        return true;
      }
      if (p.kind == ApiPaging::Kind::kOffset && p.limit > 0) {
        offset_ += p.limit;
        return true;
      }
      return data_error("GET " + source_.redact(url) + ": " + malformed + "; the next page is not known");
    }
    ++pages_;
    CSB_RETURN_IF_ERROR(advance(*doc, reply, rows));
    return true;
  }

  int64_t pages() const { return pages_; }

  // Starts past up to `rows` records without fetching them, where the paging allows (page numbers
  // or offsets with a known page size, no page cap); the records skipped.
  int64_t skip(int64_t rows) {
    const ApiPaging& p = r_.paginate;
    if (rows <= 0 || p.limit <= 0 || p.max_pages > 0) return 0;
    int64_t pages = rows / p.limit;
    if (p.kind == ApiPaging::Kind::kPage) page_ += pages;
    else if (p.kind == ApiPaging::Kind::kOffset) offset_ += pages * p.limit;
    else return 0;
    return pages * p.limit;
  }

 private:
  std::string url_now() const {
    std::vector<std::pair<std::string, std::string>> params = r_.params;
    const ApiPaging& p = r_.paginate;
    if (!next_url_.empty()) return with_params(absolute(source_.base_url, next_url_), source_.query);
    switch (p.kind) {
      case ApiPaging::Kind::kCursor:
        if (!cursor_.empty()) params.emplace_back(p.param, cursor_);
        break;
      case ApiPaging::Kind::kPage:
        params.emplace_back(p.param, std::to_string(page_));
        break;
      case ApiPaging::Kind::kOffset:
        params.emplace_back(p.param, std::to_string(offset_));
        if (!p.limit_param.empty() && p.limit > 0) params.emplace_back(p.limit_param, std::to_string(p.limit));
        break;
      default:
        break;
    }
    if (!after_.empty()) params.emplace_back(p.after_param, after_);
    params.insert(params.end(), source_.query.begin(), source_.query.end());
    std::string base = source_.base_url;
    while (base.ends_with("/")) base.pop_back();
    return with_params(base + (path_.starts_with("/") ? "" : "/") + path_, params);
  }

  // The page's records into `rows`; a document returned for paging, or `malformed` set.
  Result<nlohmann::ordered_json> parse(const HttpReply& reply, const std::string& url, std::vector<Row>& rows,
                               std::vector<RejectedRecord>& rejects, std::string& malformed) {
    std::string body = reply.body;
    std::string type = util::to_lower(reply.header("content-type"));
    std::optional<util::Encoding> encoding = source_.encoding;
    if (!encoding) {
      for (const char* cs : {"gb18030", "gbk", "gb2312", "big5"}) {
        if (type.find(std::string("charset=") + cs) != std::string::npos) encoding = util::parse_encoding(cs).value();
      }
    }
    const std::string shown = source_.redact(url);
    bool xml = type.find("xml") != std::string::npos ||
               (type.find("json") == std::string::npos && !body.empty() && util::trim(body).starts_with("<"));
    if (xml) {
      auto records = xml_records(std::move(body), shown, r_.records, encoding);
      if (!records.is_ok()) {
        malformed = records.status().message();
        return nlohmann::ordered_json();
      }
      Record record;
      while (true) {
        CSB_ASSIGN_OR_RETURN(bool more, (*records)->next(record, rejects));
        if (!more) break;
        Row row;
        for (size_t i = 0; i < record.size(); ++i) {
          const Field& f = record[i];
          row.emplace_back(f.name, f.is_null ? std::nullopt : std::optional<std::string>(f.value));
        }
        rows.push_back(std::move(row));
      }
      return nlohmann::ordered_json::object();  // XML pages carry no JSON paging fields
    }
    if (encoding && *encoding != util::Encoding::kUtf8) {
      auto text = util::to_utf8(body, *encoding);
      if (!text.is_ok()) {
        malformed = "the body does not decode as " + std::string(util::encoding_name(*encoding)) + ": " +
                    text.status().message();
        return nlohmann::ordered_json();
      }
      body = std::move(text).value();
    } else if (size_t bad = util::find_invalid_utf8(body); bad != std::string::npos) {
      malformed = "invalid UTF-8 at byte " + std::to_string(bad);
      return nlohmann::ordered_json();
    }
    nlohmann::ordered_json doc = nlohmann::ordered_json::parse(body, nullptr, false);
    if (doc.is_discarded()) {
      malformed = "not JSON (" + std::to_string(body.size()) + " bytes)";
      return nlohmann::ordered_json();
    }
    const nlohmann::ordered_json* list = &doc;
    if (!r_.records.empty()) {
      try {
        list = &doc.at(nlohmann::ordered_json::json_pointer(r_.records));
      } catch (const std::exception&) {
        list = nullptr;  // no records member: an empty page
      }
    }
    if (list && !list->is_null() && !list->is_array()) {
      malformed = "'" + (r_.records.empty() ? std::string("the body") : r_.records) + "' is not an array of records";
      return nlohmann::ordered_json();
    }
    if (list && list->is_array()) {
      size_t i = 0;
      for (const auto& rec : *list) {
        if (!rec.is_object()) {
          rejects.push_back({shown + " record " + std::to_string(i), "a record that is not a JSON object"});
        } else {
          Row row;
          std::string name;
          for (const auto& [k, v] : rec.items()) {
            name = k;
            flatten(v, name, row);
          }
          rows.push_back(std::move(row));
        }
        ++i;
      }
    }
    return doc;
  }

  // Where the next page is, from this one.
  Status advance(const nlohmann::ordered_json& doc, const HttpReply& reply, const std::vector<Row>& rows) {
    const ApiPaging& p = r_.paginate;
    next_url_.clear();
    switch (p.kind) {
      case ApiPaging::Kind::kNone:
        done_ = true;
        break;
      case ApiPaging::Kind::kCursor:
        cursor_ = text_at(doc, p.pointer);
        done_ = cursor_.empty();
        break;
      case ApiPaging::Kind::kNextUrl:
        next_url_ = text_at(doc, p.pointer);
        done_ = next_url_.empty();
        break;
      case ApiPaging::Kind::kLinkHeader:
        next_url_ = link_next(reply.header("link"));
        done_ = next_url_.empty();
        break;
      case ApiPaging::Kind::kOffset:
        offset_ += static_cast<int64_t>(rows.size());
        done_ = rows.empty() || (p.limit > 0 && static_cast<int64_t>(rows.size()) < p.limit);
        break;
      case ApiPaging::Kind::kPage: {
        done_ = rows.empty() || (p.limit > 0 && static_cast<int64_t>(rows.size()) < p.limit);
        if (done_) break;
        ++page_;
        if (p.max_pages > 0 && page_ - p.start >= p.max_pages) {
          if (p.after_param.empty()) {
            return data_error("resource " + r_.name + ": the API serves at most " + std::to_string(p.max_pages) +
                              " pages and page " + std::to_string(page_ - 1) +
                              " was full; set paginate.after_param (and after_field) to read on past the cap");
          }
          // Start the listing again after the last record read (a listing sorted by after_field).
          std::string after;
          for (const auto& [k, v] : rows.back()) {
            if (k == p.after_field && v) after = *v;
          }
          if (after.empty()) return data_error("resource " + r_.name + ": the last record has no '" + p.after_field + "'");
          after_ = after;
          page_ = p.start;
        }
        break;
      }
    }
    return Status::ok();
  }

  const ApiSource& source_;
  const ApiResource& r_;
  HttpClient& http_;
  std::string path_;
  int64_t page_ = 1, offset_ = 0, pages_ = 0;
  std::string cursor_, next_url_, after_;
  bool done_ = false;
};

// The path of a fan-out child list for one parent value.
std::string child_path(const ApiResource& r, const std::string& value) {
  std::string token = "{" + r.parent + "." + r.parent_field + "}";
  std::string path = r.path;
  size_t at = path.find(token);
  if (at != std::string::npos) path.replace(at, token.size(), percent_encode(value));
  return path;
}

// All records of one resource, in the API's order, as rows.
class RowSource {
 public:
  RowSource(const ApiSource& source, const ApiResource& r, HttpClient& http) : source_(source), r_(r), http_(http) {
    if (r.parent.empty()) listing_.emplace(source, r, http, r.path);
  }

  int64_t skip(int64_t rows) { return listing_ ? listing_->skip(rows) : 0; }

  // The next rows (a page, or the child lists of up to `concurrency` parents); false at the end.
  Result<bool> next(std::deque<Row>& out, std::vector<RejectedRecord>& rejects) {
    if (listing_) {
      std::vector<Row> rows;
      CSB_ASSIGN_OR_RETURN(bool more, listing_->next(rows, rejects));
      for (auto& r : rows) out.push_back(std::move(r));
      return more;
    }
    return next_children(out, rejects);
  }

 private:
  Result<bool> next_children(std::deque<Row>& out, std::vector<RejectedRecord>& rejects) {
    if (!parents_) {
      const ApiResource* parent = source_.resource(r_.parent);
      if (!parent) return invalid_argument("resource " + r_.name + ": no resource '" + r_.parent + "' to fan out from");
      parents_ = std::make_unique<RowSource>(source_, *parent, http_);
    }
    // The parents' values of the next window.
    std::vector<std::string> values;
    const size_t window = static_cast<size_t>(std::max(1, r_.concurrency));
    while (values.size() < window) {
      if (parent_rows_.empty()) {
        if (parents_done_) break;
        CSB_ASSIGN_OR_RETURN(bool more, parents_->next(parent_rows_, rejects));
        parents_done_ = !more;
        continue;
      }
      Row row = std::move(parent_rows_.front());
      parent_rows_.pop_front();
      for (const auto& [k, v] : row) {
        if (k == r_.parent_field && v) values.push_back(*v);
      }
    }
    if (values.empty()) return false;
    struct Child {
      std::vector<Row> rows;
      std::vector<RejectedRecord> rejects;
      Status status;
    };
    std::vector<std::future<Child>> tasks;
    for (const std::string& v : values) {
      tasks.push_back(std::async(std::launch::async, [this, v] {
        Child c;
        Listing listing(source_, r_, http_, child_path(r_, v));
        std::vector<Row> page;
        while (true) {
          auto more = listing.next(page, c.rejects);
          if (!more.is_ok()) {
            c.status = more.status();
            break;
          }
          for (auto& row : page) {
            row.emplace_back(r_.parent + "." + r_.parent_field, v);
            c.rows.push_back(std::move(row));
          }
          if (!*more) break;
        }
        return c;
      }));
    }
    Status failed;
    for (auto& t : tasks) {
      Child c = t.get();
      if (!c.status.is_ok() && failed.is_ok()) failed = c.status;
      for (auto& r : c.rows) out.push_back(std::move(r));
      for (auto& r : c.rejects) rejects.push_back(std::move(r));
    }
    if (!failed.is_ok()) return failed;
    return true;
  }

  const ApiSource& source_;
  const ApiResource& r_;
  HttpClient& http_;
  std::optional<Listing> listing_;
  std::unique_ptr<RowSource> parents_;
  std::deque<Row> parent_rows_;
  bool parents_done_ = false;
};

class ApiReader final : public RowReader {
 public:
  ApiReader(const ApiSource& source, const ApiResource& r, HttpClient& http, size_t batch_rows, int64_t limit,
            int64_t skip_rows = 0)
      : rows_(source, r, http), batch_rows_(std::max<size_t>(1, batch_rows)), limit_(limit) {
    // Without a limit on rows: skipped rows would count against it.
    if (limit < 0) skipped_ = rows_.skip(skip_rows);
  }

  int64_t skipped() const override { return skipped_; }

  // Columns: those asked for, else the fields of the first page's records (and _extra for any
  // field a later record has that the first page did not).
  Status start(const std::vector<std::string>& asked) {
    if (!asked.empty()) {
      for (const auto& name : asked) add_column(name);
      return Status::ok();
    }
    while (!ended_ && pending_.empty()) CSB_RETURN_IF_ERROR(fill());
    for (const Row& row : pending_) {
      for (const auto& [k, v] : row) {
        if (!index_.count(k)) add_column(k);
      }
    }
    extra_ = columns_.size();
    columns_.push_back({kExtraColumn, "json", ValueType::kJson, true});
    return Status::ok();
  }

  const std::vector<ColumnInfo>& columns() const override { return columns_; }

  Result<bool> next(Batch& out) override {
    out.reset(columns_.size());
    while (out.rows() < batch_rows_) {
      if (limit_ >= 0 && emitted_ >= limit_) break;
      if (pending_.empty()) {
        if (ended_) break;
        CSB_RETURN_IF_ERROR(fill());
        continue;
      }
      append(pending_.front(), out);
      pending_.pop_front();
      ++emitted_;
    }
    return !out.empty() || !rejects_.empty();
  }

 private:
  Status fill() {
    CSB_ASSIGN_OR_RETURN(bool more, rows_.next(pending_, rejects_));
    ended_ = !more;
    return Status::ok();
  }

  void add_column(const std::string& name) {
    index_[name] = columns_.size();
    columns_.push_back({name, "text", ValueType::kText, true});
  }

  void append(const Row& row, Batch& out) {
    cells_.assign(columns_.size(), std::nullopt);
    nlohmann::ordered_json extra;
    for (const auto& [k, v] : row) {
      auto it = index_.find(k);
      if (it != index_.end()) {
        cells_[it->second] = v;
      } else if (extra_ != SIZE_MAX) {
        if (v) extra[k] = *v;
        else extra[k] = nullptr;
      }
    }
    if (extra_ != SIZE_MAX && !extra.is_null()) {
      cells_[extra_] = extra.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
    for (const auto& c : cells_) {
      if (c) out.append(*c);
      else out.append_null();
    }
  }

  RowSource rows_;
  int64_t skipped_ = 0;
  size_t batch_rows_;
  int64_t limit_;
  int64_t emitted_ = 0;
  std::deque<Row> pending_;
  bool ended_ = false;
  std::vector<ColumnInfo> columns_;
  std::unordered_map<std::string, size_t> index_;
  size_t extra_ = SIZE_MAX;
  std::vector<std::optional<std::string>> cells_;
};

class ApiConnector final : public Connector {
 public:
  explicit ApiConnector(std::shared_ptr<const ApiSource> source) : source_(std::move(source)), http_(*source_) {}

  std::string backend() const override { return "api"; }

  Result<SourceInfo> info() override { return SourceInfo{"API", "", source_->base_url}; }

  Result<std::vector<TableRef>> list_tables() override {
    std::vector<TableRef> out;
    for (const auto& r : source_->resources) out.push_back({"", r.name});
    return out;
  }

  Result<TableInfo> describe(const TableRef& table) override {
    CSB_ASSIGN_OR_RETURN(const ApiResource* r, resource(table));
    ApiReader reader(*source_, *r, http_, 1000, -1);
    CSB_RETURN_IF_ERROR(reader.start({}));
    TableInfo info;
    info.ref = {"", r->name};
    info.columns = reader.columns();
    if (!r->key.empty()) info.primary_key = {r->key};
    (void)kPagesSampled;
    return info;
  }

  Result<RowCount> count(const TableRef& table, bool /*estimate*/) override {
    CSB_ASSIGN_OR_RETURN(const ApiResource* r, resource(table));
    return not_supported("resource " + r->name + " of API source " + source_->name +
                         ": an API does not count its records without listing them all");
  }

  Result<std::unique_ptr<RowReader>> read(const ReadRequest& request) override {
    if (!request.query.empty()) return not_supported("an API source runs no SQL queries");
    CSB_ASSIGN_OR_RETURN(const ApiResource* r, resource(request.table));
    if (!util::trim(request.where).empty()) {
      return not_supported("resource " + r->name + ": an API source cannot filter rows with SQL (where)");
    }
    // The API's order is the order: asked to order by the resource's key, it is taken as the key's.
    if (!request.order_by.empty() && !(request.order_by.size() == 1 && request.order_by[0] == r->key)) {
      return not_supported("resource " + r->name + ": an API source is read in the API's order, by its key '" +
                           r->key + "' only");
    }
    auto reader = std::make_unique<ApiReader>(*source_, *r, http_, request.batch_rows, request.limit,
                                              request.skip_rows);
    CSB_RETURN_IF_ERROR(reader->start(request.columns));
    return std::unique_ptr<RowReader>(std::move(reader));
  }

 private:
  Result<const ApiResource*> resource(const TableRef& table) {
    const ApiResource* r = source_->resource(table.name);
    if (r) return r;
    std::vector<std::string> names;
    for (const auto& x : source_->resources) names.push_back(x.name);
    std::string match = util::closest_match(table.name, names);
    return not_found("API source " + source_->name + " has no resource '" + table.name + "'" +
                     (match.empty() ? "; resources: " + util::join(names, ", ") : ", did you mean '" + match + "'?"));
  }

  std::shared_ptr<const ApiSource> source_;
  HttpClient http_;
};

}  // namespace

const ApiResource* ApiSource::resource(std::string_view name) const {
  for (const auto& r : resources) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string ApiSource::redact(std::string_view url) const {
  std::string out(url);
  for (const auto& [k, v] : query) {
    if (v.empty()) continue;
    out = util::replace_all(out, percent_encode(k) + "=" + percent_encode(v), percent_encode(k) + "=***");
  }
  return out;
}

Result<std::unique_ptr<Connector>> open_api(std::shared_ptr<const ApiSource> source) {
  if (!source->base_url.starts_with("http://") && !source->base_url.starts_with("https://")) {
    return invalid_argument("API source " + source->name + ": the base URL must be http:// or https://");
  }
  return std::unique_ptr<Connector>(std::make_unique<ApiConnector>(std::move(source)));
}

}  // namespace csbridge::connector
