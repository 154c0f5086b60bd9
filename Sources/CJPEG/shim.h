// libjpeg-turbo's libjpeg API (jpeglib.h needs stdio.h and size_t first), plus one C helper.
//
// libjpeg reports fatal errors through error_exit, which must not return; its default calls exit().
// Swift cannot setjmp, so the whole decode runs in the C function below: error_exit formats the message
// and longjmps back to it, and the function returns 0 with the message instead of crashing.
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr manager;   // must be first: libjpeg sees only this part
    jmp_buf jump;
    int truncated;                   // saw the "premature end of data" warning
    char message[JMSG_LENGTH_MAX];
} rmae_jpeg_error;

static inline void rmae_jpeg_error_exit(j_common_ptr cinfo) {
    rmae_jpeg_error *error = (rmae_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, error->message);
    longjmp(error->jump, 1);
}

// Warnings are silent (as in Pillow), except a truncated stream, which we treat as an error.
static inline void rmae_jpeg_emit_message(j_common_ptr cinfo, int level) {
    rmae_jpeg_error *error = (rmae_jpeg_error *)cinfo->err;
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF && !error->truncated) {
            error->truncated = 1;
            (*cinfo->err->format_message)(cinfo, error->message);
        }
        cinfo->err->num_warnings++;
    }
}

// A decoded JPEG: `components` is 1 (grey), 3 (RGB) or 4 (CMYK; YCCK is converted to CMYK by libjpeg).
// `adobe_inverted` is set when an Adobe APP14 marker was seen (Adobe writes CMYK inverted).
typedef struct {
    unsigned char *pixels;           // malloc'd, height * width * components; free with free()
    int width, height, components, adobe_inverted;
} rmae_jpeg_image;

// Decodes `size` bytes. Returns 1 on success, 0 with a message in `message` (capacity bytes) on error, -1
// with the declared size in out->width and out->height when it exceeds max_pixels (checked from the header,
// before any allocation).
static inline int rmae_jpeg_decode(const unsigned char *data, unsigned long size, rmae_jpeg_image *out,
                                   unsigned long long max_pixels, char *message, size_t capacity) {
    struct jpeg_decompress_struct cinfo;
    rmae_jpeg_error error;
    unsigned char *volatile pixels = NULL;
    memset(out, 0, sizeof *out);
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = rmae_jpeg_error_exit;
    error.manager.emit_message = rmae_jpeg_emit_message;
    error.truncated = 0;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        snprintf(message, capacity, "%s", error.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    if ((unsigned long long)cinfo.image_width * cinfo.image_height > max_pixels) {
        out->width = (int)cinfo.image_width;
        out->height = (int)cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK: case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    pixels = (unsigned char *)malloc(stride * cinfo.output_height);
    if (!pixels) {
        snprintf(message, capacity, "out of memory for %ux%u image", cinfo.output_width, cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    if (error.truncated) {
        snprintf(message, capacity, "%s", error.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return 0;
    }
    jpeg_finish_decompress(&cinfo);
    out->pixels = pixels;
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->components = cinfo.output_components;
    out->adobe_inverted = cinfo.saw_Adobe_marker;
    jpeg_destroy_decompress(&cinfo);
    return 1;
}

// Encodes 8-bit pixels: components 1 (grey), 3 (RGB) or 4 (CMYK, written as given, with libjpeg's Adobe
// marker). `ycck` stores CMYK input as YCCK; `progressive` writes a progressive file. Returns 1 with a
// malloc'd buffer in *out (free with free()), or 0 with a message.
static inline int rmae_jpeg_encode(const unsigned char *pixels, int width, int height, int components,
                                   int quality, int progressive, int ycck,
                                   unsigned char **out, unsigned long *out_size,
                                   char *message, size_t capacity) {
    struct jpeg_compress_struct cinfo;
    rmae_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    unsigned long size = 0;
    *out = NULL;
    *out_size = 0;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = rmae_jpeg_error_exit;
    error.manager.emit_message = rmae_jpeg_emit_message;
    error.truncated = 0;
    error.message[0] = 0;
    if (setjmp(error.jump)) {
        snprintf(message, capacity, "%s", error.message);
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return 0;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *target = NULL;
    jpeg_mem_dest(&cinfo, &target, &size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    if (components == 4 && ycck) jpeg_set_colorspace(&cinfo, JCS_YCCK);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * (size_t)components);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    buffer = target;
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = size;
    return 1;
}
