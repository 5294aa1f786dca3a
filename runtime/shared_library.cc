// libscalert.so is the runtime archive linked whole, with only the C API exported
// (see libscalert.map); this file gives the target a source of its own.
#include "runtime/c_api.h"
