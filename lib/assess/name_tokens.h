// Splitting legacy identifiers into comparable words: "TicketReplies",
// "ticket_replies", "tbl_TicketReply", "工单ID" → {ticket, reply} / {工单, id}.
// Used to match tables and columns against CS-model vocabulary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace csbridge::assess {

// Lower-case words of an identifier: split at '_', '-', ' ', '.', case changes
// and digit runs; runs of CJK characters stay one word; common table prefixes
// (tbl, t, tb) are dropped; English plurals are singularised (replies → reply,
// statuses → status, addresses → address).
std::vector<std::string> name_tokens(std::string_view identifier);

// singular("replies") == "reply"; leaves words it does not know as they are.
std::string singular(std::string_view word);

// True when `identifier` (any case, any separator) has `token` among its words,
// or — for CJK vocabulary — contains it as a substring.
bool has_token(std::string_view identifier, std::string_view token);

}  // namespace csbridge::assess
