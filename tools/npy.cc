#include "tools/npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "runtime/model_format.h"

namespace scalert::tools {
namespace {

// Value of `key` in the header dict, e.g. "'descr': '<f4'" -> "'<f4'".
std::string HeaderField(const std::string& h, const std::string& key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return "";
  size_t colon = h.find(':', k);
  if (colon == std::string::npos) return "";
  size_t start = h.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) return "";
  size_t end = h[start] == '(' ? h.find(')', start) + 1 : h.find_first_of(",}", start);
  if (end == std::string::npos || end == 0) return "";
  return h.substr(start, end - start);
}

}  // namespace

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto bad = [&](const std::string& why) { return absl::InvalidArgumentError(absl::StrCat(path, ": ", why)); };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) return bad("not a .npy file");
  uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return bad(absl::StrCat("unsupported .npy version ", major));
  }
  if (offset + header_len > bytes.size()) return bad("truncated header");
  std::string header = bytes.substr(offset, header_len);
  std::string descr = HeaderField(header, "descr");
  if (descr != "'<f4'" && descr != "'float32'")
    return bad(absl::StrCat("dtype ", descr.empty() ? "?" : descr, " is not little-endian float32 ('<f4')"));
  if (HeaderField(header, "fortran_order") != "False") return bad("Fortran-order arrays are not supported");
  std::string shape_text = HeaderField(header, "shape");
  if (shape_text.size() < 2) return bad("missing shape");
  NpyArray a;
  int64_t count = 1;
  std::stringstream ss(shape_text.substr(1, shape_text.size() - 2));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    long long d = std::atoll(item.c_str());
    if (d < 0 || d > (1 << 30)) return bad(absl::StrCat("bad dimension '", item, "'"));
    a.shape.push_back(static_cast<int32_t>(d));
    count *= d;
    if (count > (int64_t{1} << 32)) return bad("array too large");
  }
  size_t data_offset = offset + header_len;
  if (bytes.size() - data_offset != static_cast<size_t>(count) * 4)
    return bad(absl::StrCat("expected ", count * 4, " data bytes for shape ", ShapeToString(a.shape), ", found ",
                            bytes.size() - data_offset));
  a.data.resize(static_cast<size_t>(count));
  if (count) std::memcpy(a.data.data(), bytes.data() + data_offset, count * 4);
  return a;
}

absl::Status WriteNpy(const std::string& path, const Shape& shape, const float* data) {
  std::string dims;
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    absl::StrAppend(&dims, shape[i], shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    count *= shape[i];
  }
  std::string header = absl::StrCat("{'descr': '<f4', 'fortran_order': False, 'shape': (", dims, "), }");
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(count) * 4);
  return WriteFileAtomically(path, out.data(), out.size());
}

}  // namespace scalert::tools
