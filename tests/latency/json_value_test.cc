// The strict JSON reader: what device profiles are parsed with, hostile input included.
#include "tools/latency/json_value.h"

#include <string>

#include "gtest/gtest.h"

namespace scalert::latency {
namespace {

TEST(JsonValueTest, ParsesNestedValues) {
  auto v = ParseJson(R"({"a": [1, -2.5e3, true, null, "x\n\u00e9"], "b": {"c": false}})");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->type, JsonValue::Type::kObject);
  const JsonValue* a = v->Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->array.size(), 5u);
  EXPECT_EQ(a->array[1].number, -2500);
  EXPECT_TRUE(a->array[2].boolean);
  EXPECT_EQ(a->array[3].type, JsonValue::Type::kNull);
  EXPECT_EQ(a->array[4].string, "x\n\xc3\xa9");
  EXPECT_EQ(v->Find("b")->Find("c")->type, JsonValue::Type::kBool);
  EXPECT_EQ(v->Find("missing"), nullptr);
}

void ExpectError(const std::string& text, const std::string& what) {
  auto v = ParseJson(text, 8);
  ASSERT_FALSE(v.ok()) << text;
  EXPECT_NE(std::string(v.status().message()).find(what), std::string::npos) << v.status();
}

TEST(JsonValueTest, HostileInputGetsAPositionedError) {
  ExpectError("", "end of input");
  ExpectError("{\"a\": 1,\n \"a\": 2}", "line 2");
  ExpectError("{\"a\": 1, \"a\": 2}", "duplicate key");
  ExpectError("[1, 2] x", "after the JSON value");
  ExpectError("[1e999]", "out of range");
  ExpectError("[01]", "expected ','");
  ExpectError("[1.]", "digits after");
  ExpectError("\"abc", "unterminated string");
  ExpectError("\"a\x01\"", "control character");
  ExpectError("\"\\q\"", "unknown escape");
  ExpectError("\"\\ud800\"", "surrogate");
  ExpectError("[[[[[[[[[[1]]]]]]]]]]", "nested deeper than 8");
  ExpectError("{1: 2}", "quoted key");
  ExpectError("[NaN]", "unexpected character");
  ExpectError("[1 2]", "expected ','");
}

TEST(JsonValueTest, DeepNestingIsBoundedNotARecursionCrash) {
  const std::string deep(100000, '[');
  auto v = ParseJson(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("nested deeper"), std::string::npos);
}

}  // namespace
}  // namespace scalert::latency
