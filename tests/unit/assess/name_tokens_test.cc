#include "assess/name_tokens.h"

#include <doctest/doctest.h>

namespace csbridge::assess {

using Words = std::vector<std::string>;

TEST_CASE("name tokens: legacy identifiers split into words") {
  CHECK(name_tokens("ticket_replies") == Words{"ticket", "reply"});
  CHECK(name_tokens("TicketReplies") == Words{"ticket", "reply"});
  CHECK(name_tokens("tbl_TicketReply") == Words{"ticket", "reply"});
  CHECK(name_tokens("ObjectType") == Words{"object", "type"});
  CHECK(name_tokens("HTTPServerLog") == Words{"http", "server", "log"});
  CHECK(name_tokens("rt_score") == Words{"rt", "score"});
  CHECK(name_tokens("createtime") == Words{"create", "time"});
  CHECK(name_tokens("工单ID") == Words{"工单", "id"});
  CHECK(name_tokens("Addresses") == Words{"address"});
  CHECK(name_tokens("statuses") == Words{"status"});
  CHECK(name_tokens("order no2") == Words{"order", "no", "2"});
  CHECK(name_tokens("t") == Words{"t"});  // a lone prefix-like word stays
}

TEST_CASE("name tokens: names an engine folded to one case still split into words") {
  // PostgreSQL folds RT's unquoted TransactionId, ObjectId, EffectiveId, LastUpdatedBy.
  CHECK(name_tokens("transactionid") == Words{"transaction", "id"});
  CHECK(name_tokens("objectid") == Words{"object", "id"});
  CHECK(name_tokens("effectiveid") == Words{"effective", "id"});
  CHECK(name_tokens("lastupdatedby") == Words{"last", "updated", "by"});
  CHECK(name_tokens("customfield") == Words{"custom", "field"});
  CHECK(name_tokens("objectcustomfieldvalues") == Words{"object", "custom", "field", "value"});
  CHECK(name_tokens("EMAILADDRESS") == Words{"email", "address"});
  CHECK(name_tokens("groupmembers") == Words{"group", "member"});
  CHECK(name_tokens("hd_ticketno") == Words{"ticket", "no"});
  CHECK(name_tokens("assignedto") == Words{"assigned", "to"});
  CHECK(name_tokens("total") == Words{"total"});
  CHECK(name_tokens("token") == Words{"token"});
  CHECK(name_tokens("客户编号") == Words{"客户", "id"});
  // Words of their own, and runs that do not read wholly as known words, stay whole.
  CHECK(name_tokens("tickets") == Words{"ticket"});
  CHECK(name_tokens("address") == Words{"address"});
  CHECK(name_tokens("status") == Words{"status"});
  CHECK(name_tokens("history") == Words{"history"});
  CHECK(name_tokens("scripaction") == Words{"scripaction"});
  CHECK(has_token("objecttype", "type"));
}

TEST_CASE("name tokens: singular and has_token") {
  CHECK(singular("replies") == "reply");
  CHECK(singular("orders") == "order");
  CHECK(singular("status") == "status");
  CHECK(singular("boxes") == "box");
  CHECK(has_token("TicketReplies", "reply"));
  CHECK_FALSE(has_token("TicketReplies", "rep"));
  CHECK(has_token("客户联系电话", "电话"));
}

}  // namespace csbridge::assess
