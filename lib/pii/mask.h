// Format-preserving masks (docs/personal-data.md): a masked value never contains the
// original digit run, and masking twice equals masking once.
#pragma once

#include <string>
#include <string_view>

#include "model/cs_model.h"

namespace csbridge::pii {

class Detector;

std::string mask_phone(std::string_view value);        // 13812341234 → 138****1234; landline keeps its area code
std::string mask_national_id(std::string_view value);  // keep first 4 and last 4: 1101**********123X
std::string mask_bank_card(std::string_view value);    // keep first 6 and last 4
std::string mask_email(std::string_view value);        // zhangsan@163.com → z***@163.com
std::string mask_name(std::string_view value);         // 张三 → 张*, 张小三 → 张*三, 欧阳娜娜 → 欧阳**; Latin: J*** S****
std::string mask_address(std::string_view value);      // keep province/city/district, mask the rest with ***
// Masks every phone, ID, card and e-mail found in free text; the rest stays.
std::string mask_free_text(const Detector& detector, std::string_view text);
// Of two classes a value may be of (an identity whose kind is read per row,
// a free-text field fed through a phone step), the one whose mask hides more
// of a value of the other: phone, then national_id, bank_card, email,
// address, name (each masks whole what it does not recognise, phone keeping
// the least of another class's value), then free_text (which keeps what it
// does not detect), then none.
model::PiiClass stricter(model::PiiClass a, model::PiiClass b);
// Dispatch by class (kNone returns the value unchanged).
std::string mask_value(const Detector& detector, model::PiiClass pii, std::string_view value);

}  // namespace csbridge::pii
