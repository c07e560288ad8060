// Finds the tokenizer file that a --tokenizer NAME_OR_PATH means, offline:
// a file, a directory holding tokenizer.json, or a model name in the
// HuggingFace cache. Never fetches anything.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/error.h"
#include "tokenizer/tokenizer.h"

namespace aiperf::tokenizer {

/// Where the HF hub cache is: $HF_HUB_CACHE, else $HF_HOME/hub, else
/// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::filesystem::path hf_hub_cache();

/// The tokenizer file for `name_or_path`:
///  - an existing file (tokenizer.json or *.tiktoken) as it is;
///  - a directory: its tokenizer.json (else its only *.tiktoken file);
///  - ORG/NAME: hub_cache/models--ORG--NAME/snapshots/<rev>/tokenizer.json, the
///    revision refs/main names, else the newest snapshot.
/// kNotFound says every place it looked.
Expected<std::filesystem::path> resolve_tokenizer(std::string_view name_or_path,
                                                  const std::filesystem::path& hub_cache = hf_hub_cache());

/// resolve_tokenizer, then load_tokenizer.
Expected<Tokenizer> open_tokenizer(std::string_view name_or_path);

}  // namespace aiperf::tokenizer
