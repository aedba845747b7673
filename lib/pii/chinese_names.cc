#include "pii/chinese_names.h"

#include <algorithm>
#include <array>

namespace csbridge::pii {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Common single surnames (about 320, covering well over 95% of the
// population). Ordinary-word characters such as 和 安 明 国 海 云 时 are left
// out: a two-character value like 明天 must not look like a name.
constexpr std::string_view kSingleSurnames =
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤常温康施文牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝"
    "包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤"
    "阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝封谈匡鞠惠荆乐冀郁胥班储栗燕楚鄢劳谌奚皮粟冼蔺楼"
    "盘闻厉伊仝区郜阚屠帅豆朴盖练廉禹祖漆卿狄索芮扈晁阙浦戈鹿邸雍辜裘亓邰赫杭逯茹诸慕嵇湛宾"
    "戎勾茅揭檀昝尉洪";

// Two characters each.
constexpr std::string_view kCompoundSurnames =
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙宇文司徒夏侯令狐端木轩辕独孤南宫西门百里呼延澹台"
    "公冶宗政濮阳淳于单于太叔申屠钟离闻人万俟赫连拓跋鲜于闾丘司空亓官司寇子车颛孙公良漆雕乐正"
    "宰父谷梁段干东郭羊舌微生梁丘左丘东门公西巫马公羊第五";

// Provinces, municipalities, autonomous regions, SARs, then provincial
// capitals and other large cities (an address often starts with the city).
constexpr std::array<std::string_view, 66> kPlaceNames = {
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门", "石家庄", "太原", "沈阳", "长春", "哈尔滨", "南京", "杭州", "合肥", "福州", "南昌",
    "济南", "郑州", "武汉", "长沙", "广州", "海口", "成都", "贵阳", "昆明", "西安", "兰州",
    "西宁", "呼和浩特", "南宁", "拉萨", "银川", "乌鲁木齐", "深圳", "苏州", "宁波", "青岛",
    "厦门",
};

std::u32string sorted_code_points(std::string_view utf8) {
  std::u32string cps = decode_utf8(utf8);
  std::sort(cps.begin(), cps.end());
  return cps;
}

bool contains(std::u32string_view set, char32_t c) {
  for (char32_t m : set)
    if (m == c) return true;
  return false;
}

}  // namespace

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  decode_utf8_into(s, out);
  return out;
}

void decode_utf8_into(std::string_view s, std::u32string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto lead = static_cast<unsigned char>(s[i]);
    size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? lead : lead & (0x7F >> len);
    bool ok = true;
    for (size_t k = 1; k < len; ++k) {
      auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (!ok) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
}

size_t code_point_count(std::string_view s) { return decode_utf8(s).size(); }

bool is_cjk(char32_t c) { return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF); }

bool is_single_surname(char32_t c) {
  static const std::u32string kSorted = sorted_code_points(kSingleSurnames);
  return std::binary_search(kSorted.begin(), kSorted.end(), c);
}

bool is_compound_surname(char32_t first, char32_t second) {
  static const std::u32string kPairs = decode_utf8(kCompoundSurnames);
  for (size_t i = 0; i + 1 < kPairs.size(); i += 2)
    if (kPairs[i] == first && kPairs[i + 1] == second) return true;
  return false;
}

size_t place_name_prefix(std::string_view s) {
  // Every place name starts with a three-byte CJK character: reject the rest before comparing 66 names.
  constexpr size_t kCjkBytes = 3;
  if (s.size() < 2 * kCjkBytes || static_cast<unsigned char>(s[0]) < 0xE4) return 0;
  for (std::string_view name : kPlaceNames)
    if (s.substr(0, name.size()) == name) return name.size();
  return 0;
}

bool is_address_marker(char32_t c) {
  // CJK only: one range test rejects everything else before the comparisons.
  if (c < 0x533A || c > 0x9547) return false;
  return contains(U"省市区县镇路街号栋室", c);
}

bool is_division_suffix(char32_t c) { return contains(U"省市区县旗镇乡", c); }

bool is_street_marker(char32_t c) { return contains(U"路街巷弄号栋幢楼室村组", c); }

}  // namespace csbridge::pii
