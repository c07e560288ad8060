// Synthetic prompts of a requested input length, reproducible from a seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aiperf/sdk/endpoint.h"

namespace aiperf::dataset {

/// A later turn of a multi-turn conversation.
struct Turn {
  std::string prompt;                    ///< The user message of this turn.
  uint32_t prompt_words = 0;             ///< Its length (tokens with a tokenizer, else words).
  std::optional<uint32_t> max_tokens;    ///< Requested output length, if any.
  double delay_ms = 0;                   ///< Think time: from the previous reply to sending this turn.
};

/// One dataset entry: what a request sends (for a conversation, its first turn).
struct DatasetEntry {
  std::string prompt;                    ///< Single-turn user message (when messages is empty).
  std::vector<Message> messages;         ///< Chat turns from an input file, if it gave them.
  uint32_t prompt_words = 0;             ///< Words in the prompt (the client's input length estimate).
  std::optional<uint32_t> max_tokens;    ///< Requested output length, if any.
  bool tokens_exact = false;             ///< prompt_words is an exact token count (a tokenizer counted it).
  std::vector<Turn> next_turns = {};     ///< Multi-turn: turns 1, 2, ... (each sent with the history so far).
  bool conversation = false;             ///< A multi-turn conversation (even of one turn): turn_index in its records.
  std::string class_label = {};          ///< Request class for per-class metrics (mixture component, file, `class`).
};

/// How to generate synthetic entries (AIPerf's --isl/--osl options).
struct SyntheticOptions {
  uint32_t isl_mean = 550;       ///< Prompt length in words (≈ tokens; the server's usage is authoritative).
  uint32_t isl_stddev = 0;
  std::optional<uint32_t> osl_mean;  ///< max_tokens; unset = let the server decide.
  uint32_t osl_stddev = 0;
  uint64_t seed = 0;
  std::size_t entries = 100;     ///< Number of distinct prompts.
};

/// Generates `options.entries` prompts; lengths are normal(mean, stddev) clamped to >= 1.
/// Words come from a fixed vocabulary, so a whitespace tokenizer counts exactly prompt_words.
std::vector<DatasetEntry> make_synthetic_dataset(const SyntheticOptions& options);

}  // namespace aiperf::dataset
