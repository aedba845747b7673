#include "assess/column_profiler.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "pii/detect.h"
#include "util/encoding.h"

namespace csbridge::assess {
namespace {

using connector::ValueType;
using model::PiiClass;

const pii::Detector& detector() {
  static const pii::Detector instance;
  return instance;
}

connector::ColumnInfo column(const std::string& name, const std::string& declared) {
  return {name, declared, connector::value_type_from_declared(declared), true};
}

using Values = std::initializer_list<std::optional<std::string_view>>;

ColumnProfiler profiler_of(const connector::ColumnInfo& info, Values values) {
  ColumnProfiler profiler(info, detector());
  for (const auto& v : values) profiler.add_value(v);
  return profiler;
}

ColumnProfile profile_of(const connector::ColumnInfo& info, Values values) {
  return profiler_of(info, values).finish();
}

ColumnProfile profile_of(const connector::ColumnInfo& info, const std::vector<std::string>& values) {
  ColumnProfiler profiler(info, detector());
  for (const auto& v : values) profiler.add_value(v);
  return profiler.finish();
}

const Finding* find_kind(const std::vector<Finding>& findings, const std::string& kind) {
  for (const Finding& f : findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

std::vector<std::string> repeated(std::initializer_list<const char*> values, int times) {
  std::vector<std::string> out;
  for (int i = 0; i < times; ++i) {
    for (const char* v : values) out.emplace_back(v);
  }
  return out;
}

const char* const kMobiles[] = {"13812345678", "13987654321", "15011112222", "18600001111", "17712345678"};

}  // namespace

TEST_CASE("column profiler: nulls, values, lengths in code points") {
  ColumnProfile p = profile_of(column("contact_name", "VARCHAR(20)"),
                               {"张三", std::nullopt, "欧阳娜娜", "王五", std::nullopt, "Li"});
  CHECK(p.name == "contact_name");
  CHECK(p.declared_type == "VARCHAR(20)");
  CHECK(p.type == ValueType::kText);
  CHECK(p.values == 6);
  CHECK(p.nulls == 2);
  CHECK(p.null_ratio == doctest::Approx(2.0 / 6.0));
  CHECK(p.min_length == 2);
  CHECK(p.max_length == 4);
  CHECK(p.avg_length == doctest::Approx(10.0 / 4.0));
  CHECK(p.distinct == 4);
  CHECK(p.distinct_exact);

  ColumnProfile nothing = profile_of(column("memo", "TEXT"), {std::nullopt, std::nullopt, ""});
  CHECK(nothing.values == 3);
  CHECK(nothing.nulls == 2);
  CHECK(nothing.observed_type == "empty");
  CHECK(nothing.distinct == 1);
  CHECK_FALSE(nothing.min.has_value());
  CHECK(nothing.max_length == 0);

  ColumnProfile none = ColumnProfiler(column("memo", "TEXT"), detector()).finish();
  CHECK(none.values == 0);
  CHECK(none.null_ratio == 0);
  CHECK(none.observed_type == "empty");
}

TEST_CASE("column profiler: lengths and byte checks of long values, word by word") {
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += i % 3 == 0 ? "工" : i % 3 == 1 ? "a" : "é";  // 3, 1 and 2 bytes
  std::string with_nul = long_text + std::string(1, '\0') + "tail";
  std::string with_digit = long_text + "7";
  ColumnProfiler profiler(column("body", "TEXT"), detector());
  profiler.add_value(long_text);
  profiler.add_value(with_nul);
  profiler.add_value(with_digit);
  ColumnProfile p = profiler.finish();
  CHECK(p.min_length == 300);
  CHECK(p.max_length == 305);
  std::vector<Finding> findings = profiler.findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "nul_bytes");
  CHECK(findings[0].count == 1);
}

TEST_CASE("column profiler: invalid UTF-8 as util::find_invalid_utf8 defines it") {
  const std::string padding = "客服工单 ticket 0123456789 ";
  const std::vector<std::string> cases = {
      "\xC0\xAF",          // overlong
      "\xE0\x80\x80",      // overlong three-byte
      "\xED\xA0\x80",      // surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xE5\xB7",          // truncated
      "\xF0\x9F\x98",      // truncated four-byte
      "\xBF",              // lone continuation
      "\xE0\xA0\x80",      // valid (U+0800)
      "\xED\x9F\xBF",      // valid (U+D7FF)
      "\xF0\x9F\x98\x80",  // valid (emoji)
      "\xEF\xBC\x8C",      // valid (full-width comma)
  };
  for (const std::string& bytes : cases) {
    for (const std::string& value : {bytes, padding + bytes, bytes + padding, padding + bytes + padding}) {
      CAPTURE(value);
      ColumnProfiler profiler(column("note", "TEXT"), detector());
      profiler.add_value(value);
      const bool invalid = util::find_invalid_utf8(value) != std::string_view::npos;
      CHECK((find_kind(profiler.findings(), "bad_encoding") != nullptr) == invalid);
    }
  }
}

TEST_CASE("column profiler: the values of one column of a batch") {
  connector::Batch batch(2);
  for (int i = 0; i < 10; ++i) {
    batch.append(std::to_string(i));
    if (i % 2 == 0) batch.append_null();
    else batch.append("工单" + std::to_string(i));
  }
  ColumnProfiler ids(column("id", "INTEGER"), detector());
  ColumnProfiler titles(column("title", "TEXT"), detector());
  ids.add(batch, 0);
  titles.add(batch, 1);
  ColumnProfile id = ids.finish();
  ColumnProfile title = titles.finish();
  CHECK(id.values == 10);
  CHECK(id.nulls == 0);
  CHECK(id.min == "0");
  CHECK(id.max == "9");
  CHECK(title.values == 10);
  CHECK(title.nulls == 5);
  CHECK(title.min_length == 3);
  CHECK(title.patterns.size() == 1);
  CHECK(title.patterns[0].pattern == "汉汉9");
  CHECK(title.patterns[0].count == 5);
}

TEST_CASE("column profiler: distinct exact up to 4096 values, estimated beyond") {
  ColumnProfiler small(column("status", "VARCHAR(10)"), detector());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4096; ++i) small.add_value(std::string("s").append(std::to_string(i)));
  }
  small.add_value(std::nullopt);
  ColumnProfile s = small.finish();
  CHECK(s.distinct == 4096);
  CHECK(s.distinct_exact);

  constexpr int64_t kDistinct = 200'000;
  ColumnProfiler large(column("ticket_no", "VARCHAR(20)"), detector());
  for (int64_t i = 0; i < kDistinct; ++i) large.add_value(std::string("T").append(std::to_string(i)));
  ColumnProfile l = large.finish();
  CHECK_FALSE(l.distinct_exact);
  CHECK(std::llabs(l.distinct - kDistinct) <= kDistinct / 50);
}

TEST_CASE("column profiler: min and max in numeric order for numeric columns, byte order otherwise") {
  const Values numbers = {"9", "10", "-3", "100", std::nullopt, "007"};
  ColumnProfile as_int = profile_of(column("qty", "INTEGER"), numbers);
  CHECK(as_int.min == "-3");
  CHECK(as_int.max == "100");
  ColumnProfile as_text = profile_of(column("qty", "VARCHAR(10)"), numbers);
  CHECK(as_text.min == "-3");
  CHECK(as_text.max == "9");

  ColumnProfile money = profile_of(column("amount", "NUMERIC(38,10)"),
                                   {"1.50", "-0.25", "12345678901234567890.0000000001", "12345678901234567890", "-0"});
  CHECK(money.min == "-0.25");
  CHECK(money.max == "12345678901234567890.0000000001");

  ColumnProfile real = profile_of(column("score", "DOUBLE"), {"99.5", "1e+20", "-3.2e-05", "0"});
  CHECK(real.min == "-3.2e-05");
  CHECK(real.max == "1e+20");

  // SQLite lets text into an INTEGER column: it sorts after every number.
  ColumnProfile mixed = profile_of(column("qty", "INTEGER"), {"5", "n/a", "12"});
  CHECK(mixed.min == "5");
  CHECK(mixed.max == "n/a");

  ColumnProfile words = profile_of(column("subject", "TEXT"), {"退款", "Refund", "发票", "", "invoice"});
  CHECK(words.min == "Refund");
  CHECK(words.max == "退款");
}

TEST_CASE("column profiler: patterns are value shapes, most frequent first") {
  std::vector<std::string> values = repeated({"SO20230815001", "SO20230815002", "so-7781", "订单 A12"}, 10);
  values.push_back("SO20230815003");
  values.push_back("");
  values.push_back("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五");
  ColumnProfile p = profile_of(column("order_no", "VARCHAR(40)"), values);
  REQUIRE(p.patterns.size() == 5);
  CHECK(p.patterns[0].pattern == "AA99999999999");
  CHECK(p.patterns[0].count == 21);
  CHECK(p.patterns[1].pattern == "aa-9999");
  CHECK(p.patterns[1].count == 10);
  CHECK(p.patterns[2].pattern == "汉汉 A99");
  CHECK(p.patterns[2].count == 10);
  CHECK(p.patterns[3].pattern == "");
  CHECK(p.patterns[4].pattern == "汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉…");

  SUBCASE("at most 256 shapes are told apart, the rest count as (other)") {
    ColumnProfiler profiler(column("code", "VARCHAR(10)"), detector());
    for (int i = 0; i < 50; ++i) profiler.add_value("SO20230815001");
    for (int i = 0; i < 300; ++i) {
      std::string v;
      for (int bit = 0; bit < 9; ++bit) v += (i >> bit) & 1 ? 'x' : '-';
      profiler.add_value(v);
    }
    ColumnProfile q = profiler.finish();
    REQUIRE(q.patterns.size() == 5);
    CHECK(q.patterns[0].pattern == "AA99999999999");
    CHECK(q.patterns[0].count == 50);
    CHECK(q.patterns[1].pattern == "(other)");
    CHECK(q.patterns[1].count == 45);
    CHECK(q.patterns[2].count == 1);
  }
}

TEST_CASE("column profiler: observed type is what at least 90% of the values are") {
  SUBCASE("integers in a VARCHAR column") {
    ColumnProfile p = profile_of(column("legacy_id", "VARCHAR(20)"), {"1", "22", "-333", std::nullopt, "", "4444"});
    CHECK(p.type == ValueType::kText);
    CHECK(p.observed_type == "integer");
  }
  SUBCASE("nine integers and one word are still integers, eight and two are text") {
    CHECK(profile_of(column("n", "TEXT"), {"1", "2", "3", "4", "5", "6", "7", "8", "9", "x"}).observed_type ==
          "integer");
    CHECK(profile_of(column("n", "TEXT"), {"1", "2", "3", "4", "5", "6", "7", "8", "x", "y"}).observed_type == "text");
  }
  SUBCASE("decimals, with integers among them") {
    CHECK(profile_of(column("price", "TEXT"), {"1", "2.50", "-0.5", "3e2"}).observed_type == "decimal");
  }
  SUBCASE("booleans") {
    CHECK(profile_of(column("closed", "TEXT"), {"true", "false", "TRUE"}).observed_type == "boolean");
    CHECK(profile_of(column("closed", "TEXT"), {"0", "1", "1"}).observed_type == "integer");
  }
  SUBCASE("dates and timestamps") {
    CHECK(profile_of(column("d", "TEXT"), {"2023-08-15", "2024-02-29"}).observed_type == "date");
    CHECK(profile_of(column("t", "TEXT"),
                     {"2023-08-15 10:01:02", "2023-08-15T10:01:02.123456", "2023-08-15 10:01:02+08:00",
                      "2023-08-15T10:01:02Z", "2023/08/15 10:01", "2023-08-15"})
              .observed_type == "timestamp");
    CHECK(profile_of(column("t", "TEXT"), {"2023-13-15", "2023-08-15 25:00"}).observed_type == "text");
  }
  SUBCASE("phones, e-mails and ID numbers in text columns") {
    CHECK(profile_of(column("tel", "VARCHAR(20)"),
                     {"13812345678", "+86 139 8765 4321", "150-1111-2222", "18600001111"})
              .observed_type == "phone");
    CHECK(profile_of(column("mail", "VARCHAR(60)"), {"zhangsan@163.com", "li.si@example.com.cn"}).observed_type ==
          "email");
    CHECK(profile_of(column("id_card", "CHAR(18)"), {"11010519491231002X", "440306199003071232"}).observed_type ==
          "national_id");
  }
  SUBCASE("a mix is text") {
    CHECK(profile_of(column("misc", "TEXT"), {"13812345678", "42", "2023-08-15", "张三", "hello"}).observed_type ==
          "text");
  }
  SUBCASE("binary: declared, or mostly invalid UTF-8") {
    CHECK(profile_of(column("photo", "BLOB"), {"\x89PNG"}).observed_type == "binary");
    CHECK(profile_of(column("raw", "TEXT"), {"\xD5\xC5\xC8\xFD", "\xC0\xAF", "ok"}).observed_type == "binary");
  }
}

TEST_CASE("column profiler: PII hits of a phone column") {
  std::vector<std::string> values;
  for (int round = 0; round < 4; ++round) {
    for (const char* m : kMobiles) values.emplace_back(m);
  }
  values.emplace_back("无");
  ColumnProfile p = profile_of(column("mobile", "VARCHAR(20)"), values);
  CHECK(p.observed_type == "phone");
  REQUIRE(p.pii.size() == 1);
  CHECK(p.pii[0].pii == PiiClass::kPhone);
  CHECK(p.pii[0].count == 20);
  CHECK(p.pii[0].ratio == doctest::Approx(20.0 / 21.0));
  CHECK_FALSE(p.pii[0].embedded);
  CHECK(p.pii[0].invalid == 0);
  CHECK(p.distinct == 6);
}

TEST_CASE("column profiler: PII hits of an e-mail column") {
  ColumnProfile p = profile_of(column("email", "VARCHAR(100)"),
                               {"zhangsan@163.com", "lisi@qq.com", std::nullopt, "wangwu@example.com.cn", "n/a"});
  CHECK(p.observed_type == "text");  // 3 of 4 non-null values
  REQUIRE(p.pii.size() == 1);
  CHECK(p.pii[0].pii == PiiClass::kEmail);
  CHECK(p.pii[0].count == 3);
  CHECK(p.pii[0].ratio == doctest::Approx(0.75));
  CHECK_FALSE(p.pii[0].embedded);
}

TEST_CASE("column profiler: phones and ID numbers embedded in free text") {
  std::vector<std::string> bodies = {
      "客户来电反映订单迟迟未发货，联系电话13812345678，请尽快处理并回电告知物流进度，客户情绪比较激动，需要优先安排专人跟进。",
      "用户要求退款，身份证号11010519491231002X已核实，退款金额128.50元，预计三个工作日到账。",
      "回访：客户对处理结果满意，备注手机18600001111，工单可以关闭了，感谢同事们的支持与配合。",
      "发票抬头错误，需重新开具，客户留言请发邮件到 zhangsan@163.com 谢谢，已转财务部门处理。",
      "物流显示已签收但客户称未收到包裹，已联系快递公司核实，等待快递公司回复后再跟进处理。",
      "客户咨询会员积分规则与兑换流程，已按照知识库第3章内容进行解答，客户表示理解并无异议。",
      "实名认证失败，证件号码440306199003071232与姓名不符，已指导客户重新上传证件照片认证。",
      "同一客户重复提交了两张相同的工单，已合并处理并关闭重复工单，后续请以主工单为准跟进。",
  };
  ColumnProfile p = profile_of(column("body", "TEXT"), bodies);
  CHECK(p.observed_type == "text");
  REQUIRE(p.pii.size() == 3);
  CHECK(p.pii[0].pii == PiiClass::kPhone);
  CHECK(p.pii[0].count == 2);
  CHECK(p.pii[0].embedded);
  CHECK(p.pii[0].ratio == doctest::Approx(0.25));
  CHECK(p.pii[1].pii == PiiClass::kNationalId);
  CHECK(p.pii[1].count == 2);
  CHECK(p.pii[1].embedded);
  CHECK(p.pii[2].pii == PiiClass::kEmail);
  CHECK(p.pii[2].count == 1);
  CHECK(p.pii[2].embedded);

  REQUIRE(p.samples.size() == 5);
  for (const std::string& sample : p.samples) {
    CAPTURE(sample);
    CHECK(sample.find("13812345678") == std::string::npos);
    CHECK(sample.find("18600001111") == std::string::npos);
    CHECK(sample.find("11010519491231002X") == std::string::npos);
    CHECK(sample.find("zhangsan@") == std::string::npos);
  }
  // 60 characters at most, the last one '…' when cut.
  CHECK(p.samples[0].ends_with("…"));
  CHECK(p.samples[4] == "物流显示已签收但客户称未收到包裹，已联系快递公司核实，等待快递公司回复后再跟进处理。");
}

TEST_CASE("column profiler: samples, min and max of a PII column are masked") {
  std::vector<std::string> values;
  for (const char* m : kMobiles) values.emplace_back(m);
  ColumnProfile p = profile_of(column("mobile", "VARCHAR(20)"), values);
  REQUIRE(p.samples.size() == 5);
  CHECK(p.samples[0] == "138****5678");
  for (const std::string& sample : p.samples) {
    for (const char* m : kMobiles) CHECK(sample.find(m) == std::string::npos);
  }
  CHECK(p.min == "138****5678");
  CHECK(p.max == "186****1111");

  ColumnProfile names = profile_of(column("customer_name", "VARCHAR(20)"), {"张三", "欧阳娜娜", "李小龙", "王五"});
  REQUIRE(!names.pii.empty());
  CHECK(names.pii[0].pii == PiiClass::kName);
  CHECK(names.samples == std::vector<std::string>{"张*", "欧阳**", "李*龙", "王*"});
}

TEST_CASE("column profiler: findings for NUL bytes and invalid UTF-8") {
  ColumnProfiler profiler = profiler_of(column("note", "TEXT"),
                                        {std::string_view("ab\0cd", 5), "fine", std::string_view("\0", 1),
                                         "id:\xD5\xC5\xC8\xFD", "ok"});
  std::vector<Finding> findings = profiler.findings();
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].kind == "nul_bytes");
  CHECK(findings[0].severity == Severity::kError);
  CHECK(findings[0].column == "note");
  CHECK(findings[0].count == 2);
  CHECK(findings[0].message == "column 'note': NUL bytes (0x00) in 2 values");
  CHECK(findings[0].examples == std::vector<std::string>{"ab\\0cd", "\\0"});
  CHECK(findings[1].kind == "bad_encoding");
  CHECK(findings[1].severity == Severity::kError);
  CHECK(findings[1].count == 1);
  CHECK(findings[1].message == "column 'note': invalid UTF-8 (too little text to tell whether it is GBK) in 1 value");
  CHECK(findings[1].examples == std::vector<std::string>{"id:\\xD5\\xC5\\xC8\\xFD"});
  ColumnProfile p = profiler.finish();
  CHECK(p.observed_type == "text");
  for (const std::string& sample : p.samples) CHECK(sample.find('\0') == std::string::npos);
}

TEST_CASE("column profiler: findings for zero dates") {
  std::vector<Finding> findings =
      profiler_of(column("created_at", "DATETIME"),
                  {"0000-00-00 00:00:00", "2023-08-15 10:00:00", "2023-00-10", "2023-08-00 09:30", std::nullopt})
          .findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "zero_date");
  CHECK(findings[0].severity == Severity::kWarning);
  CHECK(findings[0].count == 3);
  CHECK(findings[0].message == "column 'created_at': zero dates (0000-00-00 or month/day 00) in 3 values");
  CHECK(findings[0].examples == std::vector<std::string>{"0000-00-00 00:00:00", "2023-00-10", "2023-08-00 09:30"});
}

TEST_CASE("column profiler: findings for invalid phones in a phone column") {
  std::vector<std::string> values;
  for (const char* m : kMobiles) values.emplace_back(m);
  values.emplace_back("12012345678");
  values.emplace_back("10987654321");
  ColumnProfiler profiler(column("mobile", "VARCHAR(20)"), detector());
  for (const auto& v : values) profiler.add_value(v);
  std::vector<Finding> findings = profiler.findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "invalid_phone");
  CHECK(findings[0].severity == Severity::kWarning);
  CHECK(findings[0].count == 2);
  CHECK(findings[0].message == "column 'mobile': invalid phone numbers in 2 values");
  REQUIRE(findings[0].examples.size() == 2);
  CHECK(findings[0].examples[0].find("12012345678") == std::string::npos);
  CHECK(findings[0].examples[1].find("10987654321") == std::string::npos);
  ColumnProfile p = profiler.finish();
  REQUIRE(!p.pii.empty());
  CHECK(p.pii[0].invalid == 2);

  SUBCASE("not in a column that is no phone column") {
    std::vector<Finding> none = profiler_of(column("note", "VARCHAR(20)"),
                                            {"12012345678", "hello", "world", "foo", "bar"})
                                    .findings();
    CHECK(find_kind(none, "invalid_phone") == nullptr);
  }
}

TEST_CASE("column profiler: findings for ID numbers failing their check character") {
  ColumnProfiler profiler = profiler_of(
      column("id_card", "CHAR(18)"),
      {"11010519491231002X", "110105194912310021", "440306199003071232", "440306199003071231", std::nullopt});
  std::vector<Finding> findings = profiler.findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "id_checksum");
  CHECK(findings[0].severity == Severity::kWarning);
  CHECK(findings[0].count == 2);
  CHECK(findings[0].message == "column 'id_card': resident ID numbers failing their check character in 2 values");
  REQUIRE(findings[0].examples.size() == 2);
  CHECK(findings[0].examples[0].find("110105194912310021") == std::string::npos);
  ColumnProfile p = profiler.finish();
  CHECK(p.observed_type == "national_id");
  REQUIRE(p.pii.size() == 1);
  CHECK(p.pii[0].count == 4);
  CHECK(p.pii[0].invalid == 2);

  SUBCASE("embedded in free text too") {
    std::vector<Finding> text = profiler_of(column("body", "TEXT"),
                                            {"实名认证失败，证件号码110105194912310021与姓名不符，请客户重新上传证件。"})
                                    .findings();
    const Finding* f = find_kind(text, "id_checksum");
    REQUIRE(f != nullptr);
    CHECK(f->count == 1);
    REQUIRE(f->examples.size() == 1);
    CHECK(f->examples[0].find("110105194912310021") == std::string::npos);
  }
}

TEST_CASE("column profiler: a binary column is profiled by size only") {
  ColumnProfiler profiler = profiler_of(column("attachment", "BLOB"),
                                        {std::string_view("\x89PNG\r\n\x1a\n\0\0", 10), std::nullopt,
                                         "13812345678", std::string_view("\xFF\xD8\xFF", 3)});
  ColumnProfile p = profiler.finish();
  CHECK(p.type == ValueType::kBinary);
  CHECK(p.observed_type == "binary");
  CHECK(p.values == 4);
  CHECK(p.nulls == 1);
  CHECK(p.min_length == 3);
  CHECK(p.max_length == 11);
  CHECK(p.avg_length == doctest::Approx(8.0));
  CHECK(p.distinct == 3);
  CHECK_FALSE(p.min.has_value());
  CHECK(p.patterns.empty());
  CHECK(p.samples.empty());
  CHECK(p.pii.empty());
  std::vector<Finding> findings = profiler.findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "binary_column");
  CHECK(findings[0].severity == Severity::kInfo);
  CHECK(findings[0].count == 3);
  CHECK(findings[0].message == "column 'attachment': declared binary (BLOB), 3 values profiled by size only");
}

TEST_CASE("column profiler: a million values in bounded memory") {
  constexpr int kValues = 1'000'000;
  ColumnProfiler ids(column("id", "BIGINT"), detector());
  ColumnProfiler names(column("name", "VARCHAR(20)"), detector());
  const char* const surnames[] = {"张", "王", "李", "赵", "欧阳"};
  const char* const given[] = {"伟", "芳", "娜娜", "小龙", "静"};
  std::string value;
  for (int i = 0; i < kValues; ++i) {
    value = std::to_string(i);
    ids.add_value(value);
    value = surnames[i % 5];
    value += given[(i / 5) % 5];
    names.add_value(value);
  }
  ColumnProfile id = ids.finish();
  CHECK(id.values == kValues);
  CHECK(id.observed_type == "integer");
  CHECK(id.min == "0");
  CHECK(id.max == "999999");
  CHECK(std::llabs(id.distinct - kValues) <= kValues / 50);
  ColumnProfile name = names.finish();
  CHECK(name.values == kValues);
  CHECK(name.distinct == 25);
  CHECK(name.distinct_exact);
  // Repeated values are analysed once and counted every time.
  REQUIRE(name.pii.size() == 1);
  CHECK(name.pii[0].pii == PiiClass::kName);
  CHECK(name.pii[0].count == kValues);
  CHECK(name.patterns[0].count + name.patterns[1].count + name.patterns[2].count == kValues);
}

// A ticket subject the detector has to look at (CJK text with digits) and that holds no PII.
std::string plain_subject(int i) {
  std::string s = "工单 SO";
  s += std::to_string(i);
  s += " 已处理";
  return s;
}

TEST_CASE("column profiler: a big column without PII is checked for it in a sample") {
  ColumnProfiler profiler(column("subject", "VARCHAR(100)"), detector());
  for (int i = 0; i < 20'000; ++i) profiler.add_value(plain_subject(i));

  SUBCASE("up to 20000 values, every value is checked") {
    CHECK(find_kind(profiler.findings(), "pii_sampled") == nullptr);
  }
  SUBCASE("beyond, a sample, said so in a finding") {
    for (int i = 20'000; i < 30'000; ++i) profiler.add_value(plain_subject(i));
    std::vector<Finding> findings = profiler.findings();
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].kind == "pii_sampled");
    CHECK(findings[0].severity == Severity::kInfo);
    CHECK(findings[0].column == "subject");
    CHECK(findings[0].count == 9392);
    CHECK(findings[0].message ==
          "column 'subject': no PII in the first 20000 values checked, then a sample: 608 of the next 10000 values "
          "checked; its PII counts are estimates");
    ColumnProfile p = profiler.finish();
    CHECK(p.values == 30'000);
    CHECK(p.pii.empty());
    int64_t shaped = 0;  // everything but PII still sees every value: SO + 1 to 5 digits
    for (const PatternCount& pattern : p.patterns) shaped += pattern.count;
    CHECK(shaped == 30'000);
  }
  SUBCASE("PII in the sample: every value is checked again, the stretch sampled before is scaled up") {
    // Each of these bodies holds a resident ID failing its check character.
    for (int i = 0; i < 1'000; ++i) {
      std::string body = "证件号码110105194912310021 核对，工单";
      body += std::to_string(i);
      profiler.add_value(body);
    }
    for (int i = 0; i < 1'000; ++i) profiler.add_value(plain_subject(i));
    ColumnProfile p = profiler.finish();
    REQUIRE(p.pii.size() == 1);
    CHECK(p.pii[0].pii == PiiClass::kNationalId);
    CHECK(p.pii[0].embedded);
    CHECK(p.pii[0].count == 1'000);  // 1 sampled of the first 7 (counted 7 times), 993 checked one by one
    CHECK(p.pii[0].invalid == 1'000);
    std::vector<Finding> findings = profiler.findings();
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].kind == "id_checksum");
    CHECK(findings[0].count == 1'000);
    CHECK(findings[0].message == "column 'subject': resident ID numbers failing their check character in about "
                                 "1000 values (estimated from a sample)");
    CHECK(findings[1].kind == "pii_sampled");
    CHECK(findings[1].count == 6);
    CHECK(findings[1].message ==
          "column 'subject': no PII in the first 20000 values checked, then a sample: 1 of the next 7 values "
          "checked; its PII counts are estimates");
  }
}

TEST_CASE("column profiler: a column with PII among its first values is checked whole") {
  ColumnProfiler profiler(column("subject", "VARCHAR(100)"), detector());
  for (int i = 0; i < 50'000; ++i) profiler.add_value(i == 100 ? "回电 13812345678 已处理" : plain_subject(i));
  CHECK(profiler.findings().empty());
  ColumnProfile p = profiler.finish();
  REQUIRE(p.pii.size() == 1);
  CHECK(p.pii[0].pii == PiiClass::kPhone);
  CHECK(p.pii[0].count == 1);
  CHECK(p.pii[0].embedded);

  SUBCASE("and so is one whose values repeat: known values are not checked again") {
    ColumnProfiler statuses(column("status", "VARCHAR(10)"), detector());
    for (int i = 0; i < 50'000; ++i) statuses.add_value(i % 2 ? "已处理 1" : "待处理 2");
    CHECK(statuses.findings().empty());
  }
}

}  // namespace csbridge::assess

namespace csbridge::assess {

TEST_CASE("column profiler: a column of distinct values counts alike once its memo is dropped") {
  // 80,000 distinct mobiles (the memo rarely hits and is dropped after 65,536), then repeats of a few
  // values and too-short numbers: every count is what a profile with the memo gives.
  ColumnProfiler profiler(column("mobile", "VARCHAR(20)"), detector());
  for (int i = 0; i < 80000; ++i) {
    char v[16];
    std::snprintf(v, sizeof v, "139%08d", i * 7 + 1);
    profiler.add_value(std::string(v));
  }
  for (int i = 0; i < 1000; ++i) profiler.add_value(std::string(i % 2 ? "13800138000" : "1380013"));
  std::vector<Finding> findings = profiler.findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "invalid_phone");
  CHECK(findings[0].count == 500);
  ColumnProfile p = profiler.finish();
  REQUIRE(!p.pii.empty());
  CHECK(p.pii[0].pii == model::PiiClass::kPhone);
  CHECK(p.pii[0].count == 80500);
  CHECK(p.observed_type == "phone");
  CHECK(p.values == 81000);
  int64_t shaped = 0;
  for (const PatternCount& c : p.patterns) shaped += c.count;
  CHECK(shaped == 81000);
}

}  // namespace csbridge::assess
