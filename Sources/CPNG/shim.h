// libpng 1.6's API.
#include <png.h>
