#include "mapping/suggest_vocabulary.h"

#include <algorithm>

#include "assess/name_tokens.h"
#include "mapping/suggest.h"
#include "util/strings.h"

namespace csbridge::mapping {
namespace suggest_detail {

bool is_cjk_word(std::string_view w) { return !w.empty() && static_cast<unsigned char>(w[0]) >= 0x80; }

bool contains_words(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

namespace {

// Enum vocabulary: legacy words for each value of the CS model's enums. One
// table for all enums: a value name means the same in every domain it is in.
struct EnumWords {
  std::string_view value;
  std::vector<std::string_view> words;
};

const std::vector<EnumWords>& enum_words() {
  static const std::vector<EnumWords> kWords = {
      // ticket.status
      {"new", {"new", "created", "unassigned", "新建", "新", "新工单", "未处理", "待处理", "未分配", "待分配", "未受理",
               "待受理"}},
      {"open", {"open", "opened", "in_progress", "processing", "assigned", "active", "working", "处理中", "进行中",
                "受理中", "已受理", "跟进中", "已分配", "打开"}},
      {"pending", {"pending", "waiting", "awaiting", "awaiting_reply", "waiting_customer", "待回复", "待客户回复",
                   "等待", "等待客户", "等待回复", "待反馈", "待确认", "待客户确认"}},
      {"on_hold", {"on_hold", "hold", "onhold", "suspended", "paused", "stalled", "挂起", "暂停", "搁置", "暂缓"}},
      {"solved", {"solved", "resolved", "done", "fixed", "completed", "finished", "已解决", "解决", "已处理", "已完成",
                  "完成"}},
      {"closed", {"closed", "close", "archived", "rejected", "deleted", "spam", "已关闭", "关闭", "结案", "已结案", "归档",
                  "已归档", "已拒绝", "已删除"}},
      // ticket.priority
      {"low", {"low", "lowest", "minor", "低", "较低", "最低"}},
      {"normal", {"normal", "medium", "standard", "default", "中", "普通", "一般", "正常", "中等"}},
      {"high", {"high", "major", "important", "高", "较高", "重要"}},
      {"urgent", {"urgent", "critical", "emergency", "highest", "blocker", "紧急", "加急", "特急", "非常紧急", "最高"}},
      // ticket.channel, customer_identity.kind
      {"email", {"email", "e_mail", "mail", "邮件", "电子邮件", "邮箱"}},
      {"phone", {"phone", "tel", "telephone", "call", "hotline", "voice", "电话", "来电", "热线", "呼叫中心", "手机"}},
      {"web", {"web", "website", "portal", "pc", "form", "网站", "网页", "官网", "网页表单"}},
      {"app", {"app", "mobile_app", "ios", "android", "客户端", "移动端"}},
      {"wechat", {"wechat", "weixin", "wx", "微信", "公众号", "小程序"}},
      {"chat", {"chat", "live_chat", "im", "webchat", "在线客服", "在线", "聊天", "在线聊天"}},
      {"other", {"other", "others", "unknown", "其他", "其它", "未知"}},
      {"wechat_openid", {"openid", "wx_openid", "微信openid"}},
      {"wechat_unionid", {"unionid", "wx_unionid"}},
      {"app_user_id", {"app_user", "app_uid"}},
      {"web_user_id", {"web_user", "web_uid"}},
      // author_kind, actor_kind
      {"customer", {"customer", "client", "user", "requester", "end_user", "客户", "用户", "顾客", "会员"}},
      {"agent", {"agent", "staff", "operator", "客服", "坐席", "员工"}},
      {"system", {"system", "auto", "automation", "bot", "robot", "trigger", "系统", "自动", "机器人"}},
      // agent.role
      {"supervisor", {"supervisor", "manager", "leader", "lead", "主管", "组长", "经理", "班长"}},
      {"admin", {"admin", "administrator", "root", "管理员"}},
      // ticket_event.kind
      {"created", {"created", "create", "new", "创建", "新建"}},
      {"status_changed", {"status", "state", "status_change", "状态", "状态变更"}},
      {"priority_changed", {"priority", "urgency", "优先级"}},
      {"assigned", {"assignee", "assign", "assigned", "owner", "handler", "指派", "分配", "转派", "负责人", "处理人"}},
      {"group_changed", {"group", "team", "queue", "department", "组", "队列", "部门", "转组"}},
      {"merged", {"merged", "merge", "合并"}},
      {"reopened", {"reopened", "reopen", "重开", "重新打开"}},
      // satisfaction_rating.kind
      {"csat", {"csat", "satisfaction", "满意度"}},
      {"nps", {"nps", "net_promoter"}},
      {"ces", {"ces", "effort"}},
      // business_ref.kind
      {"order", {"order", "订单", "dingdan"}},
      {"waybill", {"waybill", "shipment", "delivery", "express", "tracking", "运单", "物流", "快递"}},
      {"invoice", {"invoice", "发票", "fapiao"}},
      {"contract", {"contract", "合同"}},
      {"refund", {"refund", "退款"}},
      // ticket_message.body_format
      {"plain", {"plain", "text", "txt", "纯文本"}},
      {"html", {"html", "rich_text", "富文本"}},
      {"markdown", {"markdown", "md"}},
  };
  return kWords;
}

}  // namespace

const std::vector<std::string_view>& words_of(std::string_view value) {
  static const std::vector<std::string_view> kNone;
  for (const EnumWords& e : enum_words()) {
    if (e.value == value) return e.words;
  }
  return kNone;
}

// The value an enum field falls back to when a legacy value matches nothing
// (the map's `else`); "" when there is no safe fallback (rows are rejected).
std::string enum_fallback(const model::Field& f) {
  auto has = [&f](std::string_view v) { return std::find(f.values.begin(), f.values.end(), v) != f.values.end(); };
  // A status that matches nothing is not folded into open: its rows are rejected (unmapped_value) until
  // the map lists it, so that nobody's closed or deleted ticket reopens on the new platform.
  if (f.name == "priority" && has("normal")) return "normal";
  if (has("other")) return "other";
  return "";
}

const std::vector<Constant>& constants() {
  static const std::vector<Constant> kConstants = {
      {"agent", "role", "agent", 0.6, "no role column: everyone is an agent; mark supervisors and admins by hand"},
      {"agent", "is_active", "true", 0.5, "no active flag: every agent is taken as active"},
      {"agent_group", "is_active", "true", 0.6, "no active flag: every group is taken as active"},
      {"ticket", "channel", "other", 0.4, "no channel column"},
      {"ticket", "priority", "normal", 0.5, "no priority column"},
      {"satisfaction_rating", "kind", "csat", 0.5, "no kind column: ratings are most often CSAT"},
      {"business_ref", "kind", "other", 0.4, "no kind column and the table name names no document kind"},
  };
  return kConstants;
}

}  // namespace suggest_detail

using suggest_detail::contains_words;
using suggest_detail::is_cjk_word;
using suggest_detail::words_of;

std::optional<EnumMatch> match_enum_value(std::string_view raw, const std::vector<std::string>& domain) {
  std::string value = util::to_lower(util::trim(raw));
  if (value.empty()) return std::nullopt;
  for (const std::string& d : domain) {
    if (d == value) return EnumMatch{d, 0.97, "already the CS value"};
  }
  std::vector<std::string> words = assess::name_tokens(value);
  std::vector<std::string> exact;
  std::string exact_word;
  // The longest contained synonym wins; equally long ones of different values are ambiguous.
  std::string contained, contained_word;
  size_t contained_len = 0;
  bool ambiguous = false;
  for (const std::string& d : domain) {
    std::vector<std::string_view> candidates = words_of(d);
    candidates.push_back(d);
    for (std::string_view w : candidates) {
      if (util::equals_icase(w, value) || (!is_cjk_word(w) && assess::name_tokens(w) == words)) {
        if (std::find(exact.begin(), exact.end(), d) == exact.end()) exact.push_back(d);
        exact_word = std::string(w);
        continue;
      }
      bool inside = is_cjk_word(w) ? util::utf8_length(w) >= 2 && value.find(w) != std::string::npos
                                   : contains_words(words, assess::name_tokens(w));
      if (!inside) continue;
      size_t len = util::utf8_length(w);
      if (len > contained_len) {
        contained = d;
        contained_word = std::string(w);
        contained_len = len;
        ambiguous = false;
      } else if (len == contained_len && contained != d) {
        ambiguous = true;
      }
    }
  }
  if (exact.size() == 1) return EnumMatch{exact.front(), 0.9, "synonym '" + exact_word + "'"};
  if (exact.size() > 1) return std::nullopt;
  if (!contained.empty() && !ambiguous) return EnumMatch{contained, 0.7, "contains '" + contained_word + "'"};
  return std::nullopt;
}

}  // namespace csbridge::mapping
