#include "tokenizer/internal/normalizer.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <algorithm>

#include "tokenizer/internal/byte_level.h"

namespace aiperf::tokenizer::internal {
namespace {

const UNormalizer2* instance(NormalizerStep::Kind kind) {
  UErrorCode status = U_ZERO_ERROR;
  switch (kind) {
    case NormalizerStep::Kind::kNfc: return unorm2_getNFCInstance(&status);
    case NormalizerStep::Kind::kNfkc: return unorm2_getNFKCInstance(&status);
    case NormalizerStep::Kind::kNfd: return unorm2_getNFDInstance(&status);
    default: return unorm2_getNFKDInstance(&status);
  }
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty() || text.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::size_t pos = 0;
  for (std::size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(text, pos, hit - pos);
    out += to;
  }
  out.append(text, pos, std::string::npos);
  text = std::move(out);
}

}  // namespace

std::string unicode_normalize(const std::string& text, NormalizerStep::Kind kind) {
  // ASCII is the same in every form.
  if (std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; })) return text;
  std::string valid = utf8_lossy(text);
  UErrorCode status = U_ZERO_ERROR;
  std::u16string wide(valid.size() + 1, u'\0');
  int32_t wide_len = 0;
  u_strFromUTF8(wide.data(), static_cast<int32_t>(wide.size()), &wide_len, valid.data(),
                static_cast<int32_t>(valid.size()), &status);
  if (U_FAILURE(status)) return valid;
  const UNormalizer2* norm = instance(kind);
  std::u16string out(static_cast<std::size_t>(wide_len) * 4 + 16, u'\0');
  status = U_ZERO_ERROR;
  int32_t out_len = unorm2_normalize(norm, wide.data(), wide_len, out.data(),
                                     static_cast<int32_t>(out.size()), &status);
  if (U_FAILURE(status)) return valid;
  std::string result(static_cast<std::size_t>(out_len) * 3 + 1, '\0');
  int32_t result_len = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(result.data(), static_cast<int32_t>(result.size()), &result_len, out.data(), out_len,
              &status);
  if (U_FAILURE(status)) return valid;
  result.resize(result_len);
  return result;
}

void Normalizer::apply(std::string& text) const {
  for (const NormalizerStep& step : steps_) {
    switch (step.kind) {
      case NormalizerStep::Kind::kReplace: replace_all(text, step.pattern, step.content); break;
      case NormalizerStep::Kind::kPrepend:
        if (!text.empty()) text.insert(0, step.pattern);
        break;
      default: text = unicode_normalize(text, step.kind); break;
    }
  }
}

}  // namespace aiperf::tokenizer::internal
