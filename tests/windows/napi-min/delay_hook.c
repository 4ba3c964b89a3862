/* node-gyp's win_delay_load_hook, for MinGW's delay-load helper: an addon
 * whose import library names node.exe, delay-loaded, gets its napi_*
 * functions from whatever executable hosts it (deno.exe here) instead of
 * a file named node.exe.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <delayimp.h>
#include <string.h>

static FARPROC WINAPI load_exe_hook(unsigned event, PDelayLoadInfo info) {
  if (event == dliNotePreLoadLibrary && _stricmp(info->szDll, "node.exe") == 0)
    return (FARPROC)GetModuleHandleW(NULL);
  return NULL;
}

PfnDliHook __pfnDliNotifyHook2 = load_exe_hook;
