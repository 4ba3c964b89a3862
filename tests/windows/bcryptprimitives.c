/* ProcessPrng for Wine 8.0 (Debian bookworm's wine64), which has no
 * bcryptprimitives.dll: Rust's std (1.78 and later) imports ProcessPrng
 * from it, so deno.exe does not start without it ("Library
 * bcryptprimitives.dll ... not found", exit 53). Put next to deno.exe: the
 * application directory comes first in the DLL search order. The bytes come
 * from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
