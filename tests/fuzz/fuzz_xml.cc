// The XML reader (files, with and without a declared legacy encoding and a
// record path) and the records of an XML page in memory (API sources).
#include <cstdint>
#include <optional>
#include <string>

#include "connector/file_source.h"
#include "connector/xml_connector.h"
#include "reader_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace csbridge;
  if (size < 1) return 0;
  const unsigned char selector = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string path = fuzz::scratch_file("export.xml", text);
  std::string options = fuzz::encoding_option(selector);
  const char* records[] = {"", "/orders/order", "//order", "/waybills/waybill"};
  std::string record = records[(selector >> 2) % 4];
  if (!record.empty()) options += std::string(options.empty() ? "" : "&") + "record=" + record;
  fuzz::read_everything("xml:" + path + (options.empty() ? "" : "?" + options));

  std::optional<util::Encoding> encoding;
  if (selector & 0x10) encoding = util::Encoding::kGbk;
  Result<std::unique_ptr<connector::RecordSource>> page =
      connector::xml_records(std::string(text), "https://api.example/orders?page=1", record, encoding);
  if (!page) {
    fuzz::check(page.status());
    return 0;
  }
  connector::Record record_out;
  std::vector<connector::RejectedRecord> rejects;
  for (int i = 0; i < 100000; ++i) {
    Result<bool> more = (*page)->next(record_out, rejects);
    if (!more) fuzz::check(more.status());
    if (!more || !*more) break;
    (void)(*page)->location();
  }
  return 0;
}
