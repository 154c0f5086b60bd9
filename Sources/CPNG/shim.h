// libpng 1.6's API, plus one C helper for reading.
//
// libpng reports errors by longjmp to a jmp_buf set in the caller; Swift cannot setjmp, so the whole
// decode runs in the C function below, which returns 0 and the message instead. Writing uses libpng's
// simplified API (png_image_write_to_memory), which needs no setjmp.
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <setjmp.h>
#include <png.h>

typedef struct {
    const unsigned char *data;
    size_t size, position;
    char *message;
    size_t capacity;
} rmae_png_source;

static inline void rmae_png_read(png_structp png, png_bytep out, size_t count) {
    rmae_png_source *source = (rmae_png_source *)png_get_io_ptr(png);
    if (count > source->size - source->position) png_error(png, "unexpected end of file (truncated PNG)");
    memcpy(out, source->data + source->position, count);
    source->position += count;
}

static inline void rmae_png_error(png_structp png, png_const_charp text) {
    rmae_png_source *source = (rmae_png_source *)png_get_error_ptr(png);
    snprintf(source->message, source->capacity, "%s", text);
    png_longjmp(png, 1);
}

static inline void rmae_png_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

// Decodes `size` bytes of PNG to 8-bit RGB: palette expanded, grey replicated, alpha dropped (as Pillow's
// convert("RGB")), 16-bit samples reduced to their high byte. Returns 1 on success with a malloc'd
// height * width * 3 buffer in *pixels (free with free()), or 0 with a message, or -1 with the declared
// size in *width_out and *height_out when width * height exceeds max_pixels (checked before any allocation).
static inline int rmae_png_decode_rgb8(const unsigned char *data, size_t size, unsigned char **pixels_out,
                                       unsigned int *width_out, unsigned int *height_out,
                                       unsigned long long max_pixels, char *message, size_t capacity) {
    rmae_png_source source = { data, size, 0, message, capacity };
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    png_infop info = NULL;
    *pixels_out = NULL;
    message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, rmae_png_error, rmae_png_warning);
    if (!png) { snprintf(message, capacity, "cannot create PNG reader"); return 0; }
    info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return 0;
    }
    png_set_user_limits(png, 1u << 16, 1u << 16);
    png_set_read_fn(png, &source, rmae_png_read);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if ((unsigned long long)width * height > max_pixels) {
        *width_out = width;
        *height_out = height;
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * 3) png_error(png, "unexpected row layout after conversion to RGB8");
    pixels = (unsigned char *)malloc((size_t)width * height * 3);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * width * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *pixels_out = pixels;
    *width_out = width;
    *height_out = height;
    return 1;
}

// Decodes `size` bytes of PNG to one label per pixel, keeping every bit: grey (1–16 bits) gives its value,
// palette its index, grey+alpha its grey value, RGB(A) R + 256·G + 65536·B of the high bytes (the COCO
// panoptic id encoding); alpha is ignored. Returns 1 with a malloc'd height * width buffer of uint32 in
// *labels (free with free()) and *depth set to the file's bit depth, or 0 with a message, or -1 with the
// declared size when width * height exceeds max_pixels (checked before any allocation).
static inline int rmae_png_decode_labels(const unsigned char *data, size_t size, unsigned int **labels_out,
                                         unsigned int *width_out, unsigned int *height_out, int *depth_out,
                                         unsigned long long max_pixels, char *message, size_t capacity) {
    rmae_png_source source = { data, size, 0, message, capacity };
    unsigned int *volatile labels = NULL;
    unsigned char *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    png_infop info = NULL;
    *labels_out = NULL;
    message[0] = 0;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, rmae_png_error, rmae_png_warning);
    if (!png) { snprintf(message, capacity, "cannot create PNG reader"); return 0; }
    info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(labels);
        free(buffer);
        free(rows);
        return 0;
    }
    png_set_user_limits(png, 1u << 16, 1u << 16);
    png_set_read_fn(png, &source, rmae_png_read);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if ((unsigned long long)width * height > max_pixels) {
        *width_out = width;
        *height_out = height;
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (depth < 8) png_set_packing(png);                      // one byte per sample, value unchanged
    if (color & PNG_COLOR_MASK_COLOR && depth == 16) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t channels = png_get_channels(png, info);
    size_t bytes = (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) && depth == 16 ? 2 : 1;
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)width * channels * bytes) png_error(png, "unexpected row layout for a label map");
    buffer = (unsigned char *)malloc(rowbytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    labels = (unsigned int *)malloc(sizeof(unsigned int) * (size_t)width * height);
    if (!buffer || !rows || !labels) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = buffer + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    for (png_uint_32 y = 0; y < height; y++) {
        const unsigned char *row = rows[y];
        unsigned int *out = labels + (size_t)y * width;
        for (png_uint_32 x = 0; x < width; x++) {
            const unsigned char *p = row + (size_t)x * channels * bytes;
            if (color & PNG_COLOR_MASK_COLOR && color != PNG_COLOR_TYPE_PALETTE)
                out[x] = p[0] | (unsigned int)p[1] << 8 | (unsigned int)p[2] << 16;
            else if (bytes == 2)
                out[x] = (unsigned int)p[0] << 8 | p[1];      // PNG samples are big-endian
            else
                out[x] = p[0];
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(buffer);
    free(rows);
    *labels_out = labels;
    *width_out = width;
    *height_out = height;
    *depth_out = depth;
    return 1;
}
