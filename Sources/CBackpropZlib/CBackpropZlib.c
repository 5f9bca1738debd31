#include "CBackpropZlib.h"

#include <stddef.h>
#include <string.h>

#if defined(_WIN32)

int bp_zlib_open(bp_zlib *zlib, const char *const *names, int count) {
  (void)names;
  (void)count;
  memset(zlib, 0, sizeof *zlib);
  return -1;
}

void bp_zlib_close(bp_zlib *zlib) { memset(zlib, 0, sizeof *zlib); }

#else

#include <dlfcn.h>

int bp_zlib_open(bp_zlib *zlib, const char *const *names, int count) {
  int result = -1;
  memset(zlib, 0, sizeof *zlib);
  for (int i = 0; i < count; i++) {
    void *handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) continue;
    // A function pointer from dlsym's void *: POSIX guarantees the conversion works.
    *(void **)&zlib->inflateInit2_ = dlsym(handle, "inflateInit2_");
    *(void **)&zlib->inflate = dlsym(handle, "inflate");
    *(void **)&zlib->inflateEnd = dlsym(handle, "inflateEnd");
    *(void **)&zlib->zlibVersion = dlsym(handle, "zlibVersion");
    if (zlib->inflateInit2_ == NULL || zlib->inflate == NULL || zlib->inflateEnd == NULL ||
        zlib->zlibVersion == NULL) {
      dlclose(handle);
      memset(zlib, 0, sizeof *zlib);
      result = -2;
      continue;
    }
    zlib->handle = handle;
    return i;
  }
  return result;
}

void bp_zlib_close(bp_zlib *zlib) {
  if (zlib->handle != NULL) dlclose(zlib->handle);
  memset(zlib, 0, sizeof *zlib);
}

#endif

int bp_zlib_inflate_init(const bp_zlib *zlib, bp_z_stream *stream, int windowBits) {
  memset(stream, 0, sizeof *stream);
  return zlib->inflateInit2_(stream, windowBits, zlib->zlibVersion(), (int)sizeof *stream);
}

int bp_zlib_inflate(const bp_zlib *zlib, bp_z_stream *stream, int flush) { return zlib->inflate(stream, flush); }

int bp_zlib_inflate_end(const bp_zlib *zlib, bp_z_stream *stream) { return zlib->inflateEnd(stream); }

const char *bp_zlib_version(const bp_zlib *zlib) { return zlib->zlibVersion(); }
