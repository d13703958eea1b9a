// The dashboard's pages on an in-memory store (tests/fakes/fake_store.h) with hand-made data.
#include "aggregator/web/pages/web_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fakes/fake_store.h"

namespace ramette::aggregator::web {
namespace {

using ::testing::HasSubstr;

TEST(WebPagesTest, EmptyStoreGivesPages) {
  ramette::testing::FakeStore store;
  PageContext ctx;
  ctx.viewer.role = store::AccountRole::kAdmin;
  ctx.now = 1543622400;  // 2018-12-01
  auto org = OrganisationPage(store, ctx, std::nullopt);
  ASSERT_TRUE(org.ok()) << org.status().ToString();
  EXPECT_EQ(org->http_status, 200);
  EXPECT_THAT(org->html, HasSubstr("/static/ramette.css"));
  EXPECT_THAT(LoginPage(reports::ReportLanguage::kFrench, "tok", ""), HasSubstr("csrf_token"));
  EXPECT_FALSE(StyleSheet().empty());
}

}  // namespace
}  // namespace ramette::aggregator::web
