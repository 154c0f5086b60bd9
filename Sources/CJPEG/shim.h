// libjpeg-turbo's libjpeg API (jpeglib.h needs stdio.h and size_t first).
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
