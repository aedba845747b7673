// The API backend of the connector contract (api_source.h): resources listed
// page by page through HttpClient, records flattened into rows.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "connector/api_page.h"
#include "connector/api_source.h"
#include "connector/file_source.h"
#include "connector/http_client.h"
#include "connector/xml_connector.h"
#include "util/strings.h"

namespace csbridge::connector {
namespace {

// Where a run of records came from, for RowReader::position(): a page of a listing (`start` the
// listing's state before it, `next` after it) or the children of one fan-out parent (`start` the
// parent's position before that parent, `next` after it). Positions are JSON text:
// {"page": <listing state>, "skip": n} or {"parent": <parent position>, "skip": n} — start there
// and drop the first n records.
struct Span {
  const char* key = "page";
  std::string start, next;
  size_t count = 0;
};

// A record (row `row` of its page's records) with its place, so the reader can say where it
// stands after handing it out.
struct Item {
  std::shared_ptr<const ApiRows> rows;
  size_t row = 0;
  std::shared_ptr<const Span> span;
  size_t index = 0;
};

std::string position_of(const char* key, const std::string& state, size_t skip) {
  return std::string("{\"") + key + "\":" + state + ",\"skip\":" + std::to_string(skip) + "}";
}

// The position after `item` is handed out.
std::string position_after(const Item& item) {
  const Span& s = *item.span;
  if (item.index + 1 < s.count) return position_of(s.key, s.start, item.index + 1);
  return position_of(s.key, s.next, 0);
}
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

// `url` without the query parameters named in `params` (the source's own, such as a key: they are
// added to every request, so a next URL that echoes them keeps none, and no position holds them).
std::string without_params(const std::string& url, const std::vector<std::pair<std::string, std::string>>& params) {
  size_t q = url.find('?');
  if (q == std::string::npos || params.empty()) return url;
  std::vector<std::string> kept;
  for (std::string_view kv : util::split(std::string_view(url).substr(q + 1), '&')) {
    std::string_view name = kv.substr(0, kv.find('='));
    bool own = false;
    for (const auto& [k, v] : params) own |= name == k || name == percent_encode(k);
    if (!own && !kv.empty()) kept.emplace_back(kv);
  }
  return url.substr(0, q) + (kept.empty() ? "" : "?" + util::join(kept, "&"));
}

// A next-page URL as the API wrote it, made absolute against the source's base URL.
// The scheme, host and port of an absolute URL ("https://h:8443" of "https://h:8443/a?b").
std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  size_t host_end = scheme == std::string::npos ? std::string::npos : url.find_first_of("/?#", scheme + 3);
  return host_end == std::string::npos ? url : url.substr(0, host_end);
}

std::string absolute(const std::string& base, const std::string& url) {
  if (url.starts_with("http://") || url.starts_with("https://")) return url;
  if (url.starts_with("/")) return origin_of(base) + url;
  return base + (base.ends_with("/") ? "" : "/") + url;
}

// A guess at the value the JSON pointer `pointer` has in `body`, made without reading the page:
// the last member named as the pointer's last token, when its value is a string without escapes,
// a plain integer (the text a full read gives for either), or null (""). nullopt when there is no
// such member or its value is of another form. Only a guess: a member of that name in a record
// may be the one found; the caller checks it against the page read.
std::optional<std::string> quick_value(std::string_view body, std::string_view pointer) {
  size_t slash = pointer.rfind('/');
  if (slash == std::string_view::npos || pointer.find('~') != std::string_view::npos) return std::nullopt;
  std::string key = "\"" + std::string(pointer.substr(slash + 1)) + "\"";
  size_t at = body.rfind(key);
  if (at == std::string_view::npos) return std::nullopt;
  size_t i = at + key.size();
  auto skip_ws = [&] {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) ++i;
  };
  skip_ws();
  if (i >= body.size() || body[i] != ':') return std::nullopt;
  ++i;
  skip_ws();
  if (i >= body.size()) return std::nullopt;
  if (body[i] == '"') {
    size_t end = body.find_first_of("\"\\", i + 1);
    if (end == std::string_view::npos || body[end] != '"') return std::nullopt;
    return std::string(body.substr(i + 1, end - i - 1));
  }
  if (body.substr(i).starts_with("null")) return std::string();
  size_t end = i;
  while (end < body.size() && body[end] >= '0' && body[end] <= '9') ++end;
  if (end == i || end - i > 18 || (body[i] == '0' && end - i > 1)) return std::nullopt;
  if (end < body.size() && (body[end] == '.' || body[end] == 'e' || body[end] == 'E')) return std::nullopt;
  return std::string(body.substr(i, end - i));
}

// The pages of one listing fetched on a thread of their own, each next page asked for as soon as
// the page before has arrived, from a guess at where it is (Listing::guess_next()): the caller
// parses a page while the next one is on its way, and neither thread waits for the other page by
// page (on a near server, connecting and receiving cost as much as reading the page; a thread
// woken for each page would cost more than it saves).
//
// A page is taken by its URL. When the caller's next URL is not the one guessed, the pages fetched
// past it are dropped and fetching starts again there. The thread runs ahead by one page until
// a guess has proved right, then by up to kDepth: a wrong guess costs the API one request.
class PageFetcher {
 public:
  using Guess = std::function<std::optional<std::string>(const HttpReply&)>;
  PageFetcher(HttpClient& http, Guess guess) : http_(http), guess_(std::move(guess)) {}
  ~PageFetcher() { stop(); }
  PageFetcher(const PageFetcher&) = delete;
  PageFetcher& operator=(const PageFetcher&) = delete;

  // The reply for `url`: the one fetched ahead when it is that page, else fetched from now on.
  Result<HttpReply> take(const std::string& url) {
    std::unique_lock<std::mutex> lock(mutex_);
    bool coming = queue_.empty() ? running_ && next_url_ == url : queue_.front().url == url;
    if (!coming) {
      lock.unlock();
      restart(url);
      lock.lock();
    } else if (guessed_) {
      depth_ = kDepth;  // the page the thread went on to is the one wanted
    }
    waiting_ = true;
    ready_.wait(lock, [this] { return !queue_.empty(); });
    waiting_ = false;
    Page page = std::move(queue_.front());
    queue_.pop_front();
    guessed_ = true;  // the pages after the first of a run are guesses
    lock.unlock();
    room_.notify_one();
    return std::move(page.reply);
  }

  // Stops fetching (a request under way is ended) and drops what was fetched.
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cancel_ = true;
    room_.notify_all();
    thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = running_ = guessed_ = false;
    cancel_ = false;
    depth_ = 1;
    queue_.clear();
  }

 private:
  static constexpr size_t kDepth = 8;
  struct Page {
    std::string url;
    Result<HttpReply> reply;
  };

  void restart(const std::string& url) {
    stop();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = true;
      next_url_ = url;
    }
    thread_ = std::thread([this, url] { run(url); });
  }

  void run(std::string url) {
    for (;;) {
      Result<HttpReply> reply = http_.get(url, &cancel_);
      std::optional<std::string> next;
      if (reply.is_ok()) next = guess_(*reply);
      std::unique_lock<std::mutex> lock(mutex_);
      if (stop_) return;
      queue_.push_back({std::move(url), std::move(reply)});
      bool wake = waiting_;
      running_ = next.has_value();
      if (next) next_url_ = *next;
      lock.unlock();
      if (wake) ready_.notify_one();
      if (!next) return;
      url = std::move(*next);
      lock.lock();
      room_.wait(lock, [this] { return stop_ || queue_.size() < depth_; });
      if (stop_) return;
    }
  }

  HttpClient& http_;
  Guess guess_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Page> queue_;
  std::string next_url_;  // the page the thread fetches next, while running_
  bool running_ = false, stop_ = false, waiting_ = false;
  bool guessed_ = false;  // the thread has gone on past a page taken: on guesses
  size_t depth_ = 1;      // pages fetched ahead of the one taken last
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

// One list of records: a resource, or the child list of one parent record.
class Listing {
 public:
  Listing(const ApiSource& source, const ApiResource& resource, HttpClient& http, std::string path)
      : source_(source), r_(resource), http_(http), path_(std::move(path)), page_(resource.paginate.start) {}

  // Ask for the next page before this one is read (a listing read to its end: not for a sample
  // of its first page, not for a limit on rows): the server prepares it meanwhile. A listing whose
  // next page a reply names (cursor, next URL, Link header) is fetched by a PageFetcher; one of
  // page numbers or offsets has its next page started once a page is read (HttpClient::start()).
  void read_ahead() {
    read_ahead_ = true;
    const ApiPaging::Kind kind = r_.paginate.kind;
    if (kind == ApiPaging::Kind::kCursor || kind == ApiPaging::Kind::kNextUrl || kind == ApiPaging::Kind::kLinkHeader) {
      fetcher_ = std::make_unique<PageFetcher>(http_, [this](const HttpReply& reply) { return guess_next(reply); });
    }
  }

  // The next page's rows (false at the end of the list).
  Result<bool> next(ApiRows& rows, std::vector<RejectedRecord>& rejects) {
    rows = ApiRows();
    if (done_) return false;
    std::string url = url_now();
    std::vector<std::string> values;
    HttpReply reply;
    std::string malformed;
    HttpClient::Pending asked = take_ahead(url);
    for (int attempt = 0; attempt <= kMalformedRetries; ++attempt) {
      if (attempt == 0 && fetcher_) {
        CSB_ASSIGN_OR_RETURN(reply, fetcher_->take(url));
      } else if (attempt == 0 && asked) {
        CSB_ASSIGN_OR_RETURN(reply, http_.finish(std::move(asked)));
      } else {
        CSB_ASSIGN_OR_RETURN(reply, http_.get(url));
      }
      malformed.clear();
      CSB_RETURN_IF_ERROR(parse(reply, url, rows, rejects, malformed, values));
      if (malformed.empty()) break;
      rows = ApiRows();
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
    CSB_RETURN_IF_ERROR(advance(values.empty() ? std::string() : values.front(), reply, rows));
    if (read_ahead_ && !fetcher_ && !done_ && !(ahead_ && ahead_url_ == url_now())) {
      ahead_url_ = url_now();  // the page after, known now: asked for while the caller takes these rows
      ahead_ = http_.start(ahead_url_);
    } else if (done_) {
      ahead_.reset();
      if (fetcher_) fetcher_->stop();
    }
    return true;
  }

  int64_t pages() const { return pages_; }

  // The listing's state before its next page (JSON), and back (false when `state` is not one of
  // this listing's paging kind: the caller starts over).
  std::string state() const {
    nlohmann::ordered_json j;
    j["kind"] = static_cast<int>(r_.paginate.kind);
    if (done_) j["done"] = true;
    if (!next_url_.empty()) j["next"] = next_url_;
    if (!cursor_.empty()) j["cursor"] = cursor_;
    if (!after_.empty()) j["after"] = after_;
    if (r_.paginate.kind == ApiPaging::Kind::kPage) j["page"] = page_;
    if (r_.paginate.kind == ApiPaging::Kind::kOffset) j["offset"] = offset_;
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
  bool restore(const nlohmann::json& j) {
    ahead_.reset();
    if (fetcher_) fetcher_->stop();
    if (!j.is_object() || j.value("kind", -1) != static_cast<int>(r_.paginate.kind)) return false;
    try {
      done_ = j.value("done", false);
      next_url_ = j.value("next", "");
      cursor_ = j.value("cursor", "");
      after_ = j.value("after", "");
      page_ = j.value("page", r_.paginate.start);
      offset_ = j.value("offset", int64_t{0});
    } catch (const nlohmann::json::exception&) {
      return false;
    }
    return true;
  }

 private:
  std::string url_now() const { return url_with(cursor_, next_url_); }

  // The URL of the page at `cursor` or `next_url` (the listing's own for the rest of its state).
  std::string url_with(const std::string& cursor, const std::string& next_url) const {
    std::vector<std::pair<std::string, std::string>> params = r_.params;
    const ApiPaging& p = r_.paginate;
    if (!next_url.empty()) return with_params(absolute(source_.base_url, next_url), source_.query);
    switch (p.kind) {
      case ApiPaging::Kind::kCursor:
        if (!cursor.empty()) params.emplace_back(p.param, cursor);
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

  // The request asked ahead for `url`, if that is the one; one asked for another page is dropped.
  HttpClient::Pending take_ahead(const std::string& url) {
    HttpClient::Pending asked = std::move(ahead_);
    if (asked && ahead_url_ != url) asked.reset();
    return asked;
  }

  // Where the page after `reply` is, from what the reply says before its records are read: the
  // Link header's next URL, or for a cursor or next URL in the body a guess at it (quick_value()),
  // checked once the page is read (the URL next() asks the fetcher for then is the page's own).
  // Reads only the listing's settings and after_, which these paging kinds never change: the page
  // fetcher calls it on its thread.
  std::optional<std::string> guess_next(const HttpReply& reply) const {
    const ApiPaging& p = r_.paginate;
    std::optional<std::string> next;
    if (p.kind == ApiPaging::Kind::kLinkHeader) {
      std::string link = without_params(link_next(reply.header("link")), source_.query);
      if (!link.empty()) next = url_with("", link);
    } else if (p.kind == ApiPaging::Kind::kCursor || p.kind == ApiPaging::Kind::kNextUrl) {
      std::optional<std::string> v = quick_value(reply.body, p.pointer);
      if (v && !v->empty()) {
        next = p.kind == ApiPaging::Kind::kCursor ? url_with(*v, "") : url_with("", without_params(*v, source_.query));
        // A guess may be a record's own value: the source's credentials go with a guessed URL
        // only to the source's own server.
        if (util::to_lower(origin_of(*next)) != util::to_lower(origin_of(source_.base_url))) next.reset();
      }
    }
    return next;
  }

  // The page's records into `rows` and the value of the paging pointer into `values` (none for
  // XML), or `malformed` set.
  Status parse(const HttpReply& reply, const std::string& url, ApiRows& rows,
               std::vector<RejectedRecord>& rejects, std::string& malformed, std::vector<std::string>& values) {
    values.clear();
    std::string_view body = reply.body;
    std::string decoded;  // the body as UTF-8, when the API declares another encoding
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
      auto records = xml_records(std::string(body), shown, r_.records, encoding);
      if (!records.is_ok()) {
        malformed = records.status().message();
        return Status::ok();
      }
      Record record;
      while (true) {
        CSB_ASSIGN_OR_RETURN(bool more, (*records)->next(record, rejects));
        if (!more) break;
        rows.start_row();
        for (size_t i = 0; i < record.size(); ++i) {
          const Field& f = record[i];
          if (f.is_null) rows.add_null(f.name);
          else rows.add(f.name, f.value);
        }
      }
      return Status::ok();  // XML pages carry no JSON paging fields
    }
    if (encoding && *encoding != util::Encoding::kUtf8) {
      auto text = util::to_utf8(body, *encoding);
      if (!text.is_ok()) {
        malformed = "the body does not decode as " + std::string(util::encoding_name(*encoding)) + ": " +
                    text.status().message();
        return Status::ok();
      }
      decoded = std::move(text).value();
      body = decoded;
    } else if (size_t bad = util::find_invalid_utf8(body); bad != std::string::npos) {
      malformed = "invalid UTF-8 at byte " + std::to_string(bad);
      return Status::ok();
    }
    const ApiPaging& p = r_.paginate;
    std::vector<std::string> pointers;
    if (p.kind == ApiPaging::Kind::kCursor || p.kind == ApiPaging::Kind::kNextUrl) pointers.push_back(p.pointer);
    ApiPage page;
    malformed = read_api_page(body, r_.records, pointers, page);
    if (!malformed.empty()) return Status::ok();
    for (size_t i : page.not_objects) {
      rejects.push_back({shown + " record " + std::to_string(i), "a record that is not a JSON object"});
    }
    rows = std::move(page.rows);  // rows is empty here: a JSON page is read whole
    values = std::move(page.values);
    return Status::ok();
  }

  // Where the next page is, from this one.
  Status advance(const std::string& value, const HttpReply& reply, const ApiRows& rows) {
    const ApiPaging& p = r_.paginate;
    next_url_.clear();
    switch (p.kind) {
      case ApiPaging::Kind::kNone:
        done_ = true;
        break;
      case ApiPaging::Kind::kCursor:
        cursor_ = value;
        done_ = cursor_.empty();
        break;
      case ApiPaging::Kind::kNextUrl:
        next_url_ = without_params(value, source_.query);
        done_ = next_url_.empty();
        break;
      case ApiPaging::Kind::kLinkHeader:
        next_url_ = without_params(link_next(reply.header("link")), source_.query);
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
          std::string after(rows.find(rows.size() - 1, p.after_field).value_or(""));
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
  bool read_ahead_ = false;
  HttpClient::Pending ahead_;  // the request for the page after, started before it is needed
  std::string ahead_url_;
  std::unique_ptr<PageFetcher> fetcher_;
};

// The path of a fan-out child list for one parent value.
std::string child_path(const ApiResource& r, const std::string& value) {
  std::string token = "{" + r.parent + "." + r.parent_field + "}";
  std::string path = r.path;
  size_t at = path.find(token);
  if (at != std::string::npos) path.replace(at, token.size(), percent_encode(value));
  return path;
}

// All records of one resource, in the API's order, as items.
class RowSource {
 public:
  RowSource(const ApiSource& source, const ApiResource& r, HttpClient& http) : source_(source), r_(r), http_(http) {
    if (r.parent.empty()) listing_.emplace(source, r, http, r.path);
  }

  // Starts at a position an earlier reader gave (position_after); false when it is not one of
  // this resource's (the paging changed): the caller starts over.
  bool restore(const std::string& position) {
    nlohmann::json j = nlohmann::json::parse(position, nullptr, false);
    if (!j.is_object() || !j.contains("skip") || !j["skip"].is_number_unsigned()) return false;
    skip_first_ = j["skip"].get<size_t>();
    if (listing_) return j.contains("page") && listing_->restore(j["page"]);
    if (!j.contains("parent") || !j["parent"].is_object()) return false;
    const ApiResource* parent = source_.resource(r_.parent);
    if (!parent) return false;
    parents_ = std::make_unique<RowSource>(source_, *parent, http_);
    parent_position_ = j["parent"].dump();
    return parents_->restore(parent_position_);
  }

  // A listing of its own (not fan-out) asks for each next page ahead (Listing::read_ahead()).
  void read_ahead() {
    if (listing_) listing_->read_ahead();
  }

  // Pages read so far (with the parents' for fan-out).
  int64_t pages() const { return pages_ + (parents_ ? parents_->pages() : 0); }

  // The next items (a page, or the child lists of up to `concurrency` parents); false at the end.
  Result<bool> next(std::deque<Item>& out, std::vector<RejectedRecord>& rejects) {
    if (!listing_) return next_children(out, rejects);
    auto span = std::make_shared<Span>();
    span->start = listing_->state();
    auto rows = std::make_shared<ApiRows>();
    CSB_ASSIGN_OR_RETURN(bool more, listing_->next(*rows, rejects));
    span->next = listing_->state();
    span->count = rows->size();
    pages_ = listing_->pages();
    size_t from = std::min(std::exchange(skip_first_, 0), rows->size());
    for (size_t i = from; i < rows->size(); ++i) out.push_back({rows, i, span, i});
    return more;
  }

 private:
  Result<bool> next_children(std::deque<Item>& out, std::vector<RejectedRecord>& rejects) {
    if (!parents_) {
      const ApiResource* parent = source_.resource(r_.parent);
      if (!parent) return invalid_argument("resource " + r_.name + ": no resource '" + r_.parent + "' to fan out from");
      parents_ = std::make_unique<RowSource>(source_, *parent, http_);
      parent_position_ = position_of("page", parents_->listing_ ? parents_->listing_->state() : "{}", 0);
    }
    // The parents of the next window: their values and their positions before and after.
    struct Parent {
      std::string value;
      std::shared_ptr<Span> span;
    };
    std::vector<Parent> window;
    const size_t width = static_cast<size_t>(std::max(1, r_.concurrency));
    while (window.size() < width) {
      if (parent_items_.empty()) {
        if (parents_done_) break;
        CSB_ASSIGN_OR_RETURN(bool more, parents_->next(parent_items_, rejects));
        parents_done_ = !more;
        continue;
      }
      Item item = std::move(parent_items_.front());
      parent_items_.pop_front();
      auto span = std::make_shared<Span>();
      span->key = "parent";
      span->start = std::exchange(parent_position_, position_after(item));
      span->next = parent_position_;
      if (auto v = item.rows->find(item.row, r_.parent_field)) window.push_back({std::string(*v), span});
    }
    if (window.empty()) return false;
    struct Child {
      std::vector<std::shared_ptr<const ApiRows>> pages;  // each record with the parent's key
      size_t count = 0;
      std::vector<RejectedRecord> rejects;
      Status status;
      int64_t pages_read = 0;
    };
    std::vector<std::future<Child>> tasks;
    for (const Parent& p : window) {
      tasks.push_back(std::async(std::launch::async, [this, v = p.value] {
        Child c;
        Listing listing(source_, r_, http_, child_path(r_, v));
        ApiRows page;
        while (true) {
          auto more = listing.next(page, c.rejects);
          if (!more.is_ok()) {
            c.status = more.status();
            break;
          }
          if (!page.empty()) {
            c.count += page.size();
            c.pages.push_back(std::make_shared<const ApiRows>(page.with_cell(r_.parent + "." + r_.parent_field, v)));
          }
          if (!*more) break;
        }
        c.pages_read = listing.pages();
        return c;
      }));
    }
    Status failed;
    for (size_t t = 0; t < tasks.size(); ++t) {
      Child c = tasks[t].get();
      if (!c.status.is_ok() && failed.is_ok()) failed = c.status;
      window[t].span->count = c.count;
      pages_ += c.pages_read;
      size_t from = std::min(std::exchange(skip_first_, 0), c.count), index = 0;
      for (const auto& page : c.pages) {
        for (size_t i = 0; i < page->size(); ++i, ++index) {
          if (index >= from) out.push_back({page, i, window[t].span, index});
        }
      }
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
  std::deque<Item> parent_items_;
  std::string parent_position_;  // fan-out: the parents' position before the next parent
  bool parents_done_ = false;
  size_t skip_first_ = 0;
  int64_t pages_ = 0;  // pages of this resource read (of every parent for fan-out)  // records of the first page (or parent) a restored position already handed out
};

class ApiReader final : public RowReader {
 public:
  // `r` is the resource as this read asks for it (with the parameters of --since).
  ApiReader(const ApiSource& source, ApiResource r, HttpClient& http, size_t batch_rows, int64_t limit)
      : source_(source),
        r_(std::move(r)),
        http_(http),
        rows_(std::make_unique<RowSource>(source, r_, http)),
        batch_rows_(std::max<size_t>(1, batch_rows)),
        limit_(limit),
        requests_at_start_(http.requests()),
        waited_at_start_(http.waited_seconds()) {}

  // The listing is read to its end (no limit on rows, not a sample): each next page is asked for
  // ahead (Listing::read_ahead()).
  void read_to_end() {
    read_ahead_ = limit_ < 0;
    if (read_ahead_) rows_->read_ahead();
  }

  // Starts at the position an earlier reader was at after `rows` rows (ReadRequest::resume_position);
  // a position of another paging, or a read with a limit on rows, starts from the first page.
  void resume(const std::string& position, int64_t rows) {
    if (position.empty() || rows <= 0 || limit_ >= 0) return;
    if (rows_->restore(position)) {
      skipped_ = rows;
      resumed_at_ = position;
    } else {
      rows_ = std::make_unique<RowSource>(source_, r_, http_);
      if (read_ahead_) rows_->read_ahead();
    }
  }

  int64_t skipped() const override { return skipped_; }

  std::string position() const override {
    if (!last_) return resumed_at_;
    return position_after(*last_);
  }

  std::string progress_note() const override {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    int64_t requests = http_.requests() - requests_at_start_;
    char text[160];
    std::snprintf(text, sizeof text, "%lld pages · %.1f requests/s", static_cast<long long>(rows_->pages()),
                  seconds > 0 ? static_cast<double>(requests) / seconds : 0.0);
    std::string out = text;
    double waited = http_.waited_seconds() - waited_at_start_;
    if (waited >= 0.5) {
      std::snprintf(text, sizeof text, " · waited %.0f s for rate limits and retries", waited);
      out += text;
    }
    return out;
  }

  // Columns: those asked for, else the fields of the first page's records (and _extra for any
  // field a later record has that the first page did not).
  Status start(const std::vector<std::string>& asked) {
    if (!asked.empty()) {
      for (const auto& name : asked) add_column(name);
      return Status::ok();
    }
    while (!ended_ && pending_.empty()) CSB_RETURN_IF_ERROR(fill());
    for (const Item& item : pending_) {
      const ApiRows& rows = *item.rows;
      for (size_t c = rows.begin(item.row); c < rows.end(item.row); ++c) {
        std::string name(rows.name(rows.cell(c)));
        if (!index_.count(name)) add_column(name);
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
      last_ = std::move(pending_.front());
      pending_.pop_front();
      ++emitted_;
    }
    return !out.empty() || !rejects_.empty();
  }

 private:
  Status fill() {
    CSB_ASSIGN_OR_RETURN(bool more, rows_->next(pending_, rejects_));
    ended_ = !more;
    return Status::ok();
  }

  void add_column(const std::string& name) {
    index_[name] = columns_.size();
    columns_.push_back({name, "text", ValueType::kText, true});
  }

  void append(const Item& item, Batch& out) {
    const ApiRows& rows = *item.rows;
    // The column of each of the page's names, found once a page.
    if (item.rows != page_) {
      page_ = item.rows;
      page_columns_.clear();
      for (const std::string& name : rows.names()) {
        auto it = index_.find(name);
        page_columns_.push_back(it == index_.end() ? SIZE_MAX : it->second);
      }
    }
    cells_.assign(columns_.size(), nullptr);
    nlohmann::ordered_json extra;
    for (size_t c = rows.begin(item.row); c < rows.end(item.row); ++c) {
      const ApiRows::Cell& cell = rows.cell(c);
      size_t col = page_columns_[cell.name];
      if (col != SIZE_MAX) {
        cells_[col] = &cell;
      } else if (extra_ != SIZE_MAX) {
        std::string name(rows.name(cell));
        if (rows.is_null(cell)) extra[name] = nullptr;
        else extra[name] = std::string(rows.value(cell));
      }
    }
    std::string extra_text;
    for (size_t col = 0; col < cells_.size(); ++col) {
      const ApiRows::Cell* cell = cells_[col];
      if (col == extra_ && !extra.is_null()) {
        extra_text = extra.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
        out.append(extra_text);
      } else if (cell && !rows.is_null(*cell)) {
        out.append(rows.value(*cell));
      } else {
        out.append_null();
      }
    }
  }

  const ApiSource& source_;
  const ApiResource r_;
  HttpClient& http_;
  std::unique_ptr<RowSource> rows_;
  int64_t skipped_ = 0;
  std::string resumed_at_;
  std::optional<Item> last_;  // the last record handed out
  size_t batch_rows_;
  int64_t limit_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  const int64_t requests_at_start_;
  const double waited_at_start_;
  int64_t emitted_ = 0;
  bool read_ahead_ = false;
  std::deque<Item> pending_;
  bool ended_ = false;
  std::vector<ColumnInfo> columns_;
  std::unordered_map<std::string, size_t> index_;
  size_t extra_ = SIZE_MAX;
  std::vector<const ApiRows::Cell*> cells_;  // per column: its cell in the row being appended
  std::shared_ptr<const ApiRows> page_;     // the records whose names page_columns_ maps (held:
                                             // another page is never taken for it)
  std::vector<size_t> page_columns_;         // per name of page_: its column (SIZE_MAX: none)
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

  // An API does not count its records without listing them all: unknown (-1).
  Result<RowCount> count(const TableRef& table, bool /*estimate*/) override {
    CSB_RETURN_IF_ERROR(resource(table).status());
    return RowCount{-1, false};
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
    ApiResource asked = *r;
    if (const auto& since = request.changed_since; !since.column.empty()) {
      if (r->incremental_param.empty() || since.column != r->incremental_field) {
        return not_supported("resource " + r->name + " cannot list only the records changed since a time by '" +
                             since.column + "': declare incremental: {param: …, field: " + since.column +
                             "} on the resource (the API's parameter for it)");
      }
      asked.params.emplace_back(r->incremental_param, since.value);
    }
    auto reader = std::make_unique<ApiReader>(*source_, std::move(asked), http_, request.batch_rows, request.limit);
    reader->read_to_end();
    reader->resume(request.resume_position, request.skip_rows);
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
