// The AMX tile configuration (palette 1: eight tiles of up to 16 rows x 64 bytes), for files
// compiled for the amx level. A kernel describes the tiles it uses and loads the description at
// the start of every call: the configuration is per thread and any other AMX user in the thread
// (another library, a tilerelease) may have replaced it since the last call.
#ifndef SCALERT_KERNELS_X86_AMX_TILE_CONFIG_H_
#define SCALERT_KERNELS_X86_AMX_TILE_CONFIG_H_

#include <immintrin.h>

#include <cstdint>

namespace scalert::kernels::amx {

// The 64-byte operand of ldtilecfg (Intel SDM, "TILECFG").
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};  // bytes per row of tile i
  uint8_t rows[16] = {};    // rows of tile i

  void Set(int tile, int tile_rows, int bytes_per_row) {
    rows[tile] = static_cast<uint8_t>(tile_rows);
    colsb[tile] = static_cast<uint16_t>(bytes_per_row);
  }
  void Load() const {
    // GCC 12's _tile_loadconfig names only 8 bytes of its operand: this makes every field's store
    // happen before it.
    asm volatile("" : : "r"(this) : "memory");
    _tile_loadconfig(this);
  }
};
static_assert(sizeof(TileConfig) == 64, "ldtilecfg reads 64 bytes");

constexpr int kTileRows = 16;      // rows of a tile
constexpr int kTileRowBytes = 64;  // bytes per tile row

}  // namespace scalert::kernels::amx

#endif  // SCALERT_KERNELS_X86_AMX_TILE_CONFIG_H_
