#include "util/sha256.h"

#include <doctest/doctest.h>

#include <string>

namespace csbridge::util {
namespace {

std::string hex_of(std::string_view data) { return to_hex(sha256(data)); }
std::string hmac_hex(std::string_view key, std::string_view data) { return to_hex(hmac_sha256(key, data)); }

}  // namespace

// FIPS 180-2 appendix B and the usual companions.
TEST_CASE("sha256: standard vectors") {
  SUBCASE("empty") { CHECK(hex_of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"); }
  SUBCASE("abc") { CHECK(hex_of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); }
  SUBCASE("448 bits: padding spills into a second block") {
    CHECK(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
  SUBCASE("896 bits") {
    CHECK(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                 "mnopqrstnopqrstu") == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  }
  SUBCASE("one million a") {
    CHECK(hex_of(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
  SUBCASE("55, 56 and 64 bytes: the padding boundaries") {
    CHECK(hex_of(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(hex_of(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(hex_of(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  }
}

TEST_CASE("sha256: incremental updates equal one update") {
  std::string text = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog";
  for (size_t cut : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, text.size()}) {
    CAPTURE(cut);
    Sha256 h;
    h.update(std::string_view(text).substr(0, cut));
    h.update(std::string_view(text).substr(cut));
    CHECK(to_hex(h.digest()) == hex_of(text));
  }
}

// RFC 4231 test cases 1–7.
TEST_CASE("sha256: HMAC-SHA256 vectors of RFC 4231") {
  SUBCASE("1") {
    CHECK(hmac_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SUBCASE("2: key shorter than the output") {
    CHECK(hmac_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SUBCASE("3") {
    CHECK(hmac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  }
  SUBCASE("4") {
    std::string key;
    for (char c = 1; c <= 25; ++c) key += c;
    CHECK(hmac_hex(key, std::string(50, '\xcd')) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  }
  SUBCASE("5: truncated to 128 bits") {
    CHECK(to_hex(hmac_sha256(std::string(20, '\x0c'), "Test With Truncation"), 16) ==
          "a3b6167473100ee06e0c796c2955552b");
  }
  SUBCASE("6: key longer than a block") {
    CHECK(hmac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
  SUBCASE("7: key and data longer than a block") {
    CHECK(hmac_hex(std::string(131, '\xaa'),
                   "This is a test using a larger than block-size key and a larger than block-size data. The key "
                   "needs to be hashed before being used by the HMAC algorithm.") ==
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  }
}

}  // namespace csbridge::util
