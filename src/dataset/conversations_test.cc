#include "dataset/conversations.h"

#include <gtest/gtest.h>

namespace aiperf::dataset {
namespace {

TEST(ConversationsTest, SeededTurnsAndThinkTimesScaledByTheRatio) {
  ConversationOptions o;
  o.conversations = 50;
  o.turn_mean = 3;
  o.turn_stddev = 1;
  o.delay_mean_ms = 40;
  o.delay_stddev_ms = 10;
  o.isl_mean = 7;
  o.seed = 3;
  auto a = make_conversations(o, word_source());
  ASSERT_TRUE(a) << a.error().describe();
  o.delay_ratio = 2;
  auto doubled = *make_conversations(o, word_source());
  ASSERT_EQ(a->size(), o.conversations);
  bool varied = false;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& e = (*a)[i];
    EXPECT_TRUE(e.conversation);
    EXPECT_EQ(e.prompt_words, o.isl_mean);
    varied = varied || e.next_turns.size() != (*a)[0].next_turns.size();
    ASSERT_EQ(doubled[i].next_turns.size(), e.next_turns.size());
    for (std::size_t k = 0; k < e.next_turns.size(); ++k) {
      EXPECT_GE(e.next_turns[k].delay_ms, 0);
      EXPECT_DOUBLE_EQ(doubled[i].next_turns[k].delay_ms, 2 * e.next_turns[k].delay_ms);
      EXPECT_EQ(doubled[i].next_turns[k].prompt, e.next_turns[k].prompt);
    }
  }
  EXPECT_TRUE(varied) << "--conversation-turn-stddev 1 should vary the turn counts";
}

}  // namespace
}  // namespace aiperf::dataset
