#include "runtime/image/decode.h"

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"

#if SCALERT_HAVE_JPEG_PNG
#include <jpeglib.h>  // after <cstdio>: jpeglib.h needs FILE
#include <jerror.h>
#include <png.h>
#endif

namespace scalert::image {
namespace {

constexpr size_t kMaxFileBytes = size_t{512} << 20;

absl::Status CheckSize(const std::string& name, int64_t w, int64_t h) {
  if (w < 1 || h < 1 || w > kMaxSide || h > kMaxSide || w * h > kMaxDecodedPixels)
    return absl::InvalidArgumentError(absl::StrCat(name, ": image size ", w, "x", h, " is outside 1x1 .. ", kMaxSide,
                                                   "x", kMaxSide, " (at most ", kMaxDecodedPixels, " pixels)"));
  return absl::OkStatus();
}

// Binary PPM (P6) or PGM (P5), maxval 1..255; comments allowed in the header.
absl::StatusOr<Image> DecodePnm(const uint8_t* p, size_t size, const std::string& name) {
  size_t pos = 2;
  auto next_int = [&](int64_t* v) {
    for (;;) {
      while (pos < size && std::isspace(p[pos])) ++pos;
      if (pos < size && p[pos] == '#') {
        while (pos < size && p[pos] != '\n') ++pos;
        continue;
      }
      break;
    }
    if (pos >= size || !std::isdigit(p[pos])) return false;
    *v = 0;
    while (pos < size && std::isdigit(p[pos]) && *v < (int64_t{1} << 40)) *v = *v * 10 + (p[pos++] - '0');
    return true;
  };
  int64_t w, h, maxval;
  if (!next_int(&w) || !next_int(&h) || !next_int(&maxval) || pos >= size || !std::isspace(p[pos]))
    return absl::InvalidArgumentError(absl::StrCat(name, ": malformed PPM/PGM header"));
  ++pos;
  if (maxval < 1 || maxval > 255)
    return absl::InvalidArgumentError(absl::StrCat(name, ": PPM/PGM maxval ", maxval, " is not supported (1..255; 16-bit PNM is not)"));
  if (absl::Status s = CheckSize(name, w, h); !s.ok()) return s;
  const bool color = p[1] == '6';
  const size_t need = static_cast<size_t>(w * h * (color ? 3 : 1));
  if (size - pos < need)
    return absl::InvalidArgumentError(absl::StrCat(name, ": truncated image data (", size - pos, " of ", need, " bytes)"));
  Image img;
  img.width = static_cast<int32_t>(w);
  img.height = static_cast<int32_t>(h);
  img.rgb.resize(static_cast<size_t>(w * h * 3));
  for (size_t i = 0; i < static_cast<size_t>(w * h); ++i)
    for (int k = 0; k < 3; ++k) {
      const uint8_t v = p[pos + (color ? i * 3 + k : i)];
      img.rgb[i * 3 + k] = static_cast<uint8_t>((v * 255 + maxval / 2) / maxval);
    }
  return img;
}

#if SCALERT_HAVE_JPEG_PNG
// libjpeg and libpng report errors by longjmp. Each reader keeps all its state in a struct owned
// by the caller and declares no C++ object after setjmp, so the jump skips no destructor.
struct JpegReader {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "";
  bool truncated = false;
  Image* image;
};

void JpegError(j_common_ptr c) {
  JpegReader* r = reinterpret_cast<JpegReader*>(c->client_data);
  c->err->format_message(c, r->message);
  std::longjmp(r->jump, 1);
}

void JpegMessage(j_common_ptr c, int level) {
  // Warnings (level -1) are kept quiet; a premature end of data means a truncated file.
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<JpegReader*>(c->client_data)->truncated = true;
}

// False on failure, with the reason in r->message.
bool ReadJpeg(JpegReader* r, const uint8_t* data, size_t size) {
  if (setjmp(r->jump)) {
    jpeg_destroy_decompress(&r->cinfo);
    return false;
  }
  jpeg_create_decompress(&r->cinfo);
  jpeg_mem_src(&r->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&r->cinfo, TRUE);
  if (r->cinfo.jpeg_color_space == JCS_CMYK || r->cinfo.jpeg_color_space == JCS_YCCK) {
    std::snprintf(r->message, sizeof r->message, "CMYK JPEG is not supported (convert it to RGB)");
    jpeg_destroy_decompress(&r->cinfo);
    return false;
  }
  r->cinfo.out_color_space = JCS_RGB;  // grayscale too: R = G = B
  if (!CheckSize("", r->cinfo.image_width, r->cinfo.image_height).ok()) {
    std::snprintf(r->message, sizeof r->message, "image size %ux%u is too large", r->cinfo.image_width,
                  r->cinfo.image_height);
    jpeg_destroy_decompress(&r->cinfo);
    return false;
  }
  jpeg_start_decompress(&r->cinfo);
  r->image->width = static_cast<int32_t>(r->cinfo.output_width);
  r->image->height = static_cast<int32_t>(r->cinfo.output_height);
  r->image->rgb.resize(size_t{r->cinfo.output_width} * r->cinfo.output_height * 3);
  while (r->cinfo.output_scanline < r->cinfo.output_height && !r->truncated) {
    uint8_t* row = r->image->rgb.data() + size_t{r->cinfo.output_scanline} * r->cinfo.output_width * 3;
    jpeg_read_scanlines(&r->cinfo, &row, 1);
  }
  if (!r->truncated) jpeg_finish_decompress(&r->cinfo);
  jpeg_destroy_decompress(&r->cinfo);
  if (r->truncated) std::snprintf(r->message, sizeof r->message, "truncated JPEG data (premature end of file)");
  return !r->truncated;
}

absl::StatusOr<Image> DecodeJpeg(const uint8_t* data, size_t size, const std::string& name) {
  Image img;
  JpegReader r;
  r.image = &img;
  r.cinfo.err = jpeg_std_error(&r.err);
  r.err.error_exit = JpegError;
  r.err.emit_message = JpegMessage;
  r.cinfo.client_data = &r;
  if (!ReadJpeg(&r, data, size)) return absl::InvalidArgumentError(absl::StrCat(name, ": bad JPEG: ", r.message));
  return img;
}

struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const uint8_t* data;
  size_t size, pos = 0;
  char message[256] = "";
  Image* image;
  std::vector<png_bytep>* rows;
};

void PngError(png_structp png, png_const_charp msg) {
  PngReader* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof r->message, "%s", msg);
  png_longjmp(png, 1);
}
void PngWarning(png_structp, png_const_charp) {}

void PngRead(png_structp png, png_bytep out, png_size_t n) {
  PngReader* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (n > r->size - r->pos) png_error(png, "truncated PNG data (premature end of file)");
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

bool ReadPng(PngReader* r) {
  if (setjmp(png_jmpbuf(r->png))) return false;
  png_set_read_fn(r->png, r, PngRead);
  png_read_info(r->png, r->info);
  const png_uint_32 w = png_get_image_width(r->png, r->info), h = png_get_image_height(r->png, r->info);
  if (!CheckSize("", w, h).ok()) png_error(r->png, "image size is too large");
  const int color = png_get_color_type(r->png, r->info);
  png_set_scale_16(r->png);                   // 16-bit -> 8-bit, rounded
  png_set_palette_to_rgb(r->png);
  png_set_expand_gray_1_2_4_to_8(r->png);
  png_set_strip_alpha(r->png);                // alpha dropped, not composited
  if (!(color & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(r->png);
  png_set_interlace_handling(r->png);
  png_read_update_info(r->png, r->info);
  if (png_get_rowbytes(r->png, r->info) != size_t{w} * 3) png_error(r->png, "unexpected row layout after conversion");
  r->image->width = static_cast<int32_t>(w);
  r->image->height = static_cast<int32_t>(h);
  r->image->rgb.resize(size_t{w} * h * 3);
  r->rows->resize(h);
  for (png_uint_32 y = 0; y < h; ++y) (*r->rows)[y] = r->image->rgb.data() + size_t{y} * w * 3;
  png_read_image(r->png, r->rows->data());
  png_read_end(r->png, nullptr);
  return true;
}

absl::StatusOr<Image> DecodePng(const uint8_t* data, size_t size, const std::string& name) {
  Image img;
  std::vector<png_bytep> rows;
  PngReader r;
  r.data = data;
  r.size = size;
  r.image = &img;
  r.rows = &rows;
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, PngError, PngWarning);
  if (r.png) r.info = png_create_info_struct(r.png);
  if (!r.png || !r.info) {
    png_destroy_read_struct(&r.png, nullptr, nullptr);
    return absl::ResourceExhaustedError(absl::StrCat(name, ": out of memory starting the PNG decoder"));
  }
  const bool ok = ReadPng(&r);
  png_destroy_read_struct(&r.png, &r.info, nullptr);
  if (!ok) return absl::InvalidArgumentError(absl::StrCat(name, ": bad PNG: ", r.message));
  return img;
}
#endif  // SCALERT_HAVE_JPEG_PNG

}  // namespace

bool JpegPngSupported() { return SCALERT_HAVE_JPEG_PNG != 0; }

bool HasImageExtension(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "ppm" || ext == "pgm";
}

absl::StatusOr<Image> DecodeImage(const void* data, size_t size, const std::string& name) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  if (p == nullptr || size < 3) return absl::InvalidArgumentError(absl::StrCat(name, ": empty or too short to be an image"));
  if (p[0] == 'P' && (p[1] == '6' || p[1] == '5')) return DecodePnm(p, size, name);
  const bool jpeg = p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF;
  const bool png = size >= 8 && std::memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0;
#if SCALERT_HAVE_JPEG_PNG
  if (jpeg) return DecodeJpeg(p, size, name);
  if (png) return DecodePng(p, size, name);
#else
  if (jpeg || png)
    return absl::UnimplementedError(absl::StrCat(name, ": this build decodes only PPM/PGM (built without JPEG/PNG support)"));
#endif
  return absl::InvalidArgumentError(absl::StrCat(name, ": not a JPEG, PNG or binary PPM/PGM (P6/P5) image"));
}

absl::StatusOr<Image> ReadImageFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  const std::streamoff size = f.tellg();
  if (size < 0 || static_cast<uint64_t>(size) > kMaxFileBytes)
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a readable file of at most ", kMaxFileBytes, " bytes"));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  f.seekg(0);
  if (!f.read(reinterpret_cast<char*>(bytes.data()), size)) return absl::InvalidArgumentError(absl::StrCat(path, ": read failed"));
  return DecodeImage(bytes.data(), bytes.size(), path);
}

}  // namespace scalert::image
