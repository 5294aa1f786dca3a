// The one place the ScaleRT version lives (CMake reads it from here too).
#ifndef SCALERT_RUNTIME_VERSION_H_
#define SCALERT_RUNTIME_VERSION_H_

#define SCALERT_VERSION_MAJOR 0
#define SCALERT_VERSION_MINOR 1
#define SCALERT_VERSION_PATCH 0
#define SCALERT_VERSION_STRING "0.1.0"

#endif  // SCALERT_RUNTIME_VERSION_H_
