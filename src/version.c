/* Run-time version.
 *
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

EXTREF_EXTERN uint32_t extref_version(void) { return EXTREF_VERSION_HEX; }

EXTREF_EXTERN const char *extref_version_string(void) {
  return EXTREF_VERSION_STRING;
}
