// phone, mask, pseudonymize: the steps over personal data (pii/).
#include "model/cs_model.h"
#include "pii/detect.h"
#include "pii/mask.h"
#include "transform/step_builders.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace csbridge::transform::internal {
namespace {

constexpr std::string_view kCountryPrefix = "+86";
constexpr size_t kPseudonymBytes = 16;                // 32 hex characters

// One detector for every mask step and thread: built on first use.
const pii::Detector& shared_detector() {
  static const pii::Detector kDetector;
  return kDetector;
}

// Mainland numbers to E.164: a mobile → +86 and its 11 digits; a landline →
// +86, the area code without its trunk 0, the subscriber number; an
// extension is kept as ";ext=123" (RFC 3966) rather than dropped, so that
// nothing of the value is lost and the output reads back as the same number.
// Anything else (unallocated mobile prefixes, 400/800 service numbers,
// foreign numbers) is bad_value.
class PhoneStep final : public Step {
 public:
  std::string_view name() const override { return "phone"; }
  model::PiiClass reads_pii() const override { return model::PiiClass::kPhone; }
  Result<Kind> output_kind(Kind input) const override {
    if (input != Kind::kAny && input != Kind::kText && input != Kind::kInteger) return cannot_take(name(), input);
    return Kind::kText;
  }
  StepResult apply(std::span<const Value> inputs, const Context&) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    std::string_view s = util::trim(*v);
    if (s.empty()) return Value();  // legacy "" for unknown
    std::string digits = pii::normalize_phone(s);
    if (pii::is_mobile(digits)) return Value(std::string(kCountryPrefix) + digits);
    std::optional<pii::Landline> landline = pii::parse_landline(s);
    if (!landline) return step_error(error_code::kBadValue, name(), "not a mainland mobile or landline number");
    std::string out(kCountryPrefix);
    out += std::string_view(landline->area).substr(1);  // the trunk 0
    out += landline->subscriber;
    if (!landline->extension.empty()) {
      out += pii::kE164ExtensionMark;  // reads back: parse_landline knows it
      out += landline->extension;
    }
    return Value(std::move(out));
  }
};

class MaskStep final : public Step {
 public:
  explicit MaskStep(std::optional<model::PiiClass> pii) : pii_(pii) {}
  std::string_view name() const override { return "mask"; }
  model::PiiClass reads_pii() const override { return pii_.value_or(model::PiiClass::kNone); }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  // The class of the step, else the field's. A field without a class fails
  // rather than passing its value through unmasked.
  StepResult apply(std::span<const Value> inputs, const Context& context) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    model::PiiClass pii = model::PiiClass::kNone;
    if (pii_) {
      pii = *pii_;
    } else {
      if (context.pii_class.empty())
        return step_error(error_code::kBadValue, name(), "the field has no PII class: name one as the step's argument");
      Result<model::PiiClass> parsed = model::parse_pii_class(context.pii_class);
      if (!parsed) return step_error(error_code::kBadValue, name(), parsed.status().message());
      pii = *parsed;
    }
    if (pii == model::PiiClass::kNone) return v;
    return Value(pii::mask_value(shared_detector(), pii, *v));
  }

 private:
  std::optional<model::PiiClass> pii_;
};

// The form two spellings of one value share: e-mail addresses lower-cased;
// phone-like digit strings without +86, spaces or dashes; the rest trimmed.
std::string pseudonym_input(std::string_view value) {
  std::string_view s = util::trim(value);
  if (pii::is_email(s)) return util::to_lower(s);
  std::string digits = pii::normalize_phone(s);
  if (!digits.empty()) return digits;
  return std::string(s);
}

// HMAC-SHA256(key, field context + '\0' + normalised value), the first 16
// bytes as hex: the same value gives the same pseudonym within a field (so
// joins and counts survive) and different ones across fields; without the
// key nobody can brute-force the small space of phone numbers. "" stays "".
class PseudonymizeStep final : public Step {
 public:
  std::string_view name() const override { return "pseudonymize"; }
  Result<Kind> output_kind(Kind) const override { return Kind::kText; }
  StepResult apply(std::span<const Value> inputs, const Context& context) const override {
    const Value& v = inputs[0];
    if (!v) return Value();
    if (context.hmac_key.empty())
      return step_error(error_code::kNoKey, name(), "no key: set the environment variable masking.hmac_key_env names");
    if (util::trim(*v).empty()) return Value(std::string());
    std::string message = context.field_context;
    message += '\0';
    message += pseudonym_input(*v);
    return Value(util::to_hex(util::hmac_sha256(context.hmac_key, message), kPseudonymBytes));
  }
};

}  // namespace

BuildResult build_phone(const StepArgs& a) {
  if (a.args.IsMap()) {
    CSB_RETURN_IF_ERROR(check_keys(a, a.args, {"region"}));
    YAML::Node region = a.args["region"];
    if (!region) return a.error("missing 'region'");
    if (!region.IsScalar() || region.Scalar() != "CN")
      return a.error(region, "only region CN is supported, got '" +
                                 (region.IsScalar() ? region.Scalar() : std::string("a list or map")) + "'");
  } else if (!a.absent() && !(a.args.IsScalar() && a.args.Scalar() == "e164")) {
    return a.error("expected e164 or {region: CN}");
  }
  return std::unique_ptr<Step>(std::make_unique<PhoneStep>());
}

BuildResult build_mask(const StepArgs& a) {
  std::optional<model::PiiClass> pii;
  if (!a.absent()) {
    if (!a.args.IsScalar()) return a.error("expected a PII class");
    Result<model::PiiClass> parsed = model::parse_pii_class(a.args.Scalar());
    if (!parsed) return a.error(parsed.status().message());
    pii = *parsed;
  }
  return std::unique_ptr<Step>(std::make_unique<MaskStep>(pii));
}

BuildResult build_pseudonymize(const StepArgs& a) {
  CSB_RETURN_IF_ERROR(no_arguments(a));
  return std::unique_ptr<Step>(std::make_unique<PseudonymizeStep>());
}

}  // namespace csbridge::transform::internal
