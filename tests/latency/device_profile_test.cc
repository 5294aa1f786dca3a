// The device profile format: written and read back unchanged; every hostile or stale file gets
// an error naming the field; a setting that does not match (threads, precision) is refused.
#include "tools/latency/device_profile.h"

#include <string>

#include "gtest/gtest.h"

namespace scalert::latency {
namespace {

DeviceProfile Sample() {
  DeviceProfile p;
  p.scalert_version = "0.1.0";
  p.created = "2026-11-25T20:00:00Z";
  p.grid = "default";
  p.device = {"Test CPU", "x86_64", 2, "avx2", {"avx2", "fma"}, 1 << 20, 32 << 20};
  DeviceSetting s;
  s.threads = 2;
  s.samples = {{"conv1x1_f32_avx2", "conv1x1_f32+relu6", 1, 2e6, 3e4, 0.02, 0.03, "g0"},
               {"mbconv_f32_avx2", "mbconv_f32+swish", 3, 5e6, 6e4, 0.05, 0.07, "g1"}};
  s.graphs = {{"g0", 0.021, 0.02}};
  p.settings.push_back(s);
  return p;
}

TEST(DeviceProfileTest, RoundTrips) {
  const DeviceProfile p = Sample();
  auto q = ParseDeviceProfile(DeviceProfileJson(p));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->device.cpu, "Test CPU");
  EXPECT_EQ(q->device.isa, "avx2");
  EXPECT_EQ(q->device.isa_features.size(), 2u);
  EXPECT_EQ(q->device.l3_bytes, 32 << 20);
  ASSERT_EQ(q->settings.size(), 1u);
  const DeviceSetting& s = q->settings[0];
  EXPECT_EQ(s.threads, 2);
  EXPECT_EQ(s.precision, "fp32");
  ASSERT_EQ(s.samples.size(), 2u);
  EXPECT_EQ(s.samples[1].kernel, "mbconv_f32_avx2");
  EXPECT_EQ(s.samples[1].klass, "mbconv_f32+swish");
  EXPECT_EQ(s.samples[1].nodes, 3);
  EXPECT_DOUBLE_EQ(s.samples[1].flops, 5e6);
  EXPECT_DOUBLE_EQ(s.samples[1].ms_cold, 0.07);
  EXPECT_EQ(s.graphs[0].name, "g0");
}

// Replaces the first occurrence of `from` in the sample's JSON and expects an error naming `field`.
void ExpectRejected(const std::string& from, const std::string& to, const std::string& field) {
  std::string text = DeviceProfileJson(Sample());
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  auto p = ParseDeviceProfile(text);
  ASSERT_FALSE(p.ok()) << "accepted: " << to;
  EXPECT_NE(std::string(p.status().message()).find(field), std::string::npos) << p.status();
}

TEST(DeviceProfileTest, HostileFieldsAreNamed) {
  ExpectRejected("\"scalert-device-profile\"", "\"scalert-model\"", "format");
  ExpectRejected("\"version\": 1", "\"version\": 2", "version 2 is not supported");
  ExpectRejected("\"version\": 1", "\"version\": \"1\"", "version: expected a number");
  ExpectRejected("\"threads\": 2", "\"threads\": 0", "settings[0].threads");
  ExpectRejected("\"threads\": 2", "\"threads\": 1.5", "not an integer");
  ExpectRejected("\"precision\": \"fp32\"", "\"precision\": \"fp64\"", "settings[0].precision");
  ExpectRejected("\"ms\": 0.05", "\"ms\": -1", "settings[0].samples[1].ms");
  ExpectRejected("\"flops\": 2000000", "\"flops\": 1e300", "settings[0].samples[0].flops");
  ExpectRejected("\"nodes\": 3", "\"nodes\": 0", "settings[0].samples[1].nodes");
  ExpectRejected("\"kernel\": \"conv1x1_f32_avx2\"", "\"kernel\": \"\"", "samples[0].kernel: empty");
  ExpectRejected("\"class\": \"mbconv_f32+swish\", ", "", "settings[0].samples[1].class: missing");
  ExpectRejected("\"cpu\": \"Test CPU\"", "\"cpu\": 7", "device.cpu: expected a string");
  ExpectRejected("\"samples\": [", "\"samples\": {\"a\": 1}, \"x\": [", "settings[0].samples: expected an array");
  ExpectRejected("\"isa_features\": [\"avx2\"", "\"isa_features\": [3", "isa_features[0]");
}

TEST(DeviceProfileTest, StructuralProblems) {
  EXPECT_FALSE(ParseDeviceProfile("").ok());
  EXPECT_FALSE(ParseDeviceProfile("[]").ok());
  EXPECT_FALSE(ParseDeviceProfile(DeviceProfileJson(Sample()).substr(0, 200)).ok());
  DeviceProfile none = Sample();
  none.settings.clear();
  auto p = ParseDeviceProfile(DeviceProfileJson(none));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string(p.status().message()).find("no settings"), std::string::npos);
  DeviceProfile twice = Sample();
  twice.settings.push_back(twice.settings[0]);
  p = ParseDeviceProfile(DeviceProfileJson(twice));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string(p.status().message()).find("settings[1]: a second setting"), std::string::npos);
  DeviceProfile empty = Sample();
  empty.settings[0].samples.clear();
  p = ParseDeviceProfile(DeviceProfileJson(empty));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string(p.status().message()).find("settings[0].samples: no samples"), std::string::npos);
  auto missing = LoadDeviceProfile("/nonexistent/device.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("/nonexistent/device.json"), std::string::npos);
}

TEST(DeviceProfileTest, ATwoThreadProfileDoesNotPredictOneThread) {
  const DeviceProfile p = Sample();
  auto s = FindSetting(p, 1, "fp32");
  ASSERT_FALSE(s.ok());
  const std::string msg(s.status().message());
  EXPECT_NE(msg.find("no setting for 1 thread(s) at fp32"), std::string::npos) << msg;
  EXPECT_NE(msg.find("it has: 2 thread(s) fp32"), std::string::npos) << msg;
  EXPECT_NE(msg.find("profile-device --threads 1"), std::string::npos) << msg;
  EXPECT_FALSE(FindSetting(p, 2, "int8").ok());
  ASSERT_TRUE(FindSetting(p, 2, "fp32").ok());
  EXPECT_EQ((*FindSetting(p, 2, "fp32"))->threads, 2);
}

}  // namespace
}  // namespace scalert::latency
