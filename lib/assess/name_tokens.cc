#include "assess/name_tokens.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "util/strings.h"

namespace csbridge::assess {
namespace {

bool is_ascii_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_ascii_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }

constexpr std::string_view kDroppedPrefixes[] = {"tbl", "tb", "t", "tab", "hd"};

// Words legacy schemas run together once an engine folds the case
// (PostgreSQL turns RT's "TransactionId" into "transactionid"): a run of
// letters that is no word itself is split when it reads wholly as these.
constexpr std::string_view kCompoundWords[] = {
    // keys, types, prepositions of column names
    "id", "no", "code", "key", "num", "sn", "type", "kind", "class", "by", "to", "at", "on", "is", "has", "of",
    // people and roles
    "user", "usr", "name", "first", "last", "middle", "full", "real", "nick", "display", "login", "password", "pass",
    "email", "mail", "address", "addr", "phone", "mobile", "tel", "fax", "pager", "work", "home", "cell", "owner",
    "creator", "updater", "modifier", "assigned", "assignee", "requestor", "requester", "reporter", "author", "sender",
    "handler", "operator", "agent", "customer", "cust", "client", "contact", "account", "member", "principal", "staff",
    "employee", "role", "gender", "birthday", "vip", "person",
    // helpdesk objects
    "ticket", "tkt", "transaction", "attachment", "queue", "group", "team", "dept", "department", "organization",
    "org", "company", "custom", "field", "value", "object", "effective", "parent", "child", "merged", "original",
    "root", "master", "main", "link", "base", "target", "local", "remote", "domain", "instance", "category", "tag",
    "label", "message", "msg", "reply", "comment", "note", "remark", "memo", "subject", "title", "body", "content",
    "description", "status", "state", "priority", "initial", "final", "level", "score", "rating", "survey", "channel",
    "source", "origin", "cached", "disabled", "enabled", "active", "visible", "hidden", "internal", "private",
    "public", "external", "auth", "token", "session", "file", "filename", "path", "url", "uri", "mime", "encoding",
    "header", "size", "count", "number", "seq", "sort", "position", "weight", "lang", "language", "locale",
    "timezone", "country", "city", "province", "region", "street", "zip", "postal", "old", "new", "prev", "previous",
    "next", "from",
    // time
    "create", "created", "update", "updated", "modify", "modified", "delete", "deleted", "change", "changed",
    "close", "closed", "resolve", "resolved", "start", "started", "due", "time", "date", "timestamp", "day",
    // business
    "order", "item", "product", "sku", "price", "amount", "total", "pay", "paid", "payment", "refund", "invoice",
    "waybill", "ship", "shipped", "delivery",
};

bool is_compound_word(std::string_view w) {
  // name_tokens runs for every column against every vocabulary word: a hash set, not a scan.
  static const std::unordered_set<std::string_view> kKnown(std::begin(kCompoundWords), std::end(kCompoundWords));
  auto known = [](std::string_view x) { return kKnown.count(x) > 0; };
  return known(w) || (w.size() > 3 && known(singular(w)));
}

// The fewest words of kCompoundWords (two letters or more each) that make up
// `w` exactly; empty when there are none or `w` is a word itself.
std::vector<std::string> split_compound(const std::string& w) {
  constexpr size_t kMinLength = 5, kMaxLength = 64;
  if (w.size() < kMinLength || w.size() > kMaxLength || is_compound_word(w)) return {};
  const size_t n = w.size();
  constexpr int kNone = 1 << 20;
  std::vector<int> pieces(n + 1, kNone);
  std::vector<size_t> from(n + 1, 0);
  pieces[0] = 0;
  for (size_t end = 2; end <= n; ++end) {
    for (size_t begin = 0; begin + 2 <= end; ++begin) {
      if (pieces[begin] == kNone || pieces[begin] + 1 >= pieces[end]) continue;
      if (is_compound_word(std::string_view(w).substr(begin, end - begin))) {
        pieces[end] = pieces[begin] + 1;
        from[end] = begin;
      }
    }
  }
  if (pieces[n] == kNone || pieces[n] < 2) return {};
  std::vector<std::string> out;
  for (size_t end = n; end > 0; end = from[end]) out.insert(out.begin(), w.substr(from[end], end - from[end]));
  return out;
}

// "编号" (serial number) ends many Chinese key columns: 客户编号 → 客户 + id.
constexpr std::string_view kChineseKeySuffix = "编号";

}  // namespace

std::string singular(std::string_view word) {
  std::string w(word);
  auto ends = [&w](std::string_view s) { return w.size() > s.size() && w.compare(w.size() - s.size(), s.size(), s) == 0; };
  if (w.size() <= 3) return w;
  if (ends("ies")) return w.substr(0, w.size() - 3) + "y";
  if (ends("sses") || ends("shes") || ends("ches") || ends("xes") || ends("uses") || ends("sses")) {
    return w.substr(0, w.size() - 2);
  }
  if (ends("ss") || ends("us") || ends("is")) return w;
  if (ends("s")) return w.substr(0, w.size() - 1);
  return w;
}

std::vector<std::string> name_tokens(std::string_view id) {
  std::vector<std::string> words;
  std::string cur;
  enum class Kind { kNone, kLower, kUpper, kDigit, kWide } kind = Kind::kNone;
  auto flush = [&] {
    if (cur.empty()) return;
    std::string w = util::to_lower(cur);
    cur.clear();
    if (kind == Kind::kWide && w.size() > kChineseKeySuffix.size() && w.ends_with(kChineseKeySuffix)) {
      words.push_back(w.substr(0, w.size() - kChineseKeySuffix.size()));
      words.emplace_back("id");
      return;
    }
    if (kind == Kind::kLower || kind == Kind::kUpper) {
      std::vector<std::string> parts = split_compound(w);
      if (!parts.empty()) {
        words.insert(words.end(), parts.begin(), parts.end());
        return;
      }
    }
    words.push_back(std::move(w));
  };
  for (size_t i = 0; i < id.size();) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (c >= 0x80) {  // a UTF-8 sequence: CJK and friends stay together
      size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (kind != Kind::kWide) flush();
      cur.append(id.substr(i, len));
      kind = Kind::kWide;
      i += len;
      continue;
    }
    char ch = static_cast<char>(c);
    if (!is_ascii_alpha(ch) && !is_ascii_digit(ch)) {
      flush();
      kind = Kind::kNone;
      ++i;
      continue;
    }
    Kind k = is_ascii_digit(ch) ? Kind::kDigit : is_upper(ch) ? Kind::kUpper : Kind::kLower;
    bool boundary = kind == Kind::kWide || kind == Kind::kNone || (k == Kind::kDigit) != (kind == Kind::kDigit) ||
                    (k == Kind::kUpper && kind == Kind::kLower) ||
                    // "HTTPServer": the last capital before a lower-case letter starts a word
                    (k == Kind::kUpper && kind == Kind::kUpper && i + 1 < id.size() && std::islower(static_cast<unsigned char>(id[i + 1])));
    if (boundary) flush();
    cur += ch;
    kind = k;
    ++i;
  }
  flush();
  if (words.size() > 1) {
    for (std::string_view p : kDroppedPrefixes) {
      if (words.front() == p) {
        words.erase(words.begin());
        break;
      }
    }
  }
  for (std::string& w : words) {
    if (is_ascii_alpha(w[0])) w = singular(w);
  }
  return words;
}

bool has_token(std::string_view identifier, std::string_view token) {
  if (!token.empty() && static_cast<unsigned char>(token[0]) >= 0x80) {
    return identifier.find(token) != std::string_view::npos;
  }
  for (const std::string& w : name_tokens(identifier)) {
    if (w == token) return true;
  }
  return false;
}

}  // namespace csbridge::assess
