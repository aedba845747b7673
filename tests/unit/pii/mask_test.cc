#include "pii/mask.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "pii/detect.h"

namespace csbridge::pii {
namespace {

struct Case {
  const char* value;
  const char* masked;
};

const std::vector<Case> kPhones = {
    {"13812341234", "138****1234"},
    {"+86 138-1234-1234", "138****1234"},
    {"86 13143801303", "131****1303"},
    {"+8615922858148", "159****8148"},
    {" 139 5075 9604 ", "139****9604"},
    {"12977704264", "129****4264"},  // unallocated, still masked as a mobile
    {"0571-88886666", "0571-********"},
    {"(010)12345678", "010-********"},
    {"0531-7771414", "0531-*******"},
    {"0755-8879981-832", "0755-*******-***"},
    {"021 1234 5678-123", "021-********-***"},
    {"057188886666", "0571-********"},
    // what the phone step writes (issue 12 item 1)
    {"+8675523359790", "0755-********"},
    {"+8675523359790;ext=123", "0755-********-***"},
    {"+861012345678", "010-********"},
    {"+86 755 2335 9790", "0755-********"},
    {"1938782416", "**********"},  // 10 digits: unreadable, masked whole
    {"n/a", "***"},
    {"电话不详", "****"},
    {"", ""},
};

const std::vector<Case> kIds = {
    {"110101199003074578", "1101**********4578"},
    {"11010519491231002X", "1101**********002X"},
    {"11010519491231002x", "1101**********002x"},
    {"110105 19491231 002X", "1101**********002X"},
    {"210102199202108552", "2101**********8552"},  // bad check character: still somebody's ID
    {"410105600223495", "4101*******3495"},        // legacy 15 digits
    {"1101051949123100", "****************"},      // 16 characters: not an ID
    {"11010519491231002Y", "******************"},
    {"41010560022349X", "***************"},  // no check character in the legacy form
    {"ABC", "***"},
    {"", ""},
};

const std::vector<Case> kCards = {
    {"6222021234567890128", "622202*********0128"},
    {"6228 4808 0426 6278 675", "622848*********8675"},
    {"6225-8856-7800-7378", "622588******7378"},
    {"6228483846195700335", "622848*********0335"},  // fails Luhn: masked as a card anyway
    {"4222222222222", "422222***2222"},
    {"422222222222", "************"},  // 12 digits
    {"none", "****"},
    {"", ""},
};

const std::vector<Case> kEmails = {
    {"zhangsan@163.com", "z***@163.com"},
    {"Lucky1987@126.com", "L***@126.com"},
    {"a@b.cn", "a***@b.cn"},
    {" kiki.1772@qq.com ", "k***@qq.com"},
    {"13812345678@qq.com", "1***@qq.com"},
    {"not an email", "************"},
    {"@163.com", "********"},
    {"zhang@163", "*********"},
    {"", ""},
};

const std::vector<Case> kNames = {
    {"张三", "张*"},
    {"张小三", "张*三"},
    {"王小明明", "王**明"},
    {"欧阳娜娜", "欧阳**"},
    {"欧阳娜", "欧阳*"},
    {"司马光", "司马*"},
    {"诸葛亮", "诸葛*"},
    {"欧阳", "欧*"},  // the surname alone: read as surname + given name
    {"张", "*"},
    {"买买提·艾力", "买**·*力"},
    {"Emily Zhang", "E**** Z****"},
    {"John Smith", "J*** S****"},
    {"user123", "*******"},
    {"n/a", "***"},
    {"", ""},
};

const std::vector<Case> kAddresses = {
    {"湖南省长沙市岳麓区科技园南路209号保利花园25栋1单元3102室", "湖南省长沙市岳麓区***"},
    {"上海市浦东新区中山路369号创业大厦27楼2702室", "上海市浦东新区***"},
    {"广东省 深圳市 南山区 中山路46号万科城5栋4单元2102室", "广东省 深圳市 南山区***"},
    {"浙江省杭州市余杭县良渚镇1号", "浙江省杭州市余杭县***"},
    {"广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区南宁市青秀区***"},
    {"内蒙古自治区呼和浩特市新城区", "内蒙古自治区呼和浩特市新城区***"},
    {"杭州市西湖路88号阳光小区3栋", "杭州市***"},  // the 区 of 小区 comes after the street
    {"北京海淀中关村大街1号", "北京***"},
    {"湖南省", "湖南省***"},
    {"中山路46号万科城5栋4单元2102室", "*******************"},  // no province, city or district
    {"n/a", "***"},
    {"", ""},
};

void check_table(const std::vector<Case>& cases, const std::function<std::string(std::string_view)>& mask) {
  for (const Case& c : cases) {
    CAPTURE(c.value);
    CHECK(mask(c.value) == c.masked);
  }
}

// Every run of 7 digits of the value, separators ignored.
std::vector<std::string> digit_windows(std::string_view value) {
  constexpr size_t kWindow = 7;
  std::string digits;
  for (char c : value)
    if (c >= '0' && c <= '9') digits += c;
  std::vector<std::string> out;
  for (size_t k = 0; k + kWindow <= digits.size(); ++k) out.push_back(digits.substr(k, kWindow));
  return out;
}

// The two promises of docs/personal-data.md, over every input of every table.
void check_promises(const std::vector<Case>& cases, const std::function<std::string(std::string_view)>& mask) {
  for (const Case& c : cases) {
    CAPTURE(c.value);
    std::string once = mask(c.value);
    CHECK(mask(once) == once);
    for (const std::string& window : digit_windows(c.value)) {
      CAPTURE(window);
      CHECK(once.find(window) == std::string::npos);
    }
  }
}

}  // namespace

TEST_CASE("pii mask: phones keep 3 + 4 digits of a mobile, the area code of a landline") {
  check_table(kPhones, mask_phone);
}

TEST_CASE("pii mask: national IDs keep the first and last 4 characters") { check_table(kIds, mask_national_id); }

TEST_CASE("pii mask: bank cards keep the first 6 and last 4 digits") { check_table(kCards, mask_bank_card); }

TEST_CASE("pii mask: e-mail keeps the first character and the domain") { check_table(kEmails, mask_email); }

TEST_CASE("pii mask: names keep the surname, compound surnames whole") { check_table(kNames, mask_name); }

TEST_CASE("pii mask: addresses keep province, city and district") { check_table(kAddresses, mask_address); }

TEST_CASE("pii mask: masking twice equals masking once, and no 7-digit run survives") {
  Detector d;
  SUBCASE("phone") { check_promises(kPhones, mask_phone); }
  SUBCASE("national id") { check_promises(kIds, mask_national_id); }
  SUBCASE("bank card") { check_promises(kCards, mask_bank_card); }
  SUBCASE("email") { check_promises(kEmails, mask_email); }
  SUBCASE("name") { check_promises(kNames, mask_name); }
  SUBCASE("address") { check_promises(kAddresses, mask_address); }
  SUBCASE("a mask given another class's value never passes it through") {
    for (const auto& table : {kPhones, kIds, kCards, kEmails})
      for (const Case& c : table)
        for (auto mask : {mask_phone, mask_national_id, mask_bank_card, mask_email, mask_name, mask_address}) {
          CAPTURE(c.value);
          std::string once = mask(c.value);
          CHECK(mask(once) == once);
          for (const std::string& window : digit_windows(c.value)) CHECK(once.find(window) == std::string::npos);
        }
  }
}

// Issue 12 item 3: a value that fails its class still belongs to it (an
// invalid mobile in a phone identity was shown raw).
TEST_CASE("pii mask: a value that fails its class is masked all the same, never keeping its digit run") {
  const std::vector<std::pair<std::function<std::string(std::string_view)>, std::vector<Case>>> tables = {
      {mask_phone,
       {{"86627573", "********"},
        {"1381234567", "**********"},
        {"+86 159 7517 677", "****************"},
        {"0755-233597", "***********"},
        {"+8675523359790;ext=1234567", "**************************"}}},
      {mask_national_id, {{"86627573", "********"}, {"11010519491231", "**************"}}},
      {mask_bank_card, {{"86627573", "********"}, {"622202123456", "************"}}},
  };
  for (const auto& [mask, cases] : tables) {
    check_table(cases, mask);
    check_promises(cases, mask);
  }
  // stricter picks the mask that hides the most of a value of the other class.
  using model::PiiClass;
  CHECK(stricter(PiiClass::kFreeText, PiiClass::kPhone) == PiiClass::kPhone);
  CHECK(stricter(PiiClass::kEmail, PiiClass::kPhone) == PiiClass::kPhone);
  CHECK(stricter(PiiClass::kNone, PiiClass::kFreeText) == PiiClass::kFreeText);
  CHECK(stricter(PiiClass::kNone, PiiClass::kNone) == PiiClass::kNone);
}

TEST_CASE("pii mask: free text masks what scan finds and keeps the rest") {
  Detector d;
  const std::vector<Case> cases = {
      {"我的订单 SO20230815001 还没发货，电话 13812345678，身份证 11010519491231002X",
       "我的订单 SO20230815001 还没发货，电话 138****5678，身份证 1101**********002X"},
      {"客户来电要求换绑手机，原号码 182-8929-2221，新号码 +86 130 7237 2104",
       "客户来电要求换绑手机，原号码 182****2221，新号码 130****2104"},
      {"企业采购，联系人邹志强，座机010-27238940 转 6", "企业采购，联系人邹志强，座机010-******** 转 6"},
      {"退到银行卡 6228 4808 0426 6278 675（农业银行）", "退到银行卡 622848*********8675（农业银行）"},
      {"税号：91320506F851B10D8F，邮箱 dabao_3062@qq.com", "税号：91320506F851B10D8F，邮箱 d***@qq.com"},
      {"身份证号 210102199202108552 校验位不对", "身份证号 2101**********8552 校验位不对"},
      {"已发货，快递单号 SF432906213578，有问题随时联系我们。", "已发货，快递单号 SF432906213578，有问题随时联系我们。"},
      // Masking a mobile must not turn what follows into a number on the second pass.
      {"电话 13861380571 1138986", "电话 138****0571 1138986"},
      {"zhang@qq.comli@163.com 或 +86 138 1234 5678@qq.com", "********************** 或 ************************"},
      // The phone step's E.164 landlines (issue 12 item 1).
      {"座机 +8675523359790，分机 +8675523359790;ext=123。", "座机 0755-********，分机 0755-********-***。"},
      {"", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.value);
    std::string once = mask_free_text(d, c.value);
    CHECK(once == c.masked);
    CHECK(mask_free_text(d, once) == once);
    for (const Match& m : d.scan(c.value))
      for (const std::string& window : digit_windows(std::string_view(c.value).substr(m.offset, m.length)))
        CHECK(once.find(window) == std::string::npos);
  }
}

TEST_CASE("pii mask: mask_value dispatches by class") {
  Detector d;
  using model::PiiClass;
  CHECK(mask_value(d, PiiClass::kPhone, "13812341234") == "138****1234");
  CHECK(mask_value(d, PiiClass::kNationalId, "11010519491231002X") == "1101**********002X");
  CHECK(mask_value(d, PiiClass::kBankCard, "6222021234567890128") == "622202*********0128");
  CHECK(mask_value(d, PiiClass::kEmail, "zhangsan@163.com") == "z***@163.com");
  CHECK(mask_value(d, PiiClass::kName, "欧阳娜娜") == "欧阳**");
  CHECK(mask_value(d, PiiClass::kAddress, "北京市朝阳区滨江大道575号") == "北京市朝阳区***");
  CHECK(mask_value(d, PiiClass::kFreeText, "电话 13812345678") == "电话 138****5678");
  CHECK(mask_value(d, PiiClass::kNone, "13812341234") == "13812341234");
}

}  // namespace csbridge::pii
