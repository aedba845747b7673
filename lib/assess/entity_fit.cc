#include "assess/entity_fit.h"

#include <algorithm>
#include <map>

#include "assess/name_tokens.h"
#include "util/strings.h"

namespace csbridge::assess {
namespace {

struct EntityVocabulary {
  std::string_view entity;
  std::vector<std::string_view> table_words;   // a table named with one of these holds the entity
  std::vector<std::string_view> column_words;  // columns typical of the entity
};

// Order matters on ties: more specific entities first (ticket_tag before tag).
const std::vector<EntityVocabulary>& vocabulary() {
  static const std::vector<EntityVocabulary> kVocabulary = {
      {"ticket_tag", {"ticket_tag", "ticket_label", "issue_tag", "工单标签"}, {"ticket_id", "tag_id"}},
      {"ticket_message",
       {"reply", "message", "comment", "note", "article", "transaction", "post", "response", "回复", "留言", "消息",
        "沟通记录", "huifu"},
       {"body", "content", "ticket_id", "is_internal", "author_type", "author_id", "内容"}},
      {"ticket_event",
       {"history", "event", "audit", "activity", "change", "status_log", "log", "变更", "历史", "日志", "流转"},
       {"field", "old_value", "new_value", "changed_at", "changed_by", "ticket_id"}},
      {"ticket",
       {"ticket", "issue", "case", "request", "incident", "complaint", "工单", "事件", "服务单", "投诉", "gongdan"},
       {"subject", "title", "status", "priority", "assignee_id", "channel", "closed_at", "主题", "状态"}},
      {"satisfaction_rating",
       {"rating", "survey", "csat", "nps", "feedback", "satisfaction", "evaluation", "评价", "满意度", "pingjia"},
       {"score", "rating", "stars", "comment", "ticket_id"}},
      {"attachment",
       {"attachment", "file", "upload", "document", "附件", "文件"},
       {"file_name", "filename", "mime", "mime_type", "size", "size_bytes", "sha256", "storage_path", "object_type",
        "object_id"}},
      {"agent_group_member",
       {"group_member", "team_member", "queue_member", "group_membership", "membership", "组员", "成员"},
       {"group_id", "member_id", "agent_id", "user_id"}},
      {"agent_group",
       {"group", "team", "queue", "department", "dept", "组", "部门", "队列", "班组"},
       {"group_name", "leader_id", "name"}},
      {"agent",
       {"agent", "staff", "employee", "operator", "admin", "handler", "客服", "坐席", "员工", "kefu"},
       {"login_name", "login", "work_tel", "group_id", "hired_on", "real_name", "employee_no"}},
      {"organization",
       {"org", "organization", "organisation", "company", "account", "enterprise", "corp", "公司", "企业", "组织",
        "单位"},
       {"name", "domain", "industry", "org_name", "company_name"}},
      {"customer",
       {"customer", "client", "member", "contact", "requester", "consumer", "buyer", "user", "客户", "用户", "会员",
        "kehu"},
       {"phone", "mobile", "shouji", "email", "id_card", "address", "vip_level", "name", "手机", "邮箱"}},
      {"customer_identity",
       {"identity", "channel_user", "binding", "oauth", "social_account", "openid", "身份", "绑定"},
       {"openid", "unionid", "customer_id", "kind", "value"}},
      {"business_ref",
       {"order", "waybill", "shipment", "invoice", "contract", "refund", "delivery", "订单", "运单", "物流", "发票",
        "合同", "dingdan"},
       {"order_no", "amount", "waybill_no", "paid_at", "shipped_at", "invoice_no", "订单号"}},
      {"tag", {"tag", "label", "标签"}, {"name", "tag_name", "color"}},
  };
  return kVocabulary;
}

const std::map<std::string_view, std::vector<std::string_view>>& synonyms() {
  static const std::map<std::string_view, std::vector<std::string_view>> kSynonyms = {
      {"name", {"name", "title", "full_name", "real_name", "group_name", "org_name", "company_name", "tag_name",
                "label", "名称", "姓名", "名字", "xingming", "mingcheng"}},
      {"phone", {"phone", "mobile", "tel", "telephone", "cellphone", "mobile_phone", "手机", "电话", "联系方式",
                 "shouji", "dianhua"}},
      {"email", {"email", "mail", "e_mail", "邮箱", "邮件", "youxiang"}},
      {"national_id", {"id_card", "idcard", "id_no", "identity_no", "cert_no", "身份证", "shenfenzheng"}},
      {"address", {"address", "addr", "地址", "dizhi"}},
      {"status", {"status", "state", "状态", "zhuangtai"}},
      {"priority", {"priority", "urgency", "level", "优先级", "紧急", "youxianji"}},
      {"channel", {"channel", "source", "origin", "via", "渠道", "来源", "qudao"}},
      {"created_at", {"created_at", "create_time", "createtime", "created", "ctime", "created_on", "add_time",
                      "addtime", "date_created", "uploaded_at", "upload_time", "创建时间", "chuangjian_shijian"}},
      {"occurred_at", {"changed_at", "occurred_at", "event_time", "created_at", "create_time", "createtime",
                       "created", "time", "变更时间"}},
      {"rated_at", {"rated_at", "created_at", "create_time", "createtime", "created", "time", "评价时间"}},
      {"ticket_id", {"ticket_id", "ticketid", "issue_id", "case_id", "request_id", "工单id", "工单编号"}},
      {"customer_id", {"customer_id", "user_id", "client_id", "member_id", "requester_id", "requester", "requestor",
                       "客户id", "客户编号"}},
      {"agent_id", {"agent_id", "staff_id", "employee_id", "operator_id", "客服id"}},
      {"group_id", {"group_id", "team_id", "queue_id", "queue", "dept_id", "组id"}},
      {"tag_id", {"tag_id", "label_id"}},
      {"body", {"body", "content", "message", "text", "comment", "内容", "neirong"}},
      {"author_kind", {"author_type", "author_kind", "sender_type", "from_type", "user_type", "发送方"}},
      {"is_internal", {"is_internal", "internal", "private", "is_private", "visibility", "内部"}},
      {"kind", {"type", "kind", "category", "field", "类型"}},
      {"score", {"score", "rating", "stars", "star", "评分", "分数", "pingfen"}},
      {"file_name", {"file_name", "filename", "original_name", "文件名"}},
      {"number", {"order_no", "number", "waybill_no", "invoice_no", "contract_no", "订单号", "单号", "dingdan_hao"}},
      {"value", {"value", "openid", "account", "identifier"}},
      {"is_active", {"is_active", "active", "enabled", "是否启用"}},
      {"subject", {"subject", "title", "主题", "标题", "zhuti", "biaoti"}},
      {"notes", {"notes", "note", "remark", "memo", "备注", "beizhu"}},
      {"comment", {"comment", "remark", "feedback", "评语", "评价内容", "pingyu"}},
      {"category", {"category", "classification", "分类", "类别", "fenlei"}},
      {"updated_at", {"updated_at", "update_time", "updatetime", "modified_at", "modify_time", "mtime",
                      "last_modified", "更新时间", "修改时间"}},
      {"solved_at", {"solved_at", "resolved_at", "closed_at", "close_time", "finish_time", "解决时间", "关闭时间",
                     "完成时间"}},
      {"due_at", {"due_at", "due_time", "deadline", "sla_due", "截止时间"}},
      {"from_value", {"from_value", "old_value", "prev_value", "before_value", "旧值", "原值", "变更前"}},
      {"to_value", {"to_value", "new_value", "after_value", "新值", "变更后"}},
      {"assignee_id", {"assignee_id", "assigned_to", "owner", "owner_id", "handler_id", "处理人", "负责人"}},
      {"organization_id", {"organization_id", "org_id", "company_id", "公司id", "企业id"}},
      {"merged_into_id", {"merged_into_id", "merged_into", "merge_to", "合并到"}},
      {"mime_type", {"mime_type", "mime", "content_type", "文件类型"}},
      {"size_bytes", {"size_bytes", "size", "file_size", "filesize", "文件大小"}},
      {"content_sha256", {"content_sha256", "sha256", "checksum", "content_hash", "校验值"}},
      {"storage_uri", {"storage_uri", "storage_path", "file_path", "path", "url", "uri", "存储路径", "路径"}},
      {"is_vip", {"is_vip", "vip", "vip_level", "vip_flag", "会员等级", "vip等级"}},
      {"employee_no", {"employee_no", "emp_no", "staff_no", "job_no", "work_no", "工号", "gonghao"}},
      {"role", {"role", "user_role", "角色"}},
      {"language", {"language", "lang", "locale", "语言"}},
      {"industry", {"industry", "行业", "hangye"}},
      {"domain", {"domain", "email_domain", "域名"}},
      {"nickname", {"nickname", "nick_name", "nick", "昵称"}},
      {"amount", {"amount", "total_amount", "order_amount", "pay_amount", "金额", "jine"}},
      {"currency", {"currency", "币种"}},
  };
  return kSynonyms;
}

// Required CS fields a mapping usually fills with a constant or a derivation
// (e.g. a rating's scale), so their absence is no gap in the legacy data.
bool is_defaultable(std::string_view entity, std::string_view field) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kDefaultable = {
      {"agent", "role"},           {"agent", "is_active"},
      {"agent_group", "is_active"}, {"satisfaction_rating", "kind"},
      {"satisfaction_rating", "scale_min"}, {"satisfaction_rating", "scale_max"},
      {"ticket_event", "actor_kind"}, {"ticket", "channel"},
      {"ticket", "priority"},        {"business_ref", "kind"},
      {"customer_identity", "kind"},
  };
  return std::find(kDefaultable.begin(), kDefaultable.end(), std::pair{entity, field}) != kDefaultable.end();
}

// True when `needle`'s words appear contiguously among `hay`'s words.
bool contains_words(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

bool word_matches(std::string_view identifier, std::string_view word) {
  if (!word.empty() && static_cast<unsigned char>(word[0]) >= 0x80) return identifier.find(word) != std::string_view::npos;
  return contains_words(name_tokens(identifier), name_tokens(word));
}

constexpr double kTableNameWeight = 0.55;
constexpr double kColumnWeight = 0.09;
constexpr int kMaxColumnSignals = 4;
constexpr double kMinConfidence = 0.3;
constexpr double kMaxConfidence = 0.97;

}  // namespace

const std::vector<std::string_view>& field_synonyms(std::string_view field) {
  static const std::vector<std::string_view> kNone;
  auto it = synonyms().find(field);
  return it == synonyms().end() ? kNone : it->second;
}

bool column_matches_field(std::string_view column, std::string_view field) {
  if (util::equals_icase(column, field)) return true;
  for (std::string_view s : field_synonyms(field)) {
    if (word_matches(column, s)) return true;
  }
  return false;
}

EntityGuess guess_entity(const connector::TableInfo& table, const model::Model& model) {
  EntityGuess best;
  double best_score = 0;
  for (const EntityVocabulary& v : vocabulary()) {
    double score = 0;
    std::vector<std::string> reasons;
    for (std::string_view w : v.table_words) {
      if (word_matches(table.ref.name, w)) {
        score += kTableNameWeight;
        reasons.push_back("table name '" + table.ref.name + "' reads as " + std::string(v.entity) + " ('" +
                          std::string(w) + "')");
        break;
      }
    }
    std::vector<std::string> signals;
    for (std::string_view w : v.column_words) {
      for (const connector::ColumnInfo& c : table.columns) {
        if (word_matches(c.name, w)) {
          signals.push_back(c.name);
          break;
        }
      }
    }
    std::sort(signals.begin(), signals.end());
    signals.erase(std::unique(signals.begin(), signals.end()), signals.end());
    score += kColumnWeight * static_cast<double>(std::min<size_t>(signals.size(), kMaxColumnSignals));
    if (!signals.empty()) reasons.push_back("columns typical of " + std::string(v.entity) + ": " + util::join(signals, ", "));
    if (score > best_score + 1e-9) {
      best_score = score;
      best.name = std::string(v.entity);
      best.reasons = std::move(reasons);
    }
  }
  if (best_score < kMinConfidence) return {};
  best.confidence = std::min(kMaxConfidence, best_score);

  if (const model::Entity* entity = model.entity(best.name)) {
    for (const model::Field* f : entity->required_fields()) {
      if (f->provenance || f->name == "id") continue;
      bool covered = is_defaultable(entity->name, f->name);
      for (const connector::ColumnInfo& c : table.columns) {
        if (covered) break;
        covered = column_matches_field(c.name, f->name);
      }
      (covered ? best.covered_required : best.missing_required).push_back(f->name);
    }
  }
  return best;
}

}  // namespace csbridge::assess
