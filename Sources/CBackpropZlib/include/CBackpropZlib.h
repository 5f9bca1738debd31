// The system zlib, reached through dlopen so that Backprop builds without zlib's headers or a link-time
// dependency. Internal to Backprop: this target promises no API. See README.md.

#ifndef CBACKPROPZLIB_H
#define CBACKPROPZLIB_H

#ifdef __cplusplus
extern "C" {
#endif

/// zlib's `z_stream`, field for field (zlib.h, unchanged since zlib 1.0): `uInt` is `unsigned int` and `uLong` is
/// `unsigned long` on every platform zlib supports, so declaring the same C types gives the same layout.
typedef struct bp_z_stream {
  const unsigned char *next_in;  // next input byte
  unsigned int avail_in;         // bytes available at next_in
  unsigned long total_in;        // input bytes read so far
  unsigned char *next_out;       // next output byte goes here
  unsigned int avail_out;        // space left at next_out
  unsigned long total_out;       // output bytes written so far
  const char *msg;               // last error message, or NULL
  void *state;                   // zlib's internal state
  void *zalloc;                  // allocation function, NULL for zlib's default
  void *zfree;                   // free function, NULL for zlib's default
  void *opaque;                  // passed to zalloc and zfree
  int data_type;                 // best guess about the data type
  unsigned long adler;           // Adler-32 or CRC-32 of the data so far
  unsigned long reserved;        // reserved for future use
} bp_z_stream;

/// zlib's return codes and flush values (zlib.h).
#define BP_Z_OK 0
#define BP_Z_STREAM_END 1
#define BP_Z_NEED_DICT 2
#define BP_Z_STREAM_ERROR (-2)
#define BP_Z_DATA_ERROR (-3)
#define BP_Z_MEM_ERROR (-4)
#define BP_Z_BUF_ERROR (-5)
#define BP_Z_VERSION_ERROR (-6)
#define BP_Z_NO_FLUSH 0

/// An opened zlib: the dlopen handle and the four functions Backprop uses.
typedef struct bp_zlib {
  void *handle;
  int (*inflateInit2_)(bp_z_stream *stream, int windowBits, const char *version, int streamSize);
  int (*inflate)(bp_z_stream *stream, int flush);
  int (*inflateEnd)(bp_z_stream *stream);
  const char *(*zlibVersion)(void);
} bp_zlib;

/// Opens the first of `names` that dlopen can load and that has all four functions, and fills `zlib`. Returns the
/// index of that name; otherwise clears `zlib` and returns -2 when a library was loaded but lacked a function, or -1
/// when none could be loaded.
int bp_zlib_open(bp_zlib *zlib, const char *const *names, int count);

/// Closes a zlib opened by `bp_zlib_open`.
void bp_zlib_close(bp_zlib *zlib);

/// `inflateInit2(stream, windowBits)`: clears `stream` and prepares it with the loaded zlib's own version string.
int bp_zlib_inflate_init(const bp_zlib *zlib, bp_z_stream *stream, int windowBits);

/// `inflate(stream, flush)`.
int bp_zlib_inflate(const bp_zlib *zlib, bp_z_stream *stream, int flush);

/// `inflateEnd(stream)`.
int bp_zlib_inflate_end(const bp_zlib *zlib, bp_z_stream *stream);

/// `zlibVersion()`: the loaded library's version, such as "1.2.13".
const char *bp_zlib_version(const bp_zlib *zlib);

#ifdef __cplusplus
}
#endif

#endif
